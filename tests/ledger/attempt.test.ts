// The transfer path's attempt rows: the BEFORE INSERT trigger decides an 'init' row, in one
// statement per account, whichever account's id comes first; nothing half-moved is left behind.
import { randomUUID } from 'node:crypto';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createAccount, getAccount, setAccountStatus, topUp, transfer, transfers, verifyBalances } from '../../src/api.ts';
import { testDatabase, type TestDatabase } from '../helpers/db.ts';

let db: TestDatabase;
test.before(async () => { db = await testDatabase('attempt'); });
test.after(async () => db?.drop());

// Fresh accounts per test; LOW's id always sorts before HIGH's.
let LOW = '';
let HIGH = '';
const idWith = (first: string) => `${first}${randomUUID().slice(1)}`;
const snapshot = async (id: string) => {
  const a = await getAccount(db.sql, id);
  const [day] = await db.sql`select totals_day::text, day_sent::text, day_received::text, version::text from pgbank.users where id = ${id}`;
  return { balance: a.balance, held: a.held, day: { ...day } };
};
const audits = async () => ({
  balances: await verifyBalances(db.sql),
  monthly: [...await db.sql`select * from pgbank_private.verify_monthly_totals()`],
});

test.before.each(async () => {
  [LOW, HIGH] = [idWith('1'), idWith('f')];
  await createAccount(db.sql, 'Low', '0', LOW);
  await createAccount(db.sql, 'High', '0', HIGH);
  await topUp(db.sql, `open-low-${Date.now()}`, LOW, '100.00');
  await topUp(db.sql, `open-high-${Date.now()}`, HIGH, '100.00');
});

test('payee first, payer short: the credit is taken back, the row is failed, the audits hold', async () => {
  const [payee, payer] = [await snapshot(LOW), await snapshot(HIGH)];
  const r = await transfer(db.sql, `short-${Date.now()}`, HIGH, LOW, '100.01');  // HIGH pays LOW, whose id comes first
  assert.equal([r.status, r.reason], ['failed', 'insufficient_funds']);
  assert.equal([await snapshot(LOW), await snapshot(HIGH)], [payee, payer]);
  assert.equal(await audits(), { balances: [], monthly: [] });
});

test('payer first, payee unknown: the debit is taken back, unknown_account before insufficient_funds', async () => {
  const payer = await snapshot(LOW);
  const ghost = 'ffffffff-0000-4000-8000-000000000009';
  const ok = await transfer(db.sql, `ghost-${Date.now()}`, LOW, ghost, '1.00');
  assert.equal([ok.status, ok.reason], ['failed', 'unknown_account']);
  const short = await transfer(db.sql, `ghost-short-${Date.now()}`, LOW, ghost, '500.00');
  assert.equal([short.status, short.reason], ['failed', 'unknown_account']);
  assert.equal(await snapshot(LOW), payer);
  assert.equal(await audits(), { balances: [], monthly: [] });
});

test('a row written directly as an attempt (init) is decided by the trigger; as success it moves unconditionally', async () => {
  const [row] = await db.sql`insert into pgbank.transactions (ts, sender, receiver, amount, status)
    values (now(), ${LOW}, ${HIGH}, 1000, 'init') returning status, reason`;
  assert.equal({ ...row }, { status: 'failed', reason: 'insufficient_funds' });
  const [ok] = await db.sql`insert into pgbank.transactions (ts, sender, receiver, amount, status)
    values (now(), ${LOW}, ${HIGH}, 10, 'init') returning status, reason`;
  assert.equal({ ...ok }, { status: 'success', reason: null });
  const [kept] = await db.sql`select count(*)::int as n from pgbank.transactions where status = 'init'`;
  assert.is(kept!.n, 0, 'no row is left as init');
  // A direct 'success' row past the payer's limit is refused by the users CHECK, nothing written.
  const err = await db.sql`insert into pgbank.transactions (ts, sender, receiver, amount, status)
    values (now(), ${LOW}, ${HIGH}, 1000, 'success')`.catch((e) => e);
  assert.is(err.code, '23514');
  assert.equal([(await snapshot(LOW)).balance, (await snapshot(HIGH)).balance].map(Number), [90, 110]);
  assert.equal(await audits(), { balances: [], monthly: [] });
});

test('transfer() moves both accounts itself and marks its row writer_moved; the trigger moves every other row', async () => {
  const [low, high] = [await snapshot(LOW), await snapshot(HIGH)];
  const r = await transfer(db.sql, `moved-${Date.now()}`, HIGH, LOW, '30.00');
  assert.equal([r.status, r.reason], ['success', null]);
  const [row] = await db.sql`select status, writer_moved from pgbank.transactions where id = ${r.transactionId}`;
  assert.equal({ ...row }, { status: 'success', writer_moved: true });
  assert.equal([(await snapshot(LOW)).balance, (await snapshot(HIGH)).balance], ['130.00', '70.00'], 'moved once, not twice');
  assert.equal([(await snapshot(LOW)).day.version, (await snapshot(HIGH)).day.version].map(Number),
    [Number(low.day.version) + 1, Number(high.day.version) + 1]);
  // A failed attempt (the payer short after the payee, whose id comes first, was credited) is the trigger's, unmarked.
  const f = await transfer(db.sql, `moved-short-${Date.now()}`, HIGH, LOW, '70.01');
  const [failed] = await db.sql`select status, reason, writer_moved from pgbank.transactions where id = ${f.transactionId}`;
  assert.equal({ ...failed }, { status: 'failed', reason: 'insufficient_funds', writer_moved: null });
  // A direct write that says its writer moved the accounts is taken at its word (only the owner writes rows directly).
  await db.sql`insert into pgbank.transactions (ts, sender, receiver, amount, status, writer_moved)
    values (now(), ${LOW}, ${HIGH}, 5, 'success', true)`;
  assert.equal([(await snapshot(LOW)).balance, (await snapshot(HIGH)).balance], ['130.00', '70.00']);
  const audit = await verifyBalances(db.sql);
  assert.equal(audit.map((a) => a.account).sort(), [LOW, HIGH].sort(), 'verify_balances shows the row nobody moved');
  // What such a writer owes: the two accounts moved as the trigger would have moved them.
  await db.sql`update pgbank.users set balance = balance + case when id = ${LOW}::uuid then -5 else 5 end,
    day_sent = day_sent + case when id = ${LOW}::uuid then 5 else 0 end, day_received = day_received + case when id = ${LOW}::uuid then 0 else 5 end
    where id in (${LOW}, ${HIGH})`;
  assert.equal(await audits(), { balances: [], monthly: [] });
});

test('a writer_moved row moved to another day is taken out and put back like any other row', async () => {
  const r = await transfer(db.sql, `moved-day-${Date.now()}`, LOW, HIGH, '10.00');
  const [b] = await transfers(db.sql, [{ requestId: `moved-day-b-${Date.now()}`, from: HIGH, to: LOW, amount: '4.00' }]);
  const ids = [r.transactionId, b!.transactionId];
  assert.equal((await db.sql`select count(*)::int as n from pgbank.transactions where id = any(${ids}::bigint[]) and writer_moved`)[0]!.n, 2);
  // A day back (a move between partitions: a delete and an insert) and a second later (the same day).
  await db.sql`update pgbank.transactions set ts = ts - interval '1 day' where id = any(${ids}::bigint[])`;
  await db.sql`update pgbank.transactions set ts = ts + interval '1 second' where id = any(${ids}::bigint[])`;
  const rows = await db.sql`select writer_moved from pgbank.transactions where id = any(${ids}::bigint[])`;
  assert.equal(rows.map((x) => x.writer_moved), [null, null], 'the mark is gone once the row has moved');
  assert.equal([(await snapshot(LOW)).balance, (await snapshot(HIGH)).balance], ['94.00', '106.00']);
  assert.equal(await audits(), { balances: [], monthly: [] });
});

test('a movement on a new day rolls the account rows over, for attempts too', async () => {
  // The account rows hold yesterday's totals, as after a day without movements.
  await db.sql.begin((tx) => [
    tx`set local session_replication_role = replica`,
    tx`update pgbank.transactions set ts = ts - interval '1 day' where receiver in (${LOW}, ${HIGH})`,
    tx`update pgbank.users set totals_day = totals_day - 1 where id in (${LOW}, ${HIGH})`,
  ]);
  assert.equal(await audits(), { balances: [], monthly: [] });
  const r = await transfer(db.sql, `newday-${Date.now()}`, HIGH, LOW, '5.00');
  assert.is(r.status, 'success');
  const [rows] = await db.sql`select count(*) filter (where totals_day = (now() at time zone 'UTC')::date)::int as today
    from pgbank.users where id in (${LOW}, ${HIGH})`;
  assert.is(rows!.today, 2);
  assert.equal(await audits(), { balances: [], monthly: [] });
});

// The two-account statement (the usual case) locks the first account in id order, then checks and
// moves both; whatever it cannot move goes to the one-account statements, which name the reason.
// Each way it can miss, with the payer first and second in id order: the result is the one-account
// statements' and nothing of the miss is left (balances, day totals, versions).
const misses: { name: string; amount?: string; setup: (payer: string, payee: string) => Promise<unknown>; to?: string;
  expect: [string, string | null] }[] = [
  { name: 'payer short', amount: '100.01', setup: async () => {}, expect: ['failed', 'insufficient_funds'] },
  { name: 'payer frozen', setup: (payer) => setAccountStatus(db.sql, payer, 'frozen', 'test', 'test'), expect: ['failed', 'account_frozen'] },
  { name: 'payee refuses credits', setup: (_, payee) => setAccountStatus(db.sql, payee, 'frozen', 'test', 'test', true), expect: ['failed', 'account_frozen'] },
  { name: 'payee frozen, credits taken', setup: (_, payee) => setAccountStatus(db.sql, payee, 'frozen', 'test', 'test'), expect: ['success', null] },
  { name: 'payee unknown', to: 'ghost', setup: async () => {}, expect: ['failed', 'unknown_account'] },
  { name: 'payee on a new day', expect: ['success', null], setup: (_, payee) => db.sql.begin((tx) => [  // its row holds yesterday's totals
    tx`set local session_replication_role = replica`,
    tx`update pgbank.transactions set ts = ts - interval '1 day' where receiver = ${payee}`,
    tx`update pgbank.users set totals_day = totals_day - 1 where id = ${payee}`,
  ]) },
  { name: 'payee in another currency', to: 'eur', setup: async () => {}, expect: ['failed', 'currency_mismatch'] },
];
for (const miss of misses) for (const payerFirst of [true, false]) {
  test(`two accounts, ${miss.name}, payer ${payerFirst ? 'first' : 'second'} in id order`, async () => {
    let [payer, payee] = payerFirst ? [LOW, HIGH] : [HIGH, LOW];
    if (miss.to === 'ghost') payee = payerFirst ? 'ffffffff-0000-4000-8000-000000000009' : '00000001-0000-4000-8000-000000000009';
    if (miss.to === 'eur') {
      payee = idWith(payerFirst ? 'f' : '0');
      await createAccount(db.sql, 'Euro', '0', payee, 'EUR');
    }
    await miss.setup(payer, payee);
    const before = [await snapshot(payer), miss.to === 'ghost' ? null : await snapshot(payee)];
    const amount = miss.amount ?? '7.25';
    const r = await transfer(db.sql, `miss-${Date.now()}`, payer, payee, amount);
    assert.equal([r.status, r.reason], miss.expect);
    const after = [await snapshot(payer), miss.to === 'ghost' ? null : await snapshot(payee)];
    if (r.status === 'failed') assert.equal(after, before, 'nothing of a failed attempt is left');
    else {
      assert.is(Number(after[0]!.balance), Number(before[0]!.balance) - Number(amount));
      assert.is(Number(after[1]!.balance), Number(before[1]!.balance) + Number(amount));
      assert.is(BigInt(after[0]!.day.version), BigInt(before[0]!.day.version) + 1n, 'one version per movement');
      assert.is(BigInt(after[1]!.day.version), BigInt(before[1]!.day.version) + 1n, 'one version per movement');
    }
    assert.equal(await audits(), { balances: [], monthly: [] });
  });
}

test.run();
