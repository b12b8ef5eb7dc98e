// Runs examples/*.sql through psql, as a reader would, and returns what psql printed (queries echoed).
import { spawnSync } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import type { DbSettings } from '../../src/config.ts';
import { ROOT } from '../../src/paths.ts';

export const EXAMPLES_DIR = path.join(ROOT, 'examples');

/** examples/*.sql, as paths relative to the repository (psql names them so in its error lines). */
export async function exampleFiles(): Promise<string[]> {
  return (await readdir(EXAMPLES_DIR)).filter((f) => f.endsWith('.sql')).sort().map((f) => path.join('examples', f));
}

/** psql -a on one file, errors interleaved with the output (2>&1), CONTEXT lines left out (they name internals). */
export function runExample(file: string, s: DbSettings): string {
  const psql = spawnSync('bash', ['-c', 'psql "$@" 2>&1', 'psql', '-X', '-a', '-h', s.host, '-p', String(s.port), '-U', s.user,
    '-d', s.database, '-v', 'SHOW_CONTEXT=never', '-f', file], {
    cwd: ROOT, encoding: 'utf8', env: { ...process.env, PGPASSWORD: s.password ?? '', PGTZ: 'UTC', PGDATESTYLE: 'ISO' },
  });
  if (psql.status !== 0) throw new Error(`psql exited with ${psql.status} on ${file}: ${psql.stdout}`);
  return psql.stdout;
}

export interface Quote { doc: string; line: number; out: string; lines: string[] }

/**
 * The psql output that README.md and docs/*.md quote: every fenced block without a language whose
 * lead-in (the text since the previous block or heading) links an examples/*.sql.out file.
 */
export function quotes(doc: string, text: string): Quote[] {
  const found: Quote[] = [];
  let lead: string[] = [];
  let block: { line: number; out: string | undefined; lines: string[] } | undefined;
  text.split('\n').forEach((l, i) => {
    if (block) {
      if (l.startsWith('```')) {
        if (block.out) found.push({ doc, line: block.line, out: block.out, lines: block.lines });
        block = undefined;
        lead = [];
      } else block.lines.push(l);
    } else if (l.startsWith('```')) {
      const outs = [...lead.join('\n').matchAll(/examples\/(\w+\.sql\.out)/g)];
      block = { line: i + 1, out: l === '```' ? outs.at(-1)?.[1] : undefined, lines: [] };
    } else if (l.startsWith('#')) lead = [];
    else lead.push(l);
  });
  return found;
}

/** The quote's first line (1-based in the block) that is not in `out`, in order; 0 when all are. Blank lines and trailing spaces don't count. */
export function unquotedLine(quote: string[], out: string): number {
  const lines = out.split('\n').map((l) => l.trimEnd());
  let at = 0;
  for (const [i, l] of quote.entries()) {
    if (!l.trim()) continue;
    const next = lines.indexOf(l.trimEnd(), at);
    if (next < 0) return i + 1;
    at = next + 1;
  }
  return 0;
}
