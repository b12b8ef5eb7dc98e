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

test('every page, newest first, equals the model: rows, order, balance after each effective row, cursors', async () => {
  const want = (await model(a)).map(modelComparable);
  assert.ok(want.length > 400);
  for (const pageSize of [1, 7, 50, 1000]) {
    const got = await allPages(a, { pageSize });
    assert.equal(got.map(comparable), want, `page size ${pageSize}`);
  }
  const [first] = await history(db.sql, a, { pageSize: 1 });
  const [{ balance }] = await db.sql`select balance::text from pgbank.users where id = ${a}` as unknown as [{ balance: string }];
  assert.is(text(cents(first!.balanceAfter!)), text(cents(balance)), 'the newest row leaves the current balance');
});

test('filters: window, direction, status, metadata @> — the model filtered, the balances those of the whole history', async () => {
  const all = await model(a);
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
      assert.equal((await allPages(a, { ...o, pageSize })).map(comparable), want, `${JSON.stringify(o)}, pages of ${pageSize}`);
    }
  }
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

test.run();
