#!/usr/bin/env tsx
// Rewrites tests/schema.snapshot.sql from a freshly migrated database (made and dropped here);
// quicker than `UPDATE_SNAPSHOT=1 npx tsx scripts/test.ts migrations` after a schema change.
import { writeFile } from 'node:fs/promises';
import { dbSettings } from '../src/config.ts';
import { createDatabase, dropDatabase } from '../src/db.ts';
import { migrate } from '../src/migrate.ts';
import { schemaDump, SNAPSHOT } from '../tests/helpers/schema.ts';

const s = dbSettings({ database: `pgbank_snapshot_${process.pid}` });
await createDatabase(s.database, s);
try {
  await migrate(s);
  await writeFile(SNAPSHOT, await schemaDump(s));
  console.log(`wrote ${SNAPSHOT}`);
} finally {
  await dropDatabase(s.database, s);
}
