// examples/*.sql run as documented: their output is examples/*.sql.out exactly (npm run examples rewrites them).
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ROOT } from '../src/paths.ts';
import { testDatabase } from './helpers/db.ts';
import { exampleFiles, runExample } from './helpers/examples.ts';

const files = await exampleFiles();

test('there are examples', () => {
  assert.ok(files.length >= 3, files.join(', '));
});

for (const file of files) {
  test(`${file} prints ${file}.out`, async () => {
    const db = await testDatabase(`example_${path.basename(file, '.sql')}`);
    try {
      const expected = await readFile(path.join(ROOT, `${file}.out`), 'utf8').catch(() => '(no .out file: run npm run examples)');
      assert.fixture(runExample(file, db.settings), expected, `${file}: the output changed; review it, then npm run examples`);
    } finally {
      await db.drop();
    }
  });
}

test.run();
