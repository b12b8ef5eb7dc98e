// A sharded pgbank: N shard databases (each a complete pgbank owning the accounts that hash to it)
// behind a router database whose pgbank schema is the single-node API in PL/Proxy (router/).
// Shards may live on any servers; npm run shards puts them beside the default database.
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { scheduleJobs, unscheduleJobs } from '../../src/cron.ts';
import { connect, createDatabase, dropDatabase, type Sql } from '../../src/db.ts';
import { migrate } from '../../src/migrate.ts';
import { ROOT } from '../../src/paths.ts';

export const ROUTER_DIR = path.join(ROOT, 'router');

/** Where one database lives (user postgres, or the given one; trust or PGPASSWORD). */
export interface Place { host: string; port: number; database: string; user?: string; password?: string }

export interface Formation { router: Place; shards: Place[] }

export interface UpOptions {
  /** Create shards on the router's server from this migrated template (tests) instead of migrating each. */
  template?: string;
  /** Migrate shards that exist already (default true; false: they were made migrated). */
  migrate?: boolean;
  /** Register each shard's pg_cron jobs (the CLI does; tests don't). */
  cron?: boolean;
  log?: (line: string) => void;
}

const settings = (p: Place) => ({ host: p.host, port: p.port, database: p.database, user: p.user ?? 'postgres', password: p.password });

/** libpq connection string PL/Proxy uses for a shard (the user comes from the router's user mapping). */
export function connstr(p: Place): string {
  return `host=${p.host} port=${p.port} dbname=${p.database} connect_timeout=5`;
}

/** postgres:// URL of a place. */
export function placeUrl(p: Place): string {
  const auth = `${encodeURIComponent(p.user ?? 'postgres')}${p.password ? ':' + encodeURIComponent(p.password) : ''}`;
  return `postgres://${auth}@${p.host}:${p.port}/${encodeURIComponent(p.database)}`;
}

/** Parse a libpq key=value string (as pgbank_router.shards() returns) into a place. */
export function parseConnstr(s: string, user = 'postgres', password?: string): Place {
  const kv = Object.fromEntries(s.trim().split(/\s+/).map((x) => [x.slice(0, x.indexOf('=')), x.slice(x.indexOf('=') + 1)]));
  if (!kv.dbname) throw new Error(`shard connection string without dbname: ${JSON.stringify(s)}`);
  return { host: kv.host ?? '127.0.0.1', port: Number(kv.port ?? 5432), database: kv.dbname, user, password };
}

/** Open a pool on a place. */
export function open(p: Place, max = 4, name = 'pgbank-shards'): Sql {
  return connect({ ...settings(p), max, name });
}

/** Create (or finish) every shard and the router; idempotent. */
export async function up(f: Formation, options: UpOptions = {}): Promise<void> {
  const { template, cron = false, log = () => {}, migrate: remigrate = true } = options;
  const n = f.shards.length;
  if (n < 1 || (n & (n - 1)) !== 0) throw new Error(`--shards must be a power of two (PL/Proxy routes by hash & (N - 1)), got ${n}`);
  // Migrating takes half a minute: on each server the first shard is migrated, the others are
  // copied from it when they are created with it (nobody has connected to it since); servers in parallel.
  const servers = new Map<string, Place[]>();
  for (const s of f.shards) servers.set(`${s.host}:${s.port}`, [...(servers.get(`${s.host}:${s.port}`) ?? []), s]);
  await Promise.all([...servers.values()].map(async (group) => {
    let copyFrom = template;
    for (const [k, s] of group.entries()) {
      const made = await createDatabase(s.database, { ...settings(s), template: copyFrom });
      if (!template && (made ? !copyFrom : remigrate)) await migrate(settings(s));  // a re-run applies what is new
      if (k === 0 && made && !template) copyFrom = s.database;
    }
  }));
  for (const [i, s] of f.shards.entries()) {
    const sql = open(s, 1);
    try {
      await sql`select pgbank_private.shard_configure(${i}, ${n})`;
    } finally {
      await sql.end();
    }
    if (cron) await scheduleJobs(settings(s));
    log(`shard ${i} of ${n}: ${placeUrl(s)}`);
  }
  await createDatabase(f.router.database, settings(f.router));
  const sql = open(f.router, 1);
  try {
    await applyRouter(sql);
    await sql`select pgbank_router.configure(${f.shards.map(connstr)})`;
  } finally {
    await sql.end();
  }
  log(`router: ${placeUrl(f.router)}`);
}

/** Apply router/schema.sql, router/private/*.sql and router/pgbank/*.sql in one transaction. */
export async function applyRouter(sql: Sql): Promise<void> {
  const files = [path.join(ROUTER_DIR, 'schema.sql')];
  for (const dir of ['private', 'pgbank']) {
    files.push(...(await readdir(path.join(ROUTER_DIR, dir))).filter((x) => x.endsWith('.sql')).sort().map((x) => path.join(ROUTER_DIR, dir, x)));
  }
  await sql.begin(async (tx) => {
    for (const file of files) {
      try {
        await tx.unsafe(await readFile(file, 'utf8'));
      } catch (err) {
        throw new Error(`${path.relative(ROOT, file)}: ${(err as Error).message}`);
      }
    }
  });
}

/** The shards a router routes to (from its SQL/MED server), or [] when it has none or doesn't exist. */
export async function routerShards(router: Place): Promise<Place[]> {
  const sql = open(router, 1);
  try {
    const rows = await sql<{ connstr: string }[]>`select connstr from pgbank_router.shards() order by shard`;
    return rows.map((r) => parseConnstr(r.connstr, router.user, router.password));
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === '3D000' || code === '3F000' || code === '42883') return [];  // no router database, schema or function
    throw err;
  } finally {
    await sql.end();
  }
}

/** Drop the router and every shard it names (and those given); pg_cron jobs of the shards too. */
export async function down(router: Place, extraShards: Place[] = [], log: (line: string) => void = () => {}): Promise<void> {
  const shards = [...(await routerShards(router)), ...extraShards];
  await dropDatabase(router.database, settings(router));
  log(`router ${router.database} dropped`);
  const unique = [...new Map(shards.map((s) => [placeUrl(s), s])).values()];
  await Promise.all(unique.map(async (s) => {
    await unscheduleJobs(settings(s)).catch(() => 0);
    await dropDatabase(s.database, settings(s));
    log(`shard ${s.database} on ${s.host}:${s.port} dropped`);
  }));
}
