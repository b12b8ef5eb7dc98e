// src/sql-migration.ts: a migration kept as files sends up.sql from its marker, and for its Down
// down.sql then down/*.sql in name order; 0013 sends the Up its .sql file sent. No database.
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { MigrationBuilder } from 'node-pg-migrate';
import { ROOT } from '../src/paths.ts';
import { sqlFilesMigration } from '../src/sql-migration.ts';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'pgbank-sql-migration-'));
test.after(() => rmSync(tmp, { recursive: true, force: true }));

/** A migration NNNN_name.ts with these files in its folder; returns what up and down send. */
function sent(name: string, files: Record<string, string>) {
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(tmp, name, file)), { recursive: true });
    writeFileSync(path.join(tmp, name, file), text);
  }
  const m = sqlFilesMigration(pathToFileURL(path.join(tmp, `${name}.ts`)).href);
  const run = (action: ((pgm: MigrationBuilder) => void) | false) => {
    if (!action) return false;
    const out: string[] = [];
    action({ sql: (s: string) => out.push(s) } as unknown as MigrationBuilder);
    return out;
  };
  return { up: run(m.up), down: run(m.down) };
}

test('Up is up.sql from its -- Up Migration line; Down is down.sql, then down/*.sql in name order', () => {
  const { up, down } = sent('0001_a', {
    'up.sql': '-- why\n\n-- Up Migration\nCREATE TABLE t ();\n',
    'down.sql': 'DROP TABLE t;\n',
    'down/b_second.sql': 'SELECT 2;\n',
    'down/a_first.sql': 'SELECT 1;\n',
    'down/notes.txt': 'not SQL',
  });
  assert.equal(up, ['\n-- Up Migration\nCREATE TABLE t ();\n']);
  assert.equal(down, ['DROP TABLE t;\n', 'SELECT 1;\n', 'SELECT 2;\n']);
});

test('without a marker all of up.sql is the Up; without down.sql or down/ there is no Down', () => {
  assert.equal(sent('0002_b', { 'up.sql': 'SELECT 1;\n' }), { up: ['SELECT 1;\n'], down: false });
  assert.equal(sent('0003_c', { 'up.sql': 'SELECT 1;\n', 'down/f.sql': 'SELECT 2;\n' }).down, ['SELECT 2;\n']);
});

test('a missing up.sql fails when the migration is loaded, naming the file', () => {
  assert.throws(() => sqlFilesMigration(pathToFileURL(path.join(tmp, '0004_none.ts')).href), /0004_none.up\.sql|0004_none\/up\.sql/);
});

test('0013 sends the Up its former .sql file sent, and a Down of down.sql and four frozen files', async () => {
  const m = await import('../migrations/0013_todays_totals_in_account_row.ts');
  const up: string[] = [];
  m.up({ sql: (s: string) => up.push(s) } as unknown as MigrationBuilder);
  const file = readFileSync(path.join(ROOT, 'migrations', '0013_todays_totals_in_account_row', 'up.sql'), 'utf8');
  assert.equal(up, [file.slice(file.indexOf('\n-- Up Migration'))]);
  // What node-pg-migrate sent from migrations/0013_todays_totals_in_account_row.sql (commit 4e133fa).
  assert.is(createHash('sha256').update(up[0]!).digest('hex'), 'e5458f787b889cfe33b75270f7b2970d10cf8f14839b580b796720a0151b1976');
  const down: string[] = [];
  if (m.down) m.down({ sql: (s: string) => down.push(s) } as unknown as MigrationBuilder);
  assert.is(down.length, 5);
  assert.match(down[0]!, /DROP COLUMN totals_day/);
});

test.run();
