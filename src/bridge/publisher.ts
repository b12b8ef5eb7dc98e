// Publishes messages to a durable queue with publisher confirms, a bounded number unconfirmed, optionally at a fixed rate.
import { once } from 'node:events';
import { connectAmqp, declareSourceQueue } from './amqp.ts';

export interface OutgoingMessage {
  body: string | Buffer;
  /** AMQP message_id (the bridge records a message_id once); omit for none. */
  messageId?: string;
}

export interface PublishOptions {
  url: string;
  queue: string;
  /** The bridge's dead-letter queue for `queue` (default `<queue>.dead`, as the bridge's): declared with it, as the bridge does. */
  deadLetterQueue?: string;
  count: number;
  /** The i-th message (0-based). */
  message: (i: number) => OutgoingMessage;
  /** Messages per second; 0 (default) = as fast as the broker confirms. */
  rate?: number;
  /** Published but not yet confirmed, at most (default 1,000). */
  window?: number;
  /** Called after each confirm with the number confirmed so far. */
  onConfirmed?: (confirmed: number) => void;
  signal?: AbortSignal;
  name?: string;
}

/** Publish `count` persistent messages; resolves when the broker has confirmed every one (rejects if it refused any). */
export async function publishMessages(options: PublishOptions): Promise<{ published: number; seconds: number }> {
  const { url, queue, deadLetterQueue = `${queue}.dead`, count, message, rate = 0, window = 1_000, onConfirmed = () => {}, signal, name = 'pgbank-producer' } = options;
  const connection = await connectAmqp(url, name);
  connection.on('error', () => {});
  try {
    // Declared as the bridge declares it, so whichever starts first makes the same queue.
    await declareSourceQueue(connection, queue, deadLetterQueue);
    const channel = await connection.createConfirmChannel();
    let unconfirmed = 0;
    let confirmed = 0;
    let refused: Error | undefined;
    let wakeWhenRoom: (() => void) | undefined;
    const started = performance.now();
    let published = 0;
    for (; published < count && !signal?.aborted && !refused; published++) {
      if (rate > 0) {
        const ahead = started + (published * 1000) / rate - performance.now();
        if (ahead > 1) await new Promise((r) => setTimeout(r, ahead));
      }
      if (unconfirmed >= window) await new Promise<void>((r) => (wakeWhenRoom = r));
      const { body, messageId } = message(published);
      unconfirmed++;
      const fits = channel.sendToQueue(queue, typeof body === 'string' ? Buffer.from(body) : body,
        { persistent: true, contentType: 'application/json', ...(messageId ? { messageId } : {}) },
        (err: unknown) => {
          unconfirmed--;
          if (err) refused ??= new Error(`the broker refused a message: ${String(err)}`);
          else onConfirmed(++confirmed);
          const wake = wakeWhenRoom;
          wakeWhenRoom = undefined;
          wake?.();
        });
      if (!fits) await once(channel, 'drain');
    }
    await channel.waitForConfirms();
    if (refused) throw refused;
    await channel.close();
    return { published, seconds: (performance.now() - started) / 1000 };
  } finally {
    await connection.close().catch(() => {});
  }
}
