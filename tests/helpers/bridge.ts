// What the bridge tests share: the services' URLs, a namespace of queues and KeyDB keys per test
// file (so runs never collide), bridges started in it, and a cleanup that leaves nothing behind.
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { deleteQueues } from '../../src/bridge/amqp.ts';
import { bridgeEnv, startBridge, type BridgeProcess } from '../../src/bridge/process.ts';
import type { TestDatabase } from './db.ts';

export const AMQP_URL = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

export const newRedis = () => new Redis(REDIS_URL, { protocol: 2, disableClientInfo: true });

export interface BridgeFixture {
  /** Unique to this run of the file: queue names and message ids start with it. */
  tag: string;
  /** The KeyDB key prefix of every bridge started here. */
  prefix: string;
  /** A queue of this file (and its dead-letter queue), deleted by cleanup(). */
  queueFor(name: string): string;
  /** A bridge on `queue` with a 1 s period, writing keys under `prefix`; killed by cleanup(). */
  start(db: TestDatabase, queue: string, settings?: Record<string, string>): BridgeProcess;
  /** SIGKILL the bridges, delete the queues and the keys. */
  cleanup(): Promise<void>;
}

export function bridgeFixture(file: string): BridgeFixture {
  const tag = `pgbank_t_${file}_${randomBytes(3).toString('hex')}`;
  const prefix = `${tag}:`;
  const queues: string[] = [];
  const bridges: BridgeProcess[] = [];
  return {
    tag,
    prefix,
    queueFor(name) {
      const queue = `${tag}.${name}`;
      queues.push(queue, `${queue}.dead`);
      return queue;
    },
    start(db, queue, settings = {}) {
      const b = startBridge(bridgeEnv(db.settings, {
        AMQP_URL, REDIS_URL, BRIDGE_QUEUE: queue, BRIDGE_KEY_PREFIX: prefix, BRIDGE_PERIOD_MS: '1000', ...settings,
      }), { echo: !!process.env.BRIDGE_TEST_ECHO });
      bridges.push(b);
      return b;
    },
    async cleanup() {
      await Promise.all(bridges.map((b) => b.stop('SIGKILL')));
      await deleteQueues(AMQP_URL, queues).catch(() => {});
      const redis = newRedis();
      try {
        const keys = await redis.keys(`${prefix}*`);
        if (keys.length) await redis.del(...keys);
      } finally {
        await redis.quit();
      }
    },
  };
}
