// Schema changes: numbered migrations (node-pg-migrate), then the repeatable functions step.
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { runner } from 'node-pg-migrate';
import { dbSettings, type DbSettings } from './config.ts';
import { connect, type Sql } from './db.ts';
import { FUNCTIONS_DIR, MIGRATIONS_DIR } from './paths.ts';

export const MIGRATIONS_TABLE = 'pgbank_migrations';

export interface MigrateOptions {
  direction?: 'up' | 'down';
  /** How many migrations to run (default: all for up, one for down; Infinity for all). */
  count?: number;
  log?: (line: string) => void;
  /** Apply functions/ after an Up (default true; false leaves the database as the migrations made it). */
  functions?: boolean;
}

/** Run migrations, then (re)apply every function when going up. Returns the migrations run. */
export async function migrate(settings: Partial<DbSettings> = {}, options: MigrateOptions = {}): Promise<string[]> {
  const { direction = 'up', count, log = () => {}, functions = true } = options;
  const s = dbSettings(settings);
  const ran = await runner({
    databaseUrl: { host: s.host, port: s.port, database: s.database, user: s.user, password: s.password },
    dir: MIGRATIONS_DIR,
    migrationsTable: MIGRATIONS_TABLE,
    direction,
    count,
    checkOrder: true,
    singleTransaction: true,
    log,
    logger: { debug: () => {}, info: log, warn: log, error: log },
  });
  if (direction === 'up' && functions) {
    const sql = connect({ ...s, max: 1, name: 'pgbank-migrate' });
    try {
      await applyFunctions(sql);
    } finally {
      await sql.end();
    }
  }
  return ran.map((m) => m.name);
}

/** Function files in apply order: every private/ helper first (any capability folder), then the API. */
export async function functionFiles(): Promise<string[]> {
  const all = (await readdir(FUNCTIONS_DIR, { recursive: true })).filter((f) => f.endsWith('.sql')).sort();
  const isPrivate = (f: string) => f.split(path.sep).includes('private');
  return [...all.filter(isPrivate), ...all.filter((f) => !isPrivate(f))].map((f) => path.join(FUNCTIONS_DIR, f));
}

/**
 * Apply every functions/ file (CREATE OR REPLACE ...) in one transaction; re-applying changes
 * nothing. The first pass skips body checks so files may refer to each other in any order; the
 * second checks every SQL-language body against the complete set. Then every function of schemas
 * pgbank and pgbank_private that no file (re)defined is dropped: a file removed (or a signature
 * changed) leaves no orphan behind in an upgraded database. Those schemas belong to pgbank.
 */
export async function applyFunctions(sql: Sql): Promise<void> {
  const files = await functionFiles();
  await sql.begin(async (tx) => {
    await tx`set local check_function_bodies = off`;
    for (const file of files) await tx.unsafe(await readFile(file, 'utf8'));
    await tx`set local check_function_bodies = on`;
    for (const file of files) {
      try {
        await tx.unsafe(await readFile(file, 'utf8'));
      } catch (err) {
        throw new Error(`${path.relative(FUNCTIONS_DIR, file)}: ${(err as Error).message}`, { cause: err });
      }
    }
    // CREATE OR REPLACE rewrites a function's catalog row even when nothing changed, so a row this
    // transaction didn't write belongs to no file. Plain DROP: a trigger still using one fails here.
    const orphans = await tx<{ routine: string }[]>`
      select p.oid::regprocedure::text as routine from pg_proc p
       where p.pronamespace in ('pgbank'::regnamespace, 'pgbank_private'::regnamespace)
         and p.xmin <> pg_current_xact_id()::xid
         and not exists (select from pg_depend d where d.classid = 'pg_proc'::regclass and d.objid = p.oid and d.deptype = 'e')`;
    for (const { routine } of orphans) await tx.unsafe(`drop routine ${routine}`);
  });
}
