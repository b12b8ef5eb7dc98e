// One database per test file, copied from the migrated template that scripts/test.ts builds.
import { randomBytes } from 'node:crypto';
import { dbSettings, type DbSettings } from '../../src/config.ts';
import { unscheduleJobs } from '../../src/cron.ts';
import { connect, createDatabase, dropDatabase, type Sql } from '../../src/db.ts';
import { migrate } from '../../src/migrate.ts';

export interface TestDatabase {
  name: string;
  settings: DbSettings;
  /** A pool on the test database (max 10 connections). */
  sql: Sql;
  /** Another pool on the same database; closed by drop(). */
  pool(max?: number): Sql;
  drop(): Promise<void>;
}

const TEMPLATE_ENV = 'PGBANK_TEST_TEMPLATE';

/** Build a migrated template database (no pg_cron jobs: nothing may connect to a template). */
export async function buildTemplate(name = `pgbank_tpl_${process.pid}_${randomBytes(3).toString('hex')}`): Promise<string> {
  await createDatabase(name);
  await migrate({ database: name });
  return name;
}

/** A fresh database for one test file; `label` makes its name readable in pg_stat_activity. */
export async function testDatabase(label: string): Promise<TestDatabase> {
  let template = process.env[TEMPLATE_ENV];
  let ownTemplate = false;
  if (!template) {
    // Run on its own (tsx tests/x.test.ts): build a template for this file only.
    template = await buildTemplate();
    ownTemplate = true;
  }
  const name = `pgbank_t_${label.replace(/\W+/g, '_').toLowerCase()}_${randomBytes(3).toString('hex')}`;
  await createDatabase(name, { template });
  if (ownTemplate) await dropDatabase(template);
  const settings = dbSettings({ database: name });
  const pools: Sql[] = [];
  const pool = (max = 10) => {
    const p = connect({ ...settings, max, name: `pgbank-test-${label}` });
    pools.push(p);
    return p;
  };
  const sql = pool();
  return {
    name,
    settings,
    sql,
    pool,
    async drop() {
      await Promise.all(pools.map((p) => p.end({ timeout: 5 })));
      await unscheduleJobs(settings).catch(() => 0);
      await dropDatabase(name);
    },
  };
}

/** The SQLSTATE of a failed promise (fails the test if it resolves). */
export async function sqlstate(promise: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await promise;
  } catch (err) {
    const e = err as { code?: string; message: string };
    return { code: e.code ?? 'no code', message: e.message };
  }
  throw new Error('expected an error, but the call succeeded');
}
