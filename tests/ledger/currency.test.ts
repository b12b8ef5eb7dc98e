// Currencies: every account has one (ISO 4217); a movement between two fails with
// currency_mismatch, recorded, nothing moved (transfer, transfers, transfer_batch, hold); an amount
// has at most its currency's decimals (22023, nothing written) and is kept with exactly as many
// (JPY 500 is '500', BHD 1.005 stays); sums and balances per account; the bank's invariant per
// currency; an exchange as one atomic transfer_batch through liquidity accounts; a change event of
// a JPY account; a property test over random currencies and amounts.
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  balanceAt, createAccount, getAccount, history, hold, postHold, reverse, setAccountStatus, sumAmount, topUp, transfer,
  transferBatch, transfers, verifyBalances,
} from '../../src/api.ts';
import { Decoder } from '../../src/events/decode.ts';
import { peek } from '../../src/events/slot.ts';
import { sqlstate, testDatabase, type TestDatabase } from '../helpers/db.ts';

let db: TestDatabase;
test.before(async () => { db = await testDatabase('currency'); });
test.after(async () => db?.drop());

const WORLD = '00000000-0000-0000-0000-000000000000';
let seq = 0;
const key = (what: string) => `${what}-${++seq}`;
const idWith = (first: string) => `${first}${randomUUID().slice(1)}`;

/** A new account in `currency` whose id starts with `first` (tests choose which id sorts first), topped up with `amount`. */
async function account(currency: string, amount = '0', first = randomUUID()[0]!): Promise<string> {
  const id = idWith(first);
  await createAccount(db.sql, `${currency} ${first}`, '0', id, currency);
  if (amount !== '0') await topUp(db.sql, key('open'), id, amount);
  return id;
}
const balance = async (id: string) => (await getAccount(db.sql, id)).balance;
const counts = async () => {
  const [c] = await db.sql`select (select count(*) from pgbank.transactions)::int as tx, (select count(*) from pgbank.requests)::int as req,
                                  (select count(*) from pgbank.holds)::int as holds`;
  return { ...c };
};
const audits = async () => ({
  balances: await verifyBalances(db.sql),
  monthly: [...await db.sql`select * from pgbank_private.verify_monthly_totals()`],
});
const clean = { balances: [], monthly: [] };

test('an account has a currency: its minor units decide every amount\'s decimals; USD by default; unknown codes refused', async () => {
  const usd = await createAccount(db.sql, 'Dollar', '-5');
  assert.equal([usd.currency, usd.minorUnits, usd.balance, usd.held, usd.available, usd.lowerLimit], ['USD', 2, '0.00', '0.00', '0.00', '-5.00']);
  const jpy = await createAccount(db.sql, 'Yen', '-100', null, 'JPY');
  assert.equal([jpy.currency, jpy.minorUnits, jpy.balance, jpy.held, jpy.lowerLimit], ['JPY', 0, '0', '0', '-100']);
  const bhd = await createAccount(db.sql, 'Dinar', '-0.5', null, 'BHD');
  assert.equal([bhd.currency, bhd.minorUnits, bhd.balance, bhd.lowerLimit], ['BHD', 3, '0.000', '-0.500']);
  const before = await counts();
  for (const [call, message] of [
    [() => createAccount(db.sql, 'X', '0', null, 'XXX'), /^create_account: unknown currency 'XXX'$/],
    [() => createAccount(db.sql, 'X', '0', null, 'usd'), /^create_account: unknown currency 'usd'$/],
    [() => createAccount(db.sql, 'X', '-1.5', null, 'JPY'), /^create_account: lower_limit -1.5 has more decimals than JPY allows \(0\)$/],
    [() => createAccount(db.sql, 'X', '-0.001'), /^create_account: lower_limit -0.001 has more decimals than USD allows \(2\)$/],
  ] as const) {
    const err = await sqlstate(call());
    assert.is(err.code, '22023', err.message);
    assert.match(err.message, message);
  }
  assert.equal([...await db.sql`select count(*)::int as n from pgbank.users where name = 'X'`], [{ n: 0 }]);
  assert.equal(await counts(), before);
  // an account's currency never changes (only a direct write could try)
  const err = await sqlstate(db.sql`update pgbank.users set currency = 'EUR' where id = ${jpy.id}`);
  assert.equal([err.code, err.message], ['23514', `account '${jpy.id}' is in JPY: an account's currency never changes`]);
  const mixed = await sqlstate(db.sql`update pgbank.users set minor_units = 3 where id = ${usd.id}`);
  assert.is(mixed.code, '23514', mixed.message);
  // Direct writes: an account's (currency, minor_units) is a currency's; a currency in use stays as it is.
  const wrongUnits = await sqlstate(db.sql`insert into pgbank.users (name, currency, minor_units) values ('X', 'JPY', 2)`);
  assert.equal([wrongUnits.code, /currency 'JPY' with 2 minor units is not in pgbank.currencies/.test(wrongUnits.message)], ['23503', true], wrongUnits.message);
  const unknown = await sqlstate(db.sql`insert into pgbank.users (name, currency, minor_units) values ('X', 'XXX', 2)`);
  assert.is(unknown.code, '23503', unknown.message);
  const inUse = await sqlstate(db.sql`delete from pgbank.currencies where code = 'BHD'`);
  assert.equal([inUse.code, inUse.message], ['23503', `currency 'BHD': accounts are in it`]);
  const renamed = await sqlstate(db.sql`update pgbank.currencies set minor_units = 2 where code = 'JPY'`);
  assert.is(renamed.code, '23503', renamed.message);
  assert.equal([...await db.sql`select count(*)::int as n from pgbank.users where name = 'X'`], [{ n: 0 }]);
});

test('JPY refuses 1.5 (22023, nothing written) and keeps 500 as 500; BHD keeps 3 decimals; USD 2', async () => {
  const [j1, j2] = [await account('JPY', '1000', '1'), await account('JPY', '0', '2')];
  const before = await counts();
  for (const call of [() => topUp(db.sql, key('j'), j1, '1.5'), () => transfer(db.sql, key('j'), j1, j2, '1.5'),
    () => transfer(db.sql, key('j'), j2, j1, '0.01'), () => transfer(db.sql, key('j'), j1, j1, '0.5'), () => hold(db.sql, key('j'), j1, j2, '2.5', '1 hour'),
    () => transfers(db.sql, [{ requestId: key('j'), from: j1, to: j2, amount: '1' }, { requestId: key('j'), from: j1, to: j2, amount: '1.5' }]),
    () => transferBatch(db.sql, key('j'), [{ from: j1, to: j2, amount: '7' }, { from: j1, to: j2, amount: '0.5' }])]) {
    const err = await sqlstate(call());
    assert.is(err.code, '22023', err.message);
    assert.match(err.message, /amount (1\.5|0\.01|2\.5|0\.5) has more decimals than JPY allows \(0\)/, err.message);
  }
  assert.equal(await counts(), before, 'nothing written by a refused amount');
  const t = await transfer(db.sql, key('j'), j1, j2, '500.00');
  assert.equal([t.status, t.amount], ['success', '500']);
  const [row] = await db.sql`select amount::text from pgbank.transactions where id = ${t.transactionId}`;
  assert.is(row!.amount, '500', 'stored with the currency\'s decimals');
  assert.equal([await balance(j1), await balance(j2)], ['500', '500']);
  const replay = await transfer(db.sql, t.requestId, j1, j2, '500');
  assert.equal([replay.replayed, replay.amount], [true, '500']);
  const h = await hold(db.sql, key('j'), j2, j1, '300.0', '1 hour');
  assert.equal([h.status, h.amount], ['held', '300']);
  assert.is((await sqlstate(postHold(db.sql, h.holdId!, '100.5'))).message, 'post_hold: amount 100.5 has more decimals than JPY allows (0)');
  assert.equal((await postHold(db.sql, h.holdId!, '100')).postedAmount, '100');
  const r = await reverse(db.sql, key('j'), t.transactionId, '50');
  assert.equal([r.status, r.amount], ['success', '50']);
  assert.is((await sqlstate(reverse(db.sql, key('j'), t.transactionId, '0.5'))).message, 'reverse: amount 0.5 has more decimals than JPY allows (0)');
  const j1Now = await getAccount(db.sql, j1);
  assert.equal([j1Now.balance, j1Now.held, j1Now.available], ['650', '0', '650']);
  const far = new Date(Date.now() + 3_600_000).toISOString().replace('Z', '');
  assert.is((await sumAmount(db.sql, j1, '2023-01-01T00:00:00', far, 'sender')).sumAmount, '500');
  assert.is((await sumAmount(db.sql, j1, '2023-01-01T00:00:00', '2023-01-02T00:00:00', 'sender')).sumAmount, '0');
  assert.is(await balanceAt(db.sql, j1, 'infinity'), '650');
  assert.equal((await history(db.sql, j1)).map((e) => [e.amount, e.balanceAfter]), [['50', '650'], ['100', '600'], ['500', '500'], ['1000', '1000']]);

  const [b1, b2] = [await account('BHD', '10.005', '3'), await account('BHD', '0', '4')];
  assert.equal((await transfer(db.sql, key('b'), b1, b2, '0.001')).amount, '0.001');
  assert.equal((await transfer(db.sql, key('b'), b1, b2, '1.5')).amount, '1.500');
  assert.equal([await balance(b1), await balance(b2)], ['8.504', '1.501']);
  assert.is((await sqlstate(transfer(db.sql, key('b'), b1, b2, '0.0005'))).message, 'amount 0.0005 has more decimals than BHD allows (3)');
  const u = await account('USD', '5', '5');
  assert.equal([(await topUp(db.sql, key('u'), u, '1')).amount, await balance(u)], ['1.00', '6.00']);
  assert.equal(await audits(), clean);
});

test('a movement between two currencies fails with currency_mismatch, recorded, nothing moved, whichever id comes first', async () => {
  const [usdLow, jpyHigh] = [await account('USD', '100', '1'), await account('JPY', '1000', 'e')];
  const [jpyLow, usdHigh] = [await account('JPY', '1000', '2'), await account('USD', '100', 'f')];
  const before = { usdLow: await balance(usdLow), jpyHigh: await balance(jpyHigh), jpyLow: await balance(jpyLow), usdHigh: await balance(usdHigh) };
  const results = [
    await transfer(db.sql, key('m'), usdLow, jpyHigh, '10'),   // payer first
    await transfer(db.sql, key('m'), jpyHigh, usdLow, '10'),   // payee first: credited, then taken back
    await transfer(db.sql, key('m'), usdHigh, jpyLow, '10.00'),
    await transfer(db.sql, key('m'), jpyLow, usdHigh, '10'),
  ];
  assert.equal(results.map((r) => [r.status, r.reason]), Array(4).fill(['failed', 'currency_mismatch']));
  assert.equal(results.map((r) => r.amount), ['10.00', '10', '10.00', '10'], 'in the payer\'s currency');
  // the payer's currency decides an amount's decimals: 10.5 is USD money, not JPY
  assert.equal((await transfer(db.sql, key('m'), usdLow, jpyHigh, '10.5')).reason, 'currency_mismatch');
  assert.is((await sqlstate(transfer(db.sql, key('m'), jpyHigh, usdLow, '10.5'))).code, '22023');
  const rows = await db.sql`select status, reason from pgbank.transactions where id = any(${results.map((r) => r.transactionId)}::bigint[])`;
  assert.equal(rows.map((r) => [r.status, r.reason]), Array(4).fill(['failed', 'currency_mismatch']), 'the failed attempts are in the ledger');

  const items = await transfers(db.sql, [
    { requestId: key('i'), from: usdLow, to: usdHigh, amount: '1' },
    { requestId: key('i'), from: usdLow, to: jpyHigh, amount: '1' },
    { requestId: key('i'), from: jpyLow, to: jpyHigh, amount: '1' },
  ]);
  assert.equal(items.map((r) => [r.status, r.reason, r.amount]), [['success', null, '1.00'], ['failed', 'currency_mismatch', '1.00'], ['success', null, '1']]);
  const batch = await transferBatch(db.sql, key('b'), [{ from: usdLow, to: usdHigh, amount: '1' }, { from: usdLow, to: jpyLow, amount: '1' }]);
  assert.equal(batch.map((r) => [r.status, r.reason]), Array(2).fill(['failed', 'currency_mismatch (item 2)']));
  const h = await hold(db.sql, key('h'), jpyHigh, usdLow, '5', '1 hour');
  assert.equal([h.status, h.reason, h.holdId, h.amount], ['failed', 'currency_mismatch', null, '5']);
  // top-ups and withdrawals take the account's currency: the world has none
  assert.equal((await transfer(db.sql, key('w'), jpyHigh, WORLD, '7')).status, 'success');
  assert.equal([await balance(usdLow), await balance(usdHigh), await balance(jpyLow), await balance(jpyHigh)],
    ['99.00', '101.00', '999', '994'], 'only the same-currency moves and the withdrawal moved money');
  assert.equal((await getAccount(db.sql, jpyHigh)).held, '0');
  assert.ok(before.usdLow === '100.00' && before.jpyHigh === '1000');
  // a direct write between two currencies is refused (23514), a status weighs more than the currency
  const direct = await sqlstate(db.sql`insert into pgbank.transactions (ts, sender, receiver, amount) values (now(), ${usdLow}, ${jpyHigh}, 1)`);
  assert.equal([direct.code, /mixes currencies/.test(direct.message)], ['23514', true], direct.message);
  await setAccountStatus(db.sql, jpyHigh, 'frozen', 'test', 'currency.test', true);
  assert.equal((await transfer(db.sql, key('p'), usdLow, jpyHigh, '1')).reason, 'account_frozen');
  assert.equal((await transfer(db.sql, key('p'), usdLow, jpyLow, '1000')).reason, 'currency_mismatch', 'before insufficient_funds');
  assert.equal(await audits(), clean);
});

test('the bank invariant per currency: the accounts of a currency hold what came in from the world less what went out', async () => {
  const rows = await db.sql`
    with flows as (
      select u.currency, sum(case when t.sender = ${WORLD}::uuid then t.amount when t.receiver = ${WORLD}::uuid then -t.amount else 0 end) as net
        from pgbank.transactions t join pgbank.users u on u.id = case when t.sender = ${WORLD}::uuid then t.receiver else t.sender end
       where t.status = 'success' group by u.currency),
    held as (select currency, sum(balance) as total, count(*) as n from pgbank.users where id <> ${WORLD}::uuid group by currency)
    select h.currency, h.total::text, coalesce(f.net, 0)::text as net from held h left join flows f using (currency) order by 1`;
  assert.ok(rows.length >= 3, 'several currencies');
  for (const r of rows) assert.is(Number(r.total) - Number(r.net), 0, `${r.currency}: ${r.total} vs ${r.net}`);
  // every account's amounts have exactly its currency's decimals
  const [bad] = await db.sql`select count(*)::int as n from pgbank.users
                              where scale(balance) <> minor_units or scale(held) <> minor_units or scale(lower_limit) <> minor_units`;
  assert.is(bad!.n, 0);
  const [badRows] = await db.sql`select count(*)::int as n from pgbank.transactions t join pgbank.users u on u.id = t.sender
                                  where t.sender <> ${WORLD}::uuid and t.status <> 'failed' and scale(t.amount) <> u.minor_units`;
  assert.is(badRows!.n, 0);
});

test('an exchange is one atomic transfer_batch through per-currency liquidity accounts, the rate in metadata', async () => {
  const aliceUsd = await account('USD', '150.00');
  const aliceEur = await account('EUR');
  const liquidityUsd = await account('USD');
  const liquidityEur = await account('EUR', '10000.00');
  const exchange = (amountUsd: string, amountEur: string, id = key('fx')) => transferBatch(db.sql, id, [
    { from: aliceUsd, to: liquidityUsd, amount: amountUsd },
    { from: liquidityEur, to: aliceEur, amount: amountEur },
  ], { kind: 'exchange', rate: '0.92', pair: 'USD/EUR', quote: 'q-17' });
  const done = await exchange('100.00', '92.00');
  assert.equal(done.map((r) => [r.status, r.amount]), [['success', '100.00'], ['success', '92.00']]);
  assert.equal([await balance(aliceUsd), await balance(aliceEur), await balance(liquidityUsd), await balance(liquidityEur)],
    ['50.00', '92.00', '100.00', '9908.00']);
  const [entry] = await history(db.sql, aliceEur);
  assert.equal(entry!.metadata, { kind: 'exchange', rate: '0.92', pair: 'USD/EUR', quote: 'q-17' });
  // atomic: a leg that cannot go fails the batch, and the other leg does not move either
  const short = await exchange('60.00', '55.20');
  assert.equal(short.map((r) => [r.status, r.reason]), Array(2).fill(['failed', 'insufficient_funds (item 1)']));
  const mixed = await transferBatch(db.sql, key('fx'), [{ from: aliceUsd, to: liquidityEur, amount: '10.00' }, { from: liquidityEur, to: aliceEur, amount: '9.20' }]);
  assert.equal(mixed.map((r) => [r.status, r.reason]), Array(2).fill(['failed', 'currency_mismatch (item 1)']));
  assert.equal([await balance(aliceUsd), await balance(aliceEur), await balance(liquidityUsd), await balance(liquidityEur)],
    ['50.00', '92.00', '100.00', '9908.00'], 'nothing moved');
  const bad = await sqlstate(transferBatch(db.sql, key('fx'), [{ from: aliceUsd, to: liquidityUsd, amount: '1' }], ['rate'] as never));
  assert.equal([bad.code, /metadata/.test(bad.message)], ['22023', true]);
  assert.equal(await audits(), clean);
});

test('the default currency is the database\'s: set_default_currency changes it for new accounts only', async () => {
  const old = await account('USD', '1');
  await db.sql`select pgbank_private.set_default_currency('EUR')`;
  try {
    const eur = await createAccount(db.sql, 'Euro by default');
    assert.equal([eur.currency, eur.balance, eur.lowerLimit], ['EUR', '0.00', '0.00']);
    const [direct] = await db.sql`insert into pgbank.users (name) values ('direct') returning currency, minor_units, balance::text`;
    assert.equal({ ...direct }, { currency: 'EUR', minor_units: 2, balance: '0.00' });
    await db.sql`select pgbank_private.set_default_currency('KWD')`;
    const [kwd] = await db.sql`insert into pgbank.users (name) values ('direct') returning currency, minor_units, balance::text`;
    assert.equal({ ...kwd }, { currency: 'KWD', minor_units: 3, balance: '0.000' });
    assert.is((await getAccount(db.sql, old)).currency, 'USD');
    assert.is((await sqlstate(db.sql`select pgbank_private.set_default_currency('EURO')`)).code, '22023');
    assert.equal([...await db.sql`select code from pgbank.currencies where is_default`], [{ code: 'KWD' }]);
  } finally {
    await db.sql`select pgbank_private.set_default_currency('USD')`;
    await db.sql`delete from pgbank.users where name = 'direct'`;
  }
  assert.is((await createAccount(db.sql, 'Dollar again')).currency, 'USD');
});

test('a change event of a JPY account shows its amounts without decimals', async () => {
  const slot = `pgbank_t_currency_${process.pid}`;
  const jpy = await account('JPY');
  await db.sql`select pg_create_logical_replication_slot(${slot}, 'pgoutput')`;
  try {
    await topUp(db.sql, key('ev'), jpy, '500');
    const decoded = new Decoder().decode(await peek(db.sql, slot, 'pgbank_events', 1000));
    const events = decoded.flatMap((t) => t.events).filter((e) => e.account === jpy);
    assert.equal(events.map((e) => [e.kind, e.amount, e.balance_before, e.balance_after]), [['balance.changed', '500', '0', '500']]);
  } finally {
    await db.sql`select pg_drop_replication_slot(${slot})`;
  }
});

test('property: random currencies and amounts follow the rules; balances match a model and keep their decimals', async () => {
  const units: Record<string, number> = { JPY: 0, USD: 2, BHD: 3, CLF: 4 };
  const codes = Object.keys(units);
  const ids: string[] = [];
  const model = new Map<string, bigint>();  // in 10^-4 units
  for (const [i, c] of [...codes, ...codes].entries()) {
    const id = await account(c, '0', i.toString(16));
    ids.push(id);
    model.set(id, 0n);
  }
  const currencyOf = (i: number) => codes[i % codes.length]!;
  const amount = fc.tuple(fc.integer({ min: 1, max: 99_999 }), fc.integer({ min: 0, max: 4 })).map(([n, places]) => ({ n, places }));
  const text = ({ n, places }: { n: number; places: number }) => (places === 0 ? String(n) : `${Math.floor(n / 10 ** places)}.${String(n % 10 ** places).padStart(places, '0')}`);
  const op = fc.record({ kind: fc.constantFrom('top_up', 'transfer'), from: fc.nat(ids.length - 1), to: fc.nat(ids.length - 1), amount });
  await fc.assert(fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 15 }), async (ops) => {
    for (const o of ops) {
      const a = text(o.amount);
      const scaled = BigInt(o.amount.n) * 10n ** BigInt(4 - o.amount.places);  // in 10^-4 units
      const payer = o.kind === 'top_up' ? o.to : o.from;
      const tooFine = o.amount.places > units[currencyOf(payer)]! && o.amount.n % 10 ** (o.amount.places - units[currencyOf(payer)]!) !== 0;
      const call = o.kind === 'top_up' ? topUp(db.sql, key('p'), ids[o.to]!, a) : transfer(db.sql, key('p'), ids[o.from]!, ids[o.to]!, a);
      if (tooFine) {
        const err = await sqlstate(call);
        assert.is(err.code, '22023', `${o.kind} ${a} ${currencyOf(payer)}: ${err.message}`);
        continue;
      }
      const r = await call;
      assert.is(r.amount.split('.')[1]?.length ?? 0, units[currencyOf(payer)], `${a} ${currencyOf(payer)} came back as ${r.amount}`);
      const expected = o.kind === 'top_up' ? null
        : o.from === o.to ? 'same_account'
          : currencyOf(o.from) !== currencyOf(o.to) ? 'currency_mismatch'
            : model.get(ids[o.from]!)! < scaled ? 'insufficient_funds' : null;
      assert.is(r.reason, expected, `${o.kind} ${a} ${currencyOf(o.from)} -> ${currencyOf(o.to)}`);
      if (expected === null) {
        if (o.kind === 'transfer') model.set(ids[o.from]!, model.get(ids[o.from]!)! - scaled);
        model.set(ids[o.to]!, model.get(ids[o.to]!)! + scaled);
      }
    }
    const rows = await db.sql`select id::text, balance::text, minor_units from pgbank.users where id = any(${ids}::uuid[])`;
    for (const row of rows) {
      const [whole, frac = ''] = (row.balance as string).split('.');
      assert.is(frac.length, row.minor_units, `balance ${row.balance}`);
      assert.is(BigInt(whole!) * 10000n + BigInt(frac.padEnd(4, '0') || '0'), model.get(row.id as string));
    }
  }), { numRuns: 20 });
  assert.equal(await audits(), clean);
});

test.run();
