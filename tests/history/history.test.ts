// history(): an account's rows newest first, page by page (keyset cursor), filtered by window, direction, status and
// metadata, with the balance after each effective row, checked against a model computed here from the raw rows;
// reversal links both ways; bad input.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createAccount, history, reverse, topUp, transfer, verifyBalances, type HistoryEntry, type HistoryOptions } from '../../src/api.ts';
import { sqlstate, testDatabase, type TestDatabase } from '../helpers/db.ts';

let db: TestDatabase;
test.before(async () => { db = await testDatabase('history'); });
test.after(async () => db?.drop());

const WORLD = '00000000-0000-0000-0000-000000000000';
const cents = (x: string) => BigInt(Math.round(Number(x) * 100));
const text = (c: bigint) => `${c < 0n ? '-' : ''}${(c < 0n ? -c : c) / 100n}.${String((c < 0n ? -c : c) % 100n).padStart(2, '0')}`;

// A seeded pseudo-random generator, so a failure can be replayed.
let seed = Number(process.env.HISTORY_SEED ?? 16);
const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;

interface ModelRow { id: string; ts: string; direction: string; counterparty: string; amount: string; status: string;
  balanceAfter: string | null; metadata: unknown; reverses: string | null }

/** Every row of the account, newest first, with the balance after each effective one: from the raw rows, not history(). */
async function model(account: string): Promise<ModelRow[]> {
  const rows = await db.sql<{ id: string; ts: string; sender: string; receiver: string; amount: string; status: string; metadata: unknown; reverses: string | null }[]>`
    select id::text, (ts at time zone 'UTC')::text as ts, sender, receiver, amount::text, status, metadata, reverses::text
      from pgbank.transactions where sender = ${account} or receiver = ${account} order by ts, id`;
  let bal = 0n;
  const out = rows.map((r) => {
    const sent = r.sender === account;
    if (r.status === 'success' && r.sender !== r.receiver) bal += sent ? -cents(r.amount) : cents(r.amount);
    return { id: r.id, ts: r.ts, direction: sent ? 'sent' : 'received', counterparty: sent ? r.receiver : r.sender, amount: r.amount,
      status: r.status, balanceAfter: r.status === 'success' ? text(bal) : null, metadata: r.metadata, reverses: r.reverses };
  });
  return out.reverse();
}

/** Every page of history() with these options, following the cursors; each page at most pageSize rows. */
async function allPages(account: string, o: HistoryOptions): Promise<HistoryEntry[]> {
  const out: HistoryEntry[] = [];
  let after: string | null = null;
  for (let page = 0; page < 1000; page++) {
    const rows = await history(db.sql, account, { ...o, after });
    assert.ok(rows.length <= (o.pageSize ?? 50));
    out.push(...rows);
    if (rows.length < (o.pageSize ?? 50)) return out;
    after = rows.at(-1)!.cursor;
  }
  throw new Error('more than 1000 pages');
}

const comparable = (r: HistoryEntry) => ({ id: r.transactionId, direction: r.direction, counterparty: r.counterparty,
  amount: text(cents(r.amount)), status: r.status, balanceAfter: r.balanceAfter === null ? null : text(cents(r.balanceAfter)),
  metadata: r.metadata, reverses: r.reverses });
const modelComparable = (r: ModelRow) => ({ id: r.id, direction: r.direction, counterparty: r.counterparty, amount: text(cents(r.amount)),
  status: r.status, balanceAfter: r.balanceAfter, metadata: r.metadata, reverses: r.reverses });

let a = '';
let b = '';
let c = '';

test('setup: 400 rows over four years, every status, metadata on half, then transfers and a reversal today', async () => {
  for (const name of ['A', 'B', 'C']) {
    const id = (await createAccount(db.sql, name)).id;
    await db.sql`update pgbank.users set lower_limit = null where id = ${id}`;  // history in any order may go below 0
    if (name === 'A') a = id; else if (name === 'B') b = id; else c = id;
  }
  const start = Date.parse('2023-01-01T00:00:00Z');
  const span = Date.now() - 86_400_000 - start;
  const values = Array.from({ length: 400 }, (_, i) => {
    // Dense in the last 60 days, sparse before: deep pages reach back over many empty days.
    const at = i < 150 ? start + span - rand() * 60 * 86_400_000 : start + rand() * span;
    const ts = new Date(at).toISOString().replace('Z', `${String(Math.floor(rand() * 1000)).padStart(3, '0')}Z`);
    const other = pick([b, c, c, WORLD]);
    const out = rand() < 0.5;
    const status = pick(['success', 'success', 'success', 'success', 'success', 'failed', 'voided', 'expired']);
    const metadata = rand() < 0.5 ? { kind: pick(['card', 'wire']), n: i } : null;
    return { ts: ts.replace(/(\.\d{3})(\d{3})Z$/, '$1$2Z'), sender: out ? a : other, receiver: out ? other : a,
      amount: `${1 + Math.floor(rand() * 1000)}.${String(Math.floor(rand() * 100)).padStart(2, '0')}`, status, metadata };
  });
  // The oldest row is effective: history reaches back to the account's creation or its first effective month,
  // and these rows, written directly, predate the account.
  values.unshift({ ts: '2023-01-01T00:00:00.5Z', sender: WORLD, receiver: a, amount: '1000.00', status: 'success', metadata: null });
  // A few rows at the very same moment: the order is then by id.
  for (let i = 0; i < 3; i++) values.push({ ...values[200]!, metadata: { kind: 'same', n: i } });
  for (const v of values) {
    await db.sql`insert into pgbank.transactions (ts, sender, receiver, amount, status, metadata, reason)
                 values (${v.ts}::timestamptz, ${v.sender}, ${v.receiver}, ${v.amount}::numeric, ${v.status}, ${v.metadata === null ? null : db.sql.json(v.metadata as never)}::jsonb,
                         ${v.status === 'failed' ? 'insufficient_funds' : null})`;
  }
  await topUp(db.sql, 'top-a', a, '100000');
  const t = await transfer(db.sql, 'today-1', a, b, '12.34');
  await transfer(db.sql, 'today-2', b, a, '1.00');
  await transfer(db.sql, 'today-3', a, b, '999999999.00');  // failed: insufficient_funds
  await reverse(db.sql, 'rev-1', t.transactionId, '2.34', { ticket: 'T-9' });
  assert.equal(await verifyBalances(db.sql), []);
});

/** Every page size: history() page by page equals the model (rows, order, balances, cursors). */
async function checkPages(account: string, label: string, pageSizes = [1, 7, 50, 1000]) {
  const want = (await model(account)).map(modelComparable);
  for (const pageSize of pageSizes) {
    const got = await allPages(account, { pageSize });
    assert.equal(got.map(comparable), want, `${label}: page size ${pageSize}`);
  }
  return want.length;
}

/** Each filter: the model filtered, the balances those of the whole history. */
async function checkFilters(account: string, label: string) {
  const all = await model(account);
  const cases: [HistoryOptions, (r: ModelRow) => boolean][] = [
    [{ direction: 'sent' }, (r) => r.direction === 'sent'],
    [{ direction: 'received', status: 'success' }, (r) => r.direction === 'received' && r.status === 'success'],
    [{ status: 'failed' }, (r) => r.status === 'failed'],
    [{ status: 'init' }, () => false],
    [{ metadata: { kind: 'card' } }, (r) => (r.metadata as { kind?: string } | null)?.kind === 'card'],
    [{ metadata: { kind: 'wire' }, direction: 'sent', status: 'success' },
      (r) => (r.metadata as { kind?: string } | null)?.kind === 'wire' && r.direction === 'sent' && r.status === 'success'],
    [{ from: '2024-02-10T13:00:00Z', to: '2025-07-01T00:00:00Z' }, (r) => r.ts >= '2024-02-10 13:00:00' && r.ts < '2025-07-01 00:00:00'],
    [{ to: '2023-06-01T00:00:00Z', status: 'success' }, (r) => r.ts < '2023-06-01 00:00:00' && r.status === 'success'],
    [{ from: '2030-01-01T00:00:00Z' }, () => false],
    [{ from: '2024-01-01T00:00:00Z', to: '2024-01-01T00:00:00Z' }, () => false],
  ];
  for (const [o, keep] of cases) {
    const want = all.filter(keep).map(modelComparable);
    for (const pageSize of [4, 50]) {
      assert.equal((await allPages(account, { ...o, pageSize })).map(comparable), want, `${label}: ${JSON.stringify(o)}, pages of ${pageSize}`);
    }
  }
}

test('every page, newest first, equals the model: rows, order, balance after each effective row, cursors', async () => {
  assert.ok(await checkPages(a, 'no day copied') > 400);
  const [first] = await history(db.sql, a, { pageSize: 1 });
  const [{ balance }] = await db.sql`select balance::text from pgbank.users where id = ${a}` as unknown as [{ balance: string }];
  assert.is(text(cents(first!.balanceAfter!)), text(cents(balance)), 'the newest row leaves the current balance');
});

test('filters: window, direction, status, metadata @> — the model filtered, the balances those of the whole history', async () => {
  await checkFilters(a, 'no day copied');
});

test('reversal links both ways', async () => {
  const rows = await allPages(a, { pageSize: 1000 });
  const rev = rows.find((r) => r.reverses !== null)!;
  assert.equal(rev.metadata, { ticket: 'T-9' });
  const original = rows.find((r) => r.transactionId === rev.reverses)!;
  assert.equal([original.reversedBy, original.direction, rev.direction], [[rev.transactionId], 'sent', 'received']);
  assert.ok(rows.filter((r) => r.reversedBy !== null).length === 1);
  // B sees them too, the other way round.
  const bRows = await history(db.sql, b, { pageSize: 1000 });
  assert.equal(bRows.find((r) => r.transactionId === original.transactionId)!.reversedBy, [rev.transactionId]);
  assert.is(bRows.find((r) => r.transactionId === rev.transactionId)!.direction, 'sent');
});

test('an account with nothing but failed attempts, and a new empty one', async () => {
  const d = (await createAccount(db.sql, 'D')).id;
  assert.equal(await history(db.sql, d), []);
  await transfer(db.sql, 'd-1', d, a, '5.00');
  const [row] = await history(db.sql, d);
  assert.equal([row!.status, row!.balanceAfter, row!.counterparty], ['failed', null, a]);
});

test('bad input: 22004, 22023 naming the value, P0002', async () => {
  const cases: [() => Promise<unknown>, string, RegExp | string][] = [
    [() => history(db.sql, a, { after: 'not a cursor' }), '22023', "history: after 'not a cursor' is not a history cursor"],
    [() => history(db.sql, a, { after: Buffer.from('v1:12:x').toString('base64url') }), '22023', /is not a history cursor/],
    [() => history(db.sql, a, { after: 'x'.repeat(500) }), '22023', /\(500 characters\) is not a history cursor/],
    [() => history(db.sql, a, { pageSize: 0 }), '22023', 'history: page_size 0 is not from 1 to 1,000'],
    [() => history(db.sql, a, { pageSize: 1001 }), '22023', 'history: page_size 1001 is not from 1 to 1,000'],
    [() => history(db.sql, a, { direction: 'sender' as 'sent' }), '22023', "history: unknown direction 'sender'"],
    [() => history(db.sql, a, { status: 'ok' }), '22023', "history: unknown status 'ok'"],
    [() => history(db.sql, a, { from: '2024-02-01T00:00:00Z', to: '2024-01-01T00:00:00Z' }), '22023', /from_ts .* is after to_ts/],
    [() => db.sql`select * from pgbank.history(${a}, metadata => '"card"')`, '22023', `history: metadata filter '"card"' is a JSON string, not an object`],
    [() => history(db.sql, '5b0b5b0b-0000-4000-8000-000000000009'), 'P0002', "history: unknown account '5b0b5b0b-0000-4000-8000-000000000009'"],
    [() => history(db.sql, WORLD), 'P0002', /is the world account/],
    [() => db.sql`select * from pgbank.history(null)`, '22004', 'history: account must not be NULL'],
    [() => db.sql`select * from pgbank.history(${a}, page_size => null)`, '22004', 'history: page_size must not be NULL'],
  ];
  for (const [call, code, message] of cases) {
    const e = await sqlstate(call());
    assert.is(e.code, code, e.message);
    if (typeof message === 'string') assert.is(e.message, message); else assert.match(e.message, message);
  }
});

// The days that are over are read from pgbank.history_copy once copy_closed_days (pg_cron) has copied them.
const copiedUntil = async () => (await db.sql<{ d: string | null }[]>`select copied_until::text as d from pgbank.history_copy_state`)[0]!.d;
const copyProblems = async () => [...await db.sql<{ problem: string }[]>`select * from pgbank_private.verify_history_copy()`];

test('the sides a ledger row has in the copy: both, not the world\'s, one for a row to itself', async () => {
  const sides = async (sender: string, receiver: string) => [...await db.sql<{ account: string; sent: boolean; counterparty: string }[]>`
    select account, sent, counterparty from pgbank_private.ledger_sides(${sender}::uuid, ${receiver}::uuid) order by sent desc`];
  const world = '00000000-0000-0000-0000-000000000000';
  assert.equal(await sides(a, b), [{ account: a, sent: true, counterparty: b }, { account: b, sent: false, counterparty: a }]);
  assert.equal(await sides(world, a), [{ account: a, sent: false, counterparty: world }]);
  assert.equal(await sides(a, world), [{ account: a, sent: true, counterparty: world }]);
  assert.equal(await sides(a, a), [{ account: a, sent: true, counterparty: a }]);
});

test('closed days copied part of the way, then all: the same pages and filters, from the copy and the partitions', async () => {
  assert.is(await copiedUntil(), null);
  await db.sql`call pgbank_private.copy_closed_days(600)`;  // 2023-01-01 .. 2024-08-22: the cut lies in the sparse years
  assert.is(await copiedUntil(), '2024-08-23');
  const [{ n } = { n: 0 }] = await db.sql<{ n: number }[]>`select count(*)::int as n from pgbank.history_copy where account = ${a}`;
  assert.ok(n > 50 && n < 300, `${n} rows of A copied`);
  for (const account of [a, b, c]) await checkPages(account, `copied until 2024-08-23, ${account === a ? 'A' : account === b ? 'B' : 'C'}`, [7, 50]);
  await checkFilters(a, 'copied until 2024-08-23');

  // A writer whose snapshot predates a day's copy cannot see the copied rows it would change: 40001, retried.
  const rr = await db.sql.reserve();
  try {
    await rr`begin isolation level repeatable read`;
    await rr`select 1`;  // the snapshot
    await db.sql`call pgbank_private.copy_closed_days()`;
    const e = await sqlstate(rr`update pgbank.transactions set metadata = '{"late": true}'
                                 where (sender = ${a} or receiver = ${a}) and ts >= '2024-09-01' and ts < '2025-09-01'`);
    assert.is(e.code, '40001', e.message);
    assert.match(e.message, /was copied for history after this transaction's snapshot was taken/);
  } finally {
    await rr`rollback`;
    rr.release();
  }
  const today = new Date().toISOString().slice(0, 10);
  assert.is(await copiedUntil(), today);
  assert.equal(await copyProblems(), []);
  for (const account of [a, b, c]) await checkPages(account, 'copied until today', [1, 50, 1000]);
  await checkFilters(a, 'copied until today');
  const bad = await sqlstate(db.sql`call pgbank_private.copy_closed_days(-1)`);
  assert.equal([bad.code, bad.message], ['22023', 'copy_closed_days: max_days -1 is below 0']);
  await db.sql`call pgbank_private.copy_closed_days()`;  // nothing left: a no-op
  assert.is(await copiedUntil(), today);
  assert.equal(await copyProblems(), []);
});

test('the copy follows later writes to copied days: status changes, moves between days, deletes, inserts (also as a bulk loader)', async () => {
  const old = await db.sql<{ id: string; ts: string; sender: string }[]>`
    select id::text, ts::text, sender from pgbank.transactions
     where (sender = ${a} or receiver = ${a}) and ts < '2025-01-01' order by ts limit 4`;
  assert.is(old.length, 4);
  const [x, y, z] = old;
  await db.sql`update pgbank.transactions set status = case when status = 'success' then 'failed' else 'success' end,
                                             metadata = '{"changed": true}' where id = ${x!.id}`;
  await db.sql`update pgbank.transactions set ts = ts + interval '3 days' where id = ${y!.id}`;  // to another copied day's partition
  await db.sql`update pgbank.transactions set ts = now() where id = ${old[3]!.id}`;              // to today's, not copied
  await db.sql`delete from pgbank.transactions where id = ${z!.id}`;
  await db.sql`insert into pgbank.transactions (ts, sender, receiver, amount, status) values ('2024-05-05 05:05:05+00', ${b}, ${a}, 7.77, 'success')`;
  await db.sql.begin(async (tx) => {
    await tx`set local session_replication_role = replica`;  // what pgbank_private.insert_history does
    await tx`insert into pgbank.transactions (ts, sender, receiver, amount, status) values ('2024-06-06 06:06:06+00', ${a}, ${c}, 1.23, 'failed')`;
  });
  // A copied day's partition truncated: its rows leave the copy (an empty day, so the balances stay right).
  const [{ d: empty } = { d: '' }] = await db.sql<{ d: string }[]>`
    select d::date::text as d from generate_series('2023-02-01'::date, '2023-06-01', interval '1 day') d
     where not exists (select 1 from pgbank.transactions t where t.ts >= d and t.ts < d + interval '1 day') limit 1`;
  await db.sql`insert into pgbank.transactions (ts, sender, receiver, amount, status) values (${empty}::date + interval '1 hour', ${a}, ${b}, 5.00, 'failed')`;
  const inCopy = async () => (await db.sql`select 1 from pgbank.history_copy where ts >= ${empty}::date and ts < ${empty}::date + 1`).length;
  assert.is(await inCopy(), 2);
  await db.sql`truncate ${db.sql('pgbank')}.${db.sql(`transactions_p${empty.replaceAll('-', '_')}`)}`;
  assert.is(await inCopy(), 0);
  assert.equal(await copyProblems(), []);
  await checkPages(a, 'after late writes', [7, 1000]);
  await checkFilters(a, 'after late writes');
  // And a copy that no longer follows (the trigger dropped) is seen: the check can fail.
  const part = `transactions_p${x!.ts.slice(0, 10).replaceAll('-', '_')}`;
  await db.sql`drop trigger transactions_keep_history_copy on ${db.sql('pgbank')}.${db.sql(part)}`;
  await db.sql`update pgbank.transactions set metadata = '{"changed": 2}' where id = ${x!.id}`;
  assert.equal([...new Set((await copyProblems()).map((r) => r.problem))].sort(), ['extra', 'missing']);
});

test.run();
