#!/usr/bin/env tsx
// Writes examples/*.sql.out: each example run by psql on a fresh, migrated database.
// npm test (tests/examples.test.ts) fails when an example's output changes; rerun this to accept it.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { dropDatabase } from '../src/db.ts';
import { ROOT } from '../src/paths.ts';
import { buildTemplate, testDatabase } from '../tests/helpers/db.ts';
import { exampleFiles, runExample } from '../tests/helpers/examples.ts';

const template = (process.env.PGBANK_TEST_TEMPLATE = await buildTemplate());
try {
  await writeAll();
} finally {
  await dropDatabase(template);
}

async function writeAll() {
  for (const file of await exampleFiles()) {
    const db = await testDatabase(`example_${path.basename(file, '.sql')}`);
    try {
      await writeFile(path.join(ROOT, `${file}.out`), runExample(file, db.settings));
      console.log(`wrote ${file}.out`);
    } finally {
      await db.drop();
    }
  }
}
