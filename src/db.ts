// The one place that opens PostgreSQL connections (postgres.js); everything else receives `Sql`.
import net from 'node:net';
import postgres from 'postgres';
import { dbSettings, type DbSettings } from './config.ts';

export type Sql = postgres.Sql<Record<string, never>>;

export interface ConnectOptions extends Partial<DbSettings> {
  /** Pool size (default 10). */
  max?: number;
  /** Application name shown in pg_stat_activity. */
  name?: string;
  /**
   * The connections hold session state (an advisory lock, temp tables, settings): never closed
   * for idleness (30 s otherwise) or age (postgres.js closes them after 30-60 min otherwise).
   */
  session?: boolean;
}

/** A pool for one database. numeric and bigint come back as strings: money never becomes a JS number. */
export function connect(options: ConnectOptions = {}): Sql {
  const { max = 10, name = 'pgbank', session = false, ...overrides } = options;
  const s = dbSettings(overrides);
  const hosts = s.hosts ?? [{ host: s.host, port: s.port }];
  return postgres({
    // Several servers go in postgres.js's own "h1:p1,h2:p2" form (its types take one host).
    ...(hosts.length === 1 ? { host: s.host, port: s.port } : { host: hosts.map((h) => `${h.host}:${h.port}`).join(',') }),
    target_session_attrs: sessionAttrs(s.targetSessionAttrs),
    database: s.database,
    username: s.user,
    password: s.password,
    max,
    idle_timeout: session ? 0 : 30,
    ...(session ? { max_lifetime: 0 } : {}),
    connection: { application_name: name },
    onnotice: () => {},
    // postgres.js leaves Nagle's algorithm on: a COPY chunk or a pipelined query can wait ~40 ms
    // for a delayed ACK. Its documented `socket` option (missing from its types) gives it ours.
    // That option skips postgres.js's walk over several hosts, so a host list keeps its sockets.
    ...(hosts.length === 1 ? ({ socket: () => tcpSocket(s.host, s.port) } as object) : {}),
  }) as Sql;
}

/**
 * postgres.js 3.4 judges read-write by default_transaction_read_only alone, so it would stay on a
 * hot standby (read only for every transaction, but not by that setting): ask it for a primary.
 */
function sessionAttrs(tsa: DbSettings['targetSessionAttrs']): 'primary' | Exclude<DbSettings['targetSessionAttrs'], 'any' | 'read-write'> {
  if (tsa === 'read-write') return 'primary';
  return tsa === 'any' ? undefined : tsa;
}

function tcpSocket(host: string, port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = host.startsWith('/') ? net.connect(`${host}/.s.PGSQL.${port}`) : net.connect({ host, port, noDelay: true });
    socket.once('error', reject);
    socket.once('connect', () => {
      socket.off('error', reject);
      resolve(socket);
    });
  });
}

/** Quote an identifier for the rare statement that can't take parameters (CREATE DATABASE ...). */
export function ident(name: string): string {
  return '"' + name.replaceAll('"', '""') + '"';
}

/** Create a database if it doesn't exist, from `template` when given. Connects to `postgres`. */
export async function createDatabase(name: string, options: { template?: string } & Partial<DbSettings> = {}): Promise<boolean> {
  const { template, ...settings } = options;
  const admin = connect({ ...settings, database: 'postgres', max: 1, name: 'pgbank-admin' });
  try {
    const [exists] = await admin`select 1 from pg_database where datname = ${name}`;
    if (exists) return false;
    await admin.unsafe(`create database ${ident(name)}${template ? ` template ${ident(template)}` : ''}`);
    return true;
  } finally {
    await admin.end();
  }
}

/** Drop a database, closing other sessions on it first. */
export async function dropDatabase(name: string, settings: Partial<DbSettings> = {}): Promise<void> {
  const admin = connect({ ...settings, database: 'postgres', max: 1, name: 'pgbank-admin' });
  try {
    await admin.unsafe(`drop database if exists ${ident(name)} with (force)`);
  } finally {
    await admin.end();
  }
}
