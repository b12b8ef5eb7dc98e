// Runs the bridge as a child process and follows its JSON log (for the tests and the benchmark).
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import type { DbSettings } from '../config.ts';
import { ROOT } from '../paths.ts';

export interface LogLine {
  ts: string;
  level: string;
  event: string;
  [field: string]: unknown;
}

export interface BridgeProcess {
  child: ChildProcess;
  pid: number;
  /** Every log line so far, parsed. */
  lines: LogLine[];
  /** Lines that were not JSON (stderr, crashes). */
  other: string[];
  /** Resolves with the first line (already seen or to come) that matches; rejects after timeoutMs or if the process exits first. */
  waitFor(match: (line: LogLine) => boolean, timeoutMs?: number, description?: string): Promise<LogLine>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** The last 15 log lines and 10 other lines, for a failure message. */
  tail(): string;
  /** Send a signal and wait for the exit. */
  stop(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Start `src/bridge/main.ts` (or `script`, relative to the root: the events publisher) with these environment variables on top of ours. */
export function startBridge(env: Record<string, string>, options: { echo?: boolean; script?: string } = {}): BridgeProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, options.script ?? 'src/bridge/main.ts')], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: LogLine[] = [];
  const other: string[] = [];
  const waiters = new Set<() => void>();
  let exitedAt: { code: number | null; signal: NodeJS.Signals | null } | null = null;
  const onText = (stream: NodeJS.ReadableStream) => {
    let rest = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      const parts = (rest + chunk).split('\n');
      rest = parts.pop()!;
      for (const part of parts) {
        if (!part.trim()) continue;
        if (options.echo) process.stderr.write(`  [bridge ${child.pid}] ${part}\n`);
        try {
          const parsed = JSON.parse(part) as LogLine;
          if (parsed && typeof parsed.event === 'string') lines.push(parsed);
          else other.push(part);
        } catch {
          other.push(part);
        }
      }
      for (const wake of waiters) wake();
    });
  };
  onText(child.stdout!);
  onText(child.stderr!);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on('exit', (code, signal) => {
      exitedAt = { code, signal };
      // Let the last buffered lines arrive before waking the waiters.
      setImmediate(() => {
        resolve(exitedAt!);
        for (const wake of waiters) wake();
      });
    });
  });

  const waitFor: BridgeProcess['waitFor'] = (match, timeoutMs = 15_000, description = 'a matching log line') =>
    new Promise((resolve, reject) => {
      let seen = 0;
      const check = () => {
        for (; seen < lines.length; seen++) {
          if (match(lines[seen]!)) return finish(() => resolve(lines[seen]!));
        }
        if (exitedAt) {
          finish(() => reject(new Error(`bridge ${child.pid} exited (${JSON.stringify(exitedAt)}) before ${description}; output:\n${tail()}`)));
        }
      };
      const timer = setTimeout(() => finish(() => reject(new Error(`no ${description} from bridge ${child.pid} within ${timeoutMs} ms; output:\n${tail()}`))), timeoutMs);
      const finish = (settle: () => void) => {
        clearTimeout(timer);
        waiters.delete(check);
        settle();
      };
      waiters.add(check);
      check();
    });
  const tail = () => [...lines.slice(-15).map((l) => JSON.stringify(l)), ...other.slice(-10)].join('\n');

  return {
    child,
    pid: child.pid!,
    lines,
    other,
    waitFor,
    exited,
    tail,
    async stop(signal = 'SIGTERM') {
      if (!exitedAt) child.kill(signal);
      return exited;
    },
  };
}

/** Environment for a bridge on `db` (PG* variables; DATABASE_URL cleared so they apply), plus `settings` (BRIDGE_*, AMQP_URL…). */
export function bridgeEnv(db: DbSettings, settings: Record<string, string> = {}): Record<string, string> {
  return {
    DATABASE_URL: '', PGHOST: db.host, PGPORT: String(db.port), PGDATABASE: db.database, PGUSER: db.user, PGPASSWORD: db.password ?? '',
    ...settings,
  };
}
