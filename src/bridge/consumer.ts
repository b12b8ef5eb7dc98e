// One consuming session: RabbitMQ queue → batches → PostgreSQL (one statement each) → ack; rejects → dead-letter queue.
import { connectAmqp, declareSourceQueue, publishConfirmed, type Channel, type ChannelModel, type ConfirmChannel, type ConsumeMessage } from './amqp.ts';
import type { BridgeConfig } from './config.ts';
import { cut, MAX_REASON } from './cut.ts';
import { errorFields, type Log } from './log.ts';
import type { QuietWindow } from './keydb.ts';
import { readTransactionMessage } from './message.ts';
import { isTimeout, withTimeout, type BridgePools } from './pg.ts';
import { recordTransactions, type IncomingTransaction, type NotRecorded } from './sql.ts';

/** Running totals over the bridge's life (every session adds to them). */
export interface BridgeCounters {
  received: number;
  recorded: number;
  duplicates: number;
  deadLettered: number;
  /** Recorded messages that had no message_id (at-least-once: see docs/bridge.md). */
  withoutMessageId: number;
  batches: number;
}

export const newCounters = (): BridgeCounters => ({ received: 0, recorded: 0, duplicates: 0, deadLettered: 0, withoutMessageId: 0, batches: 0 });

interface DeadLetter {
  message: ConsumeMessage;
  code: string;
  reason: string;
}

// Errors a message's content can cause in SQL (data exception, integrity violation): the
// message is dead-lettered. Anything else (connection lost, server shutting down, privileges…)
// is PostgreSQL's problem, not the message's: the session ends and the messages are redelivered.
const MESSAGE_FAULT_SQLSTATE = /^(22|23)/;
const isMessageFault = (err: unknown) => {
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' && MESSAGE_FAULT_SQLSTATE.test(code);
};

export class ConsumerSession {
  /** Settles when the session is over: null after stop(), else the error that ended it. */
  readonly ended: Promise<Error | null>;
  private settle!: (reason: Error | null) => void;
  private connection?: ChannelModel;
  private channel?: Channel;
  private deadLetters?: ConfirmChannel;
  private consumerTag?: string;
  private closed = false;
  private draining = false;
  private pending: ConsumeMessage[] = [];
  private firstPendingAt = 0;
  private timer?: NodeJS.Timeout;
  private inFlight = 0;
  // Acks go out in delivery order (each one acks "everything up to here"), so batch n is acked
  // only once batches 1..n are done; a failed batch stops every later ack.
  private acked: Promise<unknown> = Promise.resolve();
  private idleWaiters: (() => void)[] = [];
  private readonly unsubscribe: () => void;

  private constructor(private readonly config: BridgeConfig, private readonly pools: BridgePools, private readonly log: Log,
                      private readonly counters: BridgeCounters, private readonly quiet: QuietWindow) {
    this.ended = new Promise((resolve) => (this.settle = resolve));
    this.unsubscribe = quiet.onReopen(() => this.pump());
  }

  /** Connect, declare both queues, and start consuming (as the queue's only, exclusive consumer). */
  static async open(config: BridgeConfig, pools: BridgePools, log: Log, counters: BridgeCounters, quiet: QuietWindow): Promise<ConsumerSession> {
    const session = new ConsumerSession(config, pools, log, counters, quiet);
    try {
      await session.start();
    } catch (err) {
      session.end(err instanceof Error ? err : new Error(String(err)));
      throw err;
    }
    return session;
  }

  private async start(): Promise<void> {
    const { config } = this;
    const connection = this.connection = await connectAmqp(config.amqpUrl, config.name);
    connection.on('error', () => {});  // the 'close' that follows carries the same error
    connection.on('close', (err?: Error) => this.end(err ?? new Error('RabbitMQ connection closed')));
    connection.on('blocked', (reason: string) => this.log('warn', 'amqp_blocked', { reason }));

    const declared = await declareSourceQueue(connection, config.queue, config.deadLetterQueue);
    if (!declared.brokerDeadLettering) {
      this.log('warn', 'queue_without_dead_letter_exchange', {
        queue: config.queue, refusal: cut(declared.refusal ?? ''),
        note: 'the queue exists with other arguments and is used as it is: a message whose dead letter cannot be published is rejected ' +
              'without requeue and dropped by the broker unless a policy gives the queue a dead-letter exchange (docs/bridge.md)',
      });
    }

    const deadLetters = this.deadLetters = await connection.createConfirmChannel();
    deadLetters.on('error', () => {});
    deadLetters.on('close', () => this.end(new Error('dead-letter channel closed')));
    // Published with mandatory: a return means the dead-letter queue vanished; ending the session
    // redeclares it, and the messages involved are redelivered rather than lost.
    deadLetters.on('return', () => this.end(new Error(`dead-letter queue ${config.deadLetterQueue} is missing`)));

    const channel = this.channel = await connection.createChannel();
    channel.on('error', () => {});
    channel.on('close', () => this.end(new Error('consumer channel closed')));
    await channel.prefetch(config.prefetch);
    try {
      const { consumerTag } = await channel.consume(config.queue, (message) => this.onMessage(message), { noAck: false, exclusive: true });
      this.consumerTag = consumerTag;
    } catch (err) {
      if ((err as { code?: number }).code === 403) {
        throw new Error(`queue ${config.queue} already has an exclusive consumer (another bridge?): ${(err as Error).message}`, { cause: err });
      }
      throw err;
    }
  }

  /** Stop consuming, write and ack what was received, then close (within timeoutMs; the rest is redelivered). */
  async stop(timeoutMs: number): Promise<void> {
    if (this.closed) return;
    this.draining = true;
    if (this.channel && this.consumerTag) await this.channel.cancel(this.consumerTag).catch(() => {});
    this.pump();
    let timeout: NodeJS.Timeout | undefined;
    const drained = new Promise<void>((resolve) => {
      if (!this.pending.length && !this.inFlight) resolve();
      else this.idleWaiters.push(resolve);
    });
    const timedOut = new Promise<boolean>((resolve) => (timeout = setTimeout(() => resolve(true), timeoutMs)));
    const late = await Promise.race([drained.then(() => false), timedOut]);
    clearTimeout(timeout);
    if (late) this.log('warn', 'shutdown_timeout', { pending: this.pending.length, batches_in_flight: this.inFlight });
    else await this.acked.catch(() => {});
    this.end(null);
    await this.close();
  }

  /** End now: unacknowledged messages go back to the queue. */
  async abort(reason: Error): Promise<void> {
    this.end(reason);
    await this.close();
  }

  private end(reason: Error | null): void {
    if (this.closed) return;
    this.closed = true;
    this.unsubscribe();
    clearTimeout(this.timer);
    this.pending = [];
    this.settle(reason);
    if (reason) void this.close();
  }

  private async close(): Promise<void> {
    const connection = this.connection;
    this.connection = undefined;
    await connection?.close().catch(() => {});
  }

  private onMessage(message: ConsumeMessage | null): void {
    if (!message) {
      this.end(new Error(`the broker cancelled the consumer of ${this.config.queue} (queue deleted?)`));
      return;
    }
    if (this.closed) return;  // it will be redelivered
    this.counters.received++;
    if (!this.pending.length) this.firstPendingAt = performance.now();
    this.pending.push(message);
    if (this.pending.length >= this.config.batchSize) this.pump();
    else this.timer ??= setTimeout(() => { this.timer = undefined; this.pump(); }, this.config.batchWaitMs);
  }

  /** Start batches: full ones at once, a partial one once its first message has waited batchWaitMs. */
  private pump(): void {
    const { batchSize, batchWaitMs, batchesInFlight } = this.config;
    // While the KeyDB write is near, messages wait (a shutdown drains regardless).
    while (!this.closed && (this.quiet.open || this.draining) && this.inFlight < batchesInFlight && this.pending.length) {
      const waited = performance.now() - this.firstPendingAt >= batchWaitMs;
      if (this.pending.length < batchSize && !waited && !this.draining) break;
      const batch = this.pending.splice(0, batchSize);
      this.firstPendingAt = performance.now();
      this.startBatch(batch);
    }
    if (this.pending.length && !this.timer && !this.closed && this.quiet.open) {
      const wait = Math.max(0, batchWaitMs - (performance.now() - this.firstPendingAt));
      this.timer = setTimeout(() => { this.timer = undefined; this.pump(); }, wait);
    }
    if (!this.pending.length && !this.inFlight) for (const wake of this.idleWaiters.splice(0)) wake();
  }

  private startBatch(batch: ConsumeMessage[]): void {
    this.inFlight++;
    const channel = this.channel!;
    const work = this.writeBatch(batch);
    const previous = this.acked;
    this.acked = Promise.all([previous, work]).then(([, rejected]) => {
      // One ack for the batch, on its last message the broker still waits for: acking a
      // message already rejected (nack) would be an unknown delivery tag, and close the channel.
      const last = [...batch].reverse().find((m) => !rejected.has(m));
      if (!this.closed && last) channel.ack(last, true);
    });
    this.acked.catch((err: unknown) => this.end(err instanceof Error ? err : new Error(String(err))));
    const done = () => { this.inFlight--; this.pump(); };
    work.then(done, done);
  }

  /**
   * Record the batch's good messages in one statement, dead-letter the others; resolves when both
   * are durable, with the messages that were rejected to the broker instead (see rejectToBroker).
   */
  private async writeBatch(batch: ConsumeMessage[]): Promise<Set<ConsumeMessage>> {
    const dead: DeadLetter[] = [];
    const good: { message: ConsumeMessage; transaction: IncomingTransaction }[] = [];
    for (const message of batch) {
      const read = readTransactionMessage(message.content, this.config.maxMessageBytes);
      if (!read.ok) {
        dead.push({ message, code: read.code, reason: read.reason });
        continue;
      }
      const id = message.properties.messageId as unknown;
      good.push({ message, transaction: { messageId: typeof id === 'string' && id !== '' ? id : null, providerId: read.providerId, value: read.value } });
    }

    const notRecorded = good.length ? await this.record(good.map((g) => g.transaction)) : [];
    const skipped = new Set<number>();
    for (const result of notRecorded) {
      skipped.add(result.position);
      const { message } = good[result.position - 1]!;
      if (result.outcome === 'rejected') dead.push({ message, code: result.errorCode ?? 'XX000', reason: result.reason ?? 'rejected' });
      else this.counters.duplicates++;
    }
    let redeliveredWithoutId = 0;
    for (const [i, { message, transaction }] of good.entries()) {
      if (skipped.has(i + 1)) continue;
      this.counters.recorded++;
      if (transaction.messageId === null) {
        this.counters.withoutMessageId++;
        if (message.fields.redelivered) redeliveredWithoutId++;
      }
    }
    if (redeliveredWithoutId) {
      this.log('warn', 'redelivered_without_message_id', {
        messages: redeliveredWithoutId,
        note: 'recorded again: if an earlier delivery was committed before a crash, these are duplicates (no message_id to tell)',
      });
    }
    const rejected = new Set<ConsumeMessage>();
    await Promise.all(dead.map((d) => this.deadLetter(d).catch((err: unknown) => {
      if (this.closed) throw err;  // the session is over (connection lost, shutdown): redelivered as a whole
      this.rejectToBroker(d, err);
      rejected.add(d.message);
    })));
    this.counters.deadLettered += dead.length;
    this.counters.batches++;
    return rejected;
  }

  /** The batch in one statement; when a message's content makes the statement itself fail, one message at a time. */
  private async record(transactions: IncomingTransaction[]): Promise<NotRecorded[]> {
    try {
      return await withTimeout(recordTransactions(this.pools.batch, transactions), this.config.batchTimeoutMs, 'a batch');
    } catch (err) {
      if (isTimeout(err)) await this.pools.replace('a batch hung');
      if (!isMessageFault(err)) throw err;
      if (transactions.length === 1) {
        return [{ position: 1, outcome: 'rejected', transactionId: null, errorCode: (err as { code: string }).code, reason: cut((err as Error).message) }];
      }
      this.log('warn', 'batch_split', { messages: transactions.length, ...errorFields(err) });
      const results: NotRecorded[] = [];
      for (const [i, transaction] of transactions.entries()) {
        for (const result of await this.record([transaction])) results.push({ ...result, position: i + 1 });
      }
      return results;
    }
  }

  /**
   * Publish the message to the dead-letter queue with its code and reason (both bounded) and wait
   * for the broker's confirm. Its own headers go along when they fit: amqplib cannot encode a
   * header table over 64 KiB, and then they are left out (and the dead letter says so).
   */
  private async deadLetter({ message, code, reason }: DeadLetter): Promise<void> {
    const p = message.properties;
    const ours = {
      'pgbank-error-code': cut(code, 20),
      'pgbank-reason': cut(reason, MAX_REASON),
      'pgbank-source-queue': this.config.queue,
      'pgbank-dead-lettered-at': new Date().toISOString(),
      'pgbank-redelivered': message.fields.redelivered,
    };
    const publish = (headers: Record<string, unknown>) => publishConfirmed(this.deadLetters!, this.config.deadLetterQueue, message.content, {
      mandatory: true, headers,
      messageId: p.messageId, correlationId: p.correlationId, contentType: p.contentType, contentEncoding: p.contentEncoding,
      timestamp: p.timestamp, type: p.type, appId: p.appId,
    });
    try {
      await publish({ ...(p.headers ?? {}), ...ours });
    } catch (err) {
      if (!(err instanceof RangeError)) throw err;  // amqplib refused to encode the headers: nothing was sent
      await publish({ ...ours, 'pgbank-original-headers': cut(`left out: ${err.message}`) });
    }
    this.log('warn', 'dead_lettered', { message_id: p.messageId ?? null, code: ours['pgbank-error-code'], reason: ours['pgbank-reason'], queue: this.config.deadLetterQueue });
  }

  /**
   * The dead letter could not be published: reject the message without requeue, so the broker
   * dead-letters it (x-dead-letter-exchange, see declareSourceQueue) and the batch goes on. The
   * reason is in this log line only. Throws when the channel is gone: the session ends, the
   * messages are redelivered (a broker failure, not the message's).
   */
  private rejectToBroker({ message, code, reason }: DeadLetter, err: unknown): void {
    this.channel!.nack(message, false, false);
    this.log('error', 'dead_letter_failed', {
      message_id: message.properties.messageId ?? null, code: cut(code, 20), reason: cut(reason, MAX_REASON), ...errorFields(err),
      body: cut(message.content.subarray(0, 1000).toString('utf8')), body_bytes: message.content.length,
      note: 'rejected without requeue: the broker moves it to the dead-letter queue (or drops it, on a queue without a dead-letter exchange)',
    });
  }
}
