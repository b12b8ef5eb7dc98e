// pgbank-sync library: copies, increments, late commits, structure checks, the seed 004 balance triggers.
import { Readable } from 'node:stream';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { CopyRowReader, copyFields } from '../../src/sync/copy-rows.ts';
import { SyncError, UsageError } from '../../src/sync/errors.ts';
import { addSeedTransactions, createSeedTransactions, scratchDatabases, tableDigest, userId } from '../../src/sync/seed-table.ts';
import { describeTable } from '../../src/sync/sql.ts';
import { syncContinuously, syncOnce, type SyncOptions } from '../../src/sync/sync.ts';

const dbs = await scratchDatabases('lib', ['source', 'dest']);
const source = dbs.pool('source');
const dest = dbs.pool('dest');
const options = (table: string, extra: Partial<SyncOptions> = {}): SyncOptions => ({
  source: dbs.settings('source'),
  destination: dbs.settings('dest'),
  schema: 'public',
  table,
  chunkSize: 3_000,
  ...extra,
});
const sync = (table = 'transactions', extra: Partial<SyncOptions> = {}) => syncOnce(options(table, extra));
const state = async (table: string) =>
  (await dest`select cursor, rows_copied::int as rows, building from pgbank_sync_state where source_table = ${'public.' + table}`)[0];
/** The first column of the first row, as text. */
const scalar = async (db: typeof source, query: string): Promise<string> => {
  const [row] = await db.unsafe<Record<string, unknown>[]>(query);
  return String(Object.values(row ?? {})[0]);
};
const syncError = async (promise: Promise<unknown>): Promise<string> => {
  try {
    await promise;
  } catch (err) {
    assert.instance(err, SyncError, String(err));
    return (err as Error).message;
  }
  throw new Error('expected a SyncError, but the sync succeeded');
};

test.after(() => dbs.drop());

test('COPY text is cut at row ends, however the stream splits it, and fields are unescaped', async () => {
  const text = 'a\\tb\t1\nc\\\\d\t\\N\ne\\nf\t3\n';
  for (const size of [1, 2, 5, 100]) {
    const pieces = text.match(new RegExp(`[^]{1,${size}}`, 'g'))!.map((s) => Buffer.from(s));
    const reader = new CopyRowReader(Readable.from(pieces));
    const first = await reader.readChunk(2);
    assert.is(Buffer.concat(first.buffers).toString(), 'a\\tb\t1\nc\\\\d\t\\N\n', `piece size ${size}`);
    assert.equal(copyFields(first.lastRow!), ['c\\d', null]);
    const rest = await reader.readChunk(2);
    assert.is(rest.rows, 1);
    assert.equal(copyFields(rest.lastRow!), ['e\nf', '3']);
    assert.is((await reader.readChunk(2)).rows, 0);
  }
});

test('a first run creates the table and copies it row for row, in chunks', async () => {
  await createSeedTransactions(source, { rows: 20_000 });
  const result = await sync();
  assert.ok(result.createdTable);
  assert.is(result.rows, 20_000);
  assert.equal(await tableDigest(dest), await tableDigest(source));
  const [src, dst] = [await describeTable(source, { schema: 'public', table: 'transactions' }), await describeTable(dest, { schema: 'public', table: 'transactions' })];
  assert.equal(dst?.columns, src?.columns, 'same columns, types and NOT NULLs');
  assert.equal(dst?.primaryKey, ['id']);
  const [index] = await dest`select indexdef from pg_indexes where tablename = 'transactions' and indexdef like '%(updated)'`;
  assert.ok(index, 'the updated index exists');
  const [last] = await source`select updated::text, id::text from transactions order by updated desc, id desc limit 1`;
  assert.equal((await state('transactions'))?.cursor, [last!.updated, last!.id]);
  assert.is((await sync()).rows, 0, 'a second run has nothing to copy');
});

test('updates and inserts after a run arrive in the next; equal rows are not rewritten', async () => {
  const now = await scalar(source, 'select max(updated) from transactions');
  await source`update transactions set status = 'BLOCKED', amount = amount + 1, updated = ${now}::bigint + 1000
                where id in (select id from transactions order by id limit 500)`;
  await addSeedTransactions(source, { rows: 700, startMs: Number(now) + 2000, from: 20_000 });
  const result = await sync();
  assert.is(result.rows, 1_200);
  assert.is(result.changed, 1_200);
  assert.equal(await tableDigest(dest), await tableDigest(source));
});

test('a row committed late with an old updated arrives in a later run', async () => {
  const writer = await source.reserve();
  try {
    await writer`begin`;
    // Stamped at its start, like a long transaction would: older than everything synced so far.
    await writer`insert into transactions values ('11111111-1111-4111-8111-111111111111', ${userId(1)}, 42.00, 'APPROVED', 1, 1, 1)`;
    await writer`update transactions set amount = 7.77 where id = (select id from transactions where updated > 1 order by updated limit 1)`;
    const max = await scalar(source, 'select max(updated) from transactions');
    await addSeedTransactions(source, { rows: 10, startMs: Number(max) + 1000, from: 30_000 });
    const during = await sync();
    assert.is(during.rows, 10, 'the run only sees the committed rows');
    await writer`commit`;
  } finally {
    writer.release();
  }
  const after = await sync();
  // The run re-reads what any transaction newer than the writer wrote (the 10 rows, unchanged).
  assert.is(after.lateRows, 12);
  assert.is(after.changed, 2, 'the late insert and the late update');
  assert.equal(await tableDigest(dest), await tableDigest(source));
});

test('with the late-commit scan spaced out, a late row waits for the next scan but is not lost', async () => {
  await sync(); // the scan runs (due: interval 0) and moves the horizon
  const hourly = { lateScanEverySeconds: 3600 };
  const writer = await source.reserve();
  try {
    await writer`begin`;
    await writer`insert into transactions values ('22222222-2222-4222-8222-222222222222', ${userId(2)}, 5.00, 'APPROVED', 2, 2, 2)`;
    assert.is((await sync('transactions', hourly)).lateRows, 0);
    await writer`commit`;
  } finally {
    writer.release();
  }
  assert.is((await sync('transactions', hourly)).lateRows, 0, 'not due: skipped, horizon kept');
  assert.is(await scalar(dest, `select count(*) from transactions where id = '22222222-2222-4222-8222-222222222222'`), '0');
  const due = await sync();
  assert.is(due.changed, 1);
  assert.equal(await tableDigest(dest), await tableDigest(source));
});

test('a transaction left open in another database does not make runs re-read old rows', async () => {
  const other = await dest.reserve();
  try {
    await other`begin`;
    await other`create temp table holds_an_xid (x int)`;
    await source`update transactions set amount = amount + 1 where id in (select id from transactions order by id limit 300)`;
    const changed = await sync(); // updated unchanged: found by the late-commit scan
    assert.is(changed.lateRows, 300);
    assert.is((await sync()).lateRows, 0);
  } finally {
    await other`rollback`;
    other.release();
  }
  assert.equal(await tableDigest(dest), await tableDigest(source));
});

test('timestamptz updated, composite text key with tabs, quotes and backslashes', async () => {
  await source`create table notes (
                 author text, n int, body text, updated timestamptz not null default clock_timestamp(),
                 primary key (author, n))`;
  await source`create index on notes (updated)`;
  const authors = ['tab\there', "o'quote", 'back\\slash', 'new\nline', 'plain'];
  await source`insert into notes (author, n, body, updated)
               select a, n, 'body ' || n, timestamptz '2024-01-01 00:00:00+00' + n * interval '1 ms'
                 from unnest(${authors}::text[]) a, generate_series(1, 1000) n`;
  const order = 'author, n';
  assert.is((await sync('notes', { chunkSize: 777 })).rows, 5_000);
  assert.equal(await tableDigest(dest, 'notes', order), await tableDigest(source, 'notes', order));
  await source`update notes set body = 'edited', updated = clock_timestamp() where n % 100 = 0`;
  await source`insert into notes (author, n, body) values ('tab\there', 5000, 'new')`;
  assert.is((await sync('notes', { chunkSize: 7 })).rows, 51);
  assert.equal(await tableDigest(dest, 'notes', order), await tableDigest(source, 'notes', order));
});

test('tables that cannot be synced get a clear error before any row moves', async () => {
  await source`create table no_key (id int, updated bigint not null)`;
  await source`create table no_updated (id int primary key, changed bigint)`;
  await source`create table text_updated (id int primary key, updated text not null)`;
  await source`create table null_updated (id int primary key, updated bigint)`;
  assert.match(await syncError(sync('missing')), /table public\.missing not found in source database pgbank_sync_lib_source_/);
  assert.match(await syncError(sync('no_key')), /source table public\.no_key has no primary key/);
  assert.match(await syncError(sync('no_updated')), /source table public\.no_updated has no column named updated/);
  assert.match(await syncError(sync('text_updated')), /column updated of public\.text_updated is text: expected bigint epoch milliseconds, timestamp or timestamptz/);
  assert.match(await syncError(sync('null_updated')), /column updated of public\.null_updated allows NULL/);
  assert.is(await describeTable(dest, { schema: 'public', table: 'no_key' }), null, 'nothing created');
});

test('a destination whose structure differs is refused, naming every difference', async () => {
  await createSeedTransactions(source, { table: 'shaped', rows: 100 });
  await dest`create table shaped (id uuid primary key, user_id uuid not null, amount numeric(10,2) not null,
             status text, created bigint not null, updated bigint not null, note text)`;
  const message = await syncError(sync('shaped'));
  assert.match(message, /destination table public\.shaped in destination database pgbank_sync_lib_dest_\w+ differs from the source/);
  assert.match(message, /column amount is numeric\(10,2\), source has numeric\(18,2\)/);
  assert.match(message, /column status is nullable, source has NOT NULL/);
  assert.match(message, /column certified_by_user is missing/);
  assert.match(message, /column note is not in the source/);
  assert.is(await scalar(dest, 'select count(*) from shaped'), '0');
});

test('a table of its own named pgbank_sync_state in the synced schema is named as the clash, and left alone', async () => {
  await source`create schema clash`;
  await dest`create schema clash`;
  await source`create table clash.items (id int primary key, updated bigint not null)`;
  await source`insert into clash.items values (1, 1)`;
  await dest`create table clash.pgbank_sync_state (id int primary key, note text)`;
  await dest`insert into clash.pgbank_sync_state values (7, 'mine')`;
  const message = await syncError(sync('items', { schema: 'clash' }));
  assert.match(message, /table clash\.pgbank_sync_state in destination database pgbank_sync_lib_dest_\w+ is not pgbank-sync's progress table \(no column source_database, source_table, cursor, horizon, horizon_at, building, rows_copied\)/);
  assert.is(await describeTable(dest, { schema: 'clash', table: 'items' }), null, 'nothing created');
  assert.equal([...await dest`select id, note from clash.pgbank_sync_state`], [{ id: 7, note: 'mine' }]);
});

test('a table named pgbank_sync_state cannot be synced; a delay timers cannot hold is refused', async () => {
  const err = await sync('pgbank_sync_state').then(() => null, (e: unknown) => e);
  assert.instance(err, UsageError);
  assert.match((err as Error).message, /table public\.pgbank_sync_state cannot be synced: pgbank-sync keeps its progress in a table of that name/);
  let runs = 0;
  const continuous = syncContinuously({ ...options('transactions'), delaySeconds: 2_147_484, onRun: () => runs++, onError: () => runs++ });
  assert.instance(await continuous.then(() => null, (e: unknown) => e), UsageError);
  assert.is(runs, 0);
});

test('a sync already running for the table is refused', async () => {
  const holder = await dest.reserve();
  try {
    await holder`select pg_advisory_lock(hashtextextended(${`pgbank-sync ${dbs.names.source}.public.transactions`}, 0))`;
    assert.match(await syncError(sync()), /another pgbank-sync is already syncing public\.transactions/);
  } finally {
    await holder`select pg_advisory_unlock_all()`;
    holder.release();
  }
});

test('stopped by its signal between chunks, a run keeps what it committed and the next one finishes', async () => {
  await createSeedTransactions(source, { table: 'stoppable', rows: 30_000 });
  const stop = new AbortController();
  const first = await sync('stoppable', { signal: stop.signal, chunkSize: 2_000, onProgress: (rows) => rows >= 6_000 && stop.abort() });
  assert.ok(first.stopped);
  assert.ok(first.rows >= 6_000 && first.rows < 30_000, `stopped after ${first.rows} rows`);
  assert.is((await state('stoppable'))?.rows, first.rows);
  const second = await sync('stoppable');
  assert.is(first.rows + second.rows, 30_000);
  assert.equal(await tableDigest(dest, 'stoppable'), await tableDigest(source, 'stoppable'));
});

// Seed 004, question 2: a user_balance table kept by triggers on the destination's transactions.
// The seed's two triggers count a row once it is certified and not BLOCKED; the third one (ours)
// takes it back out when it stops being so, as SPEC B asks ("stops counting if later blocked").
const BALANCE_SQL = `
  create table user_balance (user_id uuid not null primary key, balance numeric(18,2) not null, updated bigint not null);
  create index user_balance_updated_idx on user_balance (updated);
  create function user_balance_trigger() returns trigger language plpgsql as $$
  begin
    insert into user_balance as t (user_id, balance, updated)
    values (new.user_id, new.amount, extract(epoch from now()) * 1000)
    on conflict (user_id) do update set balance = t.balance + new.amount, updated = extract(epoch from now()) * 1000;
    return new;
  end $$;
  create function user_balance_revoke_trigger() returns trigger language plpgsql as $$
  begin
    update user_balance set balance = balance - old.amount, updated = extract(epoch from now()) * 1000 where user_id = old.user_id;
    return new;
  end $$;
  create trigger user_balance_insert_trigger after insert on balances_tx for each row
    when (new.certified_by_user is not null and new.status <> 'BLOCKED') execute procedure user_balance_trigger();
  create trigger user_balance_update_trigger after update of certified_by_user, status on balances_tx for each row
    when ((old.certified_by_user is null or old.status = 'BLOCKED') and new.certified_by_user is not null and new.status <> 'BLOCKED')
    execute procedure user_balance_trigger();
  create trigger user_balance_revoke_trigger after update of certified_by_user, status on balances_tx for each row
    when (old.certified_by_user is not null and old.status <> 'BLOCKED' and (new.certified_by_user is null or new.status = 'BLOCKED'))
    execute procedure user_balance_revoke_trigger();`;

test('seed 004 user_balance triggers on the destination stay equal to a recomputed balance', async () => {
  await createSeedTransactions(source, { table: 'balances_tx', rows: 12_000, users: 20 });
  await createSeedTransactions(dest, { table: 'balances_tx', rows: 0 });
  await dest.unsafe(BALANCE_SQL).simple();
  const drift = async () => dest`
    select coalesce(b.user_id, r.user_id) as user_id, b.balance, r.balance as recomputed
      from user_balance b
      full join (select user_id, sum(amount) as balance from balances_tx
                  where certified_by_user is not null and status <> 'BLOCKED' group by user_id) r using (user_id)
     where coalesce(b.balance, 0) <> coalesce(r.balance, 0)`;
  assert.is(await scalar(dest, 'select count(*) from user_balance'), '0');

  await sync('balances_tx');
  assert.equal([...await drift()], []);
  assert.is(await scalar(dest, 'select count(*) from user_balance'),
    await scalar(source, `select count(distinct user_id) from balances_tx where certified_by_user is not null and status <> 'BLOCKED'`));

  const bump = `updated = updated + 100000000`;
  await source.unsafe(`update balances_tx set status = 'BLOCKED', ${bump} where status <> 'BLOCKED' and certified_by_user is not null and created % 70 = 0`);
  await source.unsafe(`update balances_tx set certified_by_user = created + 1, ${bump} where certified_by_user is null and created % 40 = 0`);
  await source.unsafe(`update balances_tx set status = 'APPROVED', ${bump} where status = 'BLOCKED' and created % 50 = 0`);
  const changed = await sync('balances_tx');
  assert.ok(changed.changed > 300, `${changed.changed} rows changed`);
  assert.equal([...await drift()], []);

  // Rows read again (late-commit scan) are equal, so they are not rewritten and no trigger fires twice.
  await source.unsafe(`update balances_tx set status = status where created % 30 = 0`);
  const reread = await sync('balances_tx');
  assert.ok(reread.lateRows > 100);
  assert.is(reread.changed, 0);
  assert.equal([...await drift()], []);
  assert.equal(await tableDigest(dest, 'balances_tx'), await tableDigest(source, 'balances_tx'));
});

test.run();
