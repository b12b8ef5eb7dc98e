// Provider bridge under failure: SIGKILL and SIGTERM mid-stream, PostgreSQL sessions killed, KeyDB unreachable; nothing lost, nothing twice.
import net from 'node:net';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { BridgeProcess } from '../../src/bridge/process.ts';
import { publishMessages } from '../../src/bridge/publisher.ts';
import { providerBalances, seedExampleProviders } from '../../src/bridge/sql.ts';
import { AMQP_URL, REDIS_URL, bridgeFixture, newRedis } from '../helpers/bridge.ts';
import { sleep, until } from '../helpers/wait.ts';
import { testDatabase, type TestDatabase } from '../helpers/db.ts';

const fixture = bridgeFixture('bridge_crash');
const { tag, prefix, queueFor } = fixture;
let db: TestDatabase;

const bridge = (queue: string, settings: Record<string, string> = {}) => fixture.start(db, queue, settings);

/** SIGTERM, and expect the clean exit (code 0) that follows a finished shutdown. */
async function stopCleanly(b: BridgeProcess): Promise<void> {
  const exit = await b.stop('SIGTERM');
  if (exit.code !== 0 || exit.signal !== null) {
    throw new Error(`SIGTERM should end in a clean exit, got ${JSON.stringify(exit)}; last lines:\n${b.tail()}`);
  }
}
/** Message i of a run: provider 1 or 2 and an amount in cents from -500.00 to 1499.99, exact. */
const cents = (i: number) => BigInt(((i * 7919) % 200_000) - 50_000);
const decimal = (c: bigint) => `${c < 0n ? '-' : ''}${(c < 0n ? -c : c) / 100n}.${String((c < 0n ? -c : c) % 100n).padStart(2, '0')}`;
const message = (run: string) => (i: number) => ({ body: `{"id": ${1 + (i % 2)}, "value": ${decimal(cents(i))}}`, messageId: `${run}-${i}` });
const expectedSum = (count: number) => {
  let sum = 0n;
  for (let i = 0; i < count; i++) sum += cents(i);
  return decimal(sum);
};

/** Rows recorded for a run: how many, how many distinct message_ids, and their exact sum. */
async function recorded(run: string): Promise<{ rows: number; distinct: number; sum: string }> {
  const [r] = await db.sql<{ rows: number; distinct: number; sum: string }[]>`
    select count(*)::int as rows, count(distinct message_id)::int as distinct,
           coalesce(sum(transaction_value), 0)::numeric(30, 2)::text as sum
      from pgbank.historical_transactions where message_id like ${run + '-%'}`;
  return r!;
}

test.before(async () => {
  db = await testDatabase('bridge_crash');
  await seedExampleProviders(db.sql);
});

test.after(async () => {
  await fixture.cleanup();
  await db?.drop();
});

test('20,000 messages, the bridge SIGKILLed 5 times and SIGTERMed once mid-stream: each recorded exactly once', async () => {
  const queue = queueFor('kill');
  const run = `${tag}-kill`;
  const count = 20_000;
  const publishing = publishMessages({ url: AMQP_URL, queue, count, rate: 2_000, message: message(run) });
  let current = bridge(queue);
  const stops: string[] = [];
  for (let k = 0; k < 6; k++) {
    await current.waitFor((l) => l.event === 'consuming', 20_000);
    // Let it get going (batches in flight), then strike at a random moment.
    const before = (await recorded(run)).rows;
    await until(async () => { const now = (await recorded(run)).rows; return now > before || now >= count; }, 10_000, 'progress');
    await sleep(100 + Math.random() * 400);
    const signal = k < 5 ? 'SIGKILL' : 'SIGTERM';
    const exit = await current.stop(signal);
    stops.push(`${signal} at ${(await recorded(run)).rows}`);
    if (signal === 'SIGTERM' && (exit.code !== 0 || exit.signal !== null)) {
      throw new Error(`SIGTERM should be a clean exit, got ${JSON.stringify(exit)}; last lines:\n${current.tail()}`);
    }
    // A clean stop just before our SIGKILL means someone else signalled it (this machine is shared
    // and recycles pids quickly): harmless here, the counts below are what matters.
    else if (exit.signal !== 'SIGKILL' && !(exit.code === 0 && current.lines.some((l) => l.event === 'stopped'))) {
      throw new Error(`expected death by SIGKILL, got ${JSON.stringify(exit)}; last lines:\n${current.tail()}`);
    }
    current = bridge(queue);
  }
  await publishing;
  await current.waitFor((l) => l.event === 'consuming', 20_000);
  await until(async () => (await recorded(run)).rows >= count, 60_000, `${count} rows (${stops.join(', ')})`);
  await sleep(500);  // anything recorded twice would show up now
  assert.equal(await recorded(run), { rows: count, distinct: count, sum: expectedSum(count) }, stops.join(', '));
  await stopCleanly(current);
  assert.equal([...await db.sql`select * from pgbank_private.provider_totals_verify()`], [], 'the running totals are exact');
});

test('PostgreSQL sessions killed twice mid-stream: the bridge carries on, unacked messages are redelivered, none lost or doubled', async () => {
  const queue = queueFor('pg');
  const run = `${tag}-pg`;
  const count = 8_000;
  // A batch caught on a connection that died mid-write (postgres.js, docs/bridge.md) is given up sooner than by default.
  const b = bridge(queue, { BRIDGE_BATCH_TIMEOUT_MS: '5000' });
  await b.waitFor((l) => l.event === 'consuming');
  const publishing = publishMessages({ url: AMQP_URL, queue, count, rate: 2_500, message: message(run) });
  const bridgeSessions = () => db.sql`
    select pid from pg_stat_activity where datname = ${db.name} and application_name like 'pgbank-bridge%' and pid <> pg_backend_pid()`;
  for (let k = 0; k < 2; k++) {
    await until(async () => (await bridgeSessions()).length >= 2, 10_000, 'the bridge connected');
    await sleep(1_000);
    // What a PostgreSQL restart does to the bridge, without restarting the server everyone shares.
    const killed = await db.sql`
      select pg_terminate_backend(pid) from pg_stat_activity
       where datname = ${db.name} and application_name like 'pgbank-bridge%' and pid <> pg_backend_pid()`;
    assert.ok(killed.length >= 2, `terminated the bridge's sessions (${killed.length})`);
  }
  await publishing;
  try {
    await until(async () => (await recorded(run)).rows >= count, 90_000, `${count} rows`);
  } catch (err) {
    const events = b.lines.filter((l) => l.event !== 'progress' && l.event !== 'keydb_write').slice(-15);
    throw new Error(`${(err as Error).message}; ${(await recorded(run)).rows} recorded; the bridge's last events:\n${events.map((l) => JSON.stringify(l)).join('\n')}\n${b.other.join('\n')}`);
  }
  await sleep(500);
  assert.equal(await recorded(run), { rows: count, distinct: count, sum: expectedSum(count) });
  assert.ok(b.lines.some((l) => ['lock_renewed', 'lock_lost', 'session_ended'].includes(l.event)), 'the bridge noticed');
  assert.is(b.child.exitCode, null, 'the same process carried on');
  const after = Date.now();
  await b.waitFor((l) => l.event === 'keydb_write' && Date.parse(l.ts) > after, 5_000, 'a KeyDB write after the failures');
  await stopCleanly(b);
});

test('KeyDB unreachable: the bridge logs, keeps consuming, and writes again at the next boundary once it is back', async () => {
  const proxy = await tcpProxy(new URL(REDIS_URL));
  const queue = queueFor('keydb');
  const run = `${tag}-keydb`;
  const b = bridge(queue, { REDIS_URL: `redis://127.0.0.1:${proxy.port}` });
  try {
    await b.waitFor((l) => l.event === 'keydb_write' && l.keys === 2, 10_000);
    await proxy.close();
    const down = Date.now();
    await b.waitFor((l) => l.event === 'keydb_write_failed' && Date.parse(l.ts) > down, 5_000, 'a failed write');
    await publishMessages({ url: AMQP_URL, queue, count: 300, message: message(run) });
    await until(async () => (await recorded(run)).rows === 300, 10_000, '300 rows while KeyDB is down');
    await b.waitFor((l) => l.event === 'keydb_write_failed' && Date.parse(l.ts) > down + 1_500, 5_000, 'a second failed write');
    assert.not.ok(b.lines.some((l) => l.event === 'keydb_write' && Date.parse(l.ts) > down + 100), 'no write claimed while down');

    await proxy.open();
    const up = Date.now();
    const back = await b.waitFor((l) => l.event === 'keydb_write' && Date.parse(l.ts) > up, 8_000, 'a write after KeyDB is back');
    assert.ok(Number(back.delay_ms) < 1_000, `on time: ${JSON.stringify(back)}`);
    const redis = newRedis();
    try {
      for (const p of await providerBalances(db.sql)) assert.is(await redis.get(prefix + p.key), p.balance, `${p.key} is current`);
    } finally {
      await redis.quit();
    }
    await stopCleanly(b);
  } finally {
    await proxy.close();
  }
});

/** A TCP relay to `target` that can be cut (connections dropped, port closed) and restored on the same port. */
async function tcpProxy(target: URL): Promise<{ port: number; close(): Promise<void>; open(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(target.port || 6379), target.hostname);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => {});
      s.on('close', () => { sockets.delete(s); client.destroy(); upstream.destroy(); });
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    close: () => new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      if (!server.listening) return resolve();
      server.close(() => resolve());
    }),
    open: () => new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve)),
  };
}

test.run();
