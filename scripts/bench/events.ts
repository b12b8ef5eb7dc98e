// Change events (npm run events): events/s published with confirms from a backlog of transfer() commits, against a bare
// confirmed publisher of as many messages of the same size; transfer() calls/s with the publisher running, with the slot only decoded (pg_recvlogical) and with neither, and
// the WAL cost of REPLICA IDENTITY FULL on pgbank.users (migration 0019), taking turns. BENCH_EVENTS_SECONDS: backlog length.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { readdirSync, readFileSync } from 'node:fs';
import { writeFile, rm } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { connectAmqp } from '../../src/bridge/amqp.ts';
import { bridgeEnv, startBridge, type BridgeProcess, type LogLine } from '../../src/bridge/process.ts';
import { dbSettings, type DbSettings } from '../../src/config.ts';
import { CONSUMER_QUEUE_ARGUMENTS } from '../../src/events/config.ts';
import { connect, createDatabase, dropDatabase, type Sql } from '../../src/db.ts';
import { migrate } from '../../src/migrate.ts';
import { ratio, table } from './lib.ts';
import { account, pgbench, script } from './transfer.ts';

const AMQP_URL = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const BACKLOG_SECONDS = Number(process.env.BENCH_EVENTS_SECONDS ?? 10);

export default async function eventsBench(): Promise<string> {
  const tag = `pgbank_bench_events_${randomBytes(3).toString('hex')}`;
  const slot = tag;
  const exchange = `${tag}.events`;
  const queue = `${exchange}.all`;
  const s = dbSettings({ database: tag });
  const file = `/tmp/${tag}.sql`;
  await createDatabase(tag);
  const sql = connect({ ...s, max: 2, name: 'pgbank-bench' });
  const amqp = await connectAmqp(AMQP_URL, 'pgbank-bench-events');
  amqp.on('error', () => {});
  const ch = await amqp.createChannel();
  let publisher: BridgeProcess | undefined;
  let decoder: ChildProcess | undefined;
  const start = (settings: Record<string, string> = {}) => startBridge(bridgeEnv(s, {
    AMQP_URL, EVENTS_SLOT: slot, EVENTS_EXCHANGE: exchange, EVENTS_PROGRESS_MS: '200', ...settings,
  }), { script: 'src/events/main.ts' });
  try {
    await migrate({ database: tag });
    await sql`insert into pgbank.users (id, name) select ${sql.unsafe(account('g'))}, 'bench ' || g from generate_series(1, 2000) g`;
    await sql`select pgbank_private.open_accounts(1000000)`;
    await sql`vacuum analyze pgbank.users`;
    await writeFile(file, script(2000, 'ours'));
    await ch.assertExchange(exchange, 'topic', { durable: true });
    await ch.assertQueue(queue, { durable: true, arguments: CONSUMER_QUEUE_ARGUMENTS });
    await ch.bindQueue(queue, exchange, '#');

    // 1. A backlog: the slot made (by a first start), the publisher stopped, BACKLOG_SECONDS of transfer() at c=16.
    publisher = start();
    await publisher.waitFor((l) => l.event === 'publishing', 300_000);
    await publisher.stop('SIGTERM');
    const [{ before }] = (await sql<{ before: string }[]>`select coalesce(max(id), 0)::text as before from pgbank.transactions`) as unknown as [{ before: string }];
    await pgbench(tag, 16, ['-f', file, '-D', `run=b${Date.now()}`, '-T', String(BACKLOG_SECONDS)]);
    const [{ expected }] = (await sql<{ expected: number }[]>`
      select (2 * count(*))::int as expected from pgbank.transactions where id > ${before}::bigint and status = 'success'`) as unknown as [{ expected: number }];
    await ch.purgeQueue(queue);
    publisher = start();
    const go = await publisher.waitFor((l) => l.event === 'publishing', 60_000);
    // CPU of the three processes an event goes through, while the backlog drains (nothing else runs).
    const processes: [string, number | null][] = [
      ['npm run events (node: decode, JSON, AMQP)', publisher.pid],
      ['walsender (logical decoding, pgoutput)', await walsenderPid(sql, slot)],
      ['RabbitMQ (beam.smp: route, persist, confirm)', brokerPid()],
    ];
    const cpuBefore = processes.map(([, pid]) => cpuSeconds(pid));
    const done = await publisher.waitFor((l) => l.event === 'progress' && Number(l.events) >= expected, 600_000, `${expected} events`);
    const cpuPerEvent = processes.map(([label, pid], i): [string, number] => [label, (cpuSeconds(pid) - cpuBefore[i]!) / expected * 1e6]);
    const ours = seconds(go, done);
    const sample = await ch.get(queue, { noAck: true });
    const bodyBytes = sample ? sample.content.length : 400;
    await publisher.stop('SIGTERM');
    publisher = undefined;
    await ch.purgeQueue(queue);

    // Baseline: as many messages of that size, published with confirms (a window of as many as one of our batches) to the same exchange and queue.
    const bare = await barePublish(exchange, expected, bodyBytes);
    await ch.purgeQueue(queue);
    // The same into a classic queue (RabbitMQ 3.10's default type) instead, to show what the queue type costs.
    const classic = `${exchange}.classic`;
    await ch.unbindQueue(queue, exchange, '#');
    await ch.assertQueue(classic, { durable: true });
    await ch.bindQueue(classic, exchange, '#');
    const bareClassic = await barePublish(exchange, expected, bodyBytes);
    await ch.deleteQueue(classic);
    await ch.bindQueue(queue, exchange, '#');

    // 2. transfer() calls/s at c=16: identity default / full (no publisher), full with the slot only decoded
    // (pg_recvlogical into /dev/null), full with the publisher running; taking turns. Before each of the last
    // two the slot skips what the others wrote: they keep up with the load, not drain a backlog.
    const sum = { plain: 0, full: 0, decoded: 0, running: 0 };
    const skipBacklog = () => sql`select pg_replication_slot_advance(${slot}, pg_current_wal_lsn())`;
    for (let r = 0; r < ROUNDS; r++) {
      await sql`alter table pgbank.users replica identity default`;
      sum.plain += (await pgbench(tag, 16, ['-f', file, '-D', `run=p${r}${Date.now()}`])).tps / ROUNDS;
      await sql`alter table pgbank.users replica identity full`;
      sum.full += (await pgbench(tag, 16, ['-f', file, '-D', `run=f${r}${Date.now()}`])).tps / ROUNDS;
      await skipBacklog();
      decoder = decodeOnly(s, slot);
      if (!await walsenderPid(sql, slot)) throw new Error(`pg_recvlogical did not start reading slot ${slot}`);
      sum.decoded += (await pgbench(tag, 16, ['-f', file, '-D', `run=d${r}${Date.now()}`])).tps / ROUNDS;
      decoder.kill('SIGTERM');
      await once(decoder, 'exit');
      decoder = undefined;
      await skipBacklog();
      publisher = start();
      await publisher.waitFor((l) => l.event === 'publishing', 60_000);
      sum.running += (await pgbench(tag, 16, ['-f', file, '-D', `run=r${r}${Date.now()}`])).tps / ROUNDS;
      const last = publisher.lines.filter((l) => l.event === 'progress').at(-1);
      await publisher.stop('SIGTERM');
      publisher = undefined;
      await ch.purgeQueue(queue);
      if (r === ROUNDS - 1) lagNote = `lag at the end of the last round: ${last?.lag_bytes ?? '?'} bytes of WAL`;
    }
    return [
      table(['what', 'events', 'seconds', 'events/s', 'vs bare publisher'], [
        ['npm run events: backlog of transfer() commits → RabbitMQ, confirmed, slot advanced', expected, ours.toFixed(2), Math.round(expected / ours), ratio(expected / ours / (expected / bare))],
        [`bare confirmed publisher, ${bodyBytes}-byte messages`, expected, bare.toFixed(2), Math.round(expected / bare), ratio(1)],
        ['the same into a classic queue (3.10 default) instead of a quorum queue', expected, bareClassic.toFixed(2), Math.round(expected / bareClassic), ratio(bare / bareClassic)],
      ]),
      table(['transfer() at c=16, 2,000 accounts', 'calls/s', 'vs identity default, no publisher'], [
        ['users REPLICA IDENTITY DEFAULT (before 0019), no publisher', Math.round(sum.plain), ratio(1)],
        ['REPLICA IDENTITY FULL (0019), no publisher', Math.round(sum.full), ratio(sum.full / sum.plain)],
        ['REPLICA IDENTITY FULL, the slot decoded only (pg_recvlogical → /dev/null)', Math.round(sum.decoded), ratio(sum.decoded / sum.plain)],
        ['REPLICA IDENTITY FULL, npm run events publishing', Math.round(sum.running), ratio(sum.running / sum.plain)],
      ]) + `\n\n` + cpuTable(cpuPerEvent, sum.full) + `\n\nWith the publisher vs. without (both FULL): ${ratio(sum.running / sum.full)}; decoding only: ${ratio(sum.decoded / sum.full)}. pgbench -M prepared, ${ROUNDS} rounds of ${SECONDS} s per row, taking turns; ` +
        `the backlog: ${BACKLOG_SECONDS} s of transfer() at c=16 (2 events per commit), published by one process (the slot streamed, events published while the next commits arrive, confirms, flushed position reported). ${lagNote}.`,
    ].join('\n\n');
  } finally {
    decoder?.kill('SIGKILL');
    await publisher?.stop('SIGKILL');
    await ch.deleteQueue(queue).catch(() => {});
    await ch.deleteQueue(`${exchange}.classic`).catch(() => {});
    await ch.deleteExchange(exchange).catch(() => {});
    await amqp.close().catch(() => {});
    for (let i = 0; i < 50; i++) {
      const left = await sql`select pg_drop_replication_slot(slot_name) from pg_replication_slots where slot_name = ${slot} and not active`.catch(() => [1]);
      const [still] = await sql`select 1 from pg_replication_slots where slot_name = ${slot}`;
      if (!still) break;
      void left;
      await new Promise((r) => setTimeout(r, 200));
    }
    await sql.end();
    await rm(file, { force: true });
    await dropDatabase(tag);
  }
}

let lagNote = '';

/** User + system CPU seconds of a process (all its threads) so far; NaN when unknown. */
function cpuSeconds(pid: number | null): number {
  if (!pid) return NaN;
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;  // utime, stime in clock ticks (USER_HZ = 100 on Linux)
  } catch {
    return NaN;
  }
}

/** RabbitMQ's Erlang VM on this machine, if it runs here. */
function brokerPid(): number | null {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() === 'beam.smp') return Number(entry);
    } catch { /* gone */ }
  }
  return null;
}

async function walsenderPid(sql: Sql, slot: string): Promise<number | null> {
  for (let i = 0; i < 100; i++) {
    const [row] = await sql<{ pid: number | null }[]>`select active_pid as pid from pg_replication_slots where slot_name = ${slot}`;
    if (row?.pid) return row.pid;
    await new Promise((r) => setTimeout(r, 20));
  }
  return null;
}

/**
 * CPU per event in each process, against the CPU a transfer() call costs the whole machine at
 * c=16 (2 cores busy / calls per second): with 2 events per call, transfers with the publisher
 * beside them on the same cores can reach at most 1 / (1 + 2 × event CPU / call CPU) of the rate.
 */
function cpuTable(perEvent: [string, number][], callsPerSecond: number): string {
  const total = perEvent.reduce((sum, [, us]) => sum + us, 0);
  const callUs = availableParallelism() / callsPerSecond * 1e6;
  return table(['CPU per event, backlog drain', 'µs'], [
    ...perEvent.map(([label, us]) => [label, us.toFixed(1)]),
    ['all three', total.toFixed(1)],
    [`machine CPU per transfer() call at c=16 (${availableParallelism()} cores / ${Math.round(callsPerSecond)} calls/s)`, callUs.toFixed(0)],
    ['bound on the ratio with the publisher on these cores: 1 / (1 + 2 × events / call)', ratio(1 / (1 + 2 * total / callUs))],
  ]);
}
/** PostgreSQL's own client streaming the slot (pgoutput, our publication) and throwing it away: the decoding's cost alone. */
function decodeOnly(db: DbSettings, slot: string): ChildProcess {
  return spawn('pg_recvlogical', ['-h', db.host, '-p', String(db.port), '-U', db.user, '-d', db.database, '--slot', slot, '--start',
    '-o', 'proto_version=1', '-o', 'publication_names=pgbank_events', '-f', '/dev/null'],
  { stdio: 'ignore', env: { ...process.env, PGPASSWORD: db.password ?? '' } });
}

const seconds = (a: LogLine, b: LogLine) => (Date.parse(b.ts) - Date.parse(a.ts)) / 1000;

async function barePublish(exchange: string, count: number, bytes: number): Promise<number> {
  const connection = await connectAmqp(AMQP_URL, 'pgbank-bench-bare');
  try {
    const channel = await connection.createConfirmChannel();
    const body = Buffer.alloc(bytes, 'x');
    const started = performance.now();
    const window = 8_000;
    for (let i = 0; i < count; i += window) {
      for (let j = i; j < Math.min(count, i + window); j++) {
        if (!channel.publish(exchange, 'balance.changed', body, { persistent: true, contentType: 'application/json', messageId: String(j) })) await once(channel, 'drain');
      }
      await channel.waitForConfirms();
    }
    return (performance.now() - started) / 1000;
  } finally {
    await connection.close().catch(() => {});
  }
}
