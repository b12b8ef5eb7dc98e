// The RabbitMQ plumbing (src/bridge/amqp.ts) against the real broker.
import { randomBytes } from 'node:crypto';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { connectAmqp } from '../../src/bridge/amqp.ts';
import { AMQP_URL } from '../helpers/bridge.ts';

test('a batch published in one tick leaves in a few socket writes, and all of it arrives', async () => {
  const queue = `pgbank-test-amqp-${randomBytes(4).toString('hex')}`;
  const connection = await connectAmqp(AMQP_URL, 'pgbank-test-amqp');
  try {
    const channel = await connection.createConfirmChannel();
    await channel.assertQueue(queue, { durable: false, autoDelete: false });
    const socket = (connection as unknown as { connection: { stream: { _write: (...a: unknown[]) => void; _writev?: (...a: unknown[]) => void } } }).connection.stream;
    let writes = 0;
    for (const name of ['_write', '_writev'] as const) {
      const original = socket[name];
      if (!original) continue;
      socket[name] = (...args: unknown[]) => {
        writes++;
        return original.apply(socket, args);
      };
    }
    for (let i = 0; i < 200; i++) channel.sendToQueue(queue, Buffer.from(`message ${i}`));
    await channel.waitForConfirms();
    // One write per message without the coalescing (amqplib writes each frame on its own).
    assert.ok(writes <= 10, `200 messages went out in ${writes} socket writes`);
    const { messageCount } = await channel.checkQueue(queue);
    assert.is(messageCount, 200);
    await channel.deleteQueue(queue);
  } finally {
    await connection.close();
  }
});

test.run();
