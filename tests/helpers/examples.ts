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
