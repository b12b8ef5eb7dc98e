// transfer() calls/s at c=1, 4, 16 on 2,000 accounts and on 10 hot accounts, against a naive transfer function and
// pgbench's TPC-B; transfers() (100 items per call) at c=4 against single transfer() calls at c=16; all driven by
// pgbench (synchronous_commit on) in databases made and dropped here. BENCH_PARTS=calls,perCall,batch picks parts.
import { $ } from 'zx';
import { dbSettings } from '../../src/config.ts';
import { connect, createDatabase, dropDatabase } from '../../src/db.ts';
import { migrate } from '../../src/migrate.ts';
import { ratio, table } from './lib.ts';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);  // per round
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const CLIENTS = [1, 4, 16];
const PARTS = (process.env.BENCH_PARTS ?? 'calls,perCall,batch').split(',');
const ITEMS = 100;  // transfers() items per call
// Per process: two benches on one server never drop each other's databases.
const DB = `pgbank_bench_transfer_${process.pid}`;
const TPCB_DB = `pgbank_bench_tpcb_${process.pid}`;
export const account = (n: string) => `('00000000-0000-4000-8000-' || lpad((${n})::text, 12, '0'))::uuid`;

// The naive design the issue measures against: lock both rows in id order, two UPDATEs, one
// INSERT. Its row goes in with status 'failed', so no ledger trigger runs for it.
const NAIVE = `
create schema if not exists bench;
create or replace function bench.naive_transfer(a uuid, b uuid, amt numeric) returns void language plpgsql as $$
begin
  perform from pgbank.users where id = least(a, b) for update;
  perform from pgbank.users where id = greatest(a, b) for update;
  update pgbank.users set balance = balance - amt where id = a;
  update pgbank.users set balance = balance + amt where id = b;
  insert into pgbank.transactions (ts, sender, receiver, amount, status) values (now(), a, b, amt, 'failed');
end $$;`;

export const script = (accounts: number, call: 'ours' | 'naive') => `
\\set a random(1, ${accounts})
\\set b 1 + (:a + random(0, ${accounts - 2})) % ${accounts}
\\set c random(1, 5000)
\\set r random(1, 1000000000000)
${call === 'ours'
    ? `select pgbank.transfer(:run || '-' || :client_id || '-' || :r, ${account(':a')}, ${account(':b')}, (:c::numeric / 100)::numeric(12, 2));`
    : `select bench.naive_transfer(${account(':a')}, ${account(':b')}, (:c::numeric / 100)::numeric(12, 2));`}
`;

// transfers(): ITEMS random transfers among 2,000 accounts per call, each with its own request id.
const batchScript = () => `
\\set r random(1, 1000000000)
select count(*) from pgbank.transfers(
  array(select :run || '-' || :client_id || '-' || :r || '-' || g from generate_series(1, ${ITEMS}) g),
  array(select ${account('1 + (hashint8(:r::bigint * ' + ITEMS + ' + g) & 2147483647) % 2000')} from generate_series(1, ${ITEMS}) g),
  array(select ${account('1 + (hashint8(:r::bigint * ' + ITEMS + ' + g + 7777777) & 2147483647) % 2000')} from generate_series(1, ${ITEMS}) g),
  array(select (1 + (hashint8(:r::bigint * ${ITEMS} + g + 555) & 2147483647) % 5000)::numeric / 100 from generate_series(1, ${ITEMS}) g));
`;

export async function pgbench(db: string, clients: number, args: string[], pgOptions = ''): Promise<{ tps: number; failed: number }> {
  const s = dbSettings();
  const env = { ...process.env, PGPASSWORD: s.password ?? '', PGOPTIONS: `${process.env.PGOPTIONS ?? ''} ${pgOptions}` };
  const out = await $({ quiet: true, env })`pgbench -h ${s.host} -p ${s.port} -U ${s.user} \
    -n -M prepared -c ${clients} -j ${Math.min(clients, 4)} -T ${SECONDS} ${args} ${db}`;
  const tps = Number(/tps = ([\d.]+)/.exec(out.stdout)?.[1] ?? NaN);
  const failed = Number(/number of failed transactions: (\d+)/.exec(out.stdout)?.[1] ?? 0);
  return { tps, failed };
}

export default async function benchTransfer(): Promise<string> {
  const s = dbSettings();
  await dropDatabase(DB, s);
  await dropDatabase(TPCB_DB, s);
  await createDatabase(DB, s);
  await createDatabase(TPCB_DB, s);
  const files: string[] = [];
  try {
    await migrate({ ...s, database: DB });
    const sql = connect({ ...s, database: DB, max: 1 });
    try {
      await sql`insert into pgbank.users (id, name) select ${sql.unsafe(account('g'))}, 'bench ' || g from generate_series(1, 2000) g`;
      await sql`select pgbank_private.open_accounts(1000000)`;
      await sql.unsafe(NAIVE);
      await sql`vacuum analyze pgbank.users`;
    } finally {
      await sql.end();
    }
    if (PARTS.includes('calls')) await $({ quiet: true })`pgbench -h ${s.host} -p ${s.port} -U ${s.user} -i -q -s 16 ${TPCB_DB}`;
    const write = async (name: string, text: string) => {
      const file = `/tmp/pgbank-bench-${process.pid}-${name}.sql`;
      await import('node:fs/promises').then((fs) => fs.writeFile(file, text));
      files.push(file);
      return file;
    };
    const rows: (string | number)[][] = [];
    let failures = 0;
    const out: string[] = [];
    if (PARTS.includes('calls')) for (const [label, accounts] of [['2,000 accounts', 2000], ['10 hot accounts', 10]] as const) {
      const ours = await write(`ours-${accounts}`, script(accounts, 'ours'));
      const naive = await write(`naive-${accounts}`, script(accounts, 'naive'));
      for (const c of CLIENTS) {
        // The three take turns, ROUNDS times each, so a slow stretch of the machine (a checkpoint,
        // a neighbour) falls on all of them; each figure is the mean of its rounds.
        const sum = { o: 0, n: 0, t: 0, failed: 0 };
        for (let r = 0; r < ROUNDS; r++) {
          const o = await pgbench(DB, c, ['-f', ours, '-D', `run=${Date.now()}`]);
          sum.o += o.tps;
          sum.failed += o.failed;
          sum.n += (await pgbench(DB, c, ['-f', naive])).tps;
          sum.t += (await pgbench(TPCB_DB, c, ['-b', 'tpcb-like'])).tps;
        }
        const [o, n, t] = [sum.o / ROUNDS, sum.n / ROUNDS, sum.t / ROUNDS];
        failures += sum.failed;
        rows.push([label, c, Math.round(o), Math.round(n), Math.round(t), ratio(o / n), ratio(o / t), sum.failed]);
      }
    }
    if (PARTS.includes('calls')) {
      out.push(table(['workload', 'clients', 'transfer() calls/s', 'naive calls/s', 'TPC-B tps', 'vs naive', 'vs TPC-B', 'failed calls'], rows) +
        `\n\npgbench drives all three (-M prepared, synchronous_commit on), taking turns: ${ROUNDS} rounds of ${SECONDS} s per cell, the mean shown; amounts 0.01–50.00; ` +
        `transfer() does idempotency, the attempt ledger, balance triggers and day totals; the naive function locks both ` +
        `rows in id order, UPDATEs two balances and INSERTs one row; TPC-B is pgbench's built-in at scale 16. ` +
        `${failures} failed transfer() calls (deadlocks would show here).`);
    }
    if (PARTS.includes('batch')) {
      // transfers() at c=4 against single transfer() calls at c=16, taking turns: transfers per second.
      const batch = await write('batch', batchScript());
      const single = await write('single', script(2000, 'ours'));
      const sum = { many: 0, one: 0, manyFailed: 0, oneFailed: 0 };
      for (let r = 0; r < ROUNDS; r++) {
        const m = await pgbench(DB, 4, ['-f', batch, '-D', `run=b${Date.now()}`]);
        const o = await pgbench(DB, 16, ['-f', single, '-D', `run=s${Date.now()}`]);
        sum.many += (m.tps * ITEMS) / ROUNDS;
        sum.one += o.tps / ROUNDS;
        sum.manyFailed += m.failed;
        sum.oneFailed += o.failed;
      }
      out.push(table(['call (2,000 accounts)', 'clients', 'transfers/s', 'vs transfer()', 'failed calls'], [
        [`transfers(), ${ITEMS} items per call`, 4, Math.round(sum.many), ratio(sum.many / sum.one), sum.manyFailed],
        ['transfer()', 16, Math.round(sum.one), ratio(1), sum.oneFailed],
      ]) + `\n\nThe two take turns, ${ROUNDS} rounds of ${SECONDS} s each (pgbench -M prepared, synchronous_commit on); ` +
        `each transfers() item has its own request id, outcome and ledger row.`);
    }
    // Database time per call, one client, commits not waiting for the disk: the work each function
    // does, steadier than calls/s on a machine whose speed wanders (both take the same turns).
    if (PARTS.includes('perCall')) {
      const sql2 = connect({ ...s, database: DB, max: 1 });
      const perCall: (string | number)[][] = [];
      try {
        const fns = [['transfer()', 'pgbank.transfer(text, uuid, uuid, numeric, jsonb)', await write('ours-cpu', script(2000, 'ours'))],
                     ['naive', 'bench.naive_transfer(uuid, uuid, numeric)', await write('naive-cpu', script(2000, 'naive'))]] as const;
        const total = new Map<string, { calls: number; ms: number }>(fns.map(([name]) => [name, { calls: 0, ms: 0 }]));
        for (let r = 0; r < ROUNDS; r++) {
          for (const [name, fn, file] of fns) {
            await sql2`select pg_stat_reset_single_function_counters(${fn}::regprocedure)`;
            await pgbench(DB, 1, ['-f', file, '-D', `run=cpu${Date.now()}`], '-c track_functions=pl -c synchronous_commit=off');
            // A backend reports its function counts as it exits, just after pgbench returns.
            let row: { calls: number; ms: number } | undefined;
            for (let i = 0; i < 50 && !row?.calls; i++) {
              [row] = await sql2<{ calls: number; ms: number }[]>`
                select calls::int, total_time::float8 as ms from pg_stat_user_functions where funcid = ${fn}::regprocedure`;
              if (!row?.calls) await new Promise((res) => setTimeout(res, 100));
            }
            const t = total.get(name)!;
            t.calls += row?.calls ?? 0;
            t.ms += row?.ms ?? 0;
          }
        }
        const us = (name: string) => (1000 * total.get(name)!.ms) / total.get(name)!.calls;
        for (const [name] of fns) perCall.push([name, total.get(name)!.calls, us(name).toFixed(0), ratio(us('naive') / us(name))]);
      } finally {
        await sql2.end();
      }

      out.push(table(['function (2,000 accounts, c=1)', 'calls', 'µs per call in the database', 'speed vs naive'], perCall) +
        `\n\nTime inside the function (track_functions: its statements and triggers, not the client round trip or the commit), ` +
        `synchronous_commit off so no call waits for the disk; the two take turns, ${ROUNDS} rounds of ${SECONDS} s each.`);
    }
    return out.join('\n\n');
  } finally {
    await Promise.all(files.map((f) => import('node:fs/promises').then((fs) => fs.rm(f, { force: true }))));
    await dropDatabase(DB, s);
    await dropDatabase(TPCB_DB, s);
  }
}
