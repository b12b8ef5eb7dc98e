// The provider bridge's settings, from environment variables, with defaults for this machine's local services.
import { dbSettings, type DbSettings } from '../config.ts';
import { DEFAULT_MAX_MESSAGE_BYTES } from './message.ts';

export interface BridgeConfig {
  /** RabbitMQ: AMQP_URL. */
  amqpUrl: string;
  /** KeyDB (or Redis): REDIS_URL, or KEYDB_URL. */
  redisUrl: string;
  /** PostgreSQL: DATABASE_URL or PG* (src/config.ts). */
  db: DbSettings;
  /** BRIDGE_QUEUE: the queue of incoming transactions. */
  queue: string;
  /** BRIDGE_DEAD_LETTER_QUEUE: where rejected messages go, with their reason. */
  deadLetterQueue: string;
  /** BRIDGE_MAX_MESSAGE_BYTES: a longer body is dead-lettered unread. */
  maxMessageBytes: number;
  /** BRIDGE_KEY_PREFIX: prepended to every KeyDB key ('' = the seed's `1_Visa`). */
  keyPrefix: string;
  /** BRIDGE_PERIOD_MS: KeyDB is written at every multiple of this on the wall clock. */
  periodMs: number;
  /** BRIDGE_QUIET_MS: no batch starts this long before a boundary, until its write is done (0: off; at most a quarter period). */
  quietMs: number;
  /** BRIDGE_BATCH_SIZE: messages per PostgreSQL statement, at most. */
  batchSize: number;
  /** BRIDGE_BATCH_WAIT_MS: how long a partly filled batch waits for more messages. */
  batchWaitMs: number;
  /** BRIDGE_BATCH_TIMEOUT_MS: a batch not done by then is abandoned (hung connection): pools replaced, session ended, messages redelivered. */
  batchTimeoutMs: number;
  /** BRIDGE_BATCHES_IN_FLIGHT: batches being written to PostgreSQL at once. */
  batchesInFlight: number;
  /** BRIDGE_PREFETCH: unacknowledged messages RabbitMQ may hand us at once. */
  prefetch: number;
  /** BRIDGE_STANDBY: what a second instance does while another holds the lock: 'wait' or 'exit'. */
  standby: 'wait' | 'exit';
  /** BRIDGE_SHUTDOWN_TIMEOUT_MS: on SIGTERM, how long to finish the batches in flight before closing anyway. */
  shutdownTimeoutMs: number;
  /** BRIDGE_NAME: application name in pg_stat_activity and the AMQP connection name. */
  name: string;
}

export const DEFAULT_QUEUE = 'incoming_transactions';

type Env = NodeJS.ProcessEnv;

/** Read the configuration; throws an Error naming the variable and its bad value. */
export function bridgeConfig(env: Env = process.env): BridgeConfig {
  const queue = text(env, 'BRIDGE_QUEUE', DEFAULT_QUEUE);
  const batchSize = whole(env, 'BRIDGE_BATCH_SIZE', 1000, 1);
  const batchesInFlight = whole(env, 'BRIDGE_BATCHES_IN_FLIGHT', 2, 1);
  const standby = text(env, 'BRIDGE_STANDBY', 'wait');
  if (standby !== 'wait' && standby !== 'exit') throw new Error(`BRIDGE_STANDBY must be 'wait' or 'exit', got ${JSON.stringify(standby)}`);
  return {
    amqpUrl: url(env, 'AMQP_URL', 'amqp://guest:guest@127.0.0.1:5672', ['amqp:', 'amqps:']),
    redisUrl: url(env, env.REDIS_URL ? 'REDIS_URL' : 'KEYDB_URL', 'redis://127.0.0.1:6379', ['redis:', 'rediss:']),
    db: dbSettings({}, env),
    queue,
    deadLetterQueue: text(env, 'BRIDGE_DEAD_LETTER_QUEUE', `${queue}.dead`),
    maxMessageBytes: whole(env, 'BRIDGE_MAX_MESSAGE_BYTES', DEFAULT_MAX_MESSAGE_BYTES, 64),
    keyPrefix: env.BRIDGE_KEY_PREFIX ?? '',
    periodMs: whole(env, 'BRIDGE_PERIOD_MS', 60_000, 100),
    quietMs: whole(env, 'BRIDGE_QUIET_MS', 150, 0),
    batchSize,
    batchWaitMs: whole(env, 'BRIDGE_BATCH_WAIT_MS', 10, 0),
    batchTimeoutMs: whole(env, 'BRIDGE_BATCH_TIMEOUT_MS', 10_000, 100),
    batchesInFlight,
    // Enough for every batch in flight plus one being filled, so the broker never waits on us.
    prefetch: whole(env, 'BRIDGE_PREFETCH', batchSize * (batchesInFlight + 1), 1),
    standby,
    shutdownTimeoutMs: whole(env, 'BRIDGE_SHUTDOWN_TIMEOUT_MS', 8_000, 0),
    name: text(env, 'BRIDGE_NAME', 'pgbank-bridge'),
  };
}

/** The configuration without secrets, for the start-up log line. */
export function describeConfig(c: BridgeConfig): Record<string, unknown> {
  const hide = (raw: string) => {
    const u = new URL(raw);
    if (u.password) u.password = '***';
    return u.toString();
  };
  return {
    amqp: hide(c.amqpUrl), redis: hide(c.redisUrl), postgres: `${c.db.user}@${c.db.host}:${c.db.port}/${c.db.database}`,
    queue: c.queue, dead_letter_queue: c.deadLetterQueue, max_message_bytes: c.maxMessageBytes, key_prefix: c.keyPrefix, period_ms: c.periodMs, quiet_ms: c.quietMs,
    batch_size: c.batchSize, batch_wait_ms: c.batchWaitMs, batch_timeout_ms: c.batchTimeoutMs, batches_in_flight: c.batchesInFlight, prefetch: c.prefetch,
    standby: c.standby, name: c.name,
  };
}

/** An environment variable's text, or `fallback` when unset or empty (also for the events publisher's configuration). */
export function text(env: Env, name: string, fallback: string): string {
  const value = env[name];
  if (value === undefined || value === '') return fallback;
  return value;
}

/** An environment variable's whole number (`_` allowed as a separator), at least `min`; `fallback` when unset or empty. */
export function whole(env: Env, name: string, fallback: number, min: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw.replaceAll('_', ''));
  if (!Number.isSafeInteger(n) || n < min) throw new Error(`${name} must be a whole number >= ${min}, got ${JSON.stringify(raw)}`);
  return n;
}

function url(env: Env, name: string, fallback: string, protocols: string[]): string {
  const raw = text(env, name, fallback);
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new Error(`${name} is not a URL: ${JSON.stringify(raw)}`);
  }
  if (!protocols.includes(parsed.protocol)) throw new Error(`${name} must start with ${protocols.map((p) => `${p}//`).join(' or ')}, got ${JSON.stringify(raw)}`);
  return raw;
}
