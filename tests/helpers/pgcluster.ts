// A PostgreSQL cluster of one test file (pg_createcluster on a free port, wal_level=logical) holding a
// copy of the test's database: a server the test may stop hard, and where a logical slot is made at
// once (on the shared server it waits for every transaction running anywhere, e.g. an 80 s migration).
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { promisify } from 'node:util';
import { freePorts } from '../../scripts/cluster/formation.ts';
import { dbSettings, type DbSettings } from '../../src/config.ts';

const run = promisify(execFile);
const PG_MAJOR = '15';

export interface ScratchCluster {
  name: string;
  port: number;
  /** Its database `pgbank`, a copy of the source database. */
  settings: DbSettings;
  /** pg_ctlcluster stop -m immediate (a crash: no shutdown checkpoint, recovery at the next start). */
  crash(): Promise<void>;
  start(): Promise<void>;
  /** Stop and remove it (data, configuration, logs); call in finally. */
  drop(): Promise<void>;
}

/** Make, start and fill a cluster: `source` (a database of the shared server) copied with pg_dump | pg_restore. */
export async function scratchCluster(label: string, source: DbSettings): Promise<ScratchCluster> {
  const name = `pgbank_${label}_${randomBytes(3).toString('hex')}`;
  const [port] = await freePorts(1);
  const settings = dbSettings({ host: '127.0.0.1', port: port!, database: 'pgbank', user: 'postgres' }, {});
  const dump = `/tmp/${name}.dump`;
  const drop = async () => {
    await run('pg_dropcluster', ['--stop', PG_MAJOR, name]).catch(() => {});
    await rm(dump, { force: true });
  };
  try {
    await run('pg_createcluster', [PG_MAJOR, name, '-p', String(port), '--start-conf', 'manual', '--', '-A', 'trust']);
    // Crash-safe enough for a test (the machine does not crash, PostgreSQL does: the OS keeps what it was given).
    for (const setting of ['wal_level=logical', 'fsync=off', 'max_replication_slots=10', 'max_wal_senders=10', 'shared_buffers=64MB']) {
      await run('pg_conftool', [PG_MAJOR, name, 'set', ...setting.split('=')]);
    }
    await run('pg_ctlcluster', [PG_MAJOR, name, 'start']);
    const env = { ...process.env, PGPASSWORD: source.password ?? '' };
    await run('pg_dump', ['-h', source.host, '-p', String(source.port), '-U', source.user, '-Fc', '-f', dump, source.database], { env });
    const psql = ['-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', '-X', '-q', '-v', 'ON_ERROR_STOP=1'];
    await run('psql', [...psql, '-d', 'postgres', '-c', 'create role pgbank_app login', '-c', 'create database pgbank']);
    await run('pg_restore', ['-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', '--exit-on-error', '-d', 'pgbank', dump], { maxBuffer: 1 << 26 });
  } catch (err) {
    await drop();
    throw err;
  }
  return {
    name,
    port: port!,
    settings,
    crash: async () => { await run('pg_ctlcluster', [PG_MAJOR, name, 'stop', '-m', 'immediate']); },
    start: async () => { await run('pg_ctlcluster', [PG_MAJOR, name, 'start']); },
    drop,
  };
}
