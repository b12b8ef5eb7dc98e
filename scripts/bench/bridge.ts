// Provider bridge: end-to-end msgs/s (published with confirms → committed in PostgreSQL) vs an ack-only consumer, KeyDB write delay under load, refresh cost vs history size, poison bodies.
//   npx tsx scripts/bench.ts bridge                  # 100,000 messages (BENCH_BRIDGE_MESSAGES to change)
// Run as `tsx scripts/bench/bridge.ts --ack-only QUEUE COUNT` it is the baseline consumer itself.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { Redis } from 'ioredis';
import { parse } from 'lossless-json';
import { connectAmqp, declareSourceQueue, deleteQueues, type ConsumeMessage } from '../../src/bridge/amqp.ts';
import { readTransactionMessage } from '../../src/bridge/message.ts';
import { bridgeEnv, startBridge, type BridgeProcess } from '../../src/bridge/process.ts';
import { publishMessages } from '../../src/bridge/publisher.ts';
import { providerBalances, seedExampleProviders } from '../../src/bridge/sql.ts';
import { dbSettings } from '../../src/config.ts';
import { connect, createDatabase, dropDatabase, type Sql } from '../../src/db.ts';
import { migrate } from '../../src/migrate.ts';
import { ms, percentile, ratio, table } from './lib.ts';

const AMQP_URL = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const PREFETCH = 3_000;     // the bridge's default (batch 1,000 × (2 in flight + 1))
const PERIOD_MS = 1_000;    // for the delay figures: 60 boundaries a minute instead of 1
const SUSTAINED_S = 60;

export default async function bridgeBench(): Promise<string> {
  const count = Number(process.env.BENCH_BRIDGE_MESSAGES ?? 100_000);
  const tag = `pgbank_bench_bridge_${randomBytes(3).toString('hex')}`;
  const queues = [`${tag}.baseline`, `${tag}.bridge`, `${tag}.bridge.dead`, `${tag}.baseline.dead`];
  await createDatabase(tag);
  const sql = connect({ database: tag, max: 2, name: 'pgbank-bench' });
  let bridge: BridgeProcess | undefined;
  try {
    await migrate({ database: tag });
    await seedExampleProviders(sql);
    const message = (run: string) => (i: number) => ({ body: `{"id": ${1 + (i % 2)}, "value": ${(i % 20_000) - 5_000}.${String(i % 100).padStart(2, '0')}}`, messageId: `${run}-${i}` });

    // Baseline: the same publisher into a consumer that only acks (in batches, like the bridge).
    const baseline = await ackOnlyRun(queues[0]!, count, message('baseline'));

    // The bridge as deployed (default settings), from the first publish to the last commit.
    const env = (settings: Record<string, string>) => bridgeEnv(dbSettings({ database: tag }), {
      AMQP_URL, REDIS_URL, BRIDGE_QUEUE: queues[1]!, BRIDGE_KEY_PREFIX: `${tag}:`, ...settings,
    });
    bridge = startBridge(env({}));
    await bridge.waitFor((l) => l.event === 'consuming', 30_000);
    let before = await recorded(sql);
    const started = performance.now();
    const published = await publishMessages({ url: AMQP_URL, queue: queues[1]!, count, message: message('bridge') });
    while ((await recorded(sql)) < before + count) await new Promise((r) => setTimeout(r, 20));
    const bridgeSeconds = (performance.now() - started) / 1000;

    // A poison body in the way: how long until the good message published right after it is committed.
    const goodAfter = async (poison?: Buffer) => {
      const id = `poison-${randomBytes(4).toString('hex')}`;
      const t0 = performance.now();
      await publishMessages({ url: AMQP_URL, queue: queues[1]!, count: poison ? 2 : 1,
        message: (i) => (i === 0 && poison ? { body: poison, messageId: `${id}-poison` } : { body: '{"id": 1, "value": 1}', messageId: id }) });
      while (!(await sql`select 1 from pgbank.historical_transactions where message_id = ${id}`).length) await new Promise((r) => setTimeout(r, 5));
      return performance.now() - t0;
    };
    const hundredMb = Buffer.from(`{"id": 1, "value": 1, "pad": "${'x'.repeat(100 * 1024 * 1024)}"}`);
    const plainMs: number[] = [];
    const poisonMs: number[] = [];
    for (let i = 0; i < 3; i++) {
      plainMs.push(await goodAfter());
      poisonMs.push(await goodAfter(hundredMb));
    }
    await bridge.stop('SIGTERM');

    // KeyDB write delay while consuming flat out, at a 1 s period: SUSTAINED_S seconds of publishing.
    bridge = startBridge(env({ BRIDGE_PERIOD_MS: String(PERIOD_MS) }));
    await bridge.waitFor((l) => l.event === 'consuming', 30_000);
    before = await recorded(sql);
    const sustainedFrom = Date.now();
    const sustained = await publishMessages({ url: AMQP_URL, queue: queues[1]!, count: 10_000_000, message: message('sustained'),
      signal: AbortSignal.timeout(SUSTAINED_S * 1000) });
    while ((await recorded(sql)) < before + sustained.published) await new Promise((r) => setTimeout(r, 20));
    const sustainedUntil = Date.now();
    await new Promise((r) => setTimeout(r, 5 * PERIOD_MS));
    const delays = (from: number, until: number) => bridge!.lines
      .filter((l) => l.event === 'keydb_write' && typeof l.delay_ms === 'number')
      .filter((l) => Date.parse(String(l.boundary)) >= from && Date.parse(String(l.boundary)) <= until)
      .map((l) => Number(l.delay_ms));
    const underLoad = delays(sustainedFrom, sustainedUntil);
    const idle = delays(sustainedUntil + PERIOD_MS, Date.now());
    const failed = bridge.lines.filter((l) => l.event === 'keydb_write_failed').length;
    await bridge.stop('SIGTERM');
    bridge = undefined;

    // The refresh reads one row per provider; the plain query it replaces scans the history.
    const history = await recorded(sql);
    const refreshMs = await timeCalls(50, () => providerBalances(sql));
    const fullSumMs = await timeCalls(10, () => sql`
      select d.id, d.initial_value + coalesce(sum(h.transaction_value), 0) from pgbank.initial_data d
        left join pgbank.historical_transactions h on h.provider_id = d.id group by d.id`);

    const bridgeRate = count / bridgeSeconds;
    const reading = readingCosts(hundredMb);
    const delayRow = (label: string, xs: number[]) =>
      [label, xs.length, ms(percentile(xs, 50)), ms(percentile(xs, 99)), ms(Math.max(...xs))];
    return [
      table(['pipeline (publish with confirms → …)', 'messages', 'seconds', 'msgs/s', 'vs baseline'], [
        ['publish only (confirmed)', count, baseline.publishSeconds.toFixed(2), Math.round(count / baseline.publishSeconds), '-'],
        ['baseline: … → consumer that only acks', count, baseline.seconds.toFixed(2), Math.round(count / baseline.seconds), ratio(1)],
        ['bridge: … → committed in PostgreSQL', count, bridgeSeconds.toFixed(2), Math.round(bridgeRate), ratio(bridgeRate / (count / baseline.seconds))],
      ]),
      '',
      table(['KeyDB write delay after the boundary (ms)', 'writes', 'p50', 'p99', 'max'], [
        delayRow(`while consuming flat out (${PERIOD_MS} ms period, ${SUSTAINED_S} s)`, underLoad),
        delayRow('idle', idle),
      ]),
      '',
      table([`balances of 2 providers, history of ${history.toLocaleString('en-US')} rows`, 'p50 ms', 'p99 ms'], [
        ['pgbank.provider_balances() (running totals)', ms(percentile(refreshMs, 50)), ms(percentile(refreshMs, 99))],
        ['initial_value + sum() over the history', ms(percentile(fullSumMs, 50)), ms(percentile(fullSumMs, 99))],
      ]),
      '',
      table(['a good message published (bridge defaults, 3 runs)', 'median ms', 'max ms', 'vs alone'], [
        ['alone: publish → committed', ms(percentile(plainMs, 50)), ms(Math.max(...plainMs)), ratio(1)],
        ['right after a 100 MB body: publish both → the good one committed', ms(percentile(poisonMs, 50)), ms(Math.max(...poisonMs)),
         ratio(percentile(poisonMs, 50) / percentile(plainMs, 50))],
      ]),
      '',
      table(['readTransactionMessage (in process)', 'bytes', 'median ms', 'vs a provider message'], reading),
      '',
      `Durable queue, persistent messages, publisher confirms (1,000 unconfirmed at most), prefetch ${PREFETCH}; ` +
      `bridge defaults (batches of 1,000, 2 in flight, 60 s period); ${published.published.toLocaleString('en-US')} messages per run; then ` +
      `${sustained.published.toLocaleString('en-US')} more in ${SUSTAINED_S} s with a 1 s period for the write delays; ` +
      `${failed} failed KeyDB writes. Goal: ≥ 10,000 msgs/s end to end, writes within 50 ms (p99).`,
    ].join('\n');
  } finally {
    await bridge?.stop('SIGKILL');
    await sql.end();
    await deleteQueues(AMQP_URL, queues).catch(() => {});
    const redis = new Redis(REDIS_URL, { protocol: 2, disableClientInfo: true });
    const keys = await redis.keys(`${tag}:*`);
    if (keys.length) await redis.del(...keys);
    await redis.quit();
    await dropDatabase(tag);
  }
}

/** The parser's cost: a provider message, a 100 MB body refused by size, and the parse a larger limit would let through. */
function readingCosts(hundredMb: Buffer): (string | number)[][] {
  const median = (n: number, f: () => unknown) => {
    const xs: number[] = [];
    for (let i = 0; i < n; i++) {
      const t0 = performance.now();
      f();
      xs.push(performance.now() - t0);
    }
    return percentile(xs, 50);
  };
  const small = Buffer.from('{"id": 1, "value": 600}');
  const tenMb = hundredMb.subarray(0, 10 * 1024 * 1024 - 2);
  const tenMbText = `${tenMb.toString('utf8')}"}`;
  const base = median(10_000, () => readTransactionMessage(small));
  const refused = median(10_000, () => readTransactionMessage(hundredMb));
  const parsed = median(3, () => parse(tenMbText));
  return [
    ['a provider message (read)', small.length, base.toFixed(4), ratio(1)],
    ['100 MB body (refused by size, default limit)', hundredMb.length, refused.toFixed(4), ratio(refused / base)],
    ['10 MB body parsed by lossless-json (before the limit)', tenMbText.length, parsed.toFixed(1), ratio(parsed / base)],
  ];
}

const recorded = async (sql: Sql) =>
  Number((await sql<{ n: string }[]>`select coalesce(sum(transactions), 0)::text as n from pgbank.provider_balances()`)[0]!.n);

async function timeCalls(n: number, call: () => Promise<unknown>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await call();
    out.push(performance.now() - t0);
  }
  return out;
}

/** The baseline: a child process consuming `count` messages and only acking them; timed from the first publish to the last ack. */
async function ackOnlyRun(queue: string, count: number, message: (i: number) => { body: string; messageId: string }) {
  const child = spawn(process.execPath, ['--import', 'tsx', new URL(import.meta.url).pathname, '--ack-only', queue, String(count)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const events: Record<string, number> = {};
  const waiters: (() => void)[] = [];
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => {
    for (const line of chunk.split('\n').filter(Boolean)) {
      const { event, at } = JSON.parse(line) as { event: string; at: number };
      events[event] = at;
    }
    for (const wake of waiters.splice(0)) wake();
  });
  const waitFor = async (event: string) => {
    while (events[event] === undefined) await new Promise<void>((r) => waiters.push(r));
    return events[event]!;
  };
  await waitFor('ready');
  const startedWall = Date.now();
  const started = performance.now();
  await publishMessages({ url: AMQP_URL, queue, count, message });
  const publishSeconds = (performance.now() - started) / 1000;
  const doneAt = await waitFor('done');
  child.kill('SIGTERM');
  return { seconds: (doneAt - startedWall) / 1000, publishSeconds };
}

/** The ack-only consumer: prefetch like the bridge, acks in batches ("everything up to here") like the bridge. */
async function ackOnlyConsumer(queue: string, count: number): Promise<void> {
  const connection = await connectAmqp(AMQP_URL, 'pgbank-bench-ack-only');
  await declareSourceQueue(connection, queue, `${queue}.dead`);  // as the bridge and the publisher declare it
  const channel = await connection.createChannel();
  await channel.prefetch(PREFETCH);
  let acked = 0;
  let last: ConsumeMessage | undefined;
  let pending = 0;
  let timer: NodeJS.Timeout | undefined;
  const flush = () => {
    timer = undefined;
    if (!last) return;
    channel.ack(last, true);
    acked += pending;
    pending = 0;
    last = undefined;
    if (acked >= count) {
      process.stdout.write(JSON.stringify({ event: 'done', at: Date.now() }) + '\n');
      void connection.close().then(() => process.exit(0));
    }
  };
  await channel.consume(queue, (m) => {
    if (!m) return;
    last = m;
    if (++pending >= 1_000) flush();
    else timer ??= setTimeout(flush, 10);
  }, { noAck: false });
  process.stdout.write(JSON.stringify({ event: 'ready', at: Date.now() }) + '\n');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href && process.argv[2] === '--ack-only') {
  await ackOnlyConsumer(process.argv[3]!, Number(process.argv[4]));
}
