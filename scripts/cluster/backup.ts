// pgBackRest for the formation: backups, their pg_cron schedule, and a point-in-time restore into
// a fresh data directory (a copy beside the formation, never writing to its repository).
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { connect } from '../../src/db.ts';
import { STANZA, asPostgres, freePorts, mkdirForPostgres, removeDir, type State } from './formation.ts';
import { backups, pgbackrest, primaryNode, type BackupInfo } from './lifecycle.ts';

export type BackupType = 'full' | 'incr' | 'diff';
export const BACKUP_TYPES: BackupType[] = ['full', 'incr', 'diff'];

/**
 * The schedule: a full backup on Sundays, an incremental one the other nights. pg_cron runs SQL
 * only, so the job runs pgBackRest with COPY ... TO PROGRAM, in the scheduler's database on the
 * node that is primary at that moment (a standby's pg_cron waits): the schedule lives in the
 * replicated cron tables and follows a failover with nothing to move.
 */
export const BACKUP_JOBS = [
  { name: 'pgbank:backup-full', schedule: '30 1 * * 0', type: 'full' },
  { name: 'pgbank:backup-incr', schedule: '30 1 * * 1-6', type: 'incr' },
] as const;

export const backupCommand = (state: State, type: BackupType) =>
  `pgbackrest --config=${path.join(state.dir, 'pgbackrest.conf')} --stanza=${STANZA} backup --type=${type}`;

const quote = (s: string) => `'${s.replaceAll("'", "''")}'`;
/** The SQL a backup job runs (COPY's one row goes to pgBackRest's stdin, which ignores it). */
export const backupJobSql = (state: State, type: BackupType) => `COPY (SELECT 1) TO PROGRAM ${quote(backupCommand(state, type))}`;

export async function scheduleBackups(state: State): Promise<string[]> {
  const primary = (await primaryNode(state))!;
  const sql = connect({ host: '127.0.0.1', port: state.ports[primary], database: 'postgres', user: 'postgres', max: 1, name: 'pgbank-cluster' });
  try {
    for (const job of BACKUP_JOBS) await sql`select cron.schedule(${job.name}, ${job.schedule}, ${backupJobSql(state, job.type)})`;
    return BACKUP_JOBS.map((j) => `${j.name} (${j.schedule})`);
  } finally {
    await sql.end();
  }
}

export interface BackupRun extends BackupInfo { seconds: number; mbPerSecond: number }

/** Take a backup now; its figures (MB/s over the database's size). */
export function takeBackup(state: State, type: BackupType): BackupRun {
  if (!BACKUP_TYPES.includes(type)) throw new Error(`--type must be one of ${BACKUP_TYPES.join(', ')} (got ${JSON.stringify(String(type).slice(0, 50))})`);
  const t0 = performance.now();
  pgbackrest(state, ['backup', `--type=${type}`]);
  const seconds = (performance.now() - t0) / 1000;
  const info = backups(state).at(-1)!;
  return { ...info, seconds, mbPerSecond: info.sizeBytes / 2 ** 20 / seconds };
}

export interface Restored {
  dir: string;
  port: number;
  /** Seconds for pgbackrest restore and the recovery to the target. */
  restoreSeconds: number;
  recoverySeconds: number;
  stop(): Promise<void>;
}

/**
 * Restore the latest backup before `target` into a fresh directory and replay WAL up to `target`
 * (inclusive), then promote. Recovery stops at the first commit after `target`: one must exist
 * and be archived (`pgbackrest check` switches WAL and waits for it), else PostgreSQL refuses to
 * open ("recovery ended before configured recovery target was reached"). The copy runs on a free port without pg_cron and without archiving,
 * so it neither runs the formation's jobs nor writes into its repository.
 */
export async function restoreToTime(state: State, target: Date, label = 'restore'): Promise<Restored> {
  const dir = path.join(state.dir, `${label}-${Date.now()}`);
  if (existsSync(dir)) throw new Error(`${dir} exists`);
  mkdirForPostgres(dir);
  const port = (await freePorts(1))[0]!;
  const t0 = performance.now();
  // A spool of its own: restore clears the spool's archive queue, which the formation's
  // asynchronous archive-push is writing into meanwhile ("unable to remove path … Directory not empty").
  const spool = `${dir}-spool`;
  mkdirForPostgres(spool);
  try {
    pgbackrest(state, ['restore', `--pg1-path=${dir}`, `--spool-path=${spool}`, '--type=time',
      `--target=${target.toISOString().replace('T', ' ').replace('Z', '+00')}`, '--target-action=promote', '--archive-mode=off']);
  } finally {
    removeDir(spool);
  }
  const restoreSeconds = (performance.now() - t0) / 1000;
  const t1 = performance.now();
  const options = `-c port=${port} -c listen_addresses=127.0.0.1 -c shared_preload_libraries= -c archive_mode=off -c hot_standby=on`;
  asPostgres(state.dir, 'pg_ctl', ['start', '-w', '-t', '300', '-D', dir, '-l', `${dir}.log`, '-o', options]);
  const stop = async () => {
    try { asPostgres(state.dir, 'pg_ctl', ['stop', '-m', 'immediate', '-D', dir]); } catch { /* not running */ }
    removeDir(dir);
  };
  try {
    const sql = connect({ host: '127.0.0.1', port, database: 'postgres', user: 'postgres', max: 1, name: 'pgbank-restore' });
    try {
      for (let i = 0; (await sql<{ r: boolean }[]>`select pg_is_in_recovery() as r`)[0]!.r; i++) {
        if (i > 3000) throw new Error('the restored copy did not finish recovery in 300 s');
        await sleep(100);
      }
    } finally {
      await sql.end();
    }
  } catch (err) {
    const log = existsSync(`${dir}.log`) ? readFileSync(`${dir}.log`, 'utf8').trim().split('\n').slice(-5).join('\n') : '';
    await stop();
    throw new Error(`the restored copy did not open: ${(err as Error).message}\n${log}`, { cause: err });
  }
  return { dir, port, restoreSeconds, recoverySeconds: (performance.now() - t1) / 1000, stop };
}
