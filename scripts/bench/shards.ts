// The sharded formation (scripts/shards): 4 shards and a PL/Proxy router, all databases of the
// default server. Router overhead: a same-shard transfer through the router against the same call
// made directly on the shard (latency at c=1, calls/s at c=16). Cross-shard transfers through the
// router at c=16 with the delivery worker running, and their delivery lag (payer's transaction to
// the payee's credit, from the shards' own times). Per-shard calls/s with every shard loaded at
// once, the CPU per call of the PostgreSQL backends serving them (from /proc), and the projection
// for N machines that follows from it. Its databases are dropped at the end.
import { readFileSync } from 'node:fs';
import { dbSettings } from '../../src/config.ts';
import type { Sql } from '../../src/db.ts';
import { Deliverer } from '../shards/deliver.ts';
import { down, open, up, type Place } from '../shards/formation.ts';
import { load, ms, percentile, ratio, table } from './lib.ts';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
const SHARDS = 4;
const PER_SHARD = 500;  // accounts
const CLIENTS = 16;
const ROUTED_CLIENTS = 8;  // through the router to every shard
const progress = (line: string) => console.error(`[bench shards] ${line}`);
const pick = <T>(xs: T[]): T => xs[Math.floor(Math.random() * xs.length)]!;
const amount = () => `${1 + Math.floor(Math.random() * 50)}.${String(Math.floor(Math.random() * 100)).padStart(2, '0')}`;
let seq = 0;
const rid = () => `b-${Date.now().toString(36)}-${seq++}`;

/** CPU seconds (user + system) of the server processes serving `databases`, by pid. */
async function backendCpu(admin: Sql, databases: string[]): Promise<Map<number, number>> {
  const rows = await admin<{ pid: number }[]>`select pid from pg_stat_activity where datname = any(${databases})`;
  const cpu = new Map<number, number>();
  for (const { pid } of rows) {
    try {
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
      cpu.set(pid, (Number(fields[11]) + Number(fields[12])) / 100);  // utime, stime in 1/100 s
    } catch {
      // gone, or on another machine
    }
  }
  return cpu;
}
const cpuSpent = (before: Map<number, number>, after: Map<number, number>) =>
  [...after].reduce((s, [pid, t]) => s + t - (before.get(pid) ?? 0), 0);

async function transferCall(sql: Sql, from: string, to: string): Promise<void> {
  await sql`select status from pgbank.transfer(${rid()}, ${from}::uuid, ${to}::uuid, ${amount()}::numeric)`;
}

export default async function benchShards(): Promise<string> {
  const base = dbSettings();
  const tag = `pgbank_bench_sh_${process.pid}`;
  const router: Place = { host: base.host, port: base.port, user: base.user, password: base.password, database: `${tag}_router` };
  const shards = Array.from({ length: SHARDS }, (_, i): Place => ({ ...router, database: `${tag}_s${i}` }));
  const all = [router.database, ...shards.map((s) => s.database)];
  const pools: Sql[] = [];
  const pool = (p: Place, max: number) => {
    const sql = open(p, max, 'pgbank-bench-shards');
    pools.push(sql);
    return sql;
  };
  let deliverer: Deliverer | undefined;
  try {
    const t0 = performance.now();
    await up({ router, shards }, { log: progress });
    progress(`formation up in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
    const admin = pool({ ...router, database: 'postgres' }, 1);
    // Accounts with 1,000,000.00 each, made on their own shards (ids drawn until they hash there).
    const owned: string[][] = [];
    for (let i = 0; i < SHARDS; i++) {
      const sql = pool(shards[i]!, 1);
      const ids = await sql<{ id: string }[]>`
        insert into pgbank.users (id, name)
        select id, 'bench' from (select gen_random_uuid() as id from generate_series(1, ${PER_SHARD * SHARDS * 3})) x
         where hashtext(id::text) & ${SHARDS - 1} = ${i} limit ${PER_SHARD}
        returning id::text`;
      await sql`insert into pgbank.transactions (ts, sender, receiver, amount)
                select now(), pgbank_private.world(), id, 1000000 from unnest(${ids.map((r) => r.id)}::uuid[]) id`;
      await sql`vacuum analyze pgbank.users`;
      owned.push(ids.map((r) => r.id));
    }
    const r16 = pool(router, CLIENTS);
    const s16 = pool(shards[0]!, CLIENTS);
    const sameShard = () => { const a = pick(owned[0]!); let b = pick(owned[0]!); while (b === a) b = pick(owned[0]!); return [a, b] as const; };

    // 1. Router overhead on a same-shard transfer: direct on shard 0 and through the router, taking turns.
    const rows: (string | number)[][] = [];
    const overhead: Record<string, { p50: number; p99: number; c16: number }> = {};
    for (const [label, sql] of [['directly on shard 0', s16], ['through the router', r16]] as const) {
      await load(1, 1, () => transferCall(sql, ...sameShard()));  // warm up (PL/Proxy connects)
      const c1 = await load(1, SECONDS / 2, () => transferCall(sql, ...sameShard()));
      await load(CLIENTS, 1, () => transferCall(sql, ...sameShard()));
      const c16 = await load(CLIENTS, SECONDS, () => transferCall(sql, ...sameShard()));
      overhead[label] = { p50: percentile(c1.latenciesMs, 50), p99: percentile(c1.latenciesMs, 99), c16: c16.perSecond };
      progress(`${label}: c=1 p50 ${ms(overhead[label].p50)} ms, c=16 ${c16.perSecond.toFixed(0)}/s`);
    }
    const d = overhead['directly on shard 0']!, r = overhead['through the router']!;
    rows.push(['same-shard transfer, c=1 p50 / p99 (ms)', `${ms(r.p50)} / ${ms(r.p99)}`, `${ms(d.p50)} / ${ms(d.p99)}`, ratio(r.p50 / d.p50)]);
    rows.push(['same-shard transfer, c=16 calls/s', r.c16.toFixed(0), d.c16.toFixed(0), ratio(r.c16 / d.c16)]);

    // 2. Cross-shard transfers through the router, the delivery running; lag from the shards' times.
    // Each router backend holds a connection to every shard it called: c=8 here keeps the server
    // (max_connections 100, shared) within bounds: 8 + 32 PL/Proxy connections.
    await Promise.all([r16.end(), s16.end()]);
    const r8 = pool(router, ROUTED_CLIENTS);
    deliverer = new Deliverer(shards, { connections: 1 });
    deliverer.start();
    const crossPair = () => {
      const a = Math.floor(Math.random() * SHARDS);
      const b = (a + 1 + Math.floor(Math.random() * (SHARDS - 1))) % SHARDS;
      return [pick(owned[a]!), pick(owned[b]!)] as const;
    };
    await load(ROUTED_CLIENTS, 1, () => transferCall(r8, ...crossPair()));
    const since = new Date();
    const cpu0 = await backendCpu(admin, all);
    const cross = await load(ROUTED_CLIENTS, SECONDS, () => transferCall(r8, ...crossPair()));
    await deliverer.drain(120_000);
    const cpu1 = await backendCpu(admin, all);
    const lags: number[] = [];
    for (let i = 0; i < SHARDS; i++) {
      const out = await pool(shards[i]!, 1)<{ account: string; request_id: string; ts: string }[]>`
        select account::text, request_id, ts::text from pgbank.shard_outbox where ts >= ${since}`;
      for (let j = 0; j < SHARDS; j++) {
        if (j === i || !out.length) continue;
        const credited = await pool(shards[j]!, 1)<{ lag: number }[]>`
          select extract(epoch from b.ts - x.ts)::float8 * 1000 as lag
            from pgbank.shard_inbox b
            join unnest(${out.map((o) => o.account)}::uuid[], ${out.map((o) => o.request_id)}::text[], ${out.map((o) => o.ts)}::text[]::timestamptz[]) x(account, request_id, ts)
              on b.account = x.account and b.request_id = x.request_id`;
        lags.push(...credited.map((c) => c.lag));
      }
    }
    const crossCpuMs = (cpuSpent(cpu0, cpu1) * 1000) / cross.latenciesMs.length;
    rows.push([`cross-shard transfer through the router, c=${ROUTED_CLIENTS} calls/s (delivery running)`, cross.perSecond.toFixed(0), `same-shard through the router, c=16: ${r.c16.toFixed(0)}`, ratio(cross.perSecond / r.c16)]);
    rows.push(['delivery lag p50 / p99 (ms, payer\'s transaction to credit)', `${ms(percentile(lags, 50))} / ${ms(percentile(lags, 99))}`, `${lags.length} transfers`, '']);
    await deliverer.stop();
    deliverer = undefined;

    // 3. Every shard loaded at once, directly (CLIENTS / SHARDS clients each), then through the router.
    const direct = shards.map((s) => pool(s, CLIENTS / SHARDS));
    const shardPair = (i: number) => { const a = pick(owned[i]!); let b = pick(owned[i]!); while (b === a) b = pick(owned[i]!); return [a, b] as const; };
    await Promise.all(direct.map((sql, i) => load(CLIENTS / SHARDS, 1, () => transferCall(sql, ...shardPair(i)))));
    const cpuA = await backendCpu(admin, all);
    const perShard = await Promise.all(direct.map((sql, i) => load(CLIENTS / SHARDS, SECONDS, () => transferCall(sql, ...shardPair(i)))));
    const cpuB = await backendCpu(admin, all);
    const total = perShard.reduce((s, x) => s + x.perSecond, 0);
    const calls = perShard.reduce((s, x) => s + x.latenciesMs.length, 0);
    const shardCpuMs = (cpuSpent(cpuA, cpuB) * 1000) / calls;
    const cpuR0 = await backendCpu(admin, all);
    const routed = await load(ROUTED_CLIENTS, SECONDS, () => { const i = Math.floor(Math.random() * SHARDS); return transferCall(r8, ...shardPair(i)); });
    const cpuR1 = await backendCpu(admin, all);
    const routedCpuMs = (cpuSpent(cpuR0, cpuR1) * 1000) / routed.latenciesMs.length;
    rows.push([`same-shard transfers on all ${SHARDS} shards at once, directly, calls/s (per shard)`,
      `${total.toFixed(0)} (${perShard.map((x) => x.perSecond.toFixed(0)).join(', ')})`, `one shard alone: ${d.c16.toFixed(0)}`, ratio(total / d.c16)]);
    rows.push([`the same through the router (c=${ROUTED_CLIENTS}), calls/s`, routed.perSecond.toFixed(0), `directly: ${total.toFixed(0)}`, ratio(routed.perSecond / total)]);
    rows.push(['server CPU per call (ms): same-shard direct / same-shard via router / cross-shard incl. delivery',
      `${shardCpuMs.toFixed(2)} / ${routedCpuMs.toFixed(2)} / ${crossCpuMs.toFixed(2)}`, '', '']);

    // 4. Projection: N machines, one shard each; routers counted apart.
    const cores = 8;
    const routerMs = Math.max(routedCpuMs - shardCpuMs, 0);           // the router's backend per call
    const crossShardMs = Math.max(crossCpuMs - routerMs, shardCpuMs);  // both shards and the delivery
    const mixMs = (n: number) => shardCpuMs / n + crossShardMs * (n - 1) / n;  // uniform payers and payees: (N-1)/N cross
    const projection = [1, 2, 4, 8, 16].map((n) => {
      const perSecond = (n * cores * 1000) / mixMs(n);
      return [n, `${Math.round(((n - 1) / n) * 100)} %`, `${mixMs(n).toFixed(2)} ms`, `${perSecond.toFixed(0)}/s`, Math.max(1, Math.ceil((perSecond * routerMs) / (cores * 1000)))];
    });
    return [
      table(['what', 'figure', 'baseline (same run)', 'ratio'], rows),
      '',
      `Projection for N shard machines of ${cores} cores each, CPU-bound: N × ${cores} × 1000 ÷ (shard CPU per transfer), a same-shard transfer costing ` +
        `${shardCpuMs.toFixed(2)} ms and a cross-shard one ${crossShardMs.toFixed(2)} ms (payer's shard, payee's shard, delivery); the router's ` +
        `${routerMs.toFixed(2)} ms per call runs on router machines of their own (stateless: add more).`,
      '',
      table(['shard machines', 'transfers across shards', 'shard CPU per transfer', 'projected transfers/s', `router machines (${cores} cores)`], projection),
      '',
      `Measured on one 2-core machine shared by all ${SHARDS} shards, the router and the clients (so the shards cannot scale here); ${SECONDS} s per figure. ` +
        'Assumed for the projection: CPU is the limit (disks keep up with group commit), accounts are uniform (no hot account; a hot account is one shard\'s limit), ' +
        'the network adds latency (one round trip router → shard, and the delivery\'s) but no CPU, and each router backend holds one connection per shard (PgBouncer in front of the shards beyond a few hundred clients).',
    ].join('\n');
  } finally {
    await deliverer?.stop().catch(() => {});
    await Promise.all(pools.map((p) => p.end({ timeout: 5 }).catch(() => {})));
    await down(router, shards).catch((err) => progress(`down: ${(err as Error).message}`));
  }
}
