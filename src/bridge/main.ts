// The provider bridge (`npm run bridge`): RabbitMQ → PostgreSQL, and KeyDB at every period boundary; see docs/bridge.md.
import { bridgeConfig, describeConfig, type BridgeConfig } from './config.ts';
import { ConsumerSession, newCounters, type BridgeCounters } from './consumer.ts';
import { connectKeyDb, KeyDbWriter, QuietWindow } from './keydb.ts';
import { Leadership, sleep } from './leader.ts';
import { errorFields, jsonLog, type Log } from './log.ts';
import { BridgePools } from './pg.ts';
import { startService, survivePostgresWriteCrash } from './service.ts';

const log = jsonLog();
// SIGTERM or SIGINT stops it; BRIDGE_SHUTDOWN_TIMEOUT_MS bounds the shutdown.
const { config, stopping } = startService<BridgeConfig>(log, bridgeConfig);

log('info', 'start', describeConfig(config));
const counters = newCounters();
const pools = new BridgePools(config, log);
const redis = connectKeyDb(config.redisUrl, config.name, log);
const quiet = new QuietWindow();
const writer = new KeyDbWriter(redis, pools, config, log, quiet);
const leadership = new Leadership(config, pools, log);
survivePostgresWriteCrash(log, (reason) => void pools.replace(reason));

let reported = '';
const progress = setInterval(() => {
  const now = JSON.stringify(counters);
  if (now !== reported) log('info', 'progress', { ...counters });
  reported = now;
}, 10_000);

let exitCode = 0;
try {
  while (!stopping.signal.aborted) {
    if (!(await leadership.acquire(stopping.signal))) {
      if (!stopping.signal.aborted) exitCode = 3;  // BRIDGE_STANDBY=exit and another instance runs
      break;
    }
    writer.start();
    const lost = await consumeWhileLeader(config, log, counters, leadership.watch(stopping.signal));
    await writer.stop();
    // Whatever state the lock session is in, a new one: the old lock (if any) goes with it.
    if (lost) await pools.replace('leadership lost', { lock: true });
  }
} catch (err) {
  log('error', 'fatal', errorFields(err));
  exitCode = 1;
} finally {
  clearInterval(progress);
  await writer.stop();
  await pools.close();
  await redis.quit().catch(() => redis.disconnect());
  log('info', 'stopped', { ...counters, exit_code: exitCode });
}
process.exitCode = exitCode;

/** Consume in sessions (a new one after any RabbitMQ or PostgreSQL failure) until the lock is lost (true) or we stop. */
async function consumeWhileLeader(config: BridgeConfig, log: Log, counters: BridgeCounters, lost: Promise<Error | null>): Promise<boolean> {
  const lockLost = new AbortController();
  let wasLost = false;
  void lost.then((reason) => {
    if (reason) {
      wasLost = true;
      log('warn', 'lock_lost', { ...errorFields(reason), note: 'stopping consumption; unacked messages go back to the queue' });
    }
    lockLost.abort();
  });
  const over = AbortSignal.any([stopping.signal, lockLost.signal]);
  const overPromise = new Promise<void>((resolve) => (over.aborted ? resolve() : over.addEventListener('abort', () => resolve(), { once: true })));
  let failures = 0;
  while (!over.aborted) {
    let session: ConsumerSession;
    try {
      session = await ConsumerSession.open(config, pools, log, counters, quiet);
    } catch (err) {
      failures++;
      const retryMs = backoff(failures);
      log('warn', 'amqp_unavailable', { ...errorFields(err), retry_in_ms: retryMs });
      await sleep(retryMs, over);
      continue;
    }
    log('info', 'consuming', { queue: config.queue, dead_letter_queue: config.deadLetterQueue, prefetch: config.prefetch });
    const batchesBefore = counters.batches;
    const ended = await Promise.race([session.ended, overPromise.then(() => undefined)]);
    if (ended === undefined) {
      if (stopping.signal.aborted) await session.stop(config.shutdownTimeoutMs);
      else await session.abort(new Error('lock lost'));
      return wasLost;
    }
    if (ended === null) return wasLost;
    // A session that got work done resets the backoff: this is a new failure, not the same one again.
    failures = counters.batches > batchesBefore ? 1 : failures + 1;
    const retryMs = backoff(failures);
    log('warn', 'session_ended', { ...errorFields(ended), retry_in_ms: retryMs, note: 'unacked messages are redelivered' });
    await sleep(retryMs, over);
  }
  return wasLost;
}

function backoff(failures: number): number {
  return Math.min(250 * 2 ** Math.max(0, failures - 1), 5_000);
}
