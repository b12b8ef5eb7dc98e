// Faults: two shards on two separate PostgreSQL clusters (pg_createcluster, removed after), the
// router on the default server. Under 8 clients of transfers, the delivery worker is SIGKILLed
// between crediting and settling, and the second shard's cluster is stopped with -m immediate and
// started again. Calls that failed are retried with their request_id. After draining: every
// request took effect once, money adds up, nothing in transit, every audit empty, every credit
// carries its payment's metadata.
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { promisify } from 'node:util';
import { readdirSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createAccount, topUp, transfer, type TransferResult } from '../../src/api.ts';
import { connect, createDatabase, ident, type Sql } from '../../src/db.ts';
import { migrate } from '../../src/migrate.ts';
import { ROOT } from '../../src/paths.ts';
import { cents, formationProblems, money, testShards, type TestShards } from '../helpers/shards.ts';

const execFileAsync = promisify(execFile);
const CLIENTS = 8;
const ACCOUNTS = 40;
const LOAD_SECONDS = 10;
const clusters: { name: string; port: number }[] = [];
const workers: ChildProcess[] = [];
let t: TestShards | undefined;
let router: Sql;

/** A TCP port nothing listens on, outside the ports of existing clusters. */
async function freePort(): Promise<number> {
  const taken = execFileSync('pg_lsclusters', ['-h'], { encoding: 'utf8' }).split('\n').map((l) => Number(l.split(/\s+/)[2]));
  for (;;) {
    const port = 56000 + Math.floor(Math.random() * 3000);
    if (taken.includes(port) || clusters.some((c) => c.port === port)) continue;
    const free = await new Promise<boolean>((resolve) => {
      const s = net.createServer().once('error', () => resolve(false)).listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
    });
    if (free) return port;
  }
}

// Asynchronous: the clients keep calling while a cluster stops and starts.
const pgctl = (name: string, action: string, ...args: string[]) => execFileAsync('pg_ctlcluster', ['15', name, action, ...args]);
const t0 = performance.now();
const phase = (what: string) => console.log(`${what}: ${((performance.now() - t0) / 1000).toFixed(1)} s`);

test.before(async () => {
  try {
    await setUp();
  } catch (err) {
    console.error(`set-up: ${(err as Error).stack}`);  // uvu does not print a failed hook's error
    throw err;
  }
});

async function setUp(): Promise<void> {
  // Cluster a gets a migrated shard database; cluster b is a physical copy of a (pg_basebackup: a
  // second migration would take another minute), its database renamed to shard 1's name.
  for (const label of ['a', 'b']) {
    clusters.push({ name: `pgbank_fault_${label}_${randomBytes(3).toString('hex')}`, port: await freePort() });
  }
  const [a, b] = clusters as [{ name: string; port: number }, { name: string; port: number }];
  // fsync=off: a stop -m immediate kills processes, not the OS; what was written survives it.
  const options = ['-o', 'fsync=off', '-o', 'max_connections=60', '-o', 'shared_buffers=32MB', '-o', 'max_locks_per_transaction=1024', '--', '-A', 'trust'];
  execFileSync('pg_createcluster', ['15', a.name, '-p', String(a.port), '--start', ...options], { stdio: 'pipe' });
  t = await testShards('shards_fault', 2, clusters.map((c) => ({ host: '127.0.0.1', port: c.port })), async ([s0, s1]) => {
    await createDatabase(s0!.database, { host: s0!.host, port: s0!.port });
    await migrate({ host: s0!.host, port: s0!.port, database: s0!.database });
    execFileSync('pg_createcluster', ['15', b.name, '-p', String(b.port), ...options], { stdio: 'pipe' });
    const dataDir = `/var/lib/postgresql/15/${b.name}`;
    for (const f of readdirSync(dataDir)) rmSync(path.join(dataDir, f), { recursive: true, force: true });  // the directory stays postgres's
    execFileSync('runuser', ['-u', 'postgres', '--', '/usr/lib/postgresql/15/bin/pg_basebackup', '-h', '127.0.0.1', '-p', String(a.port),
      '-U', 'postgres', '-D', dataDir, '-X', 'stream', '-c', 'fast'], { stdio: 'pipe' });
    await pgctl(b.name, 'start');
    const admin = connect({ host: s1!.host, port: s1!.port, database: 'postgres', max: 1 });
    try {
      await admin.unsafe(`alter database ${ident(s0!.database)} rename to ${ident(s1!.database)}`);
    } finally {
      await admin.end();
    }
  });
  router = t.routerPool(CLIENTS + 2);
  phase('formation');
}

test.after(async () => {
  for (const w of workers) w.kill('SIGKILL');
  await router?.end({ timeout: 5 }).catch(() => {});
  await t?.down().catch((err) => console.error(`down: ${(err as Error).message}`));
  for (const c of clusters) {
    try {
      execFileSync('pg_dropcluster', ['15', c.name, '--stop'], { stdio: 'pipe' });
    } catch (err) {
      console.error(`pg_dropcluster ${c.name}: ${(err as Error).message}`);
    }
  }
});

/** The delivery worker as its own process (what npm run shards -- up starts); `onLine` sees its log. */
function worker(env: Record<string, string>, onLine: (line: string) => void = () => {}): ChildProcess {
  const w = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'scripts', 'shards.ts'), 'deliver', '--router', t!.router.database], {
    cwd: ROOT, env: { ...process.env, PGHOST: t!.router.host, PGPORT: String(t!.router.port), DATABASE_URL: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let buf = '';
  const feed = (d: Buffer) => {
    buf += d;
    for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
      onLine(buf.slice(0, i));
      buf = buf.slice(i + 1);
    }
  };
  w.stdout!.on('data', feed);
  w.stderr!.on('data', feed);
  workers.push(w);
  return w;
}

test('a worker killed mid-delivery and a shard stopped -m immediate: every request once, money adds up', async () => {
  // Worker 1 pauses between crediting and settling; it is killed in that pause.
  let killedMidDelivery = false;
  phase('accounts');
  let ready: () => void;
  const started = new Promise<void>((resolve) => (ready = resolve));
  const first = worker({ PGBANK_DELIVER_SETTLE_DELAY_MS: '2000' }, (line) => {
    if (line.includes('delivering between')) ready();
    if (!killedMidDelivery && line.includes('credited')) {
      killedMidDelivery = true;
      first.kill('SIGKILL');
    }
  });

  await started;
  const ids: string[] = [];
  for (let i = 0; i < ACCOUNTS; i++) {
    const a = await createAccount(router, `Acct ${i}`);
    await topUp(router, `open-${a.id}`, a.id, '1000.00');
    ids.push(a.id);
  }
  const acks = new Map<string, { from: string; to: string; amount: string; result: TransferResult }>();
  let errors = 0, retried = 0;
  const deadline = Date.now() + LOAD_SECONDS * 1000;
  const pick = () => ids[Math.floor(Math.random() * ids.length)]!;
  const load = Promise.all(Array.from({ length: CLIENTS }, async (_, c) => {
    for (let i = 0; Date.now() < deadline; i++) {
      const from = pick();
      let to = pick();
      while (to === from) to = pick();
      const requestId = `f-${c}-${i}`;
      const amt = money(BigInt(1 + Math.floor(Math.random() * 3000)));
      for (let attempt = 0; ; attempt++) {  // a call in doubt is retried with its request_id
        try {
          const result = await transfer(router, requestId, from, to, amt, { request: requestId });
          if (attempt) retried++;
          acks.set(requestId, { from, to, amount: amt, result });
          break;
        } catch (err) {
          errors++;
          if (Date.now() > deadline + 60_000) throw err;
          await sleep(200);
        }
      }
    }
  }));

  // Shard 1's cluster goes down hard for 4 s, a few seconds in.
  await sleep(4000);
  const b = clusters[1]!;
  phase('stopping shard 1');
  await pgctl(b.name, 'stop', '-m', 'immediate');
  const stoppedAt = Date.now();
  await sleep(4000);
  await pgctl(b.name, 'start');
  const downSeconds = (Date.now() - stoppedAt) / 1000;
  await load;
  phase('load done');
  assert.ok(killedMidDelivery, 'the first worker was killed between credit and settle');
  assert.ok(errors > 0, 'calls failed while the shard was down');

  // The killed worker left credits whose outbox rows are still pending: the next one settles them.
  let unsettled = 0;
  for (const [from, to] of [[0, 1], [1, 0]] as const) {
    const pending = await t!.shard(from)<{ account: string; request_id: string }[]>`select account::text, request_id from pgbank.shard_outbox where status = 'pending'`;
    const [row] = await t!.shard(to)<{ n: number }[]>`
      select count(*)::int as n from pgbank.shard_inbox i join unnest(${pending.map((p) => p.account)}::uuid[], ${pending.map((p) => p.request_id)}::text[]) x(a, r)
        on i.account = x.a and i.request_id = x.r`;
    unsettled += row!.n;
  }
  assert.ok(unsettled > 0, 'some transfers were credited and not settled when the worker died');

  const second = worker({});
  const drainBy = Date.now() + 60_000;
  for (;;) {
    const transit = await router`select count(*)::int as n from pgbank.money_in_transit()`;
    if (transit[0]!.n === 0) break;
    assert.ok(Date.now() < drainBy, `${transit[0]!.n} transfers still in transit after 60 s`);
    await sleep(200);
  }
  second.kill('SIGTERM');
  phase('drained');

  const problems = await formationProblems(t!, BigInt(ACCOUNTS) * 100000n);
  assert.equal(problems, [], problems.join('\n'));
  // Every request recorded once, with the outcome its client got; balances are what the acks say.
  const delta = new Map<string, bigint>(ids.map((id) => [id, 0n]));
  const requests = new Map<string, string>();
  for (let i = 0; i < 2; i++) {
    for (const r of await t!.shard(i)<{ request_id: string; status: string }[]>`
      select r.request_id, s.status from pgbank.requests r, pgbank_private.stored_request(r.account, r.request_id) s
       where r.request_id like 'f-%'`) {
      assert.not.ok(requests.has(r.request_id), `${r.request_id} recorded twice`);
      requests.set(r.request_id, r.status);
    }
  }
  assert.is(requests.size, acks.size, 'one request row per acknowledged request');
  for (const [requestId, a] of acks) {
    assert.is(requests.get(requestId), a.result.status === 'failed' ? 'failed' : 'success', requestId);
    if (a.result.status === 'failed') continue;
    delta.set(a.from, delta.get(a.from)! - cents(a.amount));
    delta.set(a.to, delta.get(a.to)! + cents(a.amount));
  }
  for (let i = 0; i < 2; i++) {
    for (const u of await t!.shard(i)<{ id: string; balance: string }[]>`select id::text, balance::text from pgbank.users where id = any(${ids}::uuid[])`) {
      assert.is(u.balance, money(100000n + delta.get(u.id)!), `balance of ${u.id}`);
    }
  }
  const cross = [...acks.values()].filter((a) => a.result.status === 'in_transit').length;
  console.log(`${acks.size} transfers (${cross} across shards), ${errors} failed calls while shard 1 was down ${downSeconds.toFixed(1)} s, ` +
    `${retried} retried and taking effect once; ${unsettled} credited but unsettled when the worker was killed`);
});

test.run();
