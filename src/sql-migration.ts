// A migration whose SQL is kept in files: migrations/NNNN_name.ts names the folder NNNN_name/ beside
// it, which holds up.sql, down.sql and down/*.sql (docs/migrations.md).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { MigrationBuilder } from 'node-pg-migrate';

/** node-pg-migrate's own `-- Up Migration` marker, as it finds it in a .sql migration. */
const UP_MARKER = /^\s*--[\s-]*up\s+migration/im;

type Action = (pgm: MigrationBuilder) => void;

/**
 * The up and down of the migration module at `moduleUrl` (pass `import.meta.url`), from the folder
 * of the same name. Up: up.sql from its `-- Up Migration` line on, the very text node-pg-migrate
 * sends for a .sql migration's Up. Down: down.sql, then every down/*.sql in name order (the
 * definitions the Up replaced, as they were before it), all in the migration's one transaction;
 * with neither, the migration cannot go down. Files are read when the runner loads the migration,
 * so a missing or unreadable one fails before any SQL runs.
 */
export function sqlFilesMigration(moduleUrl: string): { up: Action; down: Action | false } {
  const file = fileURLToPath(moduleUrl);
  const dir = path.join(path.dirname(file), path.basename(file, path.extname(file)));
  const read = (name: string) => readFileSync(path.join(dir, name), 'utf8');

  const upFile = read('up.sql');
  const at = upFile.search(UP_MARKER);
  const upSql = at >= 0 ? upFile.slice(at) : upFile;

  const downSql: string[] = [];
  if (existsSync(path.join(dir, 'down.sql'))) downSql.push(read('down.sql'));
  if (existsSync(path.join(dir, 'down'))) {
    const frozen = readdirSync(path.join(dir, 'down')).filter((f) => f.endsWith('.sql')).sort();
    for (const f of frozen) downSql.push(read(path.join('down', f)));
  }
  return {
    up: (pgm) => { pgm.sql(upSql); },
    down: downSql.length ? (pgm) => { for (const s of downSql) pgm.sql(s); } : false,
  };
}
