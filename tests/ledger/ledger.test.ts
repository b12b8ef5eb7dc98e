// The ledger API: accounts, top-ups, transfers, idempotency, batches, holds, balance_at, bad input, the app role.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  balanceAt, createAccount, getAccount, hold, postHold, sumAmount, topUp, transfer, transferBatch, verifyBalances, voidHold,
} from '../../src/api.ts';
import { sqlstate, testDatabase, type TestDatabase } from '../helpers/db.ts';

let db: TestDatabase;
test.before(async () => { db = await testDatabase('ledger'); });
test.after(async () => db?.drop());

const WORLD = '00000000-0000-0000-0000-000000000000';
let n = 0;
const key = (label: string) => `${label}-${++n}`;
const newAccount = async (name: string, opening = '0', lowerLimit = '0') => {
  const a = await createAccount(db.sql, name, lowerLimit);
  if (opening !== '0') await topUp(db.sql, key('open'), a.id, opening);
  return a.id;
};
/** Money text with 2 decimals, however PostgreSQL scaled it ("100" and "100.00" are the same money). */
const money = (x: string | null) => (x === null ? null : Number(x).toFixed(2));
const balance = async (id: string) => money((await getAccount(db.sql, id)).balance);
const state = async (id: string) => {
  const a = await getAccount(db.sql, id);
  return [money(a.balance), money(a.held), money(a.available)];
};
const counts = async () => {
  const [r] = await db.sql`select (select count(*) from pgbank.transactions)::int as tx, (select count(*) from pgbank.requests)::int as req,
                                  (select count(*) from pgbank.holds)::int as holds, (select count(*) from pgbank.users)::int as users`;
  return { ...r };
};

test('create_account and get_account', async () => {
  const a = await createAccount(db.sql, 'Alice');
  assert.equal([a.balance, a.available, a.held, a.lowerLimit, a.version].map(Number), [0, 0, 0, 0, 0]);
  assert.ok(a.createdAt instanceof Date && a.modifiedAt instanceof Date);
  assert.equal(await getAccount(db.sql, a.id), a);
  const b = await createAccount(db.sql, 'Bob', '-100.50', '5b0b5b0b-0000-4000-8000-000000000001');
  assert.is(b.id, '5b0b5b0b-0000-4000-8000-000000000001');
  assert.is(money(b.lowerLimit), '-100.50');
  const dup = await sqlstate(createAccount(db.sql, 'Bob again', '0', b.id));
  assert.is(dup.code, '23505');
  assert.match(dup.message, /account '5b0b5b0b-0000-4000-8000-000000000001' already exists/);
});

test('top-up and transfer move money; version and modified time follow every change', async () => {
  const a = await newAccount('A');
  const b = await newAccount('B');
  const t = await topUp(db.sql, key('top'), a, '100.00');
  assert.equal([t.status, t.reason, t.fromAccount, t.toAccount, t.amount, t.replayed], ['success', null, WORLD, a, '100.00', false]);
  const before = await getAccount(db.sql, a);
  const r = await transfer(db.sql, key('tr'), a, b, '30.25');
  assert.equal([r.status, r.reason, r.fromAccount, r.toAccount, r.amount], ['success', null, a, b, '30.25']);
  const after = await getAccount(db.sql, a);
  assert.is(money(after.balance), '69.75');
  assert.is(await balance(b), '30.25');
  assert.is(BigInt(after.version), BigInt(before.version) + 1n);
  assert.ok(after.modifiedAt >= before.modifiedAt);
  assert.equal(await verifyBalances(db.sql), []);
});

test('business failures come back as failed with a reason, are recorded, and move nothing', async () => {
  const a = await newAccount('Poor', '10');
  const b = await newAccount('Other');
  const limited = await newAccount('Overdraft', '0', '-20');
  const ghost = 'aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee';
  const cases: [() => Promise<{ status: string; reason: string | null; transactionId: string }>, string][] = [
    [() => transfer(db.sql, key('f'), a, b, '10.01'), 'insufficient_funds'],
    [() => transfer(db.sql, key('f'), a, a, '1'), 'same_account'],
    [() => transfer(db.sql, key('f'), a, ghost, '1'), 'unknown_account'],
    [() => transfer(db.sql, key('f'), ghost, a, '1'), 'unknown_account'],
    [() => topUp(db.sql, key('f'), ghost, '1'), 'unknown_account'],
    [() => transfer(db.sql, key('f'), limited, b, '20.01'), 'insufficient_funds'],
  ];
  for (const [call, reason] of cases) {
    const r = await call();
    assert.equal([r.status, r.reason], ['failed', reason]);
    const [row] = await db.sql`select status, reason from pgbank.transactions where id = ${r.transactionId}`;
    assert.equal({ ...row }, { status: 'failed', reason }, 'the failed attempt is in the ledger');
  }
  assert.is(await balance(a), '10.00');
  assert.is((await transfer(db.sql, key('ok'), limited, b, '20.00')).status, 'success', 'a bounded overdraft');
  assert.is(await balance(limited), '-20.00');
  assert.is(await balance(b), '20.00');
  assert.equal(await verifyBalances(db.sql), []);
});

test('idempotency: a repeat returns the first outcome and moves nothing; other parameters are PB001', async () => {
  const a = await newAccount('Idem A', '50');
  const b = await newAccount('Idem B');
  const first = await transfer(db.sql, 'pay-1', a, b, '20');
  const again = await transfer(db.sql, 'pay-1', a, b, '20.00');
  assert.equal({ ...again, replayed: false }, first);
  assert.is(again.replayed, true);
  assert.is(await balance(a), '30.00');
  // after a failure, too: the first outcome stands even once the money is there
  const failed = await transfer(db.sql, 'pay-2', a, b, '1000');
  await topUp(db.sql, key('top'), a, '5000');
  const repeat = await transfer(db.sql, 'pay-2', a, b, '1000');
  assert.equal([repeat.status, repeat.reason, repeat.transactionId], ['failed', 'insufficient_funds', failed.transactionId]);
  // the same key from another paying account is another request
  assert.is((await transfer(db.sql, 'pay-1', b, a, '1')).replayed, false);
  for (const other of [() => transfer(db.sql, 'pay-1', a, b, '21'), () => transfer(db.sql, 'pay-1', a, a, '20'),
    () => hold(db.sql, 'pay-1', a, b, '20', '1 hour')]) {
    const err = await sqlstate(other());
    assert.is(err.code, 'PB001', err.message);
    assert.match(err.message, /request_id 'pay-1' of account '.*' was already used with other parameters/);
  }
  const top = await topUp(db.sql, 'top-x', b, '7');
  assert.equal({ ...(await topUp(db.sql, 'top-x', b, '7')), replayed: false }, top);
  assert.equal(await verifyBalances(db.sql), []);
});

test('transfer_batch: all or nothing, one result per item, idempotent', async () => {
  const [a, b, c] = [await newAccount('Batch A', '100'), await newAccount('Batch B', '10'), await newAccount('Batch C')];
  const ok = await transferBatch(db.sql, 'batch-1', [
    { from: a, to: b, amount: '60' }, { from: b, to: c, amount: '70' }, { from: c, to: a, amount: '5' }]);
  assert.equal(ok.map((r) => [r.status, r.fromAccount, r.toAccount, r.amount]),
    [['success', a, b, '60.00'], ['success', b, c, '70.00'], ['success', c, a, '5.00']]);
  assert.equal([await balance(a), await balance(b), await balance(c)], ['45.00', '0.00', '65.00']);
  const bad = await transferBatch(db.sql, 'batch-2', [{ from: a, to: b, amount: '1' }, { from: b, to: c, amount: '2' }]);
  assert.equal(bad.map((r) => [r.status, r.reason]), [['failed', 'insufficient_funds (item 2)'], ['failed', 'insufficient_funds (item 2)']]);
  assert.equal([await balance(a), await balance(b), await balance(c)], ['45.00', '0.00', '65.00'], 'nothing moved');
  const again = await transferBatch(db.sql, 'batch-1', [
    { from: a, to: b, amount: '60' }, { from: b, to: c, amount: '70' }, { from: c, to: a, amount: '5' }]);
  assert.equal(again.map((r) => [r.transactionId, r.replayed]), ok.map((r) => [r.transactionId, true]));
  assert.equal(await verifyBalances(db.sql), []);
});

test('holds: available drops at once, post (full and partial), void, and each ends once', async () => {
  const a = await newAccount('Holder', '100');
  const b = await newAccount('Shop');
  const h = await hold(db.sql, key('h'), a, b, '40', '1 hour');
  assert.equal([h.status, h.amount], ['held', '40.00']);
  assert.equal(await state(a), ['100.00', '40.00', '60.00']);
  assert.is((await transfer(db.sql, key('t'), a, b, '61')).reason, 'insufficient_funds', 'held funds are not available');
  const posted = await postHold(db.sql, h.holdId!, '25.50');
  assert.equal([posted.status, money(posted.postedAmount)], ['posted', '25.50']);
  assert.equal(await state(a), ['74.50', '0.00', '74.50']);
  assert.is(await balance(b), '25.50');
  for (const again of [() => postHold(db.sql, h.holdId!), () => voidHold(db.sql, h.holdId!)]) {
    const err = await sqlstate(again());
    assert.is(err.code, 'PB002', err.message);
    assert.match(err.message, new RegExp(`hold '${h.holdId}' is already posted`));
  }
  const full = await hold(db.sql, key('h'), a, b, '10', '1 hour');
  assert.is(money((await postHold(db.sql, full.holdId!)).postedAmount), '10.00');
  const v = await hold(db.sql, key('h'), a, b, '30', '1 hour');
  assert.is((await voidHold(db.sql, v.holdId!)).status, 'voided');
  assert.equal(await state(a), ['64.50', '0.00', '64.50']);
  const tooMuch = await hold(db.sql, key('h'), a, b, '5', '1 hour');
  const err = await sqlstate(postHold(db.sql, tooMuch.holdId!, '5.01'));
  assert.equal([err.code, /amount '5.01' is more than the '5.00' held/.test(err.message)], ['22023', true]);
  assert.is((await hold(db.sql, key('h'), a, b, '1000', '1 hour')).reason, 'insufficient_funds');
  assert.equal(await verifyBalances(db.sql), []);
});

test('holds expire: by the pg_cron procedure, and a post or void after the deadline finds them expired', async () => {
  const a = await newAccount('Expirer', '100');
  const b = await newAccount('Payee');
  const [h1, h2, h3] = [await hold(db.sql, key('h'), a, b, '10', '1 hour'), await hold(db.sql, key('h'), a, b, '20', '1 hour'),
    await hold(db.sql, key('h'), a, b, '30', '1 hour')];
  assert.equal(await state(a), ['100.00', '60.00', '40.00']);
  // Time travel: their deadlines pass.
  await db.sql`update pgbank.holds set expires_at = now() - interval '1 second' where id in ${db.sql([h1.holdId!, h2.holdId!, h3.holdId!])}`;
  assert.is((await postHold(db.sql, h3.holdId!)).status, 'expired', 'too late to post: it expires instead');
  await db.sql`call pgbank_private.expire_holds()`;
  const states = await db.sql`select status from pgbank.holds where id in ${db.sql([h1.holdId!, h2.holdId!])}`;
  assert.equal(states.map((r) => r.status), ['expired', 'expired']);
  const err = await sqlstate(voidHold(db.sql, h1.holdId!));
  assert.equal([err.code, /is already expired/.test(err.message)], ['PB002', true]);
  assert.equal(await state(a), ['100.00', '0.00', '100.00']);
  const [tx] = await db.sql`select array_agg(distinct status) as s from pgbank.transactions
                             where id in ${db.sql([h1.transactionId, h2.transactionId, h3.transactionId])}`;
  assert.equal(tx!.s, ['expired']);
  assert.equal(await verifyBalances(db.sql), []);
});

test('balance_at equals a replay of the transactions; transfers show in sum_amount at once', async () => {
  const a = await newAccount('Replay A', '1000');
  const b = await newAccount('Replay B', '1000');
  const moments: string[] = [];
  for (let i = 0; i < 12; i++) {
    await transfer(db.sql, key('r'), i % 3 ? a : b, i % 3 ? b : a, `${i + 1}.${String(i * 7 % 100).padStart(2, '0')}`);
    moments.push((await db.sql`select clock_timestamp()::text as t`)[0]!.t as string); // microseconds kept
  }
  for (const at of ['2023-01-01 00:00:00+00', ...moments]) {
    // The replay: a plain sum over the account's effective rows stamped at or before the moment.
    const [{ replay } = { replay: null }] = await db.sql<{ replay: string }[]>`
      select coalesce(sum(case when receiver = ${a} then amount else -amount end), 0)::text as replay
        from pgbank.transactions where status = 'success' and (sender = ${a} or receiver = ${a}) and ts <= ${at}::text::timestamptz`;
    assert.is(money(await balanceAt(db.sql, a, at)), money(replay), `balance_at ${at}`);
  }
  assert.is(money(await balanceAt(db.sql, a, 'infinity')), await balance(a));
  const start = new Date(Date.now() - 3_600_000).toISOString().replace('Z', '');
  const end = new Date(Date.now() + 3_600_000).toISOString().replace('Z', '');
  const sent = await sumAmount(db.sql, a, start, end, 'sender');
  await transfer(db.sql, key('r'), a, b, '0.01');
  assert.is(Number((await sumAmount(db.sql, a, start, end, 'sender')).sumAmount), Number(sent.sumAmount) + 0.01);
});

test('bad input: 52 cases, each with its SQLSTATE and the bad value named, and nothing written', async () => {
  const a = await newAccount('Bad A', '100');
  const b = await newAccount('Bad B');
  const h = await hold(db.sql, key('h'), a, b, '1', '1 hour');
  const q = (text: string) => db.sql.unsafe(text);
  const cases: [string, string, RegExp][] = [
    [`select pgbank.transfer(null, '${a}', '${b}', 1)`, '22004', /request_id must not be NULL/],
    [`select pgbank.transfer('', '${a}', '${b}', 1)`, '22023', /request_id '' must be 1 to 200 characters/],
    [`select pgbank.transfer(repeat('x', 201), '${a}', '${b}', 1)`, '22023', /request_id 'x{100}'… \(201 characters\) must be 1 to 200/],
    [`select pgbank.transfer('k', null, '${b}', 1)`, '22004', /from_account must not be NULL/],
    [`select pgbank.transfer('k', '${a}', null, 1)`, '22004', /to_account must not be NULL/],
    [`select pgbank.transfer('k', '${a}', '${b}', null)`, '22004', /amount must not be NULL/],
    [`select pgbank.transfer('k', '${a}', '${b}', 0)`, '22023', /amount '0' must be positive/],
    [`select pgbank.transfer('k', '${a}', '${b}', -5)`, '22023', /amount '-5' must be positive/],
    [`select pgbank.transfer('k', '${a}', '${b}', 'NaN')`, '22023', /amount 'NaN' is not a finite number/],
    [`select pgbank.transfer('k', '${a}', '${b}', 'Infinity')`, '22023', /amount 'Infinity' is not a finite number/],
    [`select pgbank.transfer('k', '${a}', '${b}', '-Infinity')`, '22023', /amount '-Infinity' is not a finite number/],
    [`select pgbank.transfer('k', '${a}', '${b}', 1.005)`, '22023', /amount 1.005 has more decimals than USD allows \(2\)/],
    [`select pgbank.transfer('k', 'not-a-uuid', '${b}', 1)`, '22P02', /not-a-uuid/],
    [`select pgbank.transfer('k', '${a}', '${b}', 'ten')`, '22P02', /ten/],
    [`select pgbank.top_up('k', null, 1)`, '22004', /account must not be NULL/],
    [`select pgbank.top_up('k', '${a}', 0.001)`, '22023', /amount 0.001 has more decimals than USD allows \(2\)/],
    [`select pgbank.hold('k', '${a}', '${b}', 1, null)`, '22004', /expires_in must not be NULL/],
    [`select pgbank.hold('k', '${a}', '${b}', 1, '-1 minute')`, '22023', /expires_in '-00:01:00' must end after now and at most 366 days from now/],
    // the deadline decides, not the interval's parts (this one compares as 10 days, and ends in the year 3223)
    [`select pgbank.hold('k', '${a}', '${b}', 1, '1000000 months -29999990 days')`, '22023', /expires_in '83333 years 4 mons -29999990 days' must end after now/],
    [`select pgbank.hold('k', '${a}', '${b}', 1, '178000000 years')`, '22023', /expires_in '178000000 years' must end after now/],
    [`select pgbank.hold('k', '${a}', '${b}', 1, '367 days')`, '22023', /expires_in '367 days' must end/],
    [`select pgbank.transfer('k', '${a}', '${b}', 1000000000000000)`, '22023', /amount '1000000000000000' is more than 999999999999999.99/],
    [`select pgbank.top_up('k', '${a}', repeat('9', 131072)::numeric)`, '22023', /amount '9{100}'… \(131072 characters\) is more than/],
    [`select pgbank.transfer('k', '${a}', '${b}', ('0.011' || repeat('0', 16000))::numeric)`, '22023', /^amount 0\.0110 has more decimals than USD allows/],
    [`select pgbank.transfer('k', '${a}', '${b}', ('0.00001' || repeat('0', 16000))::numeric)`, '22023', /^transfer: amount '0\.000010{93}'… \(16007 characters\) has more than 4 decimal places/],
    [`select pgbank.hold('k', '${a}', '${b}', -1, '1 minute')`, '22023', /amount '-1' must be positive/],
    [`select pgbank.post_hold(null)`, '22004', /hold_id must not be NULL/],
    [`select pgbank.post_hold('${h.holdId}', 0)`, '22023', /amount '0' must be positive/],
    [`select pgbank.post_hold('7e57e57e-0000-4000-8000-000000000000')`, 'P0002', /unknown hold '7e57e57e-0000-4000-8000-000000000000'/],
    [`select pgbank.void_hold('7e57e57e-0000-4000-8000-000000000000')`, 'P0002', /unknown hold '7e57e57e/],
    [`select pgbank.transfer_batch('k', array['${a}']::uuid[], array['${b}', '${a}']::uuid[], array[1, 2])`, '22023', /same length, 1 to 1000 \(got 1, 2, 2\)/],
    [`select pgbank.transfer_batch('k', array['${a}', null]::uuid[], array['${b}', '${a}']::uuid[], array[1, 2])`, '22004', /item 2 names a NULL account/],
    [`select pgbank.transfer_batch('k', array['${a}']::uuid[], array['${b}']::uuid[], array['NaN']::numeric[])`, '22023', /amounts\[1\] 'NaN' is not a finite number/],
    [`select pgbank.transfer_batch('k', '{}', '{}', '{}')`, '22023', /got 0, 0, 0/],
    // items are read by position and written by unnest: only 1-based, one-dimensional arrays agree
    [`select pgbank.transfer_batch('k', '[0:1]={${b},${a}}'::uuid[], array['${b}', '${b}']::uuid[], array[1, 2])`, '22023', /one-dimensional arrays starting at 1 \(got \[0:1\], \[1:2\], \[1:2\]\)/],
    [`select pgbank.transfer_batch('k', array['${a}']::uuid[], array['${b}']::uuid[], '[2:2]={1}'::numeric[])`, '22023', /\(got \[1:1\], \[1:1\], \[2:2\]\)/],
    [`select pgbank.transfer_batch('k', array[['${a}'], ['${b}']]::uuid[], array['${b}', '${a}']::uuid[], array[1, 2])`, '22023', /\(got \[1:2\]\[1:1\], \[1:2\], \[1:2\]\)/],
    [`select pgbank.transfer_batch('k', array['${a}']::uuid[], array['${b}']::uuid[], array[1000000000000000])`, '22023', /amounts\[1\] '1000000000000000' is more than/],
    [`select pgbank.create_account(null)`, '22004', /name must not be NULL/],
    [`select pgbank.create_account('  ')`, '22023', /name '  ' must be 1 to 200 characters, not only whitespace/],
    [`select pgbank.create_account(E'\\t\\n\\r')`, '22023', /name '\t\n\r' must be 1 to 200 characters/],
    [`select pgbank.create_account(E'\\u00a0\\u2003\\u3000\\ufeff')`, '22023', /name '\u00a0\u2003\u3000\ufeff' must be/],
    [`select pgbank.create_account(repeat('n', 10000))`, '22023', /^create_account: name 'n{100}'… \(10000 characters\) must be 1 to 200 characters, not only whitespace$/],
    [`select pgbank.create_account('X', 5)`, '22023', /lower_limit '5' must be 0 or a negative amount/],
    [`select pgbank.create_account('X', -1000000000000000)`, '22023', /lower_limit '-1000000000000000' must be 0 or a negative amount down to -999999999999999.99/],
    [`select pgbank.get_account('7e57e57e-0000-4000-8000-000000000000')`, 'P0002', /unknown account '7e57e57e-0000-4000-8000-000000000000'/],
    [`select pgbank.balance_at('${a}', null)`, '22004', /at must not be NULL/],
    [`select pgbank.balance_at('7e57e57e-0000-4000-8000-000000000000', now())`, 'P0002', /unknown account/],
    [`select pgbank.balance_at('${WORLD}', now())`, 'P0002', /'0{8}-0{4}-0{4}-0{4}-0{12}' is the world account/],
    [`select pgbank.transfer('k', '${WORLD}', '${b}', 1)`, '22023', /transfer: from_account '0{8}-0{4}-0{4}-0{4}-0{12}' is the world account/],
    [`select pgbank.hold('k', '${WORLD}', '${b}', 1, '1 hour')`, '22023', /hold: from_account '0{8}-[0-]+' is the world account/],
    [`select pgbank.top_up('k', '${WORLD}', 1)`, '22023', /top_up: account '0{8}-[0-]+' is the world account/],
    [`select pgbank.transfer_batch('k', array['${a}', '${WORLD}']::uuid[], array['${b}', '${b}']::uuid[], array[1, 2])`, '22023', /item 2 pays from the world account/],
  ];
  const before = await counts();
  for (const [text, code, message] of cases) {
    const err = await sqlstate(q(text)).catch((e: Error) => ({ code: `succeeded: ${text}`, message: e.message }));
    assert.is(err.code, code, `${text}: ${err.message}`);
    assert.match(err.message, message, text);
  }
  assert.equal(await counts(), before, 'no row was written by a bad call');
  assert.is(cases.length, 53);
});

test('writes outside the API: a row from an account to itself moves nothing; a hold whose row was changed is refused whole', async () => {
  const a = await newAccount('Direct', '100');
  const b = await newAccount('Direct shop');
  await db.sql`insert into pgbank.transactions (ts, sender, receiver, amount) values (now(), ${a}, ${a}, 30)`;
  assert.is(await balance(a), '100.00');
  assert.equal(await verifyBalances(db.sql), []);
  const h = await hold(db.sql, key('h'), a, b, '40', '1 hour');
  await db.sql`update pgbank.holds set ts = ts - interval '1 day' where id = ${h.holdId!}`;
  const err = await sqlstate(postHold(db.sql, h.holdId!));
  assert.is(err.code, 'PB003', err.message);
  assert.match(err.message, new RegExp(`post_hold: hold '${h.holdId}' has no held transaction ${h.transactionId}`));
  assert.equal(await state(a), ['100.00', '40.00', '60.00'], 'nothing posted, the funds still held');
  assert.is((await db.sql`select status from pgbank.holds where id = ${h.holdId!}`)[0]!.status, 'held');
});

test('money has exactly 2 decimals, whatever scale was sent, and bounds that nothing passes', async () => {
  const a = await newAccount('Scale A', '100');
  const b = await newAccount('Scale B');
  // '1.0000000000' is one unit: stored, returned and summed as 1.00, and the balances keep 2 decimals
  const t = await transfer(db.sql, key('s'), a, b, '1.0000000000');
  assert.is(t.amount, '1.00');
  const replay = await transfer(db.sql, t.requestId, a, b, '1');
  assert.equal([replay.replayed, replay.amount], [true, '1.00']);
  await topUp(db.sql, key('z'), b, '0.01' + '0'.repeat(16_000));
  assert.equal([(await getAccount(db.sql, a)).balance, (await getAccount(db.sql, b)).balance], ['99.00', '1.01']);
  const [row] = await db.sql`select amount::text from pgbank.transactions where id = ${t.transactionId}`;
  assert.is(row!.amount, '1.00');
  const h = await hold(db.sql, key('h'), a, b, '2.5000', '1 hour');
  assert.is(h.amount, '2.50');
  assert.is((await postHold(db.sql, h.holdId!, '2.000')).postedAmount, '2.00');
  const batch = await transferBatch(db.sql, key('b'), [{ from: a, to: b, amount: '3.0' }, { from: b, to: a, amount: '0.5' }]);
  assert.equal(batch.map((r) => r.amount), ['3.00', '0.50']);
  const far = new Date(Date.now() + 3_600_000).toISOString().replace('Z', '');
  assert.is((await sumAmount(db.sql, a, '2023-01-01T00:00:00', far, 'sender')).sumAmount, '6.00');
  assert.is((await sumAmount(db.sql, a, '2023-01-01T00:00:00', '2023-01-02T00:00:00', 'sender')).sumAmount, '0.00');
  assert.is(await balanceAt(db.sql, a, 'infinity'), '94.50');
  assert.is(await balanceAt(db.sql, a, '294276-12-31 23:59:59.999999+00'), '94.50', 'the last representable moment');
  assert.is(await balanceAt(db.sql, a, '2000-01-01T00:00:00Z'), '0.00');
  const fresh = await createAccount(db.sql, 'Scale C', '-5');
  assert.equal([fresh.balance, fresh.held, fresh.available, fresh.lowerLimit], ['0.00', '0.00', '0.00', '-5.00']);
  // a direct write may not carry more decimals than its currency, nor pass the bound: refused, never
  // rounded (trailing zeros are the same amount: stored with the currency's decimals)
  for (const amount of ['1000000000000000.00', '0.00', 'NaN', '1.00001']) {
    const err = await sqlstate(db.sql`insert into pgbank.transactions (ts, sender, receiver, amount) values (now(), ${a}, ${b}, ${amount}::numeric)`);
    assert.equal([err.code, /domain pgbank.amount violates check constraint "amount_is_money"/.test(err.message)], ['23514', true], amount);
  }
  const tooFine = await sqlstate(db.sql`insert into pgbank.transactions (ts, sender, receiver, amount) values (now(), ${a}, ${b}, 1.005)`);
  assert.equal([tooFine.code, tooFine.message], ['22023', 'amount 1.005 has more decimals than USD allows (2)']);
  const [direct] = await db.sql`insert into pgbank.transactions (ts, sender, receiver, amount) values (now(), ${a}, ${b}, 1.000) returning amount::text`;
  assert.is(direct!.amount, '1.00');
  await transfer(db.sql, key('back'), b, a, '1');
  const scales = await db.sql`select count(*)::int as n from pgbank.users
                               where scale(balance) <> 2 or scale(held) <> 2 or scale(coalesce(lower_limit, 0.00)) <> 2`;
  assert.is(scales[0]!.n, 0, 'every balance, held amount and limit has 2 decimals');

  // a balance never passes 999,999,999,999,999,999.99: the credit that would is refused whole (22023)
  const rich = await newAccount('Scale Rich');
  await db.sql`update pgbank.users set balance = 999999999999999999.00 where id = ${rich}`;  // (no API reaches this in a test's time)
  const before = await counts();
  for (const call of [() => topUp(db.sql, key('o'), rich, '1.00'), () => transfer(db.sql, key('o'), a, rich, '1.00'),
    () => transferBatch(db.sql, key('o'), [{ from: a, to: rich, amount: '0.50' }, { from: a, to: rich, amount: '0.50' }])]) {
    const err = await sqlstate(call());
    assert.is(err.code, '22023', err.message);
    assert.match(err.message, /would take (the|its) balance (of account '.+' )?past 999999999999999999\.99/);
  }
  const big = await hold(db.sql, key('o'), a, rich, '1.00', '1 hour');
  const err = await sqlstate(postHold(db.sql, big.holdId!));
  assert.is(err.code, '22023', err.message);
  assert.equal(await counts(), { ...before, tx: before.tx + 1, req: before.req + 1, holds: before.holds + 1 }, 'only the hold was written');
  await voidHold(db.sql, big.holdId!);
  await db.sql`update pgbank.users set balance = 0 where id = ${rich}`;
  assert.equal(await verifyBalances(db.sql), []);
});

test('transfer_batch reads and writes the same items: arrays not starting at 1 are refused, nothing written', async () => {
  // Before the check, '[0:1]={D,A}' checked items A→... by position but wrote D→D by unnest, recorded under A.
  const a = await newAccount('Bounds A', '10');
  const d = await newAccount('Bounds D', '10');
  const before = await counts();
  for (const from of [`[0:1]={${d},${a}}`, `[2:3]={${d},${a}}`]) {
    const err = await sqlstate(db.sql`select * from pgbank.transfer_batch(${key('lb')}, ${from}::uuid[], ${`{${d},${a}}`}::uuid[], '{1,1}')`);
    assert.is(err.code, '22023', err.message);
  }
  assert.equal(await counts(), before);
  assert.equal([await balance(a), await balance(d)], ['10.00', '10.00']);
});

test('the requests and monthly-totals rules hold for direct writes too (23514, from their domains)', async () => {
  const a = await newAccount('Rules', '5');
  const bad = [
    [`insert into pgbank.requests (account, request_id, kind, to_accounts, amounts, status) values ('${a}', '', 'transfer', '{}', '{}', 'success')`, /request_key/],
    [`insert into pgbank.requests (account, request_id, kind, to_accounts, amounts, status) values ('${a}', 'k', 'refund', '{}', '{}', 'success')`, /request_kind/],
    [`insert into pgbank.requests (account, request_id, kind, to_accounts, amounts, status) values ('${a}', 'k', 'transfer', '{}', '{}', 'init')`, /request_status/],
    [`insert into pgbank.user_monthly_totals values ('${a}', '2024-02-02', 0, 0, array_fill(0, array[31]), array_fill(0, array[31]))`, /month_start/],
    [`insert into pgbank.user_monthly_totals values ('${a}', '2024-03-01', 0, 0, array_fill(0, array[30]), array_fill(0, array[31]))`, /month_days/],
  ] as const;
  for (const [text, domain] of bad) {
    const err = await sqlstate(db.sql.unsafe(text));
    assert.is(err.code, '23514', `${text}: ${err.message}`);
    assert.match(err.message, domain);
  }
  assert.equal([...await db.sql`select request_id from pgbank.requests where account = ${a} and request_id in ('', 'k')`], []);
});

test('the world account keeps neither balance nor monthly totals; sum_amount refuses it', async () => {
  const a = await newAccount('Worldly', '100');
  await transfer(db.sql, key('w'), a, WORLD, '10');
  assert.is(await balance(a), '90.00');
  assert.equal([...await db.sql`select user_id, month, sent, received from pgbank.user_monthly_totals where user_id = ${WORLD}`], []);
  assert.equal([...await db.sql`select * from pgbank_private.verify_monthly_totals()`], []);
  const err = await sqlstate(sumAmount(db.sql, WORLD, '2023-01-01', '2030-01-01', 'sender'));
  assert.is(err.code, 'P0002', err.message);
  assert.match(err.message, /is the world account, which keeps no totals/);
});

test('pgbank_app can call every ledger function (and nothing else)', async () => {
  const a = await newAccount('App A', '100');
  const b = await newAccount('App B');
  const asApp = (text: string) => db.sql.begin(async (tx) => {
    await tx`set local role pgbank_app`;
    return tx.unsafe(text);
  });
  const h = await hold(db.sql, key('h'), a, b, '1', '1 hour');
  const h2 = await hold(db.sql, key('h'), a, b, '1', '1 hour');
  for (const call of [
    `select * from pgbank.create_account('App C')`, `select * from pgbank.get_account('${a}')`,
    `select * from pgbank.top_up('app-1', '${a}', 1)`, `select * from pgbank.transfer('app-2', '${a}', '${b}', 1)`,
    `select * from pgbank.transfer_batch('app-3', array['${a}']::uuid[], array['${b}']::uuid[], array[1])`,
    `select * from pgbank.hold('app-4', '${a}', '${b}', 1, '1 hour')`, `select * from pgbank.post_hold('${h.holdId}')`,
    `select * from pgbank.void_hold('${h2.holdId}')`, `select pgbank.balance_at('${a}', now())`, `select * from pgbank.verify_balances()`,
  ]) await asApp(call);
  for (const denied of [`select * from pgbank.requests`, `update pgbank.users set balance = 1e9`, `call pgbank_private.expire_holds()`,
    `select pgbank_private.move_money('${a}', '${b}', now(), 1)`]) {
    assert.is((await sqlstate(asApp(denied))).code, '42501', denied);
  }
  assert.equal(await verifyBalances(db.sql), []);
});

test('an account row holds the totals of its latest day; a later day moves them to the monthly row, others go there', async () => {
  const a = await newAccount('Daily A');
  const b = await newAccount('Daily B');
  const at = (day: string, time: string) => db.sql`(${day}::date + ${time}::time) at time zone 'UTC'`;
  const [dates] = await db.sql<{ today: string; yesterday: string; before: string; tomorrow: string }[]>`
    select d::text as today, (d - 1)::text as yesterday, (d - 2)::text as before, (d + 1)::text as tomorrow
      from (select (now() at time zone 'UTC')::date as d) x`;
  const { yesterday, before, tomorrow } = dates!;
  const day = async (id: string) => {
    const [r] = await db.sql`select totals_day::text as day, day_sent::text as sent, day_received::text as received from pgbank.users where id = ${id}`;
    return [r!.day, money(r!.sent), money(r!.received)];
  };
  const monthly = async (id: string, on: string) => {
    const [r] = await db.sql`
      select t.sent_days[extract(day from ${on}::date)::int]::text as sent, t.received_days[extract(day from ${on}::date)::int]::text as received
        from pgbank.user_monthly_totals t where t.user_id = ${id} and t.month = date_trunc('month', ${on}::date::timestamp)`;
    return r ? [money(r.sent), money(r.received)] : null;
  };
  const audits = async () => {
    assert.equal([...await db.sql`select * from pgbank_private.verify_monthly_totals()`], []);
    assert.equal(await verifyBalances(db.sql), []);
  };

  // Yesterday's top-up (written directly, as a late row would be): a's row holds yesterday.
  await db.sql`insert into pgbank.transactions (ts, sender, receiver, amount) values (${at(yesterday!, '12:00')}, ${WORLD}, ${a}, 100)`;
  assert.equal(await day(a), [yesterday, '0.00', '100.00']);
  assert.is(await monthly(a, yesterday!), null, 'yesterday is in the account row only');
  // Today's first transfer moves yesterday to the monthly row; the rows hold today.
  const t = await transfer(db.sql, key('d'), a, b, '10');
  const today = t.ts.toISOString().slice(0, 10);
  assert.equal(await monthly(a, yesterday!), ['0.00', '100.00']);
  assert.equal(await day(a), [today, '10.00', '0.00']);
  assert.equal(await day(b), [today, '0.00', '10.00']);
  // A row dated the day before yesterday, and one dated tomorrow: both go to their monthly rows.
  await db.sql`insert into pgbank.transactions (ts, sender, receiver, amount) values (${at(before!, '12:00')}, ${a}, ${b}, 1)`;
  const [future] = await db.sql`insert into pgbank.transactions (ts, sender, receiver, amount)
                                values (${at(tomorrow!, '00:00:01')}, ${a}, ${b}, 2) returning id, ts`;
  assert.equal(await monthly(a, before!), ['1.00', '0.00']);
  assert.equal(await monthly(b, tomorrow!), ['0.00', '2.00']);
  assert.equal([await day(a), await day(b)], [[today, '10.00', '0.00'], [today, '0.00', '10.00']], 'the rows keep today');
  await audits();
  // sum_amount adds both homes: a sent 1 + 10 + 2; b received 10 today and 2 just after midnight.
  const sent = async () => money((await sumAmount(db.sql, a, `${before}T00:00:00`, `${tomorrow}T12:00:00`, 'sender')).sumAmount);
  const received = async () => money((await sumAmount(db.sql, b, `${today}T00:00:00`, `${tomorrow}T00:00:02`, 'receiver')).sumAmount);
  assert.equal([await sent(), await received()], ['13.00', '12.00']);
  // Taking today's transfer back, and deleting tomorrow's row, leave both homes exact.
  await db.sql`update pgbank.transactions set status = 'reversed' where id = ${t.transactionId} and sender = ${a}`;
  await db.sql`delete from pgbank.transactions where id = ${future!.id} and ts = ${future!.ts}`;
  assert.equal([await day(a), await day(b)], [[today, '0.00', '0.00'], [today, '0.00', '0.00']]);
  assert.equal([await sent(), await received()], ['1.00', '0.00']);
  await audits();
});

test.run();
