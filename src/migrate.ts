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
}

/** Run migrations, then (re)apply every function when going up. Returns the migrations run. */
export async function migrate(settings: Partial<DbSettings> = {}, options: MigrateOptions = {}): Promise<string[]> {
  const { direction = 'up', count, log = () => {} } = options;
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
  if (direction === 'up') {
    const sql = connect({ ...s, max: 1, name: 'pgbank-migrate' });
    try {
      await applyFunctions(sql);
    } finally {
      await sql.end();
    }
  }
  return ran.map((m) => m.name);
}

/** Function files in apply order: private helpers first, then the API. */
export async function functionFiles(): Promise<string[]> {
  const list = async (dir: string) =>
    (await readdir(dir)).filter((f) => f.endsWith('.sql')).sort().map((f) => path.join(dir, f));
  return [...(await list(path.join(FUNCTIONS_DIR, 'private'))), ...(await list(FUNCTIONS_DIR))];
}

/**
 * Apply every functions/ file (CREATE OR REPLACE ...) in one transaction; re-applying changes
 * nothing. The first pass skips body checks so files may refer to each other in any order; the
 * second checks every SQL-language body against the complete set.
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
  });
}
