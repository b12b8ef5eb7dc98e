// Connection settings from the environment: DATABASE_URL, or PGHOST/PGPORT/PGDATABASE/PGUSER/PGPASSWORD.
// A URL may name several servers (postgres://h1:p1,h2:p2/db?target_session_attrs=read-write), as
// libpq does: a client connects to the first that answers and fits target_session_attrs.
export interface DbSettings {
  host: string;
  port: number;
  database: string;
  user: string;
  password?: string;
  /** Every server when the URL names more than one (host/port are then the first). */
  hosts?: HostPort[];
  /** libpq's target_session_attrs, from the URL or PGTARGETSESSIONATTRS. */
  targetSessionAttrs?: TargetSessionAttrs;
}

export interface HostPort { host: string; port: number }

export const TARGET_SESSION_ATTRS = ['any', 'read-write', 'read-only', 'primary', 'standby', 'prefer-standby'] as const;
export type TargetSessionAttrs = (typeof TARGET_SESSION_ATTRS)[number];

export const DEFAULTS: DbSettings = { host: '127.0.0.1', port: 5432, database: 'pgbank', user: 'postgres' };

/** Settings for one database: explicit overrides win over DATABASE_URL, which wins over PG* vars. */
export function dbSettings(overrides: Partial<DbSettings> = {}, env: NodeJS.ProcessEnv = process.env): DbSettings {
  const fromEnv: Partial<DbSettings> = env.DATABASE_URL ? fromUrl(env.DATABASE_URL) : {
    host: env.PGHOST || undefined,
    port: env.PGPORT ? parsePort(env.PGPORT, 'PGPORT') : undefined,
    database: env.PGDATABASE || undefined,
    user: env.PGUSER || undefined,
    password: env.PGPASSWORD || undefined,
    targetSessionAttrs: env.PGTARGETSESSIONATTRS ? parseTargetSessionAttrs(env.PGTARGETSESSIONATTRS, 'PGTARGETSESSIONATTRS') : undefined,
  };
  const merged = { ...DEFAULTS, ...definedOnly(fromEnv), ...definedOnly(overrides) };
  // An explicit host or port means that one server, not the URL's list.
  if ((overrides.host !== undefined || overrides.port !== undefined) && overrides.hosts === undefined) delete merged.hosts;
  return merged;
}

function fromUrl(raw: string): Partial<DbSettings> {
  const bad = () => new Error(`DATABASE_URL is not a URL: ${JSON.stringify(raw.slice(0, 200))}`);
  // WHATWG URL takes one host: parse the authority's host list here, the rest with URL.
  const m = /^([a-z][a-z0-9+.-]*:\/\/)([^/?#]*@)?([^/?#]*)(.*)$/is.exec(raw);
  if (!m) throw bad();
  const [, scheme, userinfo = '', hostList, rest] = m as unknown as [string, string, string | undefined, string, string];
  const hosts = hostList.split(',');
  let url: URL;
  try {
    url = new URL(scheme + userinfo + hosts[0] + rest);
  } catch {
    throw bad();
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    throw new Error(`DATABASE_URL must start with postgres:// (got ${JSON.stringify(url.protocol)})`);
  }
  const list = hosts.length > 1 ? hosts.map((h) => hostPort(h, raw)) : undefined;
  const tsa = url.searchParams.get('target_session_attrs');
  return {
    host: list?.[0]!.host ?? (url.hostname || undefined),
    port: list?.[0]!.port ?? (url.port ? parsePort(url.port, 'the port of DATABASE_URL') : undefined),
    hosts: list,
    database: decodeURIComponent(url.pathname.replace(/^\//, '')) || undefined,
    user: decodeURIComponent(url.username) || undefined,
    password: decodeURIComponent(url.password) || undefined,
    targetSessionAttrs: tsa ? parseTargetSessionAttrs(tsa, 'target_session_attrs in DATABASE_URL') : undefined,
  };
}

function hostPort(item: string, raw: string): HostPort {
  const m = /^(\[[^\]]+\]|[^:]+)(?::(.*))?$/.exec(item);
  if (!m) throw new Error(`DATABASE_URL has an empty host in its list: ${JSON.stringify(raw.slice(0, 200))}`);
  return { host: decodeURIComponent(m[1]!.replace(/^\[|\]$/g, '')), port: m[2] ? parsePort(m[2], 'a port of DATABASE_URL') : DEFAULTS.port };
}

function parseTargetSessionAttrs(raw: string, what: string): TargetSessionAttrs {
  if (!(TARGET_SESSION_ATTRS as readonly string[]).includes(raw)) {
    throw new Error(`${what} must be one of ${TARGET_SESSION_ATTRS.join(', ')} (got ${JSON.stringify(raw.slice(0, 100))})`);
  }
  return raw as TargetSessionAttrs;
}

function parsePort(raw: string, what: string): number {
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`${what} is not a port number: ${JSON.stringify(raw)}`);
  return port;
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
