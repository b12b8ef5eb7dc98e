// RabbitMQ plumbing shared by the bridge, the producer, the tests and the benchmark (amqplib).
import type { Writable } from 'node:stream';
import amqp, { type Channel, type ChannelModel, type ConfirmChannel, type Options } from 'amqplib';

export type { Channel, ChannelModel, ConfirmChannel, ConsumeMessage } from 'amqplib';

/** Open a connection; `name` shows in the management UI. Heartbeats every 10 s unless the URL says otherwise. */
export async function connectAmqp(url: string, name: string): Promise<ChannelModel> {
  const u = new URL(url);
  if (!u.searchParams.has('heartbeat')) u.searchParams.set('heartbeat', '10');
  const connection = await amqp.connect(u.toString(), { clientProperties: { connection_name: name } });
  const socket = (connection as unknown as { connection?: { stream?: Writable } }).connection?.stream;
  if (typeof socket?.cork === 'function') coalesceWrites(socket);  // amqplib's internals: left alone if they change
  return connection;
}

/**
 * amqplib writes every frame to the socket on its own (one system call per message published or
 * acknowledged); corked from a tick's first write to the next tick, a batch goes out in one.
 */
function coalesceWrites(socket: Writable): void {
  const write = socket.write.bind(socket) as (...args: unknown[]) => boolean;
  let corked = false;
  const uncork = () => {
    corked = false;
    socket.uncork();
  };
  socket.write = ((...args: unknown[]) => {
    if (!corked) {
      corked = true;
      socket.cork();
      process.nextTick(uncork);
    }
    return write(...args);
  }) as Writable['write'];
}

/**
 * Make sure a durable queue exists. A queue that is already there is used as it is (whatever
 * arguments its creator gave it, e.g. the seed's producer): redeclaring it with other
 * arguments would be refused by the broker. The check runs on a throwaway channel, since a
 * failed passive declare closes the channel it ran on.
 */
export async function ensureQueue(connection: ChannelModel, queue: string): Promise<void> {
  const probe = await connection.createChannel();
  probe.on('error', () => {});  // the 404 below also arrives as a channel error
  try {
    await probe.checkQueue(queue);
    await probe.close();
    return;
  } catch (err) {
    if ((err as { code?: number }).code !== 404) throw err;
  }
  const channel = await connection.createChannel();
  try {
    await channel.assertQueue(queue, { durable: true });
  } finally {
    await channel.close();
  }
}

/** The source queue's arguments: what the broker rejects without requeue (nack) goes to the dead-letter queue. */
export const sourceQueueArguments = (deadLetterQueue: string) => ({
  'x-dead-letter-exchange': '',  // the default exchange: routes by queue name
  'x-dead-letter-routing-key': deadLetterQueue,
});

/**
 * Declare the dead-letter queue, then the source queue with the broker-side dead-lettering above.
 * A source queue that already exists with other arguments (declared by an older bridge, or by
 * someone else) is refused by the broker with PRECONDITION_FAILED: it is then used as it is, and
 * the result says so (the bridge logs it: see docs/bridge.md, "Existing queues").
 */
export async function declareSourceQueue(connection: ChannelModel, queue: string, deadLetterQueue: string): Promise<{ brokerDeadLettering: boolean; refusal?: string }> {
  await ensureQueue(connection, deadLetterQueue);
  const channel = await connection.createChannel();
  channel.on('error', () => {});  // a refusal also arrives as a channel error
  try {
    await channel.assertQueue(queue, { durable: true, arguments: sourceQueueArguments(deadLetterQueue) });
  } catch (err) {
    if ((err as { code?: number }).code !== 406) throw err;
    return { brokerDeadLettering: false, refusal: (err as Error).message };
  }
  await channel.close();
  return { brokerDeadLettering: true };
}

/** Publish on a confirm channel and wait for the broker's confirm (persistent by default). */
export function publishConfirmed(channel: ConfirmChannel, queue: string, body: Buffer, options: Options.Publish = {}): Promise<void> {
  return new Promise((resolve, reject) => {
    const callback = (err: unknown) => (err ? reject(err instanceof Error ? err : new Error(`broker refused the message: ${String(err)}`)) : resolve());
    try {
      channel.sendToQueue(queue, body, { persistent: true, ...options }, callback);
    } catch (err) {
      reject(err);  // e.g. the channel is closed
    }
  });
}

/** Run `fn` with a fresh connection, closed afterwards (tests, benchmark, producer). */
export async function withAmqp<T>(url: string, name: string, fn: (connection: ChannelModel) => Promise<T>): Promise<T> {
  const connection = await connectAmqp(url, name);
  connection.on('error', () => {});
  try {
    return await fn(connection);
  } finally {
    await connection.close().catch(() => {});
  }
}

/** Delete queues (only ones you created: tests and the benchmark use their own names). */
export async function deleteQueues(url: string, queues: string[]): Promise<void> {
  await withAmqp(url, 'pgbank-cleanup', async (connection) => {
    const channel = await connection.createChannel();
    for (const queue of queues) await channel.deleteQueue(queue);
    await channel.close();
  });
}

/** Messages ready in a queue (not counting those delivered and not yet acknowledged). */
export async function queueDepth(channel: Channel, queue: string): Promise<{ messages: number; consumers: number }> {
  const q = await channel.checkQueue(queue);
  return { messages: q.messageCount, consumers: q.consumerCount };
}

export type { Options };
