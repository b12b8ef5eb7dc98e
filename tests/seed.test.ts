// Seeding: reaches exactly N users and M transactions, adds nothing on a re-run, keeps the totals exact.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { $ } from 'zx';
import { HISTORY_START, seed } from '../src/seed.ts';
import { testDatabase, type TestDatabase } from './helpers/db.ts';

let db: TestDatabase;
test.before(async () => { db = await testDatabase('seed'); });
test.after(async () => db?.drop());

const counts = async () => {
  const [r] = await db.sql<{ users: number; transactions: number }[]>`
    select (select count(*)::int from pgbank.users where id <> pgbank_private.world()) as users, (select count(*)::int from pgbank.transactions) as transactions`;
  return r!;
};

test('tops up to exactly N and M, and a second run adds nothing', async () => {
  const first = await seed(db.sql, { users: 25, transactions: 12_345, chunk: 4_000 });
  assert.equal({ u: first.usersAdded, t: first.transactionsAdded }, { u: 25, t: 12_345 });
  assert.equal(await counts(), { users: 25, transactions: 12_345 });
  const again = await seed(db.sql, { users: 25, transactions: 12_345 });
  assert.equal({ u: again.usersAdded, t: again.transactionsAdded }, { u: 0, t: 0 });
  const more = await seed(db.sql, { users: 30, transactions: 20_000, chunk: 3_000 });
  assert.equal({ u: more.usersAdded, t: more.transactionsAdded }, { u: 5, t: 7_655 });
  assert.equal(await counts(), { users: 30, transactions: 20_000 });
});

test('two seeders at once still reach exactly N and M', async () => {
  const other = db.pool(4);
  await Promise.all([
    seed(db.sql, { users: 40, transactions: 30_000, chunk: 2_500 }),
    seed(other, { users: 40, transactions: 30_000, chunk: 2_500 }),
  ]);
  assert.equal(await counts(), { users: 40, transactions: 30_000 });
});

test('the data is plausible: 2-decimal positive amounts, times from 2023-01-01 to now, sender ≠ receiver', async () => {
  const [r] = await db.sql`
    select min(ts) as first, max(ts) as last, min(amount)::text as min_amount,
           bool_and(scale(amount) <= 2) as two_decimals, bool_and(sender <> receiver) as distinct_parties,
           count(distinct (ts at time zone 'UTC')::date)::int as days
      from pgbank.transactions`;
  assert.ok(r!.first >= HISTORY_START && r!.last <= new Date(), `${r!.first} .. ${r!.last}`);
  assert.ok(r!.days > 1000, `spread over ${r!.days} days`);
  assert.ok(Number(r!.min_amount) >= 1, `min amount ${r!.min_amount}`);
  assert.ok(r!.two_decimals && r!.distinct_parties);
  assert.equal([...await db.sql`select * from pgbank_private.verify_monthly_totals()`], []);
  assert.equal([...await db.sql`select * from pgbank.verify_balances()`], [], 'balances are what the seeded rows say');
  const [neg] = await db.sql`select count(*)::int as n from pgbank.users where balance < 0 and id <> pgbank_private.world()`;
  assert.is(neg!.n, 0, 'no seeded balance is negative');
});

test('the seed script prints counts, rate and user ids to try', async () => {
  const env = { ...process.env, PGDATABASE: db.name };
  const out = await $({ env, quiet: true })`${process.execPath} --import tsx scripts/seed.ts --users 40 --transactions 30500 --chunk 1000`;
  assert.match(out.stdout, /\+0 users \(40 in all\), \+500 transactions \(30500 in all\) in [\d.]+ s, [\d,]+ rows\/s/);
  assert.match(out.stdout, /user ids to try:\n {2}[0-9a-f-]{36}/);
  assert.match(out.stdout, /sum_amount [\d.]+, response_time_seconds [\d.e-]+/);
  const bad = await $({ env, quiet: true, nothrow: true })`${process.execPath} --import tsx scripts/seed.ts --users=-3`;
  assert.is(bad.exitCode, 1);
  assert.match(bad.stderr, /--users must be a whole number >= 0, got "-3"/);
});

test.run();
