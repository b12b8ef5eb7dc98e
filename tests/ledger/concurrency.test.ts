// The ledger under concurrency: the bank invariant with 32 clients, a hot spot, one effect per request id, one end per hold,
// and transfers() calls overlapping in accounts, repeated whole and item by item.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createAccount, hold, postHold, topUp, transfer, transfers, verifyBalances, voidHold, type TransferResult } from '../../src/api.ts';
import type { Sql } from '../../src/db.ts';
import { testDatabase, type TestDatabase } from '../helpers/db.ts';

let db: TestDatabase;
let pool: Sql;
test.before(async () => {
  db = await testDatabase('ledger_concurrency');
  pool = db.pool(34);
});
test.after(async () => db?.drop());

const pick = <T>(xs: T[]): T => xs[Math.floor(Math.random() * xs.length)]!;
/** A random amount from 0.01 to 50.00, built from whole cents (never a float). */
const cents = () => {
  const c = 1 + Math.floor(Math.random() * 5000);
  return `${Math.floor(c / 100)}.${String(c % 100).padStart(2, '0')}`;
};
let seq = 0;

/** Accounts, each topped up with 1000.00. */
async function accounts(count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const a = await createAccount(db.sql, `Acct ${i}`, i % 5 === 0 ? '-50' : '0');
    await topUp(db.sql, `open-${a.id}`, a.id, '1000.00');
    ids.push(a.id);
  }
  return ids;
}

/** `clients` loops of random transfers, holds, posts and voids for `seconds`, while one more client checks the total. */
async function bankRun(ids: string[], clients: number, seconds: number) {
  const total = async () => {
    const [r] = await pool<{ total: string; below: number }[]>`
      select sum(balance)::text as total, count(*) filter (where balance - held < lower_limit)::int as below
        from pgbank.users where id = any(${ids}::uuid[])`;
    return r!;
  };
  const expected = (await total()).total;
  const openHolds: string[] = [];
  const unexpected: string[] = [];
  const tally = { transfers: 0, failed: 0, holds: 0, posts: 0, voids: 0, lostRaces: 0, reads: 0 };
  const deadline = Date.now() + seconds * 1000;
  const worker = async () => {
    while (Date.now() < deadline) {
      const r = Math.random();
      try {
        if (r < 0.7) {
          const t = await transfer(pool, `t-${++seq}`, pick(ids), pick(ids), cents());
          t.status === 'success' ? tally.transfers++ : tally.failed++;
        } else if (r < 0.8) {
          const h = await hold(pool, `h-${++seq}`, pick(ids), pick(ids), cents(), '1 hour');
          if (h.holdId) { openHolds.push(h.holdId); tally.holds++; }
        } else if (openHolds.length) {
          // another client may take the same hold at the same time: one wins, the other gets PB002
          const id = openHolds.splice(Math.floor(Math.random() * openHolds.length), 1)[0]!;
          if (Math.random() < 0.3) openHolds.push(id);
          if (r < 0.9) { await postHold(pool, id, Math.random() < 0.5 ? null : '0.01'); tally.posts++; } else { await voidHold(pool, id); tally.voids++; }
        }
      } catch (err) {
        const code = (err as { code?: string }).code;
        if (code === 'PB002') tally.lostRaces++;
        else unexpected.push(`${code}: ${(err as Error).message}`);
      }
    }
  };
  const reader = async () => {
    while (Date.now() < deadline) {
      const t = await total();
      tally.reads++;
      if (t.total !== expected) unexpected.push(`total ${t.total} <> ${expected}`);
      if (t.below) unexpected.push(`${t.below} accounts below their limit`);
    }
  };
  await Promise.all([reader(), ...Array.from({ length: clients }, worker)]);
  assert.equal(unexpected.slice(0, 5), [], 'no deadlock or other error reached a caller; the total never changed');
  assert.is((await total()).total, expected);
  assert.equal(await verifyBalances(db.sql), []);
  assert.ok(tally.transfers > 100 && tally.posts > 5 && tally.voids > 5, JSON.stringify(tally));
  return tally;
}

test('bank invariant: 32 clients, 100 accounts, transfers, holds, posts and voids', async () => {
  await bankRun(await accounts(100), 32, 8);
});

test('bank invariant on a hot spot: 32 clients, 10 accounts', async () => {
  await bankRun(await accounts(10), 32, 6);
});

test('16 concurrent calls with one request id: exactly one effect, one outcome', async () => {
  const [a, b] = await accounts(2);
  const calls: (() => Promise<{ transactionId: string; replayed: boolean }>)[] = [
    () => transfer(pool, 'same-key', a!, b!, '10.00'),
    () => hold(pool, 'same-hold', a!, b!, '5.00', '1 hour'),
  ];
  for (const call of calls) {
    const results = await Promise.all(Array.from({ length: 16 }, call));
    assert.is(new Set(results.map((r) => r.transactionId)).size, 1, 'one transaction');
    assert.is(results.filter((r) => !r.replayed).length, 1, 'one first outcome, 15 replays');
  }
  const [row] = await db.sql`select count(*)::int as n from pgbank.transactions where sender = ${a!} and status <> 'failed' and ts > now() - interval '1 minute'`;
  assert.is(row!.n, 2);
  const [acct] = await db.sql`select balance::text, held::text from pgbank.users where id = ${a!}`;
  assert.equal([Number(acct!.balance), Number(acct!.held)], [990, 5]);
});

test('transfers(): calls overlapping in accounts, repeated whole and item by item, with transfer() beside them', async () => {
  const ids = await accounts(30);
  const total = async () => {
    const [r] = await pool<{ total: string }[]>`select sum(balance)::text as total from pgbank.users where id = any(${ids}::uuid[])`;
    return r!.total;
  };
  const expected = await total();
  type Item = { requestId: string; from: string; to: string; amount: string };
  const done: { items: Item[]; results: TransferResult[] }[] = [];
  const unexpected: string[] = [];
  const tally = { calls: 0, items: 0, wholeRepeats: 0, raced: 0, itemRepeats: 0, singles: 0 };
  const sameOutcome = (again: TransferResult[], first: TransferResult[], what: string) => {
    const differs = again.findIndex((r, i) => r.transactionId !== first[i]!.transactionId || r.status !== first[i]!.status || !r.replayed);
    if (again.length !== first.length || differs >= 0) unexpected.push(`${what}: item ${differs + 1} is not the first outcome replayed`);
  };
  // At least 6 s, and on until every kind of call has been seen a few times (a busy machine is slower).
  const started = Date.now();
  const enough = () => tally.calls > 20 && tally.wholeRepeats > 3 && tally.itemRepeats > 3 && tally.raced > 3;
  const running = () => Date.now() < started + 6000 || (!enough() && Date.now() < started + 60_000);
  const worker = async () => {
    while (running()) {
      const r = Math.random();
      try {
        if (r < 0.15 && done.length) {  // a whole call again
          const call = pick(done);
          sameOutcome(await transfers(pool, call.items), call.results, 'whole call repeated');
          tally.wholeRepeats++;
        } else if (r < 0.3 && done.length) {  // one item again, by transfer()
          const call = pick(done);
          const i = Math.floor(Math.random() * call.items.length);
          const it = call.items[i]!;
          sameOutcome([await transfer(pool, it.requestId, it.from, it.to, it.amount)], [call.results[i]!], 'item repeated');
          tally.itemRepeats++;
        } else if (r < 0.4) {
          await transfer(pool, `s-${++seq}`, pick(ids), pick(ids), cents());
          tally.singles++;
        } else {  // a new call of 1 to 60 items in random order, sometimes sent twice at once
          const items = Array.from({ length: 1 + Math.floor(Math.random() * 60) }, () =>
            ({ requestId: `m-${++seq}`, from: pick(ids), to: pick(ids), amount: cents() }));
          if (r < 0.5) {
            const [x, y] = await Promise.all([transfers(pool, items), transfers(pool, items)]);
            const [first, second] = x[0]!.replayed ? [y, x] : [x, y];
            if (first.some((o) => o.replayed)) unexpected.push('raced calls: the first has a replayed item');
            sameOutcome(second, first, 'raced call');
            done.push({ items, results: first });
            tally.raced++;
          } else {
            const results = await transfers(pool, items);
            if (results.some((o) => o.replayed)) unexpected.push('a new call has a replayed item');
            done.push({ items, results });
          }
          tally.calls++;
          tally.items += items.length;
        }
      } catch (err) {
        unexpected.push(`${(err as { code?: string }).code}: ${(err as Error).message}`);
      }
    }
  };
  const reader = async () => {
    while (running()) {
      const t = await total();
      if (t !== expected) unexpected.push(`total ${t} <> ${expected}`);
    }
  };
  await Promise.all([reader(), ...Array.from({ length: 12 }, worker)]);
  assert.equal(unexpected.slice(0, 5), [], 'no deadlock or other error; every repeat returned the first outcome; the total never changed');
  assert.is(await total(), expected);
  assert.equal(await verifyBalances(db.sql), []);
  assert.equal([...await db.sql`select * from pgbank_private.verify_monthly_totals()`], []);
  const [rows] = await db.sql`select count(*)::int as requests, count(distinct r.transaction_ids[1])::int as attempts,
    (select count(*)::int from pgbank.transactions t where t.id = any(array_agg(r.transaction_ids[1]))) as rows
    from pgbank.requests r where r.request_id like 'm-%'`;
  assert.equal([rows!.attempts, rows!.rows], [rows!.requests, rows!.requests], 'one ledger row per request');
  assert.ok(enough(), JSON.stringify(tally));
});

test('post, void and expiry racing on one hold: exactly one wins', async () => {
  const [a, b] = await accounts(2);
  for (let round = 0; round < 10; round++) {
    const h = await hold(pool, `race-${round}`, a!, b!, '1.00', '1 hour');
    if (round % 2) await db.sql`update pgbank.holds set expires_at = now() + interval '300 milliseconds' where id = ${h.holdId!}`;
    const outcomes = await Promise.allSettled([
      postHold(pool, h.holdId!), voidHold(pool, h.holdId!), postHold(pool, h.holdId!, '0.50'),
      pool`call pgbank_private.expire_holds()`,
    ]);
    const won = outcomes.slice(0, 3).filter((o) => o.status === 'fulfilled');
    const lost = outcomes.slice(0, 3).filter((o) => o.status === 'rejected');
    for (const o of lost) assert.is((o as PromiseRejectedResult).reason.code, 'PB002');
    const [state] = await db.sql`select status from pgbank.holds where id = ${h.holdId!}`;
    // One call ended it (posted/voided), or its deadline did (then a late post/void reports 'expired').
    assert.ok(['posted', 'voided', 'expired'].includes(state!.status), `round ${round}: ${state!.status}`);
    if (state!.status !== 'expired') assert.is(won.length, 1, `round ${round}: ${won.length} winners`);
  }
  await db.sql`update pgbank.holds set expires_at = now() - interval '1 second' where status = 'held'`;
  await db.sql`call pgbank_private.expire_holds()`;
  const [left] = await db.sql`select count(*)::int as n from pgbank.holds where status = 'held'`;
  assert.is(left!.n, 0);
  assert.equal(await verifyBalances(db.sql), []);
});

test.run();
