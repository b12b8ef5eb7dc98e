// The change-event publisher's settings (npm run events), from environment variables, with defaults for this machine's local services.
import { text, whole } from '../bridge/config.ts';
import { dbSettings, type DbSettings } from '../config.ts';

export interface EventsConfig {
  /** RabbitMQ: AMQP_URL. */
  amqpUrl: string;
  /** PostgreSQL: DATABASE_URL or PG* (src/config.ts). The slot lives in this database. */
  db: DbSettings;
  /** EVENTS_SLOT: the permanent logical replication slot (made when missing; one publisher per slot). */
  slot: string;
  /** EVENTS_PUBLICATION: what the slot decodes (migration 0019 makes pgbank_events). */
  publication: string;
  /** EVENTS_EXCHANGE: the topic exchange events go to (declared durable). */
  exchange: string;
  /** EVENTS_READ: 'stream' (the replication protocol, decodes once) or 'peek' (SQL, pg_logical_slot_peek_binary_changes). */
  read: 'stream' | 'peek';
  /** EVENTS_BATCH_CHANGES: decoded messages per peek, at least (a peek ends at a commit). */
  batchChanges: number;
  /** EVENTS_POLL_MS: the pause between peeks when there was nothing new. */
  pollMs: number;
  /** EVENTS_PROGRESS_MS: how often the slot's lag and the counters are logged. */
  progressMs: number;
  /** EVENTS_STANDBY: what a second instance does while another holds the slot's lock: 'wait' or 'exit'. */
  standby: 'wait' | 'exit';
  /** EVENTS_NAME: application name in pg_stat_activity and the AMQP connection name. */
  name: string;
}

type Env = NodeJS.ProcessEnv;

/** Read the configuration; throws an Error naming the variable and its bad value. */
export function eventsConfig(env: Env = process.env): EventsConfig {
  const standby = text(env, 'EVENTS_STANDBY', 'wait');
  if (standby !== 'wait' && standby !== 'exit') throw new Error(`EVENTS_STANDBY must be 'wait' or 'exit', got ${JSON.stringify(standby)}`);
  const read = text(env, 'EVENTS_READ', 'stream');
  if (read !== 'stream' && read !== 'peek') throw new Error(`EVENTS_READ must be 'stream' or 'peek', got ${JSON.stringify(read)}`);
  const slot = text(env, 'EVENTS_SLOT', 'pgbank_events');
  if (!/^[a-z0-9_]{1,63}$/.test(slot)) throw new Error(`EVENTS_SLOT must be 1 to 63 lower-case letters, digits or underscores (a slot name), got ${JSON.stringify(slot)}`);
  const amqpUrl = text(env, 'AMQP_URL', 'amqp://guest:guest@127.0.0.1:5672');
  let protocol: string;
  try {
    protocol = new URL(amqpUrl).protocol;
  } catch {
    throw new Error(`AMQP_URL is not a URL: ${JSON.stringify(amqpUrl)}`);
  }
  if (protocol !== 'amqp:' && protocol !== 'amqps:') throw new Error(`AMQP_URL must start with amqp:// or amqps://, got ${JSON.stringify(amqpUrl)}`);
  return {
    amqpUrl,
    db: dbSettings({}, env),
    slot,
    publication: text(env, 'EVENTS_PUBLICATION', 'pgbank_events'),
    exchange: text(env, 'EVENTS_EXCHANGE', 'pgbank.events'),
    read,
    batchChanges: whole(env, 'EVENTS_BATCH_CHANGES', 20_000, 1),
    pollMs: whole(env, 'EVENTS_POLL_MS', 100, 1),
    progressMs: whole(env, 'EVENTS_PROGRESS_MS', 10_000, 100),
    standby,
    name: text(env, 'EVENTS_NAME', 'pgbank-events'),
  };
}

/** The configuration without secrets, for the start-up log line. */
export function describeEventsConfig(c: EventsConfig): Record<string, unknown> {
  const u = new URL(c.amqpUrl);
  if (u.password) u.password = '***';
  return {
    amqp: u.toString(), postgres: `${c.db.user}@${c.db.host}:${c.db.port}/${c.db.database}`, slot: c.slot, publication: c.publication,
    exchange: c.exchange, read: c.read, batch_changes: c.batchChanges, poll_ms: c.pollMs, progress_ms: c.progressMs, standby: c.standby, name: c.name,
  };
}

/**
 * How a consumer's queue should be declared: a quorum queue, the type RabbitMQ recommends when
 * messages must not be lost; on RabbitMQ 3.10 it also takes confirmed persistent messages at about
 * 1.7–1.9× the rate of a default (classic v1) queue (docs/events.md, "Figures").
 */
export const CONSUMER_QUEUE_ARGUMENTS = { 'x-queue-type': 'quorum' } as const;
