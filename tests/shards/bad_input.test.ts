// Bad input and unknown accounts through the router give what a single node gives: the same
// SQLSTATE, the single node's message inside the router's (PL/Proxy prefixes the function and the
// shard), the same business outcomes; metadata, history, account status and reversals as on one
// node. Then the documented differences, and least privilege.
import { randomUUID } from 'node:crypto';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { accountStatusChanges, history, reverse, setAccountStatus, topUp, transfer, type HistoryEntry } from '../../src/api.ts';
import { connect, type Sql } from '../../src/db.ts';
import { Deliverer } from '../../scripts/shards/deliver.ts';
import { testDatabase, type TestDatabase } from '../helpers/db.ts';
import { formationProblems, testShards, type TestShards } from '../helpers/shards.ts';

let single: TestDatabase;
let t: TestShards;
let one: Sql;      // the single node, as pgbank_app
let router: Sql;   // the router, as pgbank_app
test.before(async () => {
  // Both at once; when one fails, the other is still dropped by test.after.
  const [s, f] = await Promise.allSettled([testDatabase('shards_bad_single'), testShards('shards_bad', 2)]);
  if (s.status === 'fulfilled') single = s.value;
  if (f.status === 'fulfilled') t = f.value;
  for (const r of [s, f]) if (r.status === 'rejected') throw r.reason;
  one = connect({ ...single.settings, user: 'pgbank_app', max: 1, name: 'pgbank-test-shards-bad' });
  router = connect({ host: t.router.host, port: t.router.port, database: t.router.database, user: 'pgbank_app', max: 1, name: 'pgbank-test-shards-bad' });
});
test.after(async () => {
  await Promise.all([one?.end(), router?.end()]);
  await Promise.all([single?.drop(), t?.down()]);
});

const WORLD = '00000000-0000-0000-0000-000000000000';
type Outcome = { code: string; message: string } | { rows: unknown[] };

async function call(sql: Sql, text: string, params: unknown[]): Promise<Outcome> {
  try {
    const rows = await sql.unsafe(text, params as never[]);
    // What may differ between databases: ids, times, versions drawn by each.
    return { rows: rows.map((r) => Object.fromEntries(Object.entries(r).filter(([k]) =>
      !['transaction_id', 'ts', 'hold_id', 'created_at', 'modified_at', 'expires_at', 'response_time_seconds', 'version'].includes(k)))) };
  } catch (err) {
    const e = err as { code?: string; message: string };
    return { code: e.code ?? 'no code', message: e.message };
  }
}

/** Accounts on chosen shards of the router (its hash), also made on the single node. */
async function accountOn(shard: number, name: string, money = '100.00'): Promise<string> {
  const admin = t.routerPool(1);
  for (;;) {
    const id = randomUUID();
    const [r] = await admin<{ s: number }[]>`select pgbank_router.route(${id}::uuid) & 1 as s`;
    if (r!.s !== shard) continue;
    for (const sql of [one, router]) {
      await sql`select pgbank.create_account(${name}, 0, ${id}::uuid)`;
      await sql`select pgbank.top_up('open', ${id}::uuid, ${money}::numeric)`;
    }
    return id;
  }
}

test('bad input and unknown accounts: the same SQLSTATE (and message) as one node', async () => {
  const a = await accountOn(0, 'A');
  const b = await accountOn(0, 'B');
  const c = await accountOn(1, 'C');
  let u = randomUUID();  // unknown, on A's shard (so known at once to be unknown)
  while ((await t.routerPool(1)<{ s: number }[]>`select pgbank_router.route(${u}::uuid) & 1 as s`)[0]!.s !== 0) u = randomUUID();
  const cases: [string, unknown[]][] = [
    ['select * from pgbank.get_account($1::uuid)', [null]],
    ['select * from pgbank.get_account($1::uuid)', ['not-a-uuid']],
    ['select * from pgbank.get_account($1::uuid)', [u]],
    ['select * from pgbank.create_account($1)', [null]],
    ['select * from pgbank.create_account($1)', ['   ']],
    ['select * from pgbank.create_account($1, $2::numeric)', ['x', '1']],
    ['select * from pgbank.create_account($1, 0, $2::uuid)', ['x', a]],
    ['select * from pgbank.create_account($1, 0, $2::uuid)', ['x', WORLD]],
    ['select * from pgbank.create_account($1, 0, $2::uuid, $3)', ['x', randomUUID(), 'XXX']],
    ['select * from pgbank.create_account($1, 0, $2::uuid, $3)', ['x', randomUUID(), 'usd']],
    ['select * from pgbank.create_account($1, 0, $2::uuid, $3)', ['USD, said', randomUUID(), 'USD']],
    ['select * from pgbank.get_account($1::uuid)', [a]],
    ['select * from pgbank.top_up($1, $2::uuid, $3::numeric)', ['r1', a, '0']],
    ['select * from pgbank.top_up($1, $2::uuid, $3::numeric)', ['r1', a, '-1']],
    ['select * from pgbank.top_up($1, $2::uuid, $3::numeric)', ['r1', a, 'NaN']],
    ['select * from pgbank.top_up($1, $2::uuid, $3::numeric)', ['r1', a, '1.001']],
    ['select * from pgbank.top_up($1, $2::uuid, $3::numeric)', ['r1', a, null]],
    ['select * from pgbank.top_up($1, $2::uuid, $3::numeric)', ['', a, '1']],
    ['select * from pgbank.top_up($1, $2::uuid, $3::numeric)', ['r1', WORLD, '1']],
    ['select * from pgbank.top_up($1, $2::uuid, $3::numeric)', ['r1', u, '1']],
    // on one shard
    ['select * from pgbank.transfer($1, $2::uuid, $3::uuid, $4::numeric)', ['t1', null, b, '1']],
    ['select * from pgbank.transfer($1, $2::uuid, $3::uuid, $4::numeric)', ['t1', a, b, '0']],
    ['select * from pgbank.transfer($1, $2::uuid, $3::uuid, $4::numeric)', ['t1', WORLD, b, '1']],
    ['select * from pgbank.transfer($1, $2::uuid, $3::uuid, $4::numeric)', ['t1', a, a, '1']],
    ['select * from pgbank.transfer($1, $2::uuid, $3::uuid, $4::numeric)', ['t2', a, u, '1']],
    ['select * from pgbank.transfer($1, $2::uuid, $3::uuid, $4::numeric)', ['t3', u, b, '1']],
    ['select * from pgbank.transfer($1, $2::uuid, $3::uuid, $4::numeric)', ['t4', a, b, '1000000']],
    ['select * from pgbank.transfer($1, $2::uuid, $3::uuid, $4::numeric)', ['t5', a, b, '1']],
    ['select * from pgbank.transfer($1, $2::uuid, $3::uuid, $4::numeric)', ['t5', a, b, '2']],
    // across shards: checked the same way before anything moves
    ['select * from pgbank.transfer($1, $2::uuid, $3::uuid, $4::numeric)', [null, a, c, '1']],
    ['select * from pgbank.transfer($1, $2::uuid, $3::uuid, $4::numeric)', ['x'.repeat(201), a, c, '1']],
    ['select * from pgbank.transfer($1, $2::uuid, $3::uuid, $4::numeric)', ['t6', a, c, '0']],
    ['select * from pgbank.transfer($1, $2::uuid, $3::uuid, $4::numeric)', ['t6', a, c, '1e40']],
    ['select * from pgbank.transfer($1, $2::uuid, $3::uuid, $4::numeric)', ['t6', a, c, null]],
    ['select * from pgbank.transfer($1, $2::uuid, $3::uuid, $4::numeric)', ['t6', null, c, '1']],
    ['select * from pgbank.transfer($1, $2::uuid, $3::uuid, $4::numeric)', ['t6', WORLD, c, '1']],
    ['select * from pgbank.transfer($1, $2::uuid, $3::uuid, $4::numeric)', ['t7', u, c, '1']],
    ['select * from pgbank.transfer($1, $2::uuid, $3::uuid, $4::numeric)', ['t8', a, c, '1000000']],
    ['select * from pgbank.sum_amount($1::uuid, $2::timestamp, $3::timestamp, $4)', [a, '2024-01-01', '2025-01-01', 'sideways']],
    ['select * from pgbank.sum_amount($1::uuid, $2::timestamp, $3::timestamp, $4)', [a, '2025-01-01', '2024-01-01', 'sender']],
    ['select * from pgbank.sum_amount($1::uuid, $2::timestamp, $3::timestamp, $4)', [a, 'yesterday-ish', '2024-01-01', 'sender']],
    ['select * from pgbank.sum_amount($1::uuid, $2::timestamp, $3::timestamp, $4)', [u, '2024-01-01', '2025-01-01', 'sender']],
    ['select * from pgbank.sum_amount($1::uuid, $2::timestamp, $3::timestamp, $4)', [WORLD, '2024-01-01', '2025-01-01', 'sender']],
    ['select * from pgbank.sum_amount($1::uuid, $2::timestamp, $3::timestamp, $4)', [null, '2024-01-01', '2025-01-01', 'sender']],
    ['select * from pgbank.balance_at($1::uuid, now())', [u]],
    ['select * from pgbank.balance_at($1::uuid, now())', [WORLD]],
    ['select * from pgbank.balance_at($1::uuid, $2::timestamptz)', [a, null]],
    ['select * from pgbank.hold($1, $2::uuid, $3::uuid, $4::numeric, $5::interval)', ['h1', a, b, '1', '-1 day']],
    ['select * from pgbank.hold($1, $2::uuid, $3::uuid, $4::numeric, $5::interval)', ['h1', a, b, '1', null]],
    ['select * from pgbank.hold($1, $2::uuid, $3::uuid, $4::numeric, $5::interval)', ['h1', a, b, '1000000', '1 day']],
    ['select * from pgbank.post_hold($1::uuid)', [randomUUID()]],
    ['select * from pgbank.post_hold($1::uuid)', [null]],
    ['select * from pgbank.void_hold($1::uuid)', [randomUUID()]],
    ['select * from pgbank.void_hold($1::uuid)', [null]],
    ['select * from pgbank.transfer_batch($1, $2::uuid[], $3::uuid[], $4::numeric[])', ['b1', [a], [b, b], ['1']]],
    ['select * from pgbank.transfer_batch($1, $2::uuid[], $3::uuid[], $4::numeric[])', ['b1', null, [b], ['1']]],
    ['select * from pgbank.transfer_batch($1, $2::uuid[], $3::uuid[], $4::numeric[])', ['b1', [a], [b], ['-1']]],
    ['select * from pgbank.transfer_batch($1, $2::uuid[], $3::uuid[], $4::numeric[], $5::jsonb)', ['b1', [a], [b], ['1'], '[1]']],
    ['select * from pgbank.transfer_batch($1, $2::uuid[], $3::uuid[], $4::numeric[], $5::jsonb)', ['b2', [a, b], [b, a], ['1', '1'], '{"batch": 2}']],
    ['select * from pgbank.transfers($1::text[], $2::uuid[], $3::uuid[], $4::numeric[])', [null, [a], [b], ['1']]],
    ['select * from pgbank.transfers($1::text[], $2::uuid[], $3::uuid[], $4::numeric[])', [['x1'], [a], [b], ['1', '2']]],
    ['select * from pgbank.transfers($1::text[], $2::uuid[], $3::uuid[], $4::numeric[])', [['x1'], [WORLD], [b], ['1']]],
    // metadata: checked on the payer's shard, whether the payee is there or not
    ['select * from pgbank.top_up($1, $2::uuid, $3::numeric, $4::jsonb)', ['m1', a, '1', '[1]']],
    ['select * from pgbank.top_up($1, $2::uuid, $3::numeric, $4::jsonb)', ['m1', a, '1', JSON.stringify({ x: 'y'.repeat(5000) })]],
    ['select * from pgbank.transfer($1, $2::uuid, $3::uuid, $4::numeric, $5::jsonb)', ['m2', a, b, '1', '"text"']],
    ['select * from pgbank.transfer($1, $2::uuid, $3::uuid, $4::numeric, $5::jsonb)', ['m2', a, c, '1', '"text"']],
    ['select * from pgbank.transfer($1, $2::uuid, $3::uuid, $4::numeric, $5::jsonb)', ['m2', a, c, '1', JSON.stringify({ x: 'y'.repeat(5000) })]],
    ['select * from pgbank.hold($1, $2::uuid, $3::uuid, $4::numeric, $5::interval, $6::jsonb)', ['m3', a, b, '1', '1 day', '[]']],
    // history, account status, reversals
    ['select * from pgbank.history($1::uuid)', [null]],
    ['select * from pgbank.history($1::uuid)', [u]],
    ['select * from pgbank.history($1::uuid)', [WORLD]],
    ['select * from pgbank.history($1::uuid, page_size => 0)', [a]],
    ['select * from pgbank.history($1::uuid, direction => $2)', [a, 'up']],
    ['select * from pgbank.history($1::uuid, status => $2)', [a, 'lost']],
    ['select * from pgbank.history($1::uuid, from_ts => $2, to_ts => $3)', [a, '2025-01-02', '2025-01-01']],
    ['select * from pgbank.history($1::uuid, metadata => $2::jsonb)', [a, '[1]']],
    ['select * from pgbank.history($1::uuid, after => $2)', [a, 'not a cursor']],
    ['select * from pgbank.set_account_status($1::uuid, $2, $3, $4)', [a, 'asleep', 'r', 'ops']],
    ['select * from pgbank.set_account_status($1::uuid, $2, $3, $4)', [null, 'frozen', 'r', 'ops']],
    ['select * from pgbank.set_account_status($1::uuid, $2, $3, $4)', [u, 'frozen', 'r', 'ops']],
    ['select * from pgbank.set_account_status($1::uuid, $2, $3, $4)', [WORLD, 'frozen', 'r', 'ops']],
    ['select * from pgbank.set_account_status($1::uuid, $2, $3, $4)', [a, 'frozen', ' ', 'ops']],
    ['select * from pgbank.set_account_status($1::uuid, $2, $3, $4, true)', [a, 'open', 'r', 'ops']],
    ['select * from pgbank.set_account_status($1::uuid, $2, $3, $4)', [a, 'closed', 'r', 'ops']],
    ['select * from pgbank.account_status_changes($1::uuid)', [u]],
    ['select * from pgbank.account_status_changes($1::uuid)', [null]],
    ['select * from pgbank.reverse($1, $2::bigint)', ['', 1]],
    ['select * from pgbank.reverse($1, $2::bigint)', ['r1', null]],
    ['select * from pgbank.reverse($1, $2::bigint, $3::numeric)', ['r1', 1, '0']],
    ['select * from pgbank.reverse($1, $2::bigint, $3::numeric, $4::jsonb)', ['r1', 1, null, '7']],
    ['select * from pgbank.reverse($1, $2::bigint)', ['r1', 1e15]],
    ['select * from pgbank.verify_balances()', []],
  ];
  const differences: string[] = [];
  let errors = 0;
  for (const [text, params] of cases) {
    const [s, r] = [await call(one, text, params), await call(router, text, params)];
    const what = `${text.replace(/select \* from pgbank\.(\w+).*/, '$1')}(${params.map((p) => JSON.stringify(p)?.slice(0, 40)).join(', ')})`;
    if ('code' in s) {
      errors++;
      if (!('code' in r) || r.code !== s.code || !r.message.includes(s.message)) {
        differences.push(`${what}: one node ${s.code} ${s.message} | router ${JSON.stringify(r)}`);
      }
    } else if (JSON.stringify(s) !== JSON.stringify(r)) {
      differences.push(`${what}: one node ${JSON.stringify(s)} | router ${JSON.stringify(r)}`);
    }
  }
  assert.equal(differences, [], differences.join('\n'));
  assert.ok(errors >= 73, `${errors} of ${cases.length} cases are errors`);
  // One hold, then posting too much and twice; the router finds it on its shard.
  const ids = [];
  for (const sql of [one, router]) {
    const [h] = await sql<{ hold_id: string }[]>`select hold_id from pgbank.hold('h9', ${a}::uuid, ${b}::uuid, 5, '1 day')`;
    ids.push(h!.hold_id);
  }
  for (const text of ['select * from pgbank.post_hold($1::uuid, 6)', 'select * from pgbank.post_hold($1::uuid, 2)', 'select * from pgbank.void_hold($1::uuid)']) {
    const [s, r] = [await call(one, text, [ids[0]]), await call(router, text, [ids[1]])];
    assert.is('code' in r ? r.code : 'ok', 'code' in s ? s.code : 'ok', `${text}: ${JSON.stringify(r)}`);
  }
});

/** What history() shows the same on one node and through the router (ids, times and cursors are each database's). */
const shown = (rows: HistoryEntry[]) => rows.map((r) => ({ direction: r.direction, counterparty: r.counterparty, amount: r.amount, status: r.status,
  reason: r.reason, balanceAfter: r.balanceAfter, metadata: r.metadata, reversed: r.reverses !== null, reversedBy: r.reversedBy?.length ?? 0 }));

test('metadata, history, account status and reversals through the router, as on one node', async () => {
  const a = await accountOn(0, 'Ann');
  const b = await accountOn(0, 'Ben');
  const c = await accountOn(1, 'Cy');
  const deliverer = new Deliverer(t.shards, { connections: 1 });
  try {
    const same = { order: 'S-1', tags: ['same shard'] };
    const cross = { order: 'X-1', tags: ['across'] };
    const tx: Record<string, string[]> = { one: [], router: [] };
    for (const [name, sql] of [['one', one], ['router', router]] as const) {
      await topUp(sql, 'm-top', a, '10.00', { source: 'card' });
      tx[name]!.push((await transfer(sql, 'm-same', a, b, '3.00', same)).transactionId);
      tx[name]!.push((await transfer(sql, 'm-cross', a, c, '4.00', cross)).transactionId);
      await sql`select * from pgbank.hold('m-hold', ${a}::uuid, ${b}::uuid, 1, '1 day', ${sql.json({ hold: 1 })}::jsonb)`;
      await sql`select * from pgbank.transfer_batch('m-batch', ${[b]}::uuid[], ${[a]}::uuid[], ${['0.50']}::numeric[], ${sql.json({ batch: 1 })}::jsonb)`;
    }
    await deliverer.drain(30_000);
    // Every row with its metadata, the payee on the other shard named (not the clearing account), the same balances.
    for (const id of [a, b, c]) {
      const [s, r] = [shown(await history(one, id)), shown(await history(router, id))];
      assert.equal(r, s, `history of ${id}`);
    }
    const [credit] = await history(router, c, { metadata: { order: 'X-1' } });
    assert.equal([credit?.direction, credit?.counterparty, credit?.metadata], ['received', a, cross], 'the payee\'s credit carries the metadata');
    const [paid] = await history(router, a, { metadata: { order: 'X-1' } });
    assert.equal([paid?.direction, paid?.counterparty, paid?.metadata], ['sent', c, cross], 'the payer\'s row too');
    const [batched] = await history(router, a, { metadata: { batch: 1 } });
    assert.equal([batched?.direction, batched?.counterparty, batched?.amount], ['received', b, '0.50'], 'a batch\'s metadata through the router');
    const [outbox] = await t.shard(0)<{ metadata: unknown }[]>`select metadata from pgbank.shard_outbox where request_id = 'm-cross'`;
    assert.equal(outbox?.metadata, cross);

    // Reversals: of a transfer on one shard as on one node (links both ways); of either side of a transfer between shards, 0A000.
    for (const [name, sql] of [['one', one], ['router', router]] as const) {
      const part = await reverse(sql, 'm-rev', tx[name]![0]!, '1.00', { why: 'partial refund' });
      assert.equal([part.status, part.fromAccount, part.toAccount, part.amount, part.reverses, part.replayed],
        ['success', b, a, '1.00', tx[name]![0], false], `${name}: reverse`);
      assert.ok((await reverse(sql, 'm-rev', tx[name]![0]!, '1.00', { why: 'partial refund' })).replayed, `${name}: repeat`);
      const rest = await reverse(sql, 'm-rev-2', tx[name]![0]!);
      assert.equal([rest.status, rest.amount], ['success', '2.00'], `${name}: the rest`);
      const over = await reverse(sql, 'm-rev-3', tx[name]![0]!);
      assert.equal([over.status, over.reason], ['failed', 'already_reversed'], `${name}: nothing left`);
    }
    for (const id of [a, b]) assert.equal(shown(await history(router, id)), shown(await history(one, id)), `history of ${id} after the reversals`);
    const payerSide = await call(router, 'select * from pgbank.reverse($1, $2::bigint)', ['m-rev-x', tx.router![1]]);
    assert.is('code' in payerSide && payerSide.code, '0A000', JSON.stringify(payerSide));
    const [creditRow] = await history(router, c, { metadata: { order: 'X-1' } });
    const payeeSide = await call(router, 'select * from pgbank.reverse($1, $2::bigint)', ['m-rev-x', creditRow!.transactionId]);
    assert.is('code' in payeeSide && payeeSide.code, '0A000', JSON.stringify(payeeSide));
    // Each shard numbers its ledger rows in its own range, so an id names one row of the formation.
    assert.ok(BigInt(creditRow!.transactionId) >= 2n ** 52n, `shard 1's ids start at 2^52: ${creditRow!.transactionId}`);

    // Account status: recorded on the account's shard; a frozen payer is refused across shards too (it was not: the payer leg did not look).
    for (const sql of [one, router]) {
      const frozen = await setAccountStatus(sql, a, 'frozen', 'fraud check', 'ops:test');
      assert.equal([frozen.status, frozen.creditsFrozen], ['frozen', false]);
      for (const [requestId, to] of [['m-frozen-same', b], ['m-frozen-cross', c]] as const) {
        const r = await transfer(sql, requestId, a, to, '1.00');
        assert.equal([r.status, r.reason], ['failed', 'account_frozen'], `${requestId}`);
      }
      await setAccountStatus(sql, a, 'open', 'cleared', 'ops:test');
      await setAccountStatus(sql, c, 'frozen', 'no credits', 'ops:test', true);
    }
    const changes = async (sql: Sql, id: string) => (await accountStatusChanges(sql, id)).map((x) => [x.fromStatus, x.toStatus, x.creditsFrozen, x.changedBy, x.reason, x.dbUser]);
    for (const id of [a, c]) assert.equal(await changes(router, id), await changes(one, id), `status changes of ${id}`);
    // A payee on another shard refusing credits: found at delivery, the money comes back (documented).
    const refused = await transfer(router, 'm-to-frozen', a, c, '2.00', { order: 'X-2' });
    assert.is(refused.status, 'in_transit');
    await deliverer.drain(30_000);
    const again = await transfer(router, 'm-to-frozen', a, c, '2.00', { order: 'X-2' });
    assert.equal([again.status, again.reason], ['returned', 'account_frozen']);
    const [back] = await history(router, a, { metadata: { order: 'X-2' }, direction: 'received' });
    assert.equal([back?.counterparty, back?.amount, back?.metadata], [c, '2.00', { order: 'X-2' }], 'the return names the payee and carries the metadata');
    const [single] = await one`select status, reason from pgbank.transfer('m-to-frozen', ${a}::uuid, ${c}::uuid, 2)`;
    assert.equal([single?.status, single?.reason], ['failed', 'account_frozen'], 'one node refuses at once');
    // An id that two shards hold (as shards configured before their ranges may): refused, naming them, nothing reversed.
    const topped = await topUp(router, 'm-dup', a, '1.00');
    await t.shard(1)`insert into pgbank.transactions (id, ts, sender, receiver, amount, status)
                      values (${topped.transactionId}::bigint, now(), ${WORLD}::uuid, ${c}::uuid, 1, 'success')`;
    await t.shard(1)`update pgbank.shard_config set older_ids_up_to = ${topped.transactionId}::bigint`;
    const dup = await call(router, 'select * from pgbank.reverse($1, $2::bigint)', ['m-dup-rev', topped.transactionId]);
    assert.ok('code' in dup && dup.code === '55000' && dup.message.includes('shards 0, 1'), JSON.stringify(dup));
    const problems = await formationProblems(t, null);
    assert.equal(problems, [], problems.join('\n'));
  } finally {
    await deliverer.stop();
  }
});

test('the documented differences: in transit, holds and batches across shards, clearing accounts', async () => {
  const a = await accountOn(0, 'A2');
  const c = await accountOn(1, 'C2');
  const r = await call(router, 'select status, reason, replayed from pgbank.transfer($1, $2::uuid, $3::uuid, 1)', ['d1', a, c]);
  assert.equal(r, { rows: [{ status: 'in_transit', reason: null, replayed: false }] });
  // an unknown payee on another shard is known only there: in transit, then returned
  let u = randomUUID();
  while ((await t.routerPool(1)<{ s: number }[]>`select pgbank_router.route(${u}::uuid) & 1 as s`)[0]!.s !== 1) u = randomUUID();
  assert.equal(await call(router, 'select status from pgbank.transfer($1, $2::uuid, $3::uuid, 1)', ['d2', a, u]), { rows: [{ status: 'in_transit' }] });
  const hold = await call(router, `select * from pgbank.hold('d3', $1::uuid, $2::uuid, 1, '1 day')`, [a, c]);
  assert.is('code' in hold && hold.code, '0A000', JSON.stringify(hold));
  assert.ok('code' in hold && hold.message.includes(a) && hold.message.includes(c), 'names both accounts');
  const batch = await call(router, 'select * from pgbank.transfer_batch($1, $2::uuid[], $3::uuid[], $4::numeric[])', ['d4', [a, a], [a, c], ['1', '1']]);
  assert.is('code' in batch && batch.code, '0A000', JSON.stringify(batch));
  const many = await call(router, 'select * from pgbank.transfers($1::text[], $2::uuid[], $3::uuid[], $4::numeric[])', [['d5'], [a], [c], ['1']]);
  assert.is('code' in many && many.code, '0A000', JSON.stringify(many));
  const clearing = await call(router, 'select * from pgbank.transfer($1, $2::uuid, $3::uuid, 1)', ['d6', a, 'ffffffff-ffff-ffff-ffff-000000000001']);
  assert.is('code' in clearing && clearing.code, '22023', JSON.stringify(clearing));
  // A clearing account's status is not the caller's (one node refuses the world account's, 22023):
  // frozen or closed, it would stop every delivery between its two shards. Shard 0's account for
  // shard 1 routes to shard 0 (and shard 1's for 0 to 1): the call reaches the very account.
  for (const [shard, id] of [[0, 'ffffffff-ffff-ffff-ffff-000000000001'], [1, 'ffffffff-ffff-ffff-ffff-000000000000']] as const) {
    const [routed] = await t.routerPool(1)<{ s: number }[]>`select pgbank_router.route(${id}::uuid) & 1 as s`;
    assert.is(routed!.s, shard, `${id} routes to the shard that holds it`);
    for (const [status, frozen] of [['frozen', false], ['frozen', true], ['closed', false], ['open', false]] as const) {
      const r = await call(router, 'select * from pgbank.set_account_status($1::uuid, $2, $3, $4, $5)', [id, status, 'ops test', 'ops', frozen]);
      assert.ok('code' in r && r.code === '22023' && r.message.includes(id) && r.message.includes('clearing account'), `${status}: ${JSON.stringify(r)}`);
    }
    const [kept] = await t.shard(shard)<{ status: string; credits_frozen: boolean }[]>`select status, credits_frozen from pgbank.users where id = ${id}::uuid`;
    assert.equal([kept?.status, kept?.credits_frozen], ['open', false], `${id} stays open`);
    const [changes] = await t.shard(shard)<{ n: number }[]>`select count(*)::int as n from pgbank.account_status_changes where account = ${id}::uuid`;
    assert.is(changes!.n, 0, 'nothing recorded');
    assert.equal(await call(router, 'select count(*)::int as n from pgbank.account_status_changes($1::uuid)', [id]), { rows: [{ n: 0 }] });
    // and no account can take a clearing account's id (or one of its range), made or not
    const made = await call(router, 'select * from pgbank.create_account($1, 0, $2::uuid)', ['impostor', id]);
    assert.ok('code' in made && made.code === '22023' && made.message.includes(id), JSON.stringify(made));
  }
  const spare = await call(router, 'select * from pgbank.create_account($1, 0, $2::uuid)', ['impostor', 'ffffffff-ffff-ffff-ffff-0000000000aa']);
  assert.ok('code' in spare && spare.code === '22023', JSON.stringify(spare));
  // An account in a currency the clearing accounts do not carry could not pay or be paid across shards: refused, nothing made.
  const yen = randomUUID();
  const jpy = await call(router, 'select * from pgbank.create_account($1, 0, $2::uuid, $3)', ['Yen', yen, 'JPY']);
  assert.ok('code' in jpy && jpy.code === '0A000' && jpy.message.includes("'JPY'") && jpy.message.includes('USD'), JSON.stringify(jpy));
  const none = await call(router, 'select * from pgbank.get_account($1::uuid)', [yen]);
  assert.is('code' in none && none.code, 'P0002', JSON.stringify(none));
  const usd = await call(router, "select currency, minor_units from pgbank.create_account('Dollar', 0, null, 'USD')", []);
  assert.equal(usd, { rows: [{ currency: 'USD', minor_units: 2 }] });
  const inTransit = await call(router, 'select request_id, from_shard, to_shard, amount::text from pgbank.money_in_transit() order by 1', []);
  assert.equal(inTransit, { rows: [{ request_id: 'd1', from_shard: 0, to_shard: 1, amount: '1.00' }, { request_id: 'd2', from_shard: 0, to_shard: 1, amount: '1.00' }] });
});

test('the router has the single node\'s API: every function, its signature and result; the result types column for column', async () => {
  // Not the volatility: PL/Proxy functions must be volatile (the single node's reads are stable).
  const functions = (sql: Sql) => sql<{ name: string; shape: string }[]>`
    select p.proname as name,
           format('%s(%s) -> %s', p.proname, pg_get_function_arguments(p.oid), pg_get_function_result(p.oid)) as shape
      from pg_proc p where p.pronamespace = 'pgbank'::regnamespace and has_function_privilege('pgbank_app', p.oid, 'execute')
     order by 2`;
  const types = (sql: Sql) => sql<{ shape: string }[]>`
    select format('%s.%s %s', c.relname, a.attname, format_type(a.atttypid, a.atttypmod)) as shape
      from pg_class c join pg_attribute a on a.attrelid = c.oid
     where c.relnamespace = 'pgbank'::regnamespace and c.relkind = 'c' and a.attnum > 0 and not a.attisdropped
       and c.relname in ('account', 'transfer_result', 'hold_result', 'reverse_result', 'history_entry')
     order by c.relname, a.attnum`;
  const admin = connect({ ...single.settings, max: 1, name: 'pgbank-test-shards-bad' });
  try {
    // Not on the router, by design (docs/scaling.md): what the router calls on a shard, the bridge's
    // functions (it writes to a pgbank database of its own), a database's own change-event slots.
    const routerOnly = (name: string) => name.startsWith('shard_') || name.startsWith('provider_') || name === 'event_slots';
    const [oneFns, routerFns] = [(await functions(admin)).filter((f) => !routerOnly(f.name)), await functions(t.routerPool(1))];
    assert.equal(routerFns.map((f) => f.shape), oneFns.map((f) => f.shape));
    assert.ok(routerFns.length >= 18, `${routerFns.length} functions`);
    assert.equal((await types(t.routerPool(1))).map((x) => x.shape), (await types(admin)).map((x) => x.shape));
  } finally {
    await admin.end();
  }
});

test('least privilege on the router: pgbank_app may call the API only', async () => {
  for (const text of ['select pgbank_router.configure(array[$1])', 'select * from pgbank_router.shards()']) {
    const r = await call(router, text, text.includes('$1') ? ['dbname=x'] : []);
    assert.is('code' in r && r.code, '42501', `${text}: ${JSON.stringify(r)}`);
  }
});

test.run();
