// Account status: frozen and closed accounts refuse movements under the same row lock as the
// movement (transfer, top_up, hold, post_hold, transfers, transfer_batch), with the reason in the
// failed row; closing rules; every change recorded; bad input; a freeze racing transfers.
import { randomUUID } from 'node:crypto';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  accountStatusChanges, createAccount, getAccount, hold, postHold, setAccountStatus, topUp, transfer, transferBatch, transfers,
  verifyBalances, voidHold, type AccountStatus,
} from '../../src/api.ts';
import { sqlstate, testDatabase, type TestDatabase } from '../helpers/db.ts';

let db: TestDatabase;
test.before(async () => { db = await testDatabase('status'); });
test.after(async () => db?.drop());

const WORLD = '00000000-0000-0000-0000-000000000000';
let seq = 0;
const key = (what: string) => `${what}-${++seq}-${Date.now()}`;
const idWith = (first: string) => `${first}${randomUUID().slice(1)}`;

/** A new account whose id starts with `first` (so tests choose which id sorts first), topped up with `amount`. */
async function account(first: string, amount = '100.00'): Promise<string> {
  const id = idWith(first);
  await createAccount(db.sql, `Acct ${first}`, '0', id);
  if (amount !== '0') await topUp(db.sql, key('open'), id, amount);
  return id;
}
const set = (id: string, status: AccountStatus, creditsFrozen = false) =>
  setAccountStatus(db.sql, id, status, 'test', 'tests/ledger/status.test.ts', creditsFrozen);
/** An account with nothing in it, closed. */
async function closedAccount(first: string): Promise<string> {
  const id = await account(first, '0');
  await set(id, 'closed');
  return id;
}
const balance = async (id: string) => (await getAccount(db.sql, id)).balance;
const audits = async () => ({
  balances: await verifyBalances(db.sql),
  monthly: [...await db.sql`select * from pgbank_private.verify_monthly_totals()`],
});

test('transfer: a frozen or closed payer, a closed payee, a payee frozen with credits_frozen fail with the reason, either id order', async () => {
  for (const [payerFirst, payeeFirst] of [['1', 'f'], ['f', '1']] as const) {
    const payer = await account(payerFirst);
    const payee = await account(payeeFirst);
    const outcome = async () => {
      const r = await transfer(db.sql, key('t'), payer, payee, '10.00');
      return [r.status, r.reason];
    };
    await set(payer, 'frozen');
    assert.equal(await outcome(), ['failed', 'account_frozen'], `frozen payer (payer id ${payerFirst}…)`);
    await set(payer, 'open');
    await set(payee, 'frozen');
    assert.equal(await outcome(), ['success', null], 'a frozen payee still takes credits');
    await set(payee, 'frozen', true);
    assert.equal(await outcome(), ['failed', 'account_frozen'], 'payee frozen with credits_frozen');
    await set(payee, 'open');
    assert.equal(await outcome(), ['success', null], 'open again');
    assert.equal([await balance(payer), await balance(payee)], ['80.00', '120.00']);
    const closed = await closedAccount(payeeFirst);
    const r = await transfer(db.sql, key('t'), payer, closed, '1.00');
    assert.equal([r.status, r.reason], ['failed', 'account_closed'], 'closed payee');
    const back = await transfer(db.sql, key('t'), closed, payer, '1.00');
    assert.equal([back.status, back.reason], ['failed', 'account_closed'], 'closed payer');
    assert.equal([await balance(payer), await balance(closed)], ['80.00', '0.00']);
  }
  assert.equal(await audits(), { balances: [], monthly: [] });
});

test('reason priority: unknown_account > same_account > account_closed/frozen > insufficient_funds, whichever id comes first', async () => {
  for (const [payerFirst, otherFirst] of [['1', 'f'], ['f', '1']] as const) {
    const payer = await account(payerFirst);
    await set(payer, 'frozen');
    const r1 = await transfer(db.sql, key('p'), payer, idWith(otherFirst), '1.00');
    assert.equal([r1.status, r1.reason], ['failed', 'unknown_account'], 'frozen payer, unknown payee');
    const r2 = await transfer(db.sql, key('p'), payer, payer, '1.00');
    assert.equal([r2.status, r2.reason], ['failed', 'same_account'], 'frozen payer to itself');
    const r3 = await transfer(db.sql, key('p'), payer, await account(otherFirst), '1000.00');
    assert.equal([r3.status, r3.reason], ['failed', 'account_frozen'], 'frozen and short');
    await set(payer, 'open');
    const r4 = await transfer(db.sql, key('p'), payer, await closedAccount(otherFirst), '1000.00');
    assert.equal([r4.status, r4.reason], ['failed', 'account_closed'], 'short payer, closed payee');
    const payee = await account(otherFirst);
    await set(payee, 'frozen', true);
    const r5 = await transfer(db.sql, key('p'), idWith(payerFirst), payee, '1.00');
    assert.equal([r5.status, r5.reason], ['failed', 'unknown_account'], 'unknown payer, payee refusing credits');
    assert.is(await balance(payer), '100.00');
  }
  assert.equal(await audits(), { balances: [], monthly: [] });
});

test('top_up and withdrawals: a frozen account takes top-ups unless credits_frozen, pays nothing out; a closed one neither', async () => {
  const a = await account('5');
  await set(a, 'frozen');
  assert.is((await topUp(db.sql, key('u'), a, '5.00')).status, 'success');
  const out = await transfer(db.sql, key('w'), a, WORLD, '5.00');
  assert.equal([out.status, out.reason], ['failed', 'account_frozen']);
  await set(a, 'frozen', true);
  const r = await topUp(db.sql, key('u'), a, '5.00');
  assert.equal([r.status, r.reason], ['failed', 'account_frozen']);
  const c = await closedAccount('6');
  const rc = await topUp(db.sql, key('u'), c, '5.00');
  assert.equal([rc.status, rc.reason], ['failed', 'account_closed']);
  assert.equal([await balance(a), await balance(c)], ['105.00', '0.00']);
  // A row an administrator writes directly as 'success' is not an attempt: it moves unconditionally.
  await db.sql`insert into pgbank.transactions (ts, sender, receiver, amount, status) values (now(), ${a}, ${WORLD}, 1, 'success')`;
  assert.is(await balance(a), '104.00');
  assert.equal(await audits(), { balances: [], monthly: [] });
});

test('holds: refused from a frozen payer or to a refusing payee; post_hold refused (55000) while so, void_hold works', async () => {
  const payer = await account('2');
  const payee = await account('3');
  await set(payer, 'frozen');
  const h1 = await hold(db.sql, key('h'), payer, payee, '10.00', '1 hour');
  assert.equal([h1.status, h1.reason, h1.holdId], ['failed', 'account_frozen', null]);
  await set(payer, 'open');
  await set(payee, 'frozen', true);
  const h2 = await hold(db.sql, key('h'), payer, payee, '10.00', '1 hour');
  assert.equal([h2.status, h2.reason], ['failed', 'account_frozen']);
  const closed = await closedAccount('4');
  const h3 = await hold(db.sql, key('h'), payer, closed, '10.00', '1 hour');
  assert.equal([h3.status, h3.reason], ['failed', 'account_closed']);
  await set(payee, 'open');

  // A hold placed while both were open, then the payer frozen: no post until it is open again.
  const h4 = await hold(db.sql, key('h'), payer, payee, '10.00', '1 hour');
  assert.is(h4.status, 'held');
  await set(payer, 'frozen');
  const e = await sqlstate(postHold(db.sql, h4.holdId!));
  assert.is(e.code, '55000');
  assert.match(e.message, new RegExp(`account '${payer}' \\(the payer of hold '${h4.holdId}'\\) is frozen`));
  await set(payer, 'open');
  assert.is((await postHold(db.sql, h4.holdId!)).status, 'posted');

  // A payee closed while a hold to it is open: the post is refused, the void releases the funds.
  const empty = await account('5', '0');
  const h5 = await hold(db.sql, key('h'), payer, empty, '10.00', '1 hour');
  await set(empty, 'closed');
  const e2 = await sqlstate(postHold(db.sql, h5.holdId!));
  assert.is(e2.code, '55000');
  assert.match(e2.message, /the payee of hold .* is closed/);
  assert.is((await voidHold(db.sql, h5.holdId!)).status, 'voided');
  const a = await getAccount(db.sql, payer);
  assert.equal([a.balance, a.held], ['90.00', '0.00']);
  assert.equal(await audits(), { balances: [], monthly: [] });
});

test('transfers(): each item its own reason; transfer_batch: all fail, naming the first refusing item', async () => {
  const ok = await account('7');
  const frozen = await account('8');
  await set(frozen, 'frozen', true);
  const closed = await closedAccount('9');
  const rs = await transfers(db.sql, [
    { requestId: key('i'), from: ok, to: frozen, amount: '1.00' },
    { requestId: key('i'), from: frozen, to: ok, amount: '1.00' },
    { requestId: key('i'), from: ok, to: closed, amount: '1.00' },
    { requestId: key('i'), from: closed, to: idWith('0'), amount: '1.00' },
    { requestId: key('i'), from: ok, to: WORLD, amount: '1.00' },
    { requestId: key('i'), from: frozen, to: ok, amount: '1000.00' },
  ]);
  assert.equal(rs.map((r) => r.reason), ['account_frozen', 'account_frozen', 'account_closed', 'unknown_account', null, 'account_frozen']);
  const rows = await db.sql`select reason from pgbank.transactions where id = any(${rs.map((r) => r.transactionId)}::bigint[]) order by id`;
  assert.equal(rows.map((r) => r.reason), rs.map((r) => r.reason), 'the ledger rows say the same');

  const b = await transferBatch(db.sql, key('b'), [{ from: ok, to: WORLD, amount: '1.00' }, { from: ok, to: frozen, amount: '1.00' }]);
  assert.equal(b.map((r) => [r.status, r.reason]), [['failed', 'account_frozen (item 2)'], ['failed', 'account_frozen (item 2)']]);
  await set(frozen, 'frozen');  // credits allowed again
  const b2 = await transferBatch(db.sql, key('b'), [{ from: ok, to: frozen, amount: '1.00' }, { from: frozen, to: ok, amount: '1.00' }]);
  assert.equal(b2.map((r) => r.reason), ['account_frozen (item 2)', 'account_frozen (item 2)']);
  const b3 = await transferBatch(db.sql, key('b'), [{ from: ok, to: frozen, amount: '1.00' }]);
  assert.is(b3[0]!.status, 'success');
  assert.equal([await balance(ok), await balance(frozen)], ['98.00', '101.00']);
  assert.equal(await audits(), { balances: [], monthly: [] });
});

test('closing: only at balance 0 with nothing held (55000 naming both), final; the world never; every change recorded', async () => {
  const a = await account('a', '10.00');
  const e1 = await sqlstate(set(a, 'closed'));
  assert.is(e1.code, '55000');
  assert.match(e1.message, new RegExp(`account '${a}' has balance 10.00 and 0(\\.00)? held`));
  await transfer(db.sql, key('c'), a, WORLD, '4.00');
  const h = await hold(db.sql, key('c'), a, WORLD, '6.00', '1 hour');
  const e2 = await sqlstate(set(a, 'closed'));
  assert.is(e2.code, '55000');
  assert.match(e2.message, /has balance 6.00 and 6.00 held/);
  await postHold(db.sql, h.holdId!);
  await set(a, 'frozen', true);
  const closed = await setAccountStatus(db.sql, a, 'closed', 'customer left', 'ops:alice');
  assert.equal([closed.status, closed.creditsFrozen, closed.balance], ['closed', false, '0.00']);
  assert.is((await set(a, 'closed')).status, 'closed', 'closing twice: no error, no new record');
  for (const s of ['open', 'frozen'] as const) {
    const e = await sqlstate(set(a, s));
    assert.is(e.code, '55000');
    assert.match(e.message, new RegExp(`account '${a}' is closed; it cannot become ${s}`));
  }
  await set(a, 'closed');
  const changes = await accountStatusChanges(db.sql, a);
  assert.equal(changes.map((c) => [c.fromStatus, c.toStatus, c.creditsFrozen, c.changedBy, c.reason]), [
    ['frozen', 'closed', false, 'ops:alice', 'customer left'],
    ['open', 'frozen', true, 'tests/ledger/status.test.ts', 'test'],
  ]);
  assert.is(changes[0]!.dbUser, 'postgres');
  assert.ok(changes[0]!.changedAt >= changes[1]!.changedAt, 'newest first (a Date holds milliseconds: two changes may share one)');

  const b = await account('b', '0');
  await set(b, 'frozen');
  await set(b, 'frozen');  // no change: not recorded
  await set(b, 'frozen', true);
  assert.equal((await accountStatusChanges(db.sql, b)).map((c) => [c.toStatus, c.creditsFrozen]), [['frozen', true], ['frozen', false]]);
  assert.equal(await audits(), { balances: [], monthly: [] });
});

test('bad input: a SQLSTATE naming the value', async () => {
  const a = await account('c', '0');
  const call = (acct: unknown, status: unknown, reason: unknown, by: unknown, cf: unknown = false) =>
    sqlstate(db.sql`select * from pgbank.set_account_status(${acct as string}::uuid, ${status as string}::text, ${reason as string}::text,
      ${by as string}::text, ${cf as boolean}::boolean)`);
  const cases: [Promise<{ code: string; message: string }>, string, RegExp][] = [
    [call(null, 'open', 'r', 'b'), '22004', /account must not be NULL/],
    [call(a, null, null, 'b', null), '22004', /status, reason, credits_frozen must not be NULL/],
    [call(a, 'suspended', 'r', 'b'), '22023', /status 'suspended' must be open, frozen or closed/],
    [call(a, 'OPEN', 'r', 'b'), '22023', /status 'OPEN'/],
    [call(a, 'open', 'r', 'b', true), '22023', /credits_frozen applies to status frozen only, not 'open'/],
    [call(a, 'closed', 'r', 'b', true), '22023', /not 'closed'/],
    [call(a, 'frozen', '  ', 'b'), '22023', /reason '  ' must be 1 to 500 characters/],
    [call(a, 'frozen', 'x'.repeat(501), 'b'), '22023', /\(501 characters\)/],
    [call(a, 'frozen', 'r', ''), '22023', /changed_by '' must be 1 to 200/],
    [call(WORLD, 'frozen', 'r', 'b'), '22023', /is the world account/],
    [call(WORLD, 'closed', 'r', 'b'), '22023', /is the world account/],
    [call(idWith('d'), 'frozen', 'r', 'b'), 'P0002', /unknown account/],
    [call('not-a-uuid', 'frozen', 'r', 'b'), '22P02', /not-a-uuid/],
    [sqlstate(accountStatusChanges(db.sql, idWith('d'))), 'P0002', /account_status_changes: unknown account/],
  ];
  for (const [p, code, message] of cases) {
    const e = await p;
    assert.is(e.code, code, e.message);
    assert.match(e.message, message);
  }
  assert.equal((await getAccount(db.sql, a)).status, 'open', 'nothing changed');
  assert.equal(await accountStatusChanges(db.sql, a), []);
});

test('a freeze racing transfers: every success is ordered before it, nothing started after it succeeds', async () => {
  const payer = await account('e', '100000.00');
  const payees = await Promise.all(['1', 'f', '2', 'e'].map((f) => account(f)));
  const pool = db.pool(9);
  let [before, after, frozen] = [0, 0, false];
  const worker = async (w: number) => {
    for (let i = 0; after < 40; i++) {
      const r = await transfer(pool, key(`race-${w}`), payer, payees[(w + i) % payees.length]!, '0.01');
      if (frozen) after++;
      else if (r.status === 'success') before++;
    }
  };
  const freeze = (async () => {
    while (before < 40) await new Promise((r) => setTimeout(r, 10));  // transfers are flowing
    await set(payer, 'frozen');
    frozen = true;
    const [row] = await db.sql`select clock_timestamp()::text as committed`;  // the freeze has committed by now (text: microseconds kept)
    return row!.committed as string;
  })();
  await Promise.all([...Array(8).keys()].map(worker).concat([freeze.then(() => undefined)]));
  await pool.end();
  const committed = await freeze;
  const [r] = await db.sql`
    with change as (select changed_at from pgbank.account_status_changes where account = ${payer})
    select count(*) filter (where status = 'success')::int as ok,
           count(*) filter (where status = 'failed')::int as failed,
           count(*) filter (where status = 'success' and ts >= (select changed_at from change))::int as ok_after_lock,
           count(*) filter (where ts > ${committed}::timestamptz and (status, reason) is distinct from ('failed', 'account_frozen'))::int as later_not_refused,
           count(*) filter (where ts > ${committed}::timestamptz)::int as later
      from pgbank.transactions where sender = ${payer}`;
  assert.ok(r!.ok >= 40 && r!.failed >= 20 && r!.later >= 20, `both sides of the freeze ran: ${JSON.stringify(r)}`);
  assert.is(r!.ok_after_lock, 0, 'no transfer succeeded after the freeze took the row lock');
  assert.is(r!.later_not_refused, 0, 'every transfer started after the freeze committed failed with account_frozen');
  assert.is(await balance(payer), (100000 - r!.ok / 100).toFixed(2));
  assert.equal(await audits(), { balances: [], monthly: [] });
});

test.run();
