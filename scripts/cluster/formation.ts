// A local pg_auto_failover formation (monitor + two PostgreSQL nodes, synchronous replication)
// with a pgBackRest repository, all under one directory owned by the postgres OS user, beside the
// default server. pg_autoctl refuses to run as root: every tool runs as postgres.
import { spawn, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync, chownSync, closeSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export const PG_BIN = '/usr/lib/postgresql/15/bin';
export const DEFAULT_DIR = '/var/lib/postgresql/pgbank-ha';
export const STANZA = 'pgbank';
export const DATABASE = 'pgbank';
export const NODES = ['node1', 'node2'] as const;
export type NodeName = (typeof NODES)[number];

/**
 * Monitor timeouts (pgautofailover.* GUCs, milliseconds). The defaults (health check every 5 s,
 * node unhealthy after 20 s without a keeper report) give 20-30 s failovers; on one machine or a
 * LAN a node that misses 3 s of reports and a health check is gone, not slow.
 */
export const MONITOR_SETTINGS: Record<string, string> = {
  'pgautofailover.health_check_period': '1000',
  'pgautofailover.health_check_timeout': '1000',
  'pgautofailover.health_check_max_retries': '1',
  'pgautofailover.health_check_retry_delay': '500',
  'pgautofailover.node_considered_unhealthy_timeout': '3000',
  // How long a promoted standby stays read-only waiting for the old primary to confirm it has
  // demoted. Must exceed the keepers' network_partition_timeout (KEEPER_SETTINGS), after which a
  // primary that sees neither monitor nor standby demotes itself: no two primaries at once.
  'pgautofailover.primary_demote_timeout': '6000',
};

/** pg_autoctl keeper settings (seconds), set with `pg_autoctl config set` on each node. */
export const KEEPER_SETTINGS: Record<string, string> = {
  'timeout.network_partition_timeout': '4',
};

/** What every data node runs with (scripts/system.sh sets the same on the default server). */
export function nodeSettings(dir: string): Record<string, string> {
  return {
    shared_preload_libraries: "'pg_cron'",
    'cron.database_name': "'postgres'",
    max_locks_per_transaction: '1024',
    shared_buffers: "'128MB'",
    max_wal_size: "'1GB'",
    wal_compression: "'lz4'",
    archive_mode: 'on',
    // One configuration serves both nodes, but archive-push insists that pg1-path is the server's
    // own directory: the shell gives it ($PWD is the data directory when archive_command runs).
    archive_command: `'pgbackrest --config=${path.join(dir, 'pgbackrest.conf')} --stanza=${STANZA} --pg1-path="$PWD" archive-push %p'`,
    // pg_auto_failover's own conf asks for 8 GB; the replication slot already keeps what a standby needs.
    wal_keep_size: "'256MB'",
  };
}

export interface State {
  dir: string;
  ports: { monitor: number; node1: number; node2: number };
  /** Process group id of each pg_autoctl service we started (its own session). */
  pids: Partial<Record<'monitor' | NodeName, number>>;
}

export interface Options {
  dir?: string;
  log?: (line: string) => void;
  /** Rows of fake history for `up` (0 to skip seeding). */
  seedTransactions?: number;
}

const postgresIds = () => {
  const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
  const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
  return { uid, gid };
};

export const stateFile = (dir: string) => path.join(dir, 'state.json');
export const pgdata = (dir: string, name: 'monitor' | NodeName) => path.join(dir, name);

export function readState(dir = DEFAULT_DIR): State | undefined {
  return existsSync(stateFile(dir)) ? (JSON.parse(readFileSync(stateFile(dir), 'utf8')) as State) : undefined;
}

function writeState(state: State): void {
  writeFileSync(stateFile(state.dir), JSON.stringify(state, null, 2) + '\n');
}

/** Environment of the postgres user for one formation: pg_autoctl keeps its config and state under XDG dirs. */
export function toolEnv(dir: string): NodeJS.ProcessEnv {
  return {
    PATH: `${PG_BIN}:${process.env.PATH}`,
    HOME: dir,
    XDG_CONFIG_HOME: path.join(dir, 'xdg', 'config'),
    XDG_DATA_HOME: path.join(dir, 'xdg', 'data'),
    XDG_RUNTIME_DIR: path.join(dir, 'xdg', 'run'),
    PG_CONFIG: `${PG_BIN}/pg_config`,
    LANG: 'C.UTF-8',
  };
}

/** Run a tool as postgres; its output, or an error with its stderr. */
export function asPostgres(dir: string, cmd: string, args: string[], input?: string): string {
  const { uid, gid } = postgresIds();
  try {
    return execFileSync(cmd, args, { uid, gid, env: toolEnv(dir), cwd: dir, encoding: 'utf8', input, stdio: ['pipe', 'pipe', 'pipe'] });
  } catch (err) {
    const e = err as { stderr?: string; stdout?: string; message: string };
    throw new Error(`${cmd} ${args.join(' ')}: ${(e.stderr || e.stdout || e.message).trim().slice(-2000)}`, { cause: err });
  }
}

/** Start `pg_autoctl run` for one node in its own session (so the whole node can be killed at once). */
export function startService(state: State, name: 'monitor' | NodeName): number {
  const { uid, gid } = postgresIds();
  const logFd = openSync(path.join(state.dir, `${name}.log`), 'a');
  const child = spawn('pg_autoctl', ['run', '--pgdata', pgdata(state.dir, name)], {
    uid, gid, env: toolEnv(state.dir), cwd: state.dir, detached: true, stdio: ['ignore', logFd, logFd],
  });
  closeSync(logFd);
  child.unref();
  state.pids[name] = child.pid!;
  writeState(state);
  return child.pid!;
}

export const alive = (pid: number | undefined) => {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** Stop one node's service: SIGTERM to its process group, SIGKILL after `graceMs`. */
export async function stopService(state: State, name: 'monitor' | NodeName, signal: NodeJS.Signals = 'SIGTERM', graceMs = 20_000): Promise<void> {
  const pid = state.pids[name];
  if (!pid) return;
  const group = (sig: NodeJS.Signals) => { try { process.kill(-pid, sig); } catch { /* gone */ } };
  group(signal);
  const deadline = performance.now() + graceMs;
  while (groupAlive(pid) && performance.now() < deadline) await sleep(100);
  if (groupAlive(pid)) group('SIGKILL');
  while (groupAlive(pid)) await sleep(50);
  // A postmaster outlives its group when pg_ctl started it in a session of its own.
  await killPostmaster(pgdata(state.dir, name));
  delete state.pids[name];
  writeState(state);
}

function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The postmaster pid of a data directory, if it runs. */
export function postmasterPid(dataDir: string): number | undefined {
  const file = path.join(dataDir, 'postmaster.pid');
  if (!existsSync(file)) return undefined;
  const pid = Number(readFileSync(file, 'utf8').split('\n')[0]);
  return alive(pid) ? pid : undefined;
}

async function killPostmaster(dataDir: string): Promise<void> {
  const pid = postmasterPid(dataDir);
  if (!pid) return;
  try { process.kill(pid, 'SIGQUIT'); } catch { return; }
  for (let i = 0; i < 100 && alive(pid); i++) await sleep(100);
  if (alive(pid)) try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
}

/** Free TCP ports on 127.0.0.1, from the kernel. */
export async function freePorts(n: number): Promise<number[]> {
  const servers = await Promise.all(Array.from({ length: n }, () => new Promise<net.Server>((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => resolve(s));
  })));
  const ports = servers.map((s) => (s.address() as net.AddressInfo).port);
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  return ports;
}

export function mkdirForPostgres(dir: string): void {
  const { uid, gid } = postgresIds();
  mkdirSync(dir, { recursive: true });
  chownSync(dir, uid, gid);
}

export function newState(dir: string, ports: number[]): State {
  const [monitor, node1, node2] = ports as [number, number, number];
  const state: State = { dir, ports: { monitor, node1, node2 }, pids: {} };
  for (const sub of ['', 'xdg', 'xdg/config', 'xdg/data', 'xdg/run', 'repo', 'pgbackrest-log', 'pgbackrest-lock', 'pgbackrest-spool']) {
    mkdirForPostgres(path.join(dir, sub));
  }
  execFileSync('chmod', ['700', path.join(dir, 'xdg', 'run')]);
  writeState(state);
  return state;
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/** The client URL naming both nodes; our client maps read-write to "primary" (src/db.ts). */
export function databaseUrl(state: State, database = DATABASE): string {
  return `postgres://postgres@127.0.0.1:${state.ports.node1},127.0.0.1:${state.ports.node2}/${database}?target_session_attrs=read-write`;
}

export function pgbackrestConf(state: State): string {
  const d = state.dir;
  return `[global]
repo1-path=${path.join(d, 'repo')}
repo1-retention-full=2
log-path=${path.join(d, 'pgbackrest-log')}
lock-path=${path.join(d, 'pgbackrest-lock')}
spool-path=${path.join(d, 'pgbackrest-spool')}
log-level-console=warn
log-level-file=info
compress-type=lz4
process-max=2
start-fast=y
# WAL is pushed by a background process in parallel batches: a heavy write load (seeding, a
# restore's catch-up) outruns one archive-push per 16 MB segment.
archive-async=y
archive-timeout=300

[${STANZA}]
pg1-path=${pgdata(d, 'node1')}
pg1-port=${state.ports.node1}
pg1-socket-path=/var/run/postgresql
pg2-path=${pgdata(d, 'node2')}
pg2-port=${state.ports.node2}
pg2-socket-path=/var/run/postgresql
`;
}
