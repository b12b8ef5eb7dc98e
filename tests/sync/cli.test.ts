// pgbank-sync command line: a read-only source role, one-line errors with exit codes, continuous mode.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { connect } from '../../src/db.ts';
import { ROOT } from '../../src/paths.ts';
import { addSeedTransactions, createSeedTransactions, scratchDatabases, tableDigest } from '../../src/sync/seed-table.ts';
import { until } from '../helpers/wait.ts';

const BIN = path.join(ROOT, 'bin', 'pgbank-sync.js');
const dbs = await scratchDatabases('cli', ['source', 'dest', 'dest2']);
const source = dbs.pool('source');
const dest = dbs.pool('dest');
const admin = connect({ database: 'postgres', max: 1, name: 'pgbank-sync-cli-test' });
const tag = randomBytes(3).toString('hex');
const readOnly = `pgbank_sync_ro_${tag}`;
const noAccess = `pgbank_sync_none_${tag}`;
const { host, port } = dbs.settings('source');

interface Outcome { code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }

function start(args: string[], env: Record<string, string> = {}): { child: ChildProcess; done: Promise<Outcome>; output: () => string } {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: { ...process.env, DEBUG: '', ...env } });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  const done = new Promise<Outcome>((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })));
  return { child, done, output: () => stdout };
}
const run = (...args: string[]) => start(args).done;
const common = ['--host', host, '--port', String(port)];

/** A failed run: the given exit code and exactly one line on stderr, without a stack trace. */
function assertOneLineError(o: Outcome, code: number, pattern: RegExp): void {
  assert.is(o.code, code, `exit code; stderr: ${o.stderr}`);
  const lines = o.stderr.trim().split('\n');
  assert.is(lines.length, 1, `one line on stderr, got:\n${o.stderr}`);
  assert.match(lines[0]!, /^pgbank-sync: /);
  assert.match(lines[0]!, pattern);
  assert.not.match(o.stderr, /\n\s+at /);
}

test.before(async () => {
  await createSeedTransactions(source, { rows: 5_000 });
  await admin.unsafe(`create role ${readOnly} login; create role ${noAccess} login`).simple();
  await source.unsafe(`grant select on transactions to ${readOnly}`);
  // PostgreSQL 15 no longer lets everyone create in public: the destination side needs that.
  await dest.unsafe(`grant create on schema public to ${readOnly}`);
});

test.after(async () => {
  await dbs.drop();
  await admin.unsafe(`drop role if exists ${readOnly}; drop role if exists ${noAccess}`).simple();
  await admin.end();
});

test('--help and --version', async () => {
  const help = await run('--help');
  assert.is(help.code, 0);
  assert.match(help.stdout, /Usage: pgbank-sync single\|continuous \[options\] SOURCE_DB DESTINATION_DB TABLE USERNAME/);
  assert.match(help.stdout, /--chunk-size/);
  const version = await run('--version');
  assert.is(version.code, 0);
  assert.match(version.stdout, /^pgbank-sync \d+\.\d+\.\d+\n$/);
});

test('a role that may only SELECT the source table syncs it', async () => {
  const [row] = await source<{ writes: boolean }[]>`select has_table_privilege(${readOnly}, 'transactions', 'INSERT, UPDATE, DELETE, TRUNCATE') as writes`;
  assert.is(row?.writes, false, 'the role cannot write the source');
  const first = await run('single', dbs.names.source, dbs.names.dest, 'transactions', readOnly, ...common);
  assert.is(first.code, 0, first.stderr);
  assert.match(first.stdout, /single table=public\.transactions rows=5000 late=0 changed=5000 seconds=[\d.]+ rows_per_s=\d+ lag_s=[\d.]+ cursor="\d+,[0-9a-f-]+" created_table=true\n$/);
  await addSeedTransactions(source, { rows: 100, startMs: Date.UTC(2024, 0, 1), from: 5_000 });
  const second = await run('single', dbs.names.source, dbs.names.dest, 'transactions', readOnly, ...common);
  assert.is(second.code, 0, second.stderr);
  assert.match(second.stdout, / rows=100 /);
  assert.equal(await tableDigest(dest), await tableDigest(source));
});

test('bad input: one line naming the cause, exit code 1', async () => {
  const [src, dst] = [dbs.names.source, dbs.names.dest2];
  const outcomes = await Promise.all([
    run('single', src, dst, 'transactions', 'postgres', '--host', host, '--port', '1'),
    run('single', src, dst, 'transactions', `pgbank_sync_nobody_${tag}`, ...common),
    run('single', 'pgbank_sync_no_such_db', dst, 'transactions', 'postgres', ...common),
    run('single', src, 'pgbank_sync_no_such_db', 'transactions', 'postgres', ...common),
    run('single', src, dst, 'no_such_table', 'postgres', ...common),
    run('single', src, dst, 'transactions', noAccess, ...common),
    run('single', src, dst, 'transactions', 'postgres', ...common, '--schema', 'no_such_schema'),
  ]);
  const [refused, noRole, noSourceDb, noDestDb, noTable, noPrivilege, noSchema] = outcomes as [Outcome, Outcome, Outcome, Outcome, Outcome, Outcome, Outcome];
  assertOneLineError(refused, 1, /cannot connect to source database pgbank_sync_cli_source_\w+ at [\w.]+:1 as postgres: connection refused/);
  assertOneLineError(noRole, 1, new RegExp(`cannot connect to source database .* as pgbank_sync_nobody_${tag}: role "pgbank_sync_nobody_${tag}" does not exist \\[SQLSTATE 28000\\]`));
  assertOneLineError(noSourceDb, 1, /cannot connect to source database pgbank_sync_no_such_db .*database "pgbank_sync_no_such_db" does not exist \[SQLSTATE 3D000\]/);
  assertOneLineError(noDestDb, 1, /cannot connect to destination database pgbank_sync_no_such_db .*does not exist \[SQLSTATE 3D000\]/);
  assertOneLineError(noTable, 1, /table public\.no_such_table not found in source database pgbank_sync_cli_source_\w+$/);
  assertOneLineError(noPrivilege, 1, new RegExp(`user ${noAccess} may not read public\\.transactions in source database \\w+: SELECT privilege`));
  assertOneLineError(noSchema, 1, /table no_such_schema\.transactions not found in source database/);
});

test('bad usage: one line, exit code 2', async () => {
  const outcomes = await Promise.all([
    run('single', 'a', 'b', 'c'),
    run('sometimes', 'a', 'b', 'c', 'd'),
    run('single', 'a', 'b', 'c', 'd', '--port', 'http'),
    run('single', 'a', 'b', 'c', 'd', '--chunk-size', '0'),
    run('continuous', 'a', 'b', 'c', 'd', '--delay=-1'),
    run('continuous', 'a', 'b', 'c', 'd', '--delay', '-1'),
    run('continuous', 'a', 'b', 'c', 'd', '--delay', '2147484'), // Node's timers would make it 1 ms
    run('single', 'a', 'b', 'c', 'd', '--colour'),
    run('single', 'a', 'a', 'c', 'd'),
    start(['single', 'a', 'b', 'c', 'd'], { PGPORT: 'abc' }).done,
  ]);
  const patterns = [
    /single needs SOURCE_DB DESTINATION_DB TABLE USERNAME, got 3 of them/,
    /unknown command "sometimes": expected single or continuous/,
    /--port must be a whole number from 1 to 65535, got "http"/,
    /--chunk-size must be a whole number from 1 to 10000000, got "0"/,
    /--delay must be a number of seconds from 0 to 2147483, got "-1"/,
    /Option '--delay' argument is ambiguous\. Did you forget/,
    /--delay must be a number of seconds from 0 to 2147483, got "2147484"/,
    /Unknown option '--colour'/,
    /SOURCE_DB and DESTINATION_DB are both "a"/,
    /PGPORT is not a port number: "abc"/,
  ];
  outcomes.forEach((o, i) => assertOneLineError(o, 2, patterns[i]!));
});

test('a destination table named pgbank_sync_state (its progress table) is refused by name, exit code 2', async () => {
  assertOneLineError(await run('single', dbs.names.source, dbs.names.dest2, 'pgbank_sync_state', 'postgres', ...common), 2,
    /table public\.pgbank_sync_state cannot be synced: pgbank-sync keeps its progress in a table of that name in the destination's schema public/);
});

test('errors quote at most 200 characters of an input and say how long it was', async () => {
  const [nines, table, option] = await Promise.all([
    run('single', 'a', 'b', 'c', 'd', '--chunk-size', '9'.repeat(10_000)),
    run('single', 'a', 'b', 't'.repeat(300), 'd'),
    run('single', 'a', 'b', 'c', 'd', `--${'x'.repeat(5_000)}`),
  ]);
  assertOneLineError(nines, 2, /--chunk-size must be a whole number from 1 to 10000000, got "9{200}"… \(10000 characters\)/);
  assertOneLineError(table, 2, /TABLE "t{200}"… \(300 characters\) is longer than 63 bytes, the longest name PostgreSQL keeps/);
  assertOneLineError(option, 2, /Unknown option '--x{198}'… \(5002 characters\)/);
  for (const o of [nines, table, option]) assert.ok(o.stderr.length < 800, `stderr of ${o.stderr.length} characters`);
});

test('continuous mode converges within its delay, logs one line per run and stops on SIGTERM', async () => {
  const delay = 0.5;
  const proc = start(['continuous', dbs.names.source, dbs.names.dest, 'transactions', 'postgres', ...common, '--delay', String(delay)]);
  const waitFor = (what: string, check: () => Promise<boolean> | boolean, seconds: number) =>
    until(check, seconds * 1000, what).catch((err: Error) => {
      throw new Error(`continuous mode: ${err.message}; output:\n${proc.output()}`);
    });
  try {
    await waitFor('the first run', () => /run=1 /.test(proc.output()), 15);
    await source.begin(async (tx) => {
      await tx`update transactions set status = 'BLOCKED', updated = updated + 100000000000 where id in (select id from transactions order by id limit 50)`;
      await addSeedTransactions(tx, { rows: 20, startMs: Date.UTC(2025, 0, 1), from: 6_000 });
    });
    const changedAt = performance.now();
    const sourceDigest = await tableDigest(source);
    await waitFor('the destination to converge', async () => JSON.stringify(await tableDigest(dest)) === JSON.stringify(sourceDigest), delay + 10);
    const seconds = (performance.now() - changedAt) / 1000;
    assert.ok(seconds < delay + 3, `converged in ${seconds.toFixed(2)} s`);
  } finally {
    proc.child.kill('SIGTERM');
  }
  const outcome = await proc.done;
  assert.is(outcome.code, 0, outcome.stderr);
  assert.match(outcome.stdout, /run=\d+ table=public\.transactions rows=70 late=\d+ changed=70 seconds=[\d.]+ rows_per_s=\d+ lag_s=[\d.]+ cursor=/);
  assert.match(outcome.stdout, /SIGTERM: stopping after the chunk in flight commits/);
  assert.match(outcome.stdout, /stopped by SIGTERM\n$/);
});

test.run();
