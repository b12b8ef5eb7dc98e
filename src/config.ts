// Connection settings from the environment: DATABASE_URL, or PGHOST/PGPORT/PGDATABASE/PGUSER/PGPASSWORD.
export interface DbSettings {
  host: string;
  port: number;
  database: string;
  user: string;
  password?: string;
}

export const DEFAULTS: DbSettings = { host: '127.0.0.1', port: 5432, database: 'pgbank', user: 'postgres' };

/** Settings for one database: explicit overrides win over DATABASE_URL, which wins over PG* vars. */
export function dbSettings(overrides: Partial<DbSettings> = {}, env: NodeJS.ProcessEnv = process.env): DbSettings {
  const fromEnv: Partial<DbSettings> = env.DATABASE_URL ? fromUrl(env.DATABASE_URL) : {
    host: env.PGHOST || undefined,
    port: env.PGPORT ? parsePort(env.PGPORT, 'PGPORT') : undefined,
    database: env.PGDATABASE || undefined,
    user: env.PGUSER || undefined,
    password: env.PGPASSWORD || undefined,
  };
  const merged = { ...DEFAULTS, ...definedOnly(fromEnv), ...definedOnly(overrides) };
  return merged;
}

function fromUrl(raw: string): Partial<DbSettings> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new Error(`DATABASE_URL is not a URL: ${JSON.stringify(raw)}`);
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    throw new Error(`DATABASE_URL must start with postgres:// (got ${JSON.stringify(url.protocol)})`);
  }
  return {
    host: url.hostname || undefined,
    port: url.port ? parsePort(url.port, 'the port of DATABASE_URL') : undefined,
    database: decodeURIComponent(url.pathname.replace(/^\//, '')) || undefined,
    user: decodeURIComponent(url.username) || undefined,
    password: decodeURIComponent(url.password) || undefined,
  };
}

function parsePort(raw: string, what: string): number {
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`${what} is not a port number: ${JSON.stringify(raw)}`);
  return port;
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
