// up / status / down of a local formation, and the pieces tests and benchmarks drive (kill a node,
// rejoin it, wait for a state). Idempotent: `up` finishes what is missing and starts what is stopped.
import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { scheduleJobs } from '../../src/cron.ts';
import { scheduleBackups } from './backup.ts';
import { connect, type Sql } from '../../src/db.ts';
import { migrate } from '../../src/migrate.ts';
import { seed } from '../../src/seed.ts';
import {
  DATABASE, DEFAULT_DIR, KEEPER_SETTINGS, MONITOR_SETTINGS, NODES, STANZA, type NodeName, type Options, type State,
  alive, asPostgres, databaseUrl, freePorts, newState, nodeSettings, pgbackrestConf, pgdata, postmasterPid, readState,
  removeDir, startService, stopService, toolEnv,
} from './formation.ts';

export interface NodeStatus { name: NodeName; port: number; reported: string; assigned: string; lsn: string | null }

const configFile = (state: State, name: 'monitor' | NodeName) =>
  path.join(toolEnv(state.dir).XDG_CONFIG_HOME!, 'pg_autoctl', pgdata(state.dir, name), 'pg_autoctl.cfg');
const monitorUri = (state: State) => `postgres://autoctl_node@127.0.0.1:${state.ports.monitor}/pg_auto_failover?sslmode=disable`;
const MARK = '# pgbank settings';

export function monitorSql(state: State): Sql {
  return connect({ host: '127.0.0.1', port: state.ports.monitor, database: 'pg_auto_failover', user: 'postgres', max: 1, name: 'pgbank-cluster' });
}

/** Each node's state as the monitor sees it. */
export async function nodeStates(state: State): Promise<NodeStatus[]> {
  const sql = monitorSql(state);
  try {
    const rows = await sql<{ name: NodeName; port: number; reported: string; assigned: string; lsn: string | null }[]>`
      select nodename as name, nodeport as port, reportedstate::text as reported, goalstate::text as assigned, reportedlsn::text as lsn
        from pgautofailover.node order by nodeid`;
    return [...rows];
  } finally {
    await sql.end();
  }
}

/** Poll the monitor until `ok` holds for the node states (or fail after timeoutMs, naming what it saw). */
export async function waitForStates(state: State, ok: (nodes: NodeStatus[]) => boolean, timeoutMs: number, what: string): Promise<NodeStatus[]> {
  const deadline = performance.now() + timeoutMs;
  let last: NodeStatus[] = [];
  for (;;) {
    try {
      last = await nodeStates(state);
      if (ok(last)) return last;
    } catch { /* monitor starting */ }
    if (performance.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; nodes: ${last.map((n) => `${n.name} ${n.reported}/${n.assigned}`).join(', ') || 'none'}`);
    }
    await sleep(200);
  }
}

export const settled = (nodes: NodeStatus[]) =>
  nodes.length === 2 && nodes.every((n) => n.reported === n.assigned) &&
  nodes.some((n) => n.reported === 'primary') && nodes.some((n) => n.reported === 'secondary');

/** The node the monitor names primary (or wait_primary: writable, standby gone). */
export async function primaryNode(state: State): Promise<NodeName | undefined> {
  return (await nodeStates(state)).find((n) => n.reported === n.assigned && ['primary', 'wait_primary', 'single'].includes(n.reported))?.name;
}

function appendOnce(file: string, settings: Record<string, string>): void {
  if (readFileSync(file, 'utf8').includes(MARK)) return;
  appendFileSync(file, `\n${MARK}\n${Object.entries(settings).map(([k, v]) => `${k} = ${v}`).join('\n')}\n`);
}

async function ensureMonitor(state: State, log: (l: string) => void): Promise<void> {
  const data = pgdata(state.dir, 'monitor');
  if (!existsSync(configFile(state, 'monitor'))) {
    log(`monitor: creating on port ${state.ports.monitor}`);
    asPostgres(state.dir, 'pg_autoctl', ['create', 'monitor', '--pgdata', data, '--pgport', String(state.ports.monitor),
      '--hostname', '127.0.0.1', '--auth', 'trust', '--no-ssl']);
    asPostgres(state.dir, 'pg_autoctl', ['config', 'set', '--pgdata', data, 'postgresql.listen_addresses', '127.0.0.1']);
    appendOnce(path.join(data, 'postgresql.conf'), MONITOR_SETTINGS);
  }
  if (!alive(state.pids.monitor)) startService(state, 'monitor');
  await waitForStates(state, () => true, 60_000, 'the monitor to answer');
}

async function ensureNode(state: State, name: NodeName, log: (l: string) => void): Promise<void> {
  const data = pgdata(state.dir, name);
  if (!existsSync(configFile(state, name))) {
    const first = !(await nodeStates(state)).length;
    if (first && !existsSync(path.join(data, 'PG_VERSION'))) {
      // Our settings go in postgresql.conf, which the standby's base backup copies; pg_autoctl's
      // own file (ports, replication) is included before them.
      asPostgres(state.dir, 'initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '--data-checksums', '-E', 'UTF8', '--locale=C.UTF-8']);
      appendOnce(path.join(data, 'postgresql.conf'), nodeSettings(state.dir));
    }
    log(`${name}: creating on port ${state.ports[name]} (${first ? 'primary' : 'standby, from a base backup'})`);
    asPostgres(state.dir, 'pg_autoctl', ['create', 'postgres', '--pgdata', data, '--pgport', String(state.ports[name]),
      '--hostname', '127.0.0.1', '--listen', '127.0.0.1', '--name', name, '--dbname', DATABASE, '--monitor', monitorUri(state),
      '--auth', 'trust', '--no-ssl']);
    for (const [k, v] of Object.entries(KEEPER_SETTINGS)) asPostgres(state.dir, 'pg_autoctl', ['config', 'set', '--pgdata', data, k, v]);
  }
  restartNode(state, name);
}

export function pgbackrest(state: State, args: string[]): string {
  return asPostgres(state.dir, 'pgbackrest', [`--config=${path.join(state.dir, 'pgbackrest.conf')}`, `--stanza=${STANZA}`, ...args]);
}

export interface BackupInfo { label: string; type: string; start: Date; stop: Date; sizeBytes: number; repoBytes: number }

export function backups(state: State): BackupInfo[] {
  const [info] = JSON.parse(pgbackrest(state, ['info', '--output=json'])) as { backup: {
    label: string; type: string; timestamp: { start: number; stop: number }; info: { size: number; repository: { delta: number } } }[] }[];
  return (info?.backup ?? []).map((b) => ({
    label: b.label, type: b.type, start: new Date(b.timestamp.start * 1000), stop: new Date(b.timestamp.stop * 1000),
    sizeBytes: b.info.size, repoBytes: b.info.repository.delta,
  }));
}

/** Bring the formation up (or finish it); returns its state. Prints the client URL last. */
export async function up(options: Options = {}): Promise<State> {
  const { dir = DEFAULT_DIR, log = console.log, seedTransactions = 20_000 } = options;
  const state = readState(dir) ?? newState(dir, await freePorts(3));
  await ensureMonitor(state, log);
  await ensureNode(state, 'node1', log);
  await waitForStates(state, (ns) => ns.some((n) => ['single', 'primary', 'wait_primary'].includes(n.reported)), 120_000, 'a primary');
  await ensureNode(state, 'node2', log);
  await waitForStates(state, settled, 180_000, 'a primary and a secondary');

  const primary = (await primaryNode(state))!;
  const settings = { host: '127.0.0.1', port: state.ports[primary], database: DATABASE, user: 'postgres' };
  const ran = await migrate(settings);
  log(`pgbank: ${ran.length ? `migrated (${ran.length} migrations)` : 'migrations up to date'}, functions applied`);
  log(`pg_cron: ${(await scheduleJobs(settings)).join(', ')}`);
  if (seedTransactions > 0) {
    const sql = connect({ ...settings, max: 4, name: 'pgbank-cluster-seed' });
    try {
      const r = await seed(sql, { users: 200, transactions: seedTransactions, chunk: 10_000 });
      log(`seed: ${r.users} users, ${r.transactions} transactions`);
    } finally {
      await sql.end();
    }
  }

  writeFileSync(path.join(dir, 'pgbackrest.conf'), pgbackrestConf(state));
  pgbackrest(state, ['stanza-create']);
  if (!backups(state).length) {
    log('pgbackrest: first full backup');
    pgbackrest(state, ['backup', '--type=full']);
  }
  const last = backups(state).at(-1)!;
  log(`pgbackrest: stanza ${STANZA}, ${backups(state).length} backup(s), latest ${last.label}`);
  log(`pg_cron: ${(await scheduleBackups(state)).join(', ')}`);
  log(`DATABASE_URL=${databaseUrl(state)}`);
  return state;
}

export async function status(dir = DEFAULT_DIR): Promise<string> {
  const state = readState(dir);
  if (!state) return `no formation in ${dir} (npm run cluster -- up)`;
  const lines = [`formation in ${dir}: monitor 127.0.0.1:${state.ports.monitor}`];
  for (const name of ['monitor', ...NODES] as const) {
    const pm = postmasterPid(pgdata(dir, name));
    lines.push(`${name}: pg_autoctl ${alive(state.pids[name]) ? `running (pid ${state.pids[name]})` : 'stopped'}, postgres ${pm ? `running (pid ${pm})` : 'stopped'}`);
  }
  try {
    lines.push('', asPostgres(dir, 'pg_autoctl', ['show', 'state', '--pgdata', pgdata(dir, 'monitor')]).trimEnd());
  } catch (err) {
    lines.push(`monitor unreachable: ${(err as Error).message}`);
  }
  if (existsSync(path.join(dir, 'pgbackrest.conf'))) {
    try {
      lines.push('', pgbackrest(state, ['info']).trimEnd());
    } catch (err) {
      lines.push(`pgbackrest: ${(err as Error).message}`);
    }
  }
  lines.push('', `DATABASE_URL=${databaseUrl(state)}`);
  return lines.join('\n');
}

/** Stop every process of the formation and remove its directory. */
export async function down(dir = DEFAULT_DIR, log: (l: string) => void = console.log): Promise<void> {
  const state = readState(dir);
  if (state) {
    for (const name of [...NODES].reverse()) await stopService(state, name);
    await stopService(state, 'monitor');
  }
  if (existsSync(dir)) {
    removeDir(dir);
    log(`removed ${dir}`);
  } else {
    log(`no formation in ${dir}`);
  }
}

/** Lose a node at once: SIGKILL its pg_autoctl and its postmaster (and backends): a crashed machine. */
export async function killNode(state: State, name: NodeName): Promise<void> {
  const pm = postmasterPid(pgdata(state.dir, name));
  if (pm) process.kill(pm, 'SIGKILL');
  await stopService(state, name, 'SIGKILL', 0);
}

/**
 * Restart a node's service; pg_autoctl rejoins it as a standby of the current primary (pg_rewind,
 * else a base backup). After a crash, pg_autoctl 2.0 starts Postgres for crash recovery and then
 * runs pg_rewind beside it, which fails ("lock file postmaster.pid already exists") and falls back
 * to a full base backup: recover first in single-user mode (no port open, so no client can take
 * the old primary for a primary), and pg_rewind finds a cleanly stopped directory.
 */
export function restartNode(state: State, name: NodeName): void {
  if (alive(state.pids[name])) return;
  const data = pgdata(state.dir, name);
  if (existsSync(path.join(data, 'postmaster.pid')) && !postmasterPid(data)) {
    asPostgres(state.dir, 'postgres', ['--single', '-F', '-D', data, '-c', 'shared_preload_libraries=', 'template1'], '');
  }
  startService(state, name);
}
