// The pgbank-sync command: parses arguments, shows a progress bar, logs one line per run, stops
// cleanly on SIGINT/SIGTERM and turns every failure into one line on stderr and an exit code.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import cliProgress from 'cli-progress';
import { dbSettings } from '../config.ts';
import { ROOT } from '../paths.ts';
import { cutQuoted, describeError, shown, SyncError, UsageError } from './errors.ts';
import { DEFAULT_CHUNK_SIZE, MAX_DELAY_SECONDS, syncContinuously, syncOnce, type RunResult, type SyncOptions } from './sync.ts';

const USAGE = `Usage: pgbank-sync single|continuous [options] SOURCE_DB DESTINATION_DB TABLE USERNAME

Copies the rows of TABLE that are new or changed since the last run from SOURCE_DB into
DESTINATION_DB (same server), in (updated, primary key) order, upserting by primary key.
Creates the destination table when it is missing. Only SELECT on the source table is needed.
Progress is kept in DESTINATION_DB's pgbank_sync_state table: a stopped or killed run resumes.

Commands:
  single       one run, then exit
  continuous   a run, DELAY seconds of pause, a run... until SIGINT or SIGTERM

Options:
  -h, --host HOST          server host                       [default: $PGHOST or 127.0.0.1]
  -p, --port PORT          server port                       [default: $PGPORT or 5432]
  -s, --schema SCHEMA      schema of TABLE in both databases [default: public]
  -c, --chunk-size ROWS    rows per destination transaction  [default: ${DEFAULT_CHUNK_SIZE}]
  -d, --delay SECONDS      pause between continuous runs, at
                           most ${MAX_DELAY_SECONDS} (24.8 days)     [default: 5]
      --late-scan-every SECONDS
                           run the late-commit scan (a sequential scan of the
                           source table) at most this often  [default: 0, every run]
      --password PASSWORD  password of USERNAME              [default: $PGPASSWORD]
  -q, --quiet              no progress bar
      --debug              print stack traces (also DEBUG=1)
      --help               show this help
  -V, --version            show the version

Exit codes: 0 done (continuous: stopped by a signal), 1 sync failed, 2 bad usage,
130 / 143 single run interrupted by SIGINT / SIGTERM (what it copied is kept).
See docs/sync.md.`;

interface Command {
  mode: 'single' | 'continuous';
  options: SyncOptions;
  delaySeconds: number;
  quiet: boolean;
}

/** Runs the command; resolves to the process exit code. */
export async function main(argv: string[]): Promise<number> {
  const debug = argv.includes('--debug') || !!process.env.DEBUG;
  try {
    if (argv.includes('--help')) {
      console.log(USAGE);
      return 0;
    }
    if (argv.includes('--version') || argv.includes('-V')) {
      console.log(`pgbank-sync ${version()}`);
      return 0;
    }
    return await run(parseCommand(argv));
  } catch (err) {
    const line = cutQuoted(err instanceof SyncError ? err.message : describeError(err));
    console.error(`pgbank-sync: ${line}${err instanceof UsageError ? ' (see pgbank-sync --help)' : ''}`);
    if (debug && err instanceof Error) console.error(err.cause instanceof Error ? `${err.stack}\ncaused by ${err.cause.stack}` : err.stack);
    return err instanceof SyncError ? err.exitCode : 1;
  }
}

export function parseCommand(argv: string[]): Command {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        host: { type: 'string', short: 'h' },
        port: { type: 'string', short: 'p' },
        schema: { type: 'string', short: 's', default: 'public' },
        'chunk-size': { type: 'string', short: 'c', default: String(DEFAULT_CHUNK_SIZE) },
        delay: { type: 'string', short: 'd', default: '5' },
        'late-scan-every': { type: 'string', default: '0' },
        password: { type: 'string' },
        quiet: { type: 'boolean', short: 'q', default: false },
        debug: { type: 'boolean', default: false },
      },
    });
  } catch (err) {
    throw new UsageError(cutQuoted((err as Error).message.replaceAll('\n', ' ')));
  }
  const { values, positionals } = parsed;
  const [mode, sourceDb, destinationDb, table, user, ...extra] = positionals;
  if (mode !== 'single' && mode !== 'continuous') {
    throw new UsageError(mode === undefined ? 'missing command: single or continuous' : `unknown command ${shown(mode)}: expected single or continuous`);
  }
  if (user === undefined) throw new UsageError(`${mode} needs SOURCE_DB DESTINATION_DB TABLE USERNAME, got ${positionals.length - 1} of them`);
  if (extra.length) throw new UsageError(`unexpected argument ${shown(extra[0]!)}`);
  for (const [what, value] of [['SOURCE_DB', sourceDb], ['DESTINATION_DB', destinationDb], ['TABLE', table], ['USERNAME', user], ['--schema', values.schema]]) {
    if (!value) throw new UsageError(`${what} must not be empty`);
    // PostgreSQL keeps NAMEDATALEN - 1 bytes of a name: a longer one could only ever be missing, or cut to another's.
    if (Buffer.byteLength(value) > 63) throw new UsageError(`${what} ${shown(value)} is longer than 63 bytes, the longest name PostgreSQL keeps`);
  }
  if (sourceDb === destinationDb) throw new UsageError(`SOURCE_DB and DESTINATION_DB are both ${shown(sourceDb!)}: they must differ`);

  let env: ReturnType<typeof dbSettings>;
  try {
    env = dbSettings({ user, database: sourceDb });
  } catch (err) {  // a bad PGPORT, DATABASE_URL, ... in the environment is bad input too
    throw new UsageError(cutQuoted((err as Error).message));
  }
  const server = {
    host: values.host ?? env.host,
    port: values.port === undefined ? env.port : integer('--port', values.port, 1, 65535),
    user: user!,
    password: values.password ?? process.env.PGPASSWORD ?? env.password,
  };
  return {
    mode,
    options: {
      source: { ...server, database: sourceDb! },
      destination: { ...server, database: destinationDb! },
      schema: values.schema!,
      table: table!,
      chunkSize: integer('--chunk-size', values['chunk-size']!, 1, 10_000_000),
      lateScanEverySeconds: seconds('--late-scan-every', values['late-scan-every']!),
    },
    delaySeconds: seconds('--delay', values.delay!, MAX_DELAY_SECONDS),
    quiet: values.quiet!,
  };
}

async function run(command: Command): Promise<number> {
  const stop = new AbortController();
  let signalName: NodeJS.Signals | null = null;
  const onSignal = (signal: NodeJS.Signals) => {
    if (signalName) process.exit(signal === 'SIGTERM' ? 143 : 130); // a second signal: leave now
    signalName = signal;
    log(`${signal}: stopping after the chunk in flight commits (send it again to quit at once)`);
    stop.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const progress = new Progress(command.quiet || !process.stderr.isTTY, command.options.chunkSize);
  const options: SyncOptions = {
    ...command.options,
    signal: stop.signal,
    onStart: (estimate) => progress.start(estimate),
    onProgress: (rows) => progress.update(rows),
  };
  const name = `${options.schema}.${options.table}`;
  try {
    if (command.mode === 'single') {
      const result = await syncOnce(options);
      progress.stop(!result.stopped);
      log(runLine(name, result));
      if (result.stopped) return signalName === 'SIGTERM' ? 143 : 130;
      return 0;
    }
    log(`continuous: ${options.source.database} -> ${options.destination.database} ${name}, every ${command.delaySeconds} s after a run ends`);
    await syncContinuously({
      ...options,
      delaySeconds: command.delaySeconds,
      onRun: (result, n) => {
        progress.stop(!result.stopped);
        log(runLine(name, result, n));
      },
      onError: (err, n) => {
        progress.stop();
        log(`run=${n} table=${name} error=${JSON.stringify(cutQuoted(err instanceof SyncError ? err.message : describeError(err)))} retry_in_s=${command.delaySeconds}`);
      },
    });
    log(`stopped by ${signalName ?? 'request'}`);
    return 0;
  } finally {
    progress.stop();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/** One logfmt line per run: rows, seconds, rate, lag and the cursor reached. */
function runLine(table: string, r: RunResult, run?: number): string {
  const rate = r.seconds > 0 ? Math.round(r.rows / r.seconds) : 0;
  return [
    run === undefined ? 'single' : `run=${run}`,
    `table=${table}`,
    `rows=${r.rows}`,
    `late=${r.lateRows}`,
    `changed=${r.changed}`,
    `seconds=${r.seconds.toFixed(2)}`,
    `rows_per_s=${rate}`,
    `lag_s=${r.lagSeconds.toFixed(2)}`,
    `cursor=${shown(r.cursor?.join(',') ?? '')}`,
    ...(r.createdTable ? ['created_table=true'] : []),
    ...(r.stopped ? ['stopped=true'] : []),
  ].join(' ');
}

function log(line: string): void {
  console.log(`${new Date().toISOString()} ${line}`);
}

/** A progress bar on stderr for runs of more than a few chunks (rows/s and ETA); silent otherwise. */
class Progress {
  private bar: cliProgress.SingleBar | null = null;
  private startedAt = 0;
  private rows = 0;
  constructor(private readonly off: boolean, private readonly chunkSize: number) {}

  start(estimate: number): void {
    if (this.off || estimate < 3 * this.chunkSize) return;
    this.bar = new cliProgress.SingleBar({
      format: 'sync {bar} {percentage}% | {value}/{total} rows | {rate} rows/s | ETA {eta_formatted}',
      hideCursor: true,
      stream: process.stderr,
    }, cliProgress.Presets.shades_classic);
    this.startedAt = performance.now();
    this.rows = 0;
    this.bar.start(Math.round(estimate), 0, { rate: '-' });
  }

  update(rows: number): void {
    if (!this.bar) return;
    this.rows = rows;
    if (rows > this.bar.getTotal()) this.bar.setTotal(rows);
    const rate = Math.round(rows / ((performance.now() - this.startedAt) / 1000));
    this.bar.update(rows, { rate: rate.toLocaleString('en-US') });
  }

  /** `finished`: the run reached the end, so the (estimated) total was the rows copied. */
  stop(finished = false): void {
    if (finished && this.bar) {
      this.bar.setTotal(this.rows);
      this.bar.update(this.rows);
    }
    this.bar?.stop();
    this.bar = null;
  }
}

function integer(flag: string, raw: string, min: number, max: number): number {
  const n = Number(raw.replaceAll('_', ''));
  if (!Number.isSafeInteger(n) || n < min || n > max) throw new UsageError(`${flag} must be a whole number from ${min} to ${max}, got ${shown(raw)}`);
  return n;
}

function seconds(flag: string, raw: string, max = Infinity): number {
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(n) || n < 0 || n > max) {
    throw new UsageError(`${flag} must be a number of seconds ${max === Infinity ? '>= 0' : `from 0 to ${max}`}, got ${shown(raw)}`);
  }
  return n;
}

function version(): string {
  const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string };
  return pkg.version;
}
