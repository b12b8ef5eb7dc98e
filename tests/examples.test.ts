// examples/*.sql run as documented: their output is examples/*.sql.out exactly (npm run examples rewrites them),
// and the README and docs quote those outputs as they are.
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ROOT } from '../src/paths.ts';
import { testDatabase } from './helpers/db.ts';
import { exampleFiles, quotes, runExample, unquotedLine } from './helpers/examples.ts';

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

test('README.md and docs/*.md quote the examples\' outputs line for line, in order', async () => {
  const docs = ['README.md', ...(await readdir(path.join(ROOT, 'docs'))).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];
  const found = (await Promise.all(docs.map(async (d) => quotes(d, await readFile(path.join(ROOT, d), 'utf8'))))).flat();
  assert.ok(found.length >= 20, `${found.length} quotes found`);
  assert.ok(found.some((q) => q.doc === 'README.md'), 'the README quotes an example');
  for (const q of found) {
    const out = await readFile(path.join(ROOT, 'examples', q.out), 'utf8').catch(() => '');
    const bad = unquotedLine(q.lines, out);
    assert.is(bad, 0, `${q.doc}:${q.line + bad}: not in examples/${q.out} (in this order): ${JSON.stringify(q.lines[bad - 1])}`);
  }
});

test('the quote check finds a changed line', () => {
  const [q] = quotes('x.md', 'From examples/a.sql.out:\n```\nSELECT 1;\n x\n```\n');
  assert.is(q?.out, 'a.sql.out');
  assert.is(unquotedLine(q!.lines, 'SELECT 1;\n x \n(1 row)\n'), 0);
  assert.is(unquotedLine(q!.lines, 'SELECT 1;\n y\n'), 2);
  assert.is(unquotedLine([' x', 'SELECT 1;'], 'SELECT 1;\n x\n'), 2, 'order counts');
});

test.run();
