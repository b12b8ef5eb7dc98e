// reverse(): money back from an effective transaction's receiver to its sender, all or part, linked, idempotent; never more
// than the original in all, even when many reversals of one transaction race (Blnk's double refund); clear errors.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createAccount, getAccount, hold, reverse, topUp, transfer, verifyBalances, voidHold } from '../../src/api.ts';
import type { Sql } from '../../src/db.ts';
import { sqlstate, testDatabase, type TestDatabase } from '../helpers/db.ts';

let db: TestDatabase;
let pool: Sql;
test.before(async () => {
  db = await testDatabase('reverse');
  pool = db.pool(24);
});
test.after(async () => db?.drop());

const WORLD = '00000000-0000-0000-0000-000000000000';
let n = 0;
const key = (label: string) => `${label}-${++n}`;
const money = (x: string | null) => (x === null ? null : Number(x).toFixed(2));
const balance = async (id: string) => money((await getAccount(db.sql, id)).balance);
const newAccount = async (name: string, opening = '0') => {
  const a = await createAccount(db.sql, name);
  if (opening !== '0') await topUp(db.sql, key('open'), a.id, opening);
  return a.id;
};
/** Every connection of the pool open, so the racers start together rather than one per connection set-up. */
const warm = () => Promise.all(Array.from({ length: 24 }, () => pool`select pg_sleep(0.05)`));
const reversed = async (id: string) => {
  const [r] = await db.sql`select reversed::text, reversal_ids::text[] as ids from pgbank.reversals where transaction_id = ${id}`;
  return r ? { reversed: money(r.reversed as string), ids: r.ids as string[] } : null;
};

test('a whole reversal moves the money back, linked to the original, with its metadata', async () => {
  const a = await newAccount('A', '100');
  const b = await newAccount('B');
  const t = await transfer(db.sql, key('t'), a, b, '40.00');
  const r = await reverse(db.sql, key('r'), t.transactionId, null, { refund: 'R-1', why: 'damaged' });
  assert.equal([r.status, r.reason, r.fromAccount, r.toAccount, money(r.amount), r.reverses, r.replayed],
    ['success', null, b, a, '40.00', t.transactionId, false]);
  assert.equal([await balance(a), await balance(b)], ['100.00', '0.00']);
  const [row] = await db.sql`select sender, receiver, amount::text, status, reverses::text, metadata from pgbank.transactions where id = ${r.transactionId}`;
  assert.equal(row, { sender: b, receiver: a, amount: '40.00', status: 'success', reverses: t.transactionId, metadata: { refund: 'R-1', why: 'damaged' } });
  assert.equal(await reversed(t.transactionId), { reversed: '40.00', ids: [r.transactionId] });
  assert.equal(await verifyBalances(db.sql), []);
});

test('partial reversals add up to the original and no further: already_reversed, recorded as a failed row', async () => {
  const a = await newAccount('A', '100');
  const b = await newAccount('B', '500');
  const t = await transfer(db.sql, key('t'), a, b, '100.00');
  assert.is((await reverse(db.sql, key('r'), t.transactionId, '30')).status, 'success');
  assert.is((await reverse(db.sql, key('r'), t.transactionId, '50.00')).status, 'success');
  const over = await reverse(db.sql, key('r'), t.transactionId, '20.01');
  assert.equal([over.status, over.reason, money(over.amount)], ['failed', 'already_reversed', '20.01']);
  const rest = await reverse(db.sql, key('r'), t.transactionId);  // all that is left
  assert.equal([rest.status, money(rest.amount)], ['success', '20.00']);
  const none = await reverse(db.sql, key('r'), t.transactionId);
  assert.equal([none.status, none.reason, money(none.amount)], ['failed', 'already_reversed', '100.00']);
  assert.equal([await balance(a), await balance(b)], ['100.00', '500.00']);
  assert.is((await reversed(t.transactionId))!.reversed, '100.00');
  const [f] = await db.sql`select status, reason, reverses::text from pgbank.transactions where id = ${none.transactionId}`;
  assert.equal(f, { status: 'failed', reason: 'already_reversed', reverses: t.transactionId });
  assert.equal(await verifyBalances(db.sql), []);
});

test('the receiver without the money: insufficient_funds, recorded; a later request succeeds', async () => {
  const a = await newAccount('A', '100');
  const b = await newAccount('B');
  const c = await newAccount('C');
  const t = await transfer(db.sql, key('t'), a, b, '60.00');
  await transfer(db.sql, key('t'), b, c, '50.00');
  const r = await reverse(db.sql, key('r'), t.transactionId);
  assert.equal([r.status, r.reason, money(r.amount)], ['failed', 'insufficient_funds', '60.00']);
  assert.equal([await balance(a), await balance(b)], ['40.00', '10.00']);
  const part = await reverse(db.sql, key('r'), t.transactionId, '10');
  assert.is(part.status, 'success');
  assert.equal([await balance(a), await balance(b)], ['50.00', '0.00']);
  assert.equal(await verifyBalances(db.sql), []);
});

test('idempotent: a repeat returns the first outcome, replayed; other parameters are PB001', async () => {
  const a = await newAccount('A', '100');
  const b = await newAccount('B');
  const t1 = await transfer(db.sql, key('t'), a, b, '30.00');
  const t2 = await transfer(db.sql, key('t'), a, b, '30.00');
  const id = key('r');
  const first = await reverse(db.sql, id, t1.transactionId, '10');
  const again = await reverse(db.sql, id, t1.transactionId, '10.00');
  assert.equal({ ...again, replayed: false }, first);
  assert.is(again.replayed, true);
  assert.is((await reverse(db.sql, id, t1.transactionId)).transactionId, first.transactionId, 'a repeat without amount replays');
  const other = await sqlstate(reverse(db.sql, id, t2.transactionId, '10'));
  assert.is(other.code, 'PB001');
  assert.match(other.message, new RegExp(`request_id '${id}' of account '${b}' was already used`));
  assert.is((await sqlstate(reverse(db.sql, id, t1.transactionId, '11'))).code, 'PB001');
  // A transfer's request id is a different request, even with the same key.
  const tr = key('same');
  await transfer(db.sql, tr, b, a, '1.00');
  assert.is((await sqlstate(reverse(db.sql, tr, t1.transactionId))).code, 'PB001');
  // A failed outcome replays too.
  const c = await newAccount('C');
  await transfer(db.sql, key('t'), b, c, '49.00');
  const poor = key('r');
  const f1 = await reverse(db.sql, poor, t2.transactionId);
  await topUp(db.sql, key('top'), b, '100');
  const f2 = await reverse(db.sql, poor, t2.transactionId);
  assert.equal([f1.status, f1.reason, f2.status, f2.replayed, f2.transactionId], ['failed', 'insufficient_funds', 'failed', true, f1.transactionId]);
  const [{ count }] = await db.sql`select count(*)::int from pgbank.transactions where reverses = ${t1.transactionId}` as unknown as [{ count: number }];
  assert.is(count, 1);
});

test('top-ups and withdrawals reverse through the world account', async () => {
  const a = await newAccount('A');
  const top = await topUp(db.sql, key('top'), a, '80.00');
  const r = await reverse(db.sql, key('r'), top.transactionId, '30');
  assert.equal([r.status, r.fromAccount, r.toAccount], ['success', a, WORLD]);
  assert.is(await balance(a), '50.00');
  const w = await transfer(db.sql, key('w'), a, WORLD, '50.00');
  assert.is(await balance(a), '0.00');
  const back = await reverse(db.sql, key('r'), w.transactionId);
  assert.equal([back.status, back.fromAccount, back.toAccount, money(back.amount)], ['success', WORLD, a, '50.00']);
  assert.is(await balance(a), '50.00');
  assert.equal(await verifyBalances(db.sql), []);
});

test('what cannot be reversed: unknown (P0002), a reversal, a failed, held or voided row (PB004); bad input 22004/22023', async () => {
  const a = await newAccount('A', '100');
  const b = await newAccount('B');
  const t = await transfer(db.sql, key('t'), a, b, '10.00');
  const r = await reverse(db.sql, key('r'), t.transactionId, '5');
  let e = await sqlstate(reverse(db.sql, key('r'), '987654321'));
  assert.equal([e.code, e.message], ['P0002', 'reverse: unknown transaction 987654321']);
  e = await sqlstate(reverse(db.sql, key('r'), r.transactionId));
  assert.is(e.code, 'PB004');
  assert.match(e.message, `transaction ${r.transactionId} is a reversal (of transaction ${t.transactionId})`);
  const failed = await transfer(db.sql, key('t'), b, a, '1000.00');
  e = await sqlstate(reverse(db.sql, key('r'), failed.transactionId));
  assert.equal([e.code, e.message], ['PB004', `reverse: transaction ${failed.transactionId} is failed, only an effective (success) transaction can be reversed`]);
  const h = await hold(db.sql, key('h'), a, b, '5.00', '1 hour');
  assert.is((await sqlstate(reverse(db.sql, key('r'), h.transactionId))).code, 'PB004');
  await voidHold(db.sql, h.holdId!);
  assert.match((await sqlstate(reverse(db.sql, key('r'), h.transactionId))).message, 'is voided');
  e = await sqlstate(reverse(db.sql, key('r'), t.transactionId, '10.01'));
  assert.equal([e.code, e.message], ['22023', `reverse: amount 10.01 is more than the 10.00 of transaction ${t.transactionId}`]);
  assert.is((await sqlstate(reverse(db.sql, key('r'), t.transactionId, '0'))).code, '22023');
  assert.is((await sqlstate(reverse(db.sql, key('r'), t.transactionId, '1.001'))).code, '22023');
  assert.is((await sqlstate(reverse(db.sql, '', t.transactionId))).code, '22023');
  assert.is((await sqlstate(db.sql`select pgbank.reverse(${key('r')}, null)`)).code, '22004');
  assert.is((await sqlstate(db.sql`select pgbank.reverse(null, ${t.transactionId})`)).code, '22004');
  e = await sqlstate(db.sql`select pgbank.reverse(${key('r')}, ${t.transactionId}, null, '[1, 2]')`);
  assert.equal([e.code, e.message], ['22023', "reverse: metadata '[1, 2]' is a JSON array, not an object"]);
  e = await sqlstate(reverse(db.sql, key('r'), t.transactionId, null, { note: 'x'.repeat(5000) }));
  assert.is(e.code, '22023');
  assert.match(e.message, /is 5012 bytes as text, more than 4,096/);
  // None of these wrote anything.
  assert.equal(await reversed(t.transactionId), { reversed: '5.00', ids: [r.transactionId] });
  assert.equal([await balance(a), await balance(b)], ['95.00', '5.00']);
});

test('an old transaction is found as well as a recent one', async () => {
  const a = await newAccount('A', '100');
  const b = await newAccount('B');
  const [old] = await db.sql`insert into pgbank.transactions (ts, sender, receiver, amount) values ('2023-03-04 05:06:07+00', ${a}, ${b}, 7) returning id::text`;
  const r = await reverse(db.sql, key('r'), old!.id as string);
  assert.equal([r.status, money(r.amount)], ['success', '7.00']);
  assert.equal([await balance(a), await balance(b)], ['100.00', '0.00']);
  assert.equal(await verifyBalances(db.sql), []);
});

test('Blnk race: 40 concurrent reversals of one transaction, different request ids, never take back more than it', async () => {
  for (const [label, amount, expect] of [['the rest', null, 1], ['30.00 each', '30.00', 3]] as const) {
    const a = await newAccount('A', '100');
    const b = await newAccount('B', '1000');  // could pay many times over
    const t = await transfer(db.sql, key('t'), a, b, '100.00');
    // One reversal first: the race is then on a transaction whose reversals row exists (the
    // first insert of that row would serialize the racers by itself).
    assert.is((await reverse(db.sql, key('r'), t.transactionId, '10.00')).status, 'success');
    await warm();
    const results = await Promise.all(Array.from({ length: 40 }, (_, i) => reverse(pool, `race-${label}-${i}`, t.transactionId, amount)));
    const ok = results.filter((r) => r.status === 'success');
    assert.is(ok.length, expect, `${label}: ${ok.length} succeeded`);
    assert.ok(results.filter((r) => r.status === 'failed').every((r) => r.reason === 'already_reversed'));
    const total = 1000 + ok.reduce((s, r) => s + Math.round(Number(r.amount) * 100), 0);
    assert.is(total, 10000, `${label}: ${total / 100} taken back in all`);
    const state = await reversed(t.transactionId);
    assert.equal([state!.reversed, state!.ids.length], ['100.00', 1 + expect]);
    assert.equal([await balance(a), await balance(b)], ['100.00', '1000.00']);
  }
  assert.equal(await verifyBalances(db.sql), []);
});

test('the same request raced from 20 clients: one reversal, every caller gets it', async () => {
  const a = await newAccount('A', '100');
  const b = await newAccount('B');
  const t = await transfer(db.sql, key('t'), a, b, '100.00');
  const id = key('same');
  await warm();
  const results = await Promise.all(Array.from({ length: 20 }, () => reverse(pool, id, t.transactionId, '25')));
  assert.equal(new Set(results.map((r) => r.transactionId)).size, 1);
  assert.is(results.filter((r) => !r.replayed).length, 1);
  assert.is(await balance(b), '75.00');
  assert.equal(await verifyBalances(db.sql), []);
});

test.run();
