// transfers(): many independent transfers in one call, each with its own request id, idempotency and outcome.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createAccount, getAccount, topUp, transfer, transfers, verifyBalances } from '../../src/api.ts';
import { sqlstate, testDatabase, type TestDatabase } from '../helpers/db.ts';

let db: TestDatabase;
test.before(async () => { db = await testDatabase('ledger_transfers'); });
test.after(async () => db?.drop());

const WORLD = '00000000-0000-0000-0000-000000000000';
const UNKNOWN = '7e57e57e-0000-4000-8000-000000000000';
let n = 0;
const key = (label: string) => `${label}-${++n}`;
const newAccount = async (name: string, opening = '0', lowerLimit = '0') => {
  const a = await createAccount(db.sql, name, lowerLimit);
  if (opening !== '0') await topUp(db.sql, key('open'), a.id, opening);
  return a.id;
};
const balance = async (id: string) => Number((await getAccount(db.sql, id)).balance).toFixed(2);
const counts = async () => {
  const [r] = await db.sql`select (select count(*) from pgbank.transactions)::int as tx, (select count(*) from pgbank.requests)::int as req`;
  return { ...r };
};
const audits = async () => {
  assert.equal(await verifyBalances(db.sql), []);
  assert.equal([...await db.sql`select * from pgbank_private.verify_monthly_totals()`], []);
};

test('each item has its own outcome, checked against the balances the earlier items left', async () => {
  const [a, b] = [await newAccount('A', '100'), await newAccount('B', '0', '-50')];
  const rs = await transfers(db.sql, [
    { requestId: 'i-1', from: a, to: b, amount: '60' },          // a 40, b 60
    { requestId: 'i-2', from: a, to: b, amount: '41' },          // a has only 40 left
    { requestId: 'i-3', from: b, to: a, amount: '110.00' },      // b 60 + 50 below zero: exactly enough
    { requestId: 'i-4', from: b, to: a, amount: '0.01' },        // b is at its limit
    { requestId: 'i-5', from: a, to: WORLD, amount: '1.5' },     // a withdrawal
    { requestId: 'i-6', from: UNKNOWN, to: a, amount: '1' },
    { requestId: 'i-7', from: a, to: UNKNOWN, amount: '1' },
    { requestId: 'i-8', from: a, to: a, amount: '1' },
  ]);
  assert.equal(rs.map((r) => [r.requestId, r.status, r.reason, r.amount, r.replayed]), [
    ['i-1', 'success', null, '60.00', false], ['i-2', 'failed', 'insufficient_funds', '41.00', false],
    ['i-3', 'success', null, '110.00', false], ['i-4', 'failed', 'insufficient_funds', '0.01', false],
    ['i-5', 'success', null, '1.50', false], ['i-6', 'failed', 'unknown_account', '1.00', false],
    ['i-7', 'failed', 'unknown_account', '1.00', false], ['i-8', 'failed', 'same_account', '1.00', false],
  ]);
  assert.equal(rs.map((r) => [r.fromAccount, r.toAccount]), [[a, b], [a, b], [b, a], [b, a], [a, WORLD], [UNKNOWN, a], [a, UNKNOWN], [a, a]]);
  assert.equal([await balance(a), await balance(b)], ['148.50', '-50.00']);
  // every attempt is a ledger row of its own, in item order, and a request of its paying account
  const ids = rs.map((r) => BigInt(r.transactionId));
  assert.equal(ids, [...ids].sort((x, y) => (x < y ? -1 : 1)));
  const rows = await db.sql`select t.id::text, t.status, t.reason, r.account, r.kind from pgbank.transactions t
    join pgbank.requests r on r.transaction_ids[1] = t.id where t.id = any(${rs.map((r) => r.transactionId)}::bigint[]) order by t.id`;
  assert.equal(rows.map((r) => [r.id, r.status, r.reason, r.account, r.kind]),
    rs.map((r) => [r.transactionId, r.status, r.reason, r.fromAccount, 'transfer']));
  // versions count movements as the row trigger does (one per effective row touching the account)
  const [va] = await db.sql`select version::int from pgbank.users where id = ${a}`;
  assert.is(va!.version, 4, 'top-up, i-1, i-3, i-5');
  await audits();
});

// The fast way moves the accounts in a subtransaction of the call: their rows then carry another
// transaction id than the call's ledger rows (the careful way writes both in the call's own).
const wentFast = async (account: string, transactionId: string) => {
  const [r] = await db.sql`select u.xmin::text <> t.xmin::text as fast from pgbank.users u, pgbank.transactions t
    where u.id = ${account} and t.id = ${transactionId}::bigint`;
  return r!.fast as boolean;
};

test('the fast way: items that all pass, an account spending what an earlier item brought it, one to itself', async () => {
  const [a, b, c] = [await newAccount('FA', '5'), await newAccount('FB', '100'), await newAccount('FC', '100', '-20')];
  const rs = await transfers(db.sql, [
    { requestId: key('f'), from: c, to: a, amount: '10' },   // a 15
    { requestId: key('f'), from: a, to: b, amount: '15' },   // a 0: exactly what it had with the credit
    { requestId: key('f'), from: c, to: WORLD, amount: '110' },  // c 100 - 10 - 110 = -20, its lower limit
    { requestId: key('f'), from: b, to: c, amount: '1.5' },
    { requestId: key('f'), from: b, to: b, amount: '2' },    // fails, and moves nothing
  ]);
  assert.equal(rs.map((r) => [r.status, r.reason, r.amount]),
    [['success', null, '10.00'], ['success', null, '15.00'], ['success', null, '110.00'], ['success', null, '1.50'],
     ['failed', 'same_account', '2.00']]);
  const [self] = await db.sql`select status, reason from pgbank.transactions where id = ${rs[4]!.transactionId}::bigint`;
  assert.equal([self!.status, self!.reason], ['failed', 'same_account']);
  assert.ok(await wentFast(a, rs[0]!.transactionId), 'the accounts moved in one statement of their own');
  assert.equal([await balance(a), await balance(b), await balance(c)], ['0.00', '113.50', '-18.50']);
  const rows = await db.sql`select id, day_sent::text, day_received::text, version::int from pgbank.users where id in (${a}, ${b}, ${c})`;
  const by = Object.fromEntries(rows.map((r) => [r.id, [r.day_sent, r.day_received, r.version]]));
  assert.equal([by[a], by[b], by[c]], [['15.00', '15.00', 3], ['1.50', '115.00', 3], ['120.00', '101.50', 4]]);
  await audits();
});

test('the fast way: a debit that comes before the credit that would cover it fails, the careful way', async () => {
  const [a, b, c] = [await newAccount('GA', '5'), await newAccount('GB', '100'), await newAccount('GC', '100')];
  // a's items sum to nothing, but in item order it must pay 10 with 5
  const rs = await transfers(db.sql, [
    { requestId: key('g'), from: a, to: b, amount: '10' },
    { requestId: key('g'), from: c, to: a, amount: '10' },
  ]);
  assert.equal(rs.map((r) => [r.status, r.reason]), [['failed', 'insufficient_funds'], ['success', null]]);
  assert.not.ok(await wentFast(a, rs[1]!.transactionId));
  // an unknown account to itself: the careful way names it (its row went in as same_account)
  const [u] = await transfers(db.sql, [{ requestId: key('g'), from: UNKNOWN, to: UNKNOWN, amount: '1' }]);
  const [row] = await db.sql`select status, reason from pgbank.transactions where id = ${u!.transactionId}::bigint`;
  assert.equal([u!.status, u!.reason, row!.status, row!.reason], ['failed', 'unknown_account', 'failed', 'unknown_account']);
  // the careful way rewrites no row that already holds its outcome: a same-account row keeps the
  // command id of the insert it went in with, like the success beside it (the failed one's changes)
  const mixed = await transfers(db.sql, [
    { requestId: key('g'), from: a, to: a, amount: '1' },
    { requestId: key('g'), from: a, to: b, amount: '1000' },
    { requestId: key('g'), from: c, to: b, amount: '1' },
  ]);
  assert.equal(mixed.map((r) => r.reason), ['same_account', 'insufficient_funds', null]);
  const cmins = await db.sql<{ cmin: string }[]>`
    select t.cmin::text from unnest(${mixed.map((r) => r.transactionId)}::bigint[]) with ordinality x(id, i)
      join pgbank.transactions t on t.id = x.id order by x.i`;
  assert.equal(cmins[0]!.cmin, cmins[2]!.cmin, 'the same-account row was not rewritten');
  assert.is.not(cmins[1]!.cmin, cmins[2]!.cmin, 'the failed row was');
  assert.equal([await balance(a), await balance(b), await balance(c)], ['15.00', '101.00', '89.00']);
  await audits();
  // and a credit past the largest balance on the way, though the call's sum leaves the balance as it was
  const rich = await newAccount('GR', '1');
  await db.sql`update pgbank.users set balance = 999999999999999999.00 where id = ${rich}`;  // (no API reaches this in a test's time)
  const err = await sqlstate(transfers(db.sql, [
    { requestId: key('g'), from: b, to: rich, amount: '1' },
    { requestId: key('g'), from: rich, to: c, amount: '1' },
  ]));
  assert.is(err.code, '22023', err.message);
  const [r] = await db.sql`select balance::text from pgbank.users where id = ${rich}`;
  assert.equal([r!.balance, await balance(b)], ['999999999999999999.00', '101.00']);
  await db.sql`update pgbank.users set balance = 1.00 where id = ${rich}`;
});

test('the fast way: a call of items to themselves only', async () => {
  const a = await newAccount('SA', '10');
  const rs = await transfers(db.sql, [{ requestId: key('s'), from: a, to: a, amount: '5' }, { requestId: key('s'), from: a, to: a, amount: '1' }]);
  assert.equal(rs.map((r) => [r.status, r.reason]), [['failed', 'same_account'], ['failed', 'same_account']]);
  assert.equal(await balance(a), '10.00');
  await audits();
});

test('the fast way credits no account it did not see: one opened while the call waited on a request key', async () => {
  const [a, b] = [await newAccount('HA', '100'), await newAccount('HB', '100')];
  const x = '7e57e57e-0000-4000-8000-00000000e0e0';
  const [k1, k2] = [key('h'), key('h')];
  const holder = await db.sql.reserve();  // holds k2's key until it rolls back
  try {
    await holder`begin`;
    await holder`insert into pgbank.requests (account, request_id, kind) values (${a}, ${k2}, 'transfer')`;
    const call = transfers(db.sql, [{ requestId: k1, from: a, to: b, amount: '1' }, { requestId: k2, from: a, to: x, amount: '2' }]);
    for (let i = 0; i < 200; i++) {  // until the call waits on the key (it has read its accounts: x was unknown)
      const [w] = await db.sql`select count(*)::int as n from pg_stat_activity
        where datname = current_database() and wait_event_type = 'Lock' and query like '%pgbank.transfers%'`;
      if (w!.n > 0) break;
      await new Promise((r) => setTimeout(r, 25));
    }
    await createAccount(db.sql, 'HX', '0', x, 'EUR');
    await topUp(db.sql, key('hx'), x, '1');
    await holder`rollback`;
    const rs = await call;
    assert.equal(rs.map((r) => [r.status, r.reason]), [['success', null], ['failed', 'currency_mismatch']]);
  } finally {
    holder.release();
  }
  assert.equal([await balance(x), await balance(a)], ['1.00', '99.00']);
  await audits();
});

test('accounts whose rows hold an earlier day roll over, next to accounts already on today', async () => {
  const [a, b, c] = [await newAccount('A', '100'), await newAccount('B', '100'), await newAccount('C', '100')];
  await db.sql.begin((tx) => [  // a and c as after a day without movements; b moved today
    tx`set local session_replication_role = replica`,
    tx`update pgbank.transactions set ts = ts - interval '1 day' where receiver in (${a}, ${c})`,
    tx`update pgbank.users set totals_day = totals_day - 1 where id in (${a}, ${c})`,
  ]);
  await audits();
  const rs = await transfers(db.sql, [
    { requestId: key('d'), from: a, to: b, amount: '10' },
    { requestId: key('d'), from: b, to: a, amount: '4' },
    { requestId: key('d'), from: c, to: a, amount: '1' },
    { requestId: key('d'), from: a, to: c, amount: '2' },
  ]);
  assert.equal(rs.map((r) => r.status), ['success', 'success', 'success', 'success']);
  const rows = await db.sql`select id, totals_day = (now() at time zone 'UTC')::date as today, day_sent::text, day_received::text,
    balance::text, version::int from pgbank.users where id in (${a}, ${b}, ${c})`;
  const by = Object.fromEntries(rows.map((r) => [r.id, [r.today, r.day_sent, r.day_received, r.balance, r.version]]));
  assert.equal([by[a], by[b], by[c]], [
    [true, '12.00', '5.00', '93.00', 5],    // its top-up, then 4 movements
    [true, '4.00', '110.00', '106.00', 3],  // top-up, 2 movements
    [true, '1.00', '2.00', '101.00', 3],
  ]);
  await audits();
});

test('idempotent per item: whole calls, single items, transfer() and transfers() share the requests', async () => {
  const [a, b, c] = [await newAccount('P', '100'), await newAccount('Q', '100'), await newAccount('R')];
  const items = [{ requestId: 'r-1', from: a, to: c, amount: '10' }, { requestId: 'r-2', from: b, to: c, amount: '1000' },
    { requestId: 'r-1', from: b, to: c, amount: '20' }];  // the same id from another account is another request
  const first = await transfers(db.sql, items);
  assert.equal(first.map((r) => [r.status, r.replayed]), [['success', false], ['failed', false], ['success', false]]);
  const before = await counts();
  const again = await transfers(db.sql, items);
  assert.equal(again, first.map((r) => ({ ...r, replayed: true })), 'the first outcomes, failed ones too');
  // a single item again, by transfer(), and a transfer() request again, as an item among new ones
  assert.equal(await transfer(db.sql, 'r-1', a, c, '10.00'), { ...first[0]!, replayed: true });
  const single = await transfer(db.sql, 'r-3', a, c, '5');
  const mixed = await transfers(db.sql, [{ requestId: 'r-4', from: a, to: c, amount: '1' },
    { requestId: 'r-3', from: a, to: c, amount: '5.00' }, { requestId: 'r-4', from: a, to: c, amount: '1.0' }]);
  assert.equal(mixed.map((r) => [r.requestId, r.status, r.replayed]), [['r-4', 'success', false], ['r-3', 'success', true], ['r-4', 'success', true]]);
  assert.equal(mixed[1], { ...single, replayed: true });
  assert.is(mixed[2]!.transactionId, mixed[0]!.transactionId, 'a repeat within the call returns the first item\'s outcome');
  assert.equal(await counts(), { tx: before.tx + 2, req: before.req + 2 }, 'only r-3 (by transfer) and r-4 were new');
  assert.equal([await balance(a), await balance(b), await balance(c)], ['84.00', '80.00', '36.00']);
  await audits();
});

test('a repeat with other parameters raises PB001 and the call writes nothing', async () => {
  const [a, b] = [await newAccount('S', '100'), await newAccount('T')];
  await transfers(db.sql, [{ requestId: 'p-1', from: a, to: b, amount: '10' }]);
  await topUp(db.sql, 'p-top', a, '5');
  const before = await counts();
  for (const [items, detail] of [
    [[{ requestId: 'p-new', from: a, to: b, amount: '1' }, { requestId: 'p-1', from: a, to: b, amount: '11' }], /first: transfer to \{.*\} of \{10.00\}; now: transfer to \{.*\} of \{11.00\}/],
    [[{ requestId: 'p-top', from: a, to: b, amount: '5' }], /first: top_up to/],
    [[{ requestId: 'p-2', from: a, to: b, amount: '1' }, { requestId: 'p-2', from: a, to: a, amount: '1' }], /first: transfer to \{.*\} of \{1.00\}; now: transfer to/],
  ] as const) {
    try {
      await transfers(db.sql, [...items]);
      assert.unreachable('PB001 expected');
    } catch (err) {
      const e = err as { code?: string; message: string; detail?: string };
      assert.is(e.code, 'PB001', e.message);
      assert.match(e.message, /request_id 'p-\w+' of account '.*' was already used with other parameters/);
      assert.match(e.detail ?? '', detail);
    }
  }
  assert.equal(await counts(), before);
  assert.equal([await balance(a), await balance(b)], ['95.00', '10.00']);
});

test('bad input: a clear error naming the item, nothing written', async () => {
  const [a, b] = [await newAccount('U', '10'), await newAccount('V')];
  const before = await counts();
  const call = (ids: string, from: string, to: string, amounts: string) =>
    `select * from pgbank.transfers(${ids}, ${from}::uuid[], ${to}::uuid[], ${amounts}::numeric[])`;
  const one = [`array['k']`, `array['${a}']`, `array['${b}']`, `array[1]`] as const;
  const cases: [string, string, RegExp][] = [
    [call('null', one[1], one[2], one[3]), '22004', /^transfers: request_ids must not be NULL$/],
    [call(one[0], 'null', 'null', one[3]), '22004', /^transfers: from_accounts, to_accounts must not be NULL$/],
    [call(`'{}'`, `'{}'`, `'{}'`, `'{}'`), '22023', /same length, 1 to 1000 \(got 0, 0, 0, 0\)/],
    [call(`array['k', 'l']`, one[1], one[2], one[3]), '22023', /same length, 1 to 1000 \(got 2, 1, 1, 1\)/],
    [call(`array(select 'k' || g from generate_series(1, 1001) g)`, `array_fill('${a}'::uuid, array[1001])`,
      `array_fill('${b}'::uuid, array[1001])`, `array_fill(1, array[1001])`), '22023', /1 to 1000 \(got 1001, 1001, 1001, 1001\)/],
    [call(one[0], `'[0:0]={${a}}'`, one[2], one[3]), '22023', /one-dimensional arrays starting at 1 \(got \[1:1\], \[0:0\], \[1:1\], \[1:1\]\)/],
    [call(`array[['k'], ['l']]`, `array['${a}', '${a}']`, `array['${b}', '${b}']`, 'array[1, 2]'), '22023', /\(got \[1:2\]\[1:1\], \[1:2\], \[1:2\], \[1:2\]\)/],
    [call(`array['k', 'l']`, `array['${a}', '${a}']`, `array['${b}', null]`, 'array[1, 2]'), '22004', /^transfers: item 2 names a NULL account$/],
    [call(`array['k', 'l']`, `array['${a}', '${WORLD}']`, `array['${b}', '${b}']`, 'array[1, 2]'), '22023', /^transfers: item 2 pays from the world account '0{8}-/],
    [call(`array['k', null]`, `array['${a}', '${a}']`, `array['${b}', '${b}']`, 'array[1, 2]'), '22004', /^transfers: item 2: request_id must not be NULL$/],
    [call(`array['k', repeat('x', 201)]`, `array['${a}', '${a}']`, `array['${b}', '${b}']`, 'array[1, 2]'), '22023', /^transfers: item 2: request_id 'x{100}'… \(201 characters\) must be 1 to 200 characters$/],
    [call(`array['k', 'l']`, `array['${a}', '${a}']`, `array['${b}', '${b}']`, `array[1, 'NaN']`), '22023', /^transfers: amounts\[2\] 'NaN' is not a finite number$/],
    [call(`array['k', 'l']`, `array['${a}', '${a}']`, `array['${b}', '${b}']`, `array[1, 1.005]`), '22023', /^transfers: item 2: amount 1.005 has more decimals than USD allows \(2\)$/],
    [call(`array['k', 'l']`, `array['${a}', '${a}']`, `array['${b}', '${b}']`, `array[1, null]`), '22004', /^transfers: amounts\[2\] must not be NULL$/],
    [call(`array['k', 'l']`, `array['${a}', '${a}']`, `array['${b}', '${b}']`, `array[1, 0]`), '22023', /^transfers: amounts\[2\] '0' must be positive$/],
    [call(`array['k', 'l']`, `array['${a}', '${a}']`, `array['${b}', '${b}']`, `array[1, 1000000000000000]`), '22023', /amounts\[2\] '1000000000000000' is more than 999999999999999.99/],
  ];
  for (const [text, code, message] of cases) {
    const err = await sqlstate(db.sql.unsafe(text));
    assert.is(err.code, code, `${text}: ${err.message}`);
    assert.match(err.message, message);
  }
  assert.equal(await counts(), before);
});

test('a credit past the largest balance raises 22023 and the call writes nothing', async () => {
  const [a, b] = [await newAccount('Rich', '100'), await newAccount('Richer')];
  await db.sql`update pgbank.users set balance = 999999999999999990.00 where id = ${b}`;  // (no API reaches this in a test's time)
  const before = await counts();
  const err = await sqlstate(transfers(db.sql, [{ requestId: 'm-1', from: a, to: b, amount: '5' }, { requestId: 'm-2', from: a, to: b, amount: '5' }]));
  assert.is(err.code, '22023');
  assert.match(err.message, /^transfers: item 2: amount 5.00 would take the balance of account '.*' past 999999999999999999.99$/);
  assert.equal(await counts(), before);
});

test('pgbank_app may call transfers()', async () => {
  const [a, b] = [await newAccount('App A', '5'), await newAccount('App B')];
  const rows = await db.sql.begin(async (tx) => {
    await tx`set local role pgbank_app`;
    return tx`select status from pgbank.transfers(array['app-1'], ${[a]}::uuid[], ${[b]}::uuid[], array[5])`;
  });
  assert.equal(rows.map((r) => r.status), ['success']);
  assert.is(await balance(b), '5.00');
});

test.run();
