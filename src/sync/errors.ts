// Errors pgbank-sync reports as one line: what went wrong, with the bad value and the cause.

/** A problem the user can fix (bad input, missing privilege, structure mismatch): printed without a stack. */
export class SyncError extends Error {
  constructor(message: string, readonly exitCode = 1, cause?: unknown) {
    super(message, { cause });
    this.name = 'SyncError';
  }
}

/** Wrong command-line usage: exit code 2. */
export class UsageError extends SyncError {
  constructor(message: string) {
    super(message, 2);
    this.name = 'UsageError';
  }
}

const NETWORK_CAUSES: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host name lookup failed',
  ETIMEDOUT: 'timed out',
  CONNECT_TIMEOUT: 'timed out',
  EHOSTUNREACH: 'host unreachable',
  ECONNRESET: 'connection reset',
};

/** Longest stretch of an input an error repeats; the rest is cut, its length stated. */
export const SHOWN_CHARS = 200;

/** An input as an error quotes it: JSON string syntax, cut to SHOWN_CHARS characters. */
export function shown(value: string): string {
  const chars = [...value]; // code points: a cut never splits a character
  if (chars.length <= SHOWN_CHARS) return JSON.stringify(value);
  return `${JSON.stringify(chars.slice(0, SHOWN_CHARS).join(''))}… (${chars.length} characters)`;
}

/** Text from elsewhere (PostgreSQL, node:util, the environment): every overlong quoted stretch cut like shown(). */
export function cutQuoted(text: string): string {
  const long = `{${SHOWN_CHARS + 1},}`;
  return text.replace(new RegExp(`"([^"]${long})"|'([^']${long})'|\\(([^()]${long})\\)`, 'gu'), (_whole, dq?: string, sq?: string, par?: string) => {
    const inner = [...(dq ?? sq ?? par)!];
    const [open, close] = dq ? ['"', '"'] : sq ? ["'", "'"] : ['(', ')'];
    return `${open}${inner.slice(0, SHOWN_CHARS).join('')}${close}… (${inner.length} characters)`;
  });
}

/** The cause of any error in one line: PostgreSQL message and SQLSTATE, or the network failure. */
export function describeError(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const e = err as Error & { code?: string; severity?: string; detail?: string; errors?: Error[] };
  if (!e.message && e.errors?.[0]) return describeError(e.errors[0]);
  if (e.severity && e.code) return cutQuoted(`${e.message}${e.detail ? ` (${e.detail})` : ''} [SQLSTATE ${e.code}]`);
  if (e.code && NETWORK_CAUSES[e.code]) return cutQuoted(`${NETWORK_CAUSES[e.code]} (${e.message})`);
  return cutQuoted(e.message.split('\n')[0] ?? e.name);
}
