// The change-event publisher (`npm run events`): pgbank's balance and status changes, decoded from the WAL, to RabbitMQ; see docs/events.md.
import { once } from 'node:events';
import { connectAmqp, type ChannelModel, type ConfirmChannel } from '../bridge/amqp.ts';
import { sleep } from '../bridge/leader.ts';
import { errorFields, jsonLog } from '../bridge/log.ts';
import { withTimeout } from '../bridge/pg.ts';
import { startService, survivePostgresWriteCrash } from '../bridge/service.ts';
import { connect, type Sql } from '../db.ts';
import { describeEventsConfig, eventsConfig, type EventsConfig } from './config.ts';
import { Decoder, type ChangeEvent, type DecodedTransaction } from './decode.ts';
import { lsnText } from './pgoutput.ts';
import { advance, peek, prepareSlot, slotLag, slotLock } from './slot.ts';
import { startReplication } from './stream.ts';

const log = jsonLog();
const { config, stopping } = startService<EventsConfig>(log, eventsConfig);

const QUERY_TIMEOUT_MS = 30_000;
/** Committed transactions decoded and not yet published, at most: the stream pauses beyond (the walsender waits). */
const MAX_PENDING = 10_000;
const HEARTBEAT_MS = 1_000;
const counters = { events: 0, transactions: 0, batches: 0, last_lsn: null as string | null };
const openWork = () => connect({ ...config.db, max: 2, name: config.name });
const openLock = () => connect({ ...config.db, max: 1, name: `${config.name}-lock`, session: true });
let work = openWork();
let lock = openLock();
/**
 * A new work pool, the old one ended at once (failing whatever waits on it). After a failed
 * session: postgres.js 3.4.9 can leave a pool whose connections died with a query in flight
 * unable to answer again (docs/bridge.md); a new pool costs a connection.
 */
function replaceWork(reason: string): void {
  log('info', 'postgres_pool_replaced', { reason });
  const old = work;
  work = openWork();
  void old.end({ timeout: 0 }).catch(() => {});
}
// A postgres.js write crash replaces the work pool: the current batch fails and is read again.
survivePostgresWriteCrash(log, replaceWork);

log('info', 'start', describeEventsConfig(config));
let lastProgress = '';
const progress = setInterval(() => void reportProgress(false), config.progressMs);

let exitCode = 0;
try {
  while (!stopping.signal.aborted) {
    const acquired = await acquire();
    if (!acquired) {
      if (!stopping.signal.aborted) exitCode = 3;
      break;
    }
    // A fresh work pool for each term: one made while PostgreSQL was down may never answer (replaceWork).
    replaceWork('leadership (re)gained');
    const lost = new AbortController();
    const heartbeat = watchLock(lost);
    await publishWhileLeader(AbortSignal.any([stopping.signal, lost.signal]));
    clearTimeout(heartbeat.timer);
    heartbeat.stop = true;
    if (lost.signal.aborted && !stopping.signal.aborted) {
      // Whatever state the lock's session is in, a new one: the old lock (if any) goes with it.
      const old = lock;
      lock = openLock();
      await old.end({ timeout: 0 }).catch(() => {});
    }
  }
} catch (err) {
  log('error', 'fatal', errorFields(err));
  exitCode = (err as { fatal?: boolean }).fatal ? 2 : 1;
} finally {
  clearInterval(progress);
  await reportProgress(true);
  await Promise.all([work.end({ timeout: 0 }), lock.end({ timeout: 0 })].map((p) => p.catch(() => {})));
  log('info', 'stopped', { ...counters, exit_code: exitCode });
}
process.exitCode = exitCode;

/** Wait until this process holds the slot's lock (true); false when stopped, or at once when another holds it and EVENTS_STANDBY=exit. */
async function acquire(): Promise<boolean> {
  let announced: number | null = null;
  while (!stopping.signal.aborted) {
    try {
      const state = await withTimeout(slotLock(lock, config.slot), 5_000, 'the lock query');
      if (state.held) {
        log('info', 'lock_acquired', { slot: config.slot, database: config.db.database });
        return true;
      }
      const holder = { slot: config.slot, holder_pid: state.holderPid, holder_application: state.holderApplication };
      if (config.standby === 'exit') {
        log('error', 'another_instance_running', { ...holder, note: 'EVENTS_STANDBY=exit: leaving; the running instance keeps the slot' });
        return false;
      }
      if (announced !== state.holderPid) log('info', 'standby', { ...holder, note: 'another publisher holds the slot; waiting to take over' });
      announced = state.holderPid;
    } catch (err) {
      log('warn', 'lock_unavailable', errorFields(err));
      // Not holding the lock, nothing to lose: a new session (the old one may be wedged, see replaceWork).
      const old = lock;
      lock = openLock();
      void old.end({ timeout: 0 }).catch(() => {});
    }
    await sleep(1_000, stopping.signal);
  }
  return false;
}

/** Check the lock every second; abort `lost` when it is gone (another session has it, or the query fails). */
function watchLock(lost: AbortController): { timer?: NodeJS.Timeout; stop: boolean } {
  const state: { timer?: NodeJS.Timeout; stop: boolean } = { stop: false };
  const check = async () => {
    try {
      const s = await withTimeout(slotLock(lock, config.slot), 5_000, 'the lock query');
      if (!s.held) {
        log('warn', 'lock_lost', { slot: config.slot, holder_pid: s.holderPid, note: 'stopping; what was not confirmed is published again by the holder' });
        return lost.abort();
      }
    } catch (err) {
      log('warn', 'lock_lost', { ...errorFields(err), note: 'the lock query failed' });
      return lost.abort();
    }
    if (!state.stop) state.timer = setTimeout(check, HEARTBEAT_MS);
  };
  state.timer = setTimeout(check, HEARTBEAT_MS);
  return state;
}

/** Publish in sessions (a new one after any RabbitMQ or PostgreSQL failure) until `over`. */
async function publishWhileLeader(over: AbortSignal): Promise<void> {
  let failures = 0;
  while (!over.aborted) {
    let connection: ChannelModel | undefined;
    const batchesBefore = counters.batches;
    try {
      connection = await connectAmqp(config.amqpUrl, config.name);
      const broken = new Promise<never>((_, reject) => {
        connection!.on('error', (err: Error) => reject(err));
        connection!.on('close', () => reject(new Error('the AMQP connection closed')));
      });
      broken.catch(() => {});
      const channel = await connection.createConfirmChannel();
      channel.on('error', () => {});  // also arrives as a rejected confirm or a connection close
      channel.on('close', () => connection?.close().catch(() => {}));
      await channel.assertExchange(config.exchange, 'topic', { durable: true });
      const slot = await withTimeout(prepareSlot(work, config.slot, config.publication), QUERY_TIMEOUT_MS, 'preparing the slot');
      if (slot.created) log('info', 'slot_created', { slot: config.slot, confirmed_lsn: slot.confirmedLsn, note: 'changes committed from now on are published' });
      log('info', 'publishing', { slot: config.slot, exchange: config.exchange, confirmed_lsn: slot.confirmedLsn });
      await (config.read === 'stream' ? streamSession : session)(channel, broken, over);
    } catch (err) {
      if ((err as { fatal?: boolean }).fatal) throw err;
      if (stopping.signal.aborted) break;
      replaceWork('the session ended');
      if (over.aborted) break;
      failures = counters.batches > batchesBefore ? 1 : failures + 1;
      const retryMs = Math.min(250 * 2 ** Math.max(0, failures - 1), 5_000);
      log('warn', 'session_ended', { ...errorFields(err), retry_in_ms: retryMs, note: 'what was not confirmed is published again' });
      await sleep(retryMs, over);
    } finally {
      await connection?.close().catch(() => {});
    }
  }
}

/** Peek, publish every event with confirms, advance the slot; again. A failure leaves the slot where the broker's confirms put it. */
async function session(channel: ConfirmChannel, broken: Promise<never>, over: AbortSignal): Promise<void> {
  const decoder = new Decoder();
  const ended = new Promise<never>((_, reject) => {
    const fail = () => reject(new Error('stopping'));
    if (over.aborted) fail();
    else over.addEventListener('abort', fail, { once: true });
  });
  ended.catch(() => {});
  // A query (or a wait for the broker) gives way to a broken connection, a timeout, or the end.
  const guard = <T>(work: Promise<T>, what: string) => Promise.race([withTimeout(work, QUERY_TIMEOUT_MS, what), broken, ended]);
  while (!over.aborted) {
    const messages = await guard(peek(work, config.slot, config.publication, config.batchChanges), 'the peek');
    const transactions = decoder.decode(messages);
    if (!transactions.length) {
      await guard(sleep(config.pollMs, over), 'a pause');
      continue;
    }
    let published = 0;
    for (const tx of transactions) {
      for (const event of tx.events) {
        const fits = publishEvent(channel, event);
        published++;
        if (!fits) await guard(once(channel, 'drain'), 'the broker taking more');
      }
    }
    // Every event of these transactions is in the broker's hands (persisted, routed) before the slot moves.
    await guard(channel.waitForConfirms(), 'the broker\'s confirms');
    const last = transactions.at(-1)!.endLsn;
    await guard(advance(work, config.slot, last), 'the slot advance');
    counters.events += published;
    counters.transactions += transactions.length;
    counters.batches++;
    counters.last_lsn = lsnText(last);
  }
}

/**
 * The slot streamed: transactions arrive as PostgreSQL decodes them, while the previous ones are
 * published. Each time the broker has confirmed what was taken, the position after the last of
 * them is reported flushed. A failure leaves the slot where the confirms put it.
 */
async function streamSession(channel: ConfirmChannel, broken: Promise<never>, over: AbortSignal): Promise<void> {
  const ended = new Promise<never>((_, reject) => {
    const fail = () => reject(new Error('stopping'));
    if (over.aborted) fail();
    else over.addEventListener('abort', fail, { once: true });
  });
  ended.catch(() => {});
  const guard = <T>(work: Promise<T>, what: string) => Promise.race([withTimeout(work, QUERY_TIMEOUT_MS, what), broken, ended]);
  const decoder = new Decoder();
  let pending: DecodedTransaction[] = [];
  let inFlight = false;
  let paused = false;
  let failure: unknown;
  let wake: (() => void) | undefined;
  const starting = startReplication(config.db, config.slot, config.publication, `${config.name}-wal`,
    () => !inFlight && !pending.length && decoder.between);
  let replication: Awaited<typeof starting>;
  try {
    replication = await guard(starting, 'starting replication');
  } catch (err) {
    // Stopped (or failed) while connecting: the connection may still open, and would keep the process alive.
    void starting.then((r) => r.end(), () => {});
    throw err;
  }
  try {
    replication.onMessage((message) => {
      try {
        const transactions = decoder.decode([message]);
        if (!transactions.length) return;
        for (const tx of transactions) pending.push(tx);
        if (pending.length >= MAX_PENDING && !paused) {
          paused = true;
          replication.pause();
        }
      } catch (err) {
        failure = err;
      }
      wake?.();
    });
    while (!over.aborted) {
      if (failure) throw failure;
      if (!pending.length) {
        await Promise.race([new Promise<void>((resolve) => (wake = resolve)), replication.closed, broken, ended]);
        wake = undefined;
        continue;
      }
      const batch = pending;
      pending = [];
      inFlight = true;
      if (paused) {
        paused = false;
        replication.resume();
      }
      let published = 0;
      for (const tx of batch) {
        for (const event of tx.events) {
          const fits = publishEvent(channel, event);
          published++;
          if (!fits) await guard(once(channel, 'drain'), 'the broker taking more');
        }
      }
      await guard(channel.waitForConfirms(), 'the broker\'s confirms');
      const last = batch.at(-1)!.endLsn;
      replication.confirm(last);
      inFlight = false;
      counters.events += published;
      counters.transactions += batch.length;
      counters.batches++;
      counters.last_lsn = lsnText(last);
    }
  } finally {
    await replication.end();
  }
}

/** One event, one persistent message; routing key and AMQP type = its kind, message_id = its id (the rest is in the body). */
function publishEvent(channel: ConfirmChannel, event: ChangeEvent): boolean {
  return channel.publish(config.exchange, event.kind, Buffer.from(JSON.stringify(event)),
    { persistent: true, contentType: 'application/json', messageId: event.id, type: event.kind });
}

async function reportProgress(final: boolean): Promise<void> {
  try {
    const lag = await withTimeout(slotLag(work, config.slot), 5_000, 'the lag query');
    const now = JSON.stringify({ ...counters, lag: lag?.lag_bytes });
    if (now !== lastProgress || final) log('info', 'progress', { ...counters, slot: config.slot, ...lag });
    lastProgress = now;
  } catch (err) {
    if (!final) log('warn', 'progress_unavailable', errorFields(err));
  }
}
