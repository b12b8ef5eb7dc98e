// Structured log lines for the bridge: one JSON object per line on stdout ({"ts", "level", "event", ...fields}).
import { cut } from './cut.ts';

export type Level = 'info' | 'warn' | 'error';
export type Log = (level: Level, event: string, fields?: Record<string, unknown>) => void;

/** A logger that writes JSON lines to `write` (stdout by default). */
export function jsonLog(write: (line: string) => void = (line) => process.stdout.write(line)): Log {
  return (level, event, fields = {}) => {
    write(JSON.stringify({ ts: new Date().toISOString(), level, event, ...fields }, jsonSafe) + '\n');
  };
}

/** The fields to log for an error: its message (cut: it may quote a message's content) and, when present, its code. */
export function errorFields(err: unknown): Record<string, unknown> {
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    return { error: cut(err.message, 500), ...(code !== undefined ? { code } : {}) };
  }
  return { error: cut(String(err), 500) };
}

// bigint (e.g. an AMQP delivery tag) has no JSON form.
function jsonSafe(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? value.toString() : value;
}
