// pg_cron jobs of a pgbank database. pg_cron runs one scheduler per cluster, in the database named by
// cron.database_name; each pgbank database registers its jobs there with cron.schedule_in_database.
import type { DbSettings } from './config.ts';
import { dbSettings } from './config.ts';
import { connect, type Sql } from './db.ts';

export interface CronJob {
  /** Suffix of the job name; the full name is `pgbank:<database>:<name>`. */
  name: string;
  schedule: string;
  command: string;
}

/** The jobs every pgbank database needs. */
export const JOBS: CronJob[] = [
  { name: 'partman-maintenance', schedule: '7 * * * *', command: 'SELECT pgbank_private.run_maintenance()' },
  { name: 'expire-holds', schedule: '* * * * *', command: 'CALL pgbank_private.expire_holds()' },
  // Hourly, though a day is copied once: a missed night is made up within the hour.
  { name: 'copy-closed-days', schedule: '17 * * * *', command: 'CALL pgbank_private.copy_closed_days()' },
];

export const jobName = (database: string, name: string) => `pgbank:${database}:${name}`;

/** The database where pg_cron lives, read from the server; a clear error when pg_cron isn't loaded. */
export async function cronDatabase(sql: Sql): Promise<string> {
  const [row] = await sql<{ db: string | null }[]>`select current_setting('cron.database_name', true) as db`;
  if (!row?.db) {
    throw new Error('pg_cron is not loaded: add it to shared_preload_libraries and restart PostgreSQL (npm run setup does this)');
  }
  return row.db;
}

async function withCron<T>(settings: Partial<DbSettings>, fn: (cron: Sql, database: string) => Promise<T>): Promise<T> {
  const s = dbSettings(settings);
  const probe = connect({ ...s, max: 1, name: 'pgbank-cron' });
  let cronDb: string;
  try {
    cronDb = await cronDatabase(probe);
  } finally {
    await probe.end();
  }
  const cron = connect({ ...s, database: cronDb, max: 1, name: 'pgbank-cron' });
  try {
    await cron`create extension if not exists pg_cron`;
    return await fn(cron, s.database);
  } finally {
    await cron.end();
  }
}

/** Register (or update) the pgbank jobs of one database. Idempotent: jobs are keyed by name. */
export async function scheduleJobs(settings: Partial<DbSettings> = {}, jobs: CronJob[] = JOBS): Promise<string[]> {
  return withCron(settings, async (cron, database) => {
    const names: string[] = [];
    for (const job of jobs) {
      const name = jobName(database, job.name);
      await cron`select cron.schedule_in_database(${name}, ${job.schedule}, ${job.command}, ${database})`;
      names.push(name);
    }
    return names;
  });
}

/** Remove every pgbank job of one database (before dropping it). Returns how many were removed. */
export async function unscheduleJobs(settings: Partial<DbSettings> = {}): Promise<number> {
  return withCron(settings, async (cron, database) => {
    const rows = await cron`select cron.unschedule(jobid) from cron.job where database = ${database} and jobname like 'pgbank:%'`;
    return rows.length;
  });
}
