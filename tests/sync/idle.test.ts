// pgbank-sync keeps its sessions through a long wait on the source: the destination's lock, staging table and settings survive.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { addSeedTransactions, createSeedTransactions, scratchDatabases, tableDigest } from '../../src/sync/seed-table.ts';
import { syncOnce } from '../../src/sync/sync.ts';
import { sleep } from '../helpers/wait.ts';

const dbs = await scratchDatabases('idle', ['source', 'dest']);
const source = dbs.pool('source');
const dest = dbs.pool('dest');
const sync = () => syncOnce({ source: dbs.settings('source'), destination: dbs.settings('dest'), schema: 'public', table: 'transactions', chunkSize: 1_000 });

test.after(() => dbs.drop());

test('a source locked for longer than an idle connection lives (35 s): the run waits, then copies every row', async () => {
  await createSeedTransactions(source, { rows: 2_000 });
  await sync();
  await addSeedTransactions(source, { rows: 100, from: 2_000, startMs: Date.UTC(2024, 0, 1) });
  // One busy statement holds the lock for 35 s (an idle connection of ours would be closed at 30).
  const locking = source.begin(async (tx) => {
    await tx`lock table transactions in access exclusive mode`;
    await tx`select pg_sleep(35)`;
  });
  await sleep(500);
  const result = await sync();
  await locking;
  assert.is(result.rows, 100);
  assert.equal(await tableDigest(dest), await tableDigest(source));
});

test.run();
