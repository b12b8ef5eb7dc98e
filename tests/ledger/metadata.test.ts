// Metadata on transfers, top-ups and holds: kept with the ledger row, shown and filtered by history(); bad metadata is 22023.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createAccount, history, hold, topUp, transfer } from '../../src/api.ts';
import { sqlstate, testDatabase, type TestDatabase } from '../helpers/db.ts';

let db: TestDatabase;
test.before(async () => { db = await testDatabase('metadata'); });
test.after(async () => db?.drop());

test('transfer, top_up and hold keep their metadata; history filters on it; a repeat keeps the first', async () => {
  const a = (await createAccount(db.sql, 'Meta A')).id;
  const b = (await createAccount(db.sql, 'Meta B')).id;
  await topUp(db.sql, 'meta-top', a, '100.00', { source: 'card', ref: 'T-1' });
  await transfer(db.sql, 'meta-pay', a, b, '10.00', { order: 'A-17' });
  const again = await transfer(db.sql, 'meta-pay', a, b, '10.00', { order: 'other' });
  assert.ok(again.replayed);
  await hold(db.sql, 'meta-hold', a, b, '5.00', '1 hour', { order: 'A-18' });
  await transfer(db.sql, 'meta-none', a, b, '1.00');
  const rows = await history(db.sql, a);
  const byId = new Map(rows.map((r) => [r.amount, r.metadata]));
  assert.equal([byId.get('100.00'), byId.get('10.00'), byId.get('5.00'), byId.get('1.00')],
    [{ source: 'card', ref: 'T-1' }, { order: 'A-17' }, { order: 'A-18' }, null]);
  const filtered = await history(db.sql, a, { metadata: { order: 'A-17' } });
  assert.equal(filtered.map((r) => r.amount), ['10.00']);
});

test('metadata that is not an object, or too large, is 22023 and nothing is written', async () => {
  const a = (await createAccount(db.sql, 'Meta C')).id;
  const b = (await createAccount(db.sql, 'Meta D')).id;
  const [before] = await db.sql`select count(*)::int as n from pgbank.transactions`;
  for (const call of [
    db.sql`select pgbank.transfer('bad-1', ${a}::uuid, ${b}::uuid, 1, '[1, 2]'::jsonb)`,
    db.sql`select pgbank.top_up('bad-2', ${a}::uuid, 1, '"text"'::jsonb)`,
    db.sql`select pgbank.hold('bad-3', ${a}::uuid, ${b}::uuid, 1, '1 hour', ${JSON.stringify({ note: 'x'.repeat(5000) })}::jsonb)`,
  ]) {
    const err = await sqlstate(call);
    assert.is(err.code, '22023');
    assert.match(err.message, /metadata/);
  }
  const [after] = await db.sql`select count(*)::int as n from pgbank.transactions`;
  assert.is(after!.n, before!.n);
});

test.run();
