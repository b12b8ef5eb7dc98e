// Through the router, 16 clients of random transfers with metadata (most across shards), repeats,
// holds and reversals among 200 accounts on 4 shards, with the delivery worker running: after
// draining, money adds up, nothing is in transit, every acknowledged transfer was credited exactly
// once with its metadata, every audit is empty.
import { randomUUID } from 'node:crypto';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createAccount, getAccount, history, hold, postHold, reverse, sumAmount, topUp, transfer, voidHold } from '../../src/api.ts';
import type { Sql } from '../../src/db.ts';
import { Deliverer } from '../../scripts/shards/deliver.ts';
import { cents, formationProblems, money, testShards, type TestShards } from '../helpers/shards.ts';

const SHARDS = 4;
const ACCOUNTS = 200;
const CLIENTS = 16;
const OPS = 50;  // per client
// Every router connection holds one PL/Proxy connection per shard it called: 12 router connections
// for the 16 clients keep the peak at ~12 + 48 + 4 (delivery) of the shared server's 100.
const ROUTER_CONNECTIONS = 12;

let t: TestShards;
let router: Sql;
let deliverer: Deliverer;
test.before(async () => {
  phase('start');
  t = await testShards('shards_inv', SHARDS);
  router = t.routerPool(ROUTER_CONNECTIONS);
  deliverer = new Deliverer(t.shards, { connections: 1 });
  deliverer.start();
  phase('formation');
});
test.after(async () => {
  await deliverer?.stop();
  await t?.down();
});

const pick = <T>(xs: T[]): T => xs[Math.floor(Math.random() * xs.length)]!;
const amount = (max = 5000) => money(BigInt(1 + Math.floor(Math.random() * max)));

const t0 = performance.now();
const phase = (what: string) => console.log(`${what}: ${((performance.now() - t0) / 1000).toFixed(1)} s`);

test('16 clients over 4 shards: money adds up, nothing in transit, each acknowledged transfer credited once, audits empty', async () => {
  const ids: string[] = [];
  for (let i = 0; i < ACCOUNTS; i += CLIENTS) {
    ids.push(...await Promise.all(Array.from({ length: Math.min(CLIENTS, ACCOUNTS - i) }, async (_, k) => {
      const a = await createAccount(router, `Acct ${i + k}`);
      await topUp(router, `open-${a.id}`, a.id, '1000.00');
      return a.id;
    })));
  }
  phase('accounts');
  const shardOf = new Map((await router<{ id: string; shard: number }[]>`
    select id::text, pgbank_router.route(id) & ${SHARDS - 1} as shard from unnest(${ids}::uuid[]) id`).map((r) => [r.id, r.shard]));
  const byShard = Array.from({ length: SHARDS }, (_, s) => ids.filter((id) => shardOf.get(id) === s));
  assert.ok(byShard.every((xs) => xs.length > 20), `accounts per shard: ${byShard.map((xs) => xs.length)}`);

  const delta = new Map<string, bigint>(ids.map((id) => [id, 0n]));
  const received = new Map<string, bigint>(ids.map((id) => [id, 0n]));
  const move = (from: string, to: string, amt: string) => {
    delta.set(from, delta.get(from)! - cents(amt));
    delta.set(to, delta.get(to)! + cents(amt));
    received.set(to, received.get(to)! + cents(amt));
  };
  const inTransit: { requestId: string; from: string; to: string; amount: string; unknownPayee: boolean }[] = [];
  let cross = 0, same = 0, failed = 0, holds = 0, repeats = 0, reversals = 0;

  await Promise.all(Array.from({ length: CLIENTS }, async (_, c) => {
    for (let i = 0; i < OPS; i++) {
      const from = pick(ids);
      const r = Math.random();
      if (r < 0.12) {  // a hold between two accounts of one shard, then posted (maybe in part) or voided
        const to = pick(byShard[shardOf.get(from)!]!.filter((x) => x !== from));
        const h = await hold(router, `h-${c}-${i}`, from, to, amount(2000), '1 hour');
        if (h.status !== 'held') continue;
        holds++;
        if (Math.random() < 0.5) await voidHold(router, h.holdId!);
        else {
          const p = await postHold(router, h.holdId!, money(1n + BigInt(Math.floor(Math.random() * Number(cents(h.amount))))));
          move(from, to, p.postedAmount!);
        }
        continue;
      }
      const unknownPayee = r < 0.14;
      const to = unknownPayee ? randomUUID() : pick(ids.filter((x) => x !== from));
      const requestId = `t-${c}-${i}`;
      const amt = amount();
      const res = await transfer(router, requestId, from, to, amt, { client: c, op: i });
      if (Math.random() < 0.1) {  // a client that didn't hear the answer asks again
        const again = await transfer(router, requestId, from, to, amt, { client: c, op: i });
        repeats++;
        assert.ok(again.replayed, `repeat of ${requestId} replayed`);
        assert.is(again.transactionId, res.transactionId, `repeat of ${requestId}: same transaction`);
      }
      if (res.status === 'failed') {
        // (an unknown payee on the payer's own shard is known at once, as on one node)
        assert.ok(res.reason === 'insufficient_funds' || (unknownPayee && res.reason === 'unknown_account'), `${requestId}: ${res.reason}`);
        failed++;
      } else if (res.status === 'in_transit') {
        cross++;
        inTransit.push({ requestId, from, to, amount: amt, unknownPayee });
        if (!unknownPayee) move(from, to, amt);
      } else {
        assert.is(res.status, 'success');
        assert.is(shardOf.get(to), shardOf.get(from), `${requestId}: success at once only on one shard`);
        same++;
        move(from, to, amt);
        if (Math.random() < 0.1) {  // taken back at once, all of it, on the shard that has it
          const back = await reverse(router, `r-${c}-${i}`, res.transactionId, null, { refund: requestId });
          assert.ok(back.status === 'success' || back.reason === 'insufficient_funds', `reversal of ${requestId}: ${back.status} ${back.reason}`);
          if (back.status === 'success') {
            reversals++;
            move(to, from, back.amount);  // a reversal is received too (sum_amount counts it)
          }
        }
      }
    }
  }));
  phase('load');
  assert.ok(cross > same, `most transfers cross shards (${cross} across, ${same} on one)`);

  await deliverer.drain(60_000);
  await router.end();  // and the PL/Proxy connections its sessions held
  router = t.routerPool(2);
  phase('drained');
  const problems = await formationProblems(t, BigInt(ACCOUNTS) * 100000n);
  assert.equal(problems, [], problems.join('\n'));

  // Every acknowledged cross-shard transfer: credited once (or, to an unknown payee, returned).
  const outbox = new Map<string, { status: string; reason: string | null }>();
  for (let i = 0; i < SHARDS; i++) {
    for (const o of await t.shard(i)<{ account: string; request_id: string; status: string; reason: string | null }[]>`
      select account::text, request_id, status, reason from pgbank.shard_outbox`) outbox.set(`${o.account}/${o.request_id}`, o);
  }
  assert.is(outbox.size, inTransit.length, 'one outbox row per acknowledged cross-shard transfer');
  for (const x of inTransit) {
    const o = outbox.get(`${x.from}/${x.requestId}`);
    assert.equal([o?.status, o?.reason], x.unknownPayee ? ['returned', 'unknown_account'] : ['delivered', null], `${x.requestId} after delivery`);
  }
  for (const x of inTransit.slice(0, 20)) {  // and a repeat through the router says so
    const again = await transfer(router, x.requestId, x.from, x.to, x.amount);
    assert.is(again.status, x.unknownPayee ? 'returned' : 'success', `${x.requestId} repeated after delivery`);
  }
  let credited = 0, clearingRows = 0;
  for (let i = 0; i < SHARDS; i++) {
    const [row] = await t.shard(i)<{ credited: number; rows: number }[]>`
      select (select count(*)::int from pgbank.shard_inbox where outcome = 'credited') as credited,
             (select count(*)::int from pgbank.transactions where pgbank_private.is_clearing(sender) and status = 'success') as rows`;
    credited += row!.credited;
    clearingRows += row!.rows;
  }
  const returned = inTransit.filter((x) => x.unknownPayee).length;
  for (const x of inTransit.filter((y) => y.unknownPayee)) received.set(x.from, received.get(x.from)! + cents(x.amount));  // the return is received
  assert.is(credited, inTransit.length - returned, 'one credit per acknowledged transfer');
  assert.is(clearingRows, inTransit.length, 'one ledger row out of a clearing account per transfer (credit or return)');

  // Every balance is what the acknowledgements say; sum_amount of a payee is what was sent to it.
  const balances = new Map<string, string>();
  for (let i = 0; i < SHARDS; i++) {
    for (const u of await t.shard(i)<{ id: string; balance: string }[]>`select id::text, balance::text from pgbank.users`) balances.set(u.id, u.balance);
  }
  for (const id of ids) assert.is(balances.get(id), money(100000n + delta.get(id)!), `balance of ${id}`);
  const a = await getAccount(router, ids[0]!);
  assert.is(a.balance, balances.get(ids[0]!), 'get_account through the router');
  for (const id of ids.slice(0, 20)) {
    const s = await sumAmount(router, id, '2000-01-01', '2100-01-01', 'receiver');
    assert.is(s.sumAmount, money(100000n + received.get(id)!), `sum_amount of ${id} as receiver`);
  }
  phase('checked');
  // The payee's history names the payer and shows the payment's metadata (its credit came from a clearing account).
  const delivered = inTransit.find((x) => !x.unknownPayee)!;
  const [c, i] = delivered.requestId.split('-').slice(1).map(Number);
  const rows = await history(router, delivered.to, { metadata: { client: c, op: i }, direction: 'received' });
  assert.equal(rows.map((r) => [r.counterparty, r.amount]), [[delivered.from, delivered.amount]], `history of the payee of ${delivered.requestId}`);
  console.log(`${cross} across shards (${returned} returned), ${same} on one shard, ${failed} failed, ${holds} holds, ${repeats} repeats, ` +
    `${reversals} reversals; ${deliverer.settled} delivered by the worker`);
});

test.run();
