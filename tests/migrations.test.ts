// Migrations go Up, Down and Up again; functions re-apply without change; the schema matches its snapshot.
import { readFile, writeFile } from 'node:fs/promises';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { dbSettings, type DbSettings } from '../src/config.ts';
import { connect, createDatabase, dropDatabase } from '../src/db.ts';
import { applyFunctions, migrate } from '../src/migrate.ts';
import { testDatabase, type TestDatabase } from './helpers/db.ts';
import { schemaDump as dumpSchema, SNAPSHOT } from './helpers/schema.ts';

let db: TestDatabase;
test.before(async () => { db = await testDatabase('migrations'); });
test.after(async () => db?.drop());

const schemaDump = (s: DbSettings = db.settings) => dumpSchema(s);

/** Everything the functions step writes: function definitions, ACLs, triggers. */
const functionState = () => db.sql`
  select p.oid::regprocedure::text as fn, md5(pg_get_functiondef(p.oid)) as def, p.proacl::text as acl,
         obj_description(p.oid, 'pg_proc') as comment
    from pg_proc p where p.pronamespace in ('pgbank'::regnamespace, 'pgbank_private'::regnamespace)
  union all
  select t.tgname, md5(pg_get_triggerdef(t.oid)), t.tgenabled::text, null
    from pg_trigger t where t.tgrelid = 'pgbank.transactions'::regclass
   order by 1`.then((rows) => [...rows]);

test('the migrated schema matches tests/schema.snapshot.sql (UPDATE_SNAPSHOT=1 rewrites it)', async () => {
  const dump = await schemaDump();
  if (process.env.UPDATE_SNAPSHOT) await writeFile(SNAPSHOT, dump);
  const snapshot = await readFile(SNAPSHOT, 'utf8').catch(() => '');
  assert.fixture(dump, snapshot, 'schema differs from tests/schema.snapshot.sql: review the diff, then UPDATE_SNAPSHOT=1 npx tsx scripts/test.ts migrations');
});

test('upgrade path: a database made by the first migrations, with a function since removed, migrates to the snapshot exactly', async () => {
  const name = `${db.name}_old`;
  await createDatabase(name);
  try {
    const old = dbSettings({ database: name });
    await migrate(old, { count: 3, functions: false });
    // a helper that functions/ no longer has (add_to_monthly_totals went in 0013) and a signature since changed
    const sql = connect({ ...old, max: 1 });
    try {
      await sql`create function pgbank_private.add_to_monthly_totals(uuid, date, numeric, numeric) returns void language sql as ''`;
      await sql`create function pgbank.get_account(text) returns int language sql as 'select 1'`;
    } finally {
      await sql.end();
    }
    await migrate(old);
    assert.fixture(await schemaDump(old), await readFile(SNAPSHOT, 'utf8'), 'the upgraded schema differs from a fresh install');
  } finally {
    await dropDatabase(name);
  }
});

test('functions re-apply without change', async () => {
  const before = await functionState();
  assert.ok(before.length > 5);
  await applyFunctions(db.sql);
  await applyFunctions(db.sql);
  assert.equal(await functionState(), before);
});

test('migrations go Down completely, then Up again to the same schema', async () => {
  const dump = await schemaDump();
  const down = await migrate(db.settings, { direction: 'down', count: Infinity });
  assert.ok(down.length >= 2, `undid ${down.join(', ')}`);
  const [left] = await db.sql`
    select (select count(*)::int from pg_namespace where nspname in ('pgbank', 'pgbank_private', 'partman')) as schemas,
           (select count(*)::int from pg_extension where extname = 'pg_partman') as partman`;
  assert.equal({ ...left }, { schemas: 0, partman: 0 });
  const up = await migrate(db.settings);
  assert.equal(up, [...down].reverse());
  assert.fixture(await schemaDump(), dump);
  const [{ n } = { n: 0 }] = await db.sql`select count(*)::int as n from pg_inherits where inhparent = 'pgbank.transactions'::regclass`;
  assert.ok(n > 1400, `${n} partitions again`);
});

test('0013 Down moves the day totals of the account rows into the monthly rows, exactly, and Up works again', async () => {
  const [a, b] = await db.sql<{ id: string }[]>`insert into pgbank.users (name) values ('Down A'), ('Down B') returning id`;
  await db.sql`select pgbank.top_up('down-1', ${a!.id}::uuid, 100)`;
  await db.sql`select pgbank.transfer('down-2', ${a!.id}::uuid, ${b!.id}::uuid, 30)`;
  const [held] = await db.sql`select count(*)::int as n from pgbank.users where totals_day is not null`;
  assert.ok(held!.n >= 2, 'the account rows hold today');
  const later = await db.sql<{ n: number }[]>`select count(*)::int as n from pgbank_migrations where name > '0012_domains_for_hot_checks'`;
  const undone = await migrate(db.settings, { direction: 'down', count: later[0]!.n });
  assert.is(undone.at(-1), '0013_todays_totals_in_account_row', undone.join(', '));
  assert.equal([...await db.sql`select * from pgbank_private.verify_monthly_totals()`], []);
  assert.equal([...await db.sql`select * from pgbank.verify_balances()`], []);
  // The functions are the ones before 0013 again: a transfer works and keeps the monthly rows exact.
  await db.sql`select pgbank.transfer('down-3', ${b!.id}::uuid, ${a!.id}::uuid, 5)`;
  assert.equal([...await db.sql`select * from pgbank_private.verify_monthly_totals()`], []);
  // sum_amount too, through the helpers as they were (0020's Down restored them): a window
  // around now, cut on both sides, read from the monthly rows and the day's partition.
  const sumAgrees = async () => {
    const [r] = await db.sql<{ got: string; want: string }[]>`
      with w as (select (now() at time zone 'UTC') - interval '1 hour' as lo, (now() at time zone 'UTC') + interval '1 hour' as hi)
      select (select (pgbank.sum_amount(${a!.id}::uuid, w.lo, w.hi, 'sender')).sum_amount::text from w) as got,
             (select coalesce(sum(t.amount), 0)::numeric(22,2)::text from pgbank.transactions t, w
               where t.sender = ${a!.id}::uuid and t.status = 'success'
                 and t.ts >= w.lo at time zone 'UTC' and t.ts < w.hi at time zone 'UTC') as want`;
    assert.is(r!.got, r!.want);
    assert.ok(Number(r!.got) >= 30, `${r!.got}: the transfers of this test are in the window`);
  };
  await sumAgrees();
  await migrate(db.settings);
  await db.sql`select pgbank.transfer('down-4', ${a!.id}::uuid, ${b!.id}::uuid, 1)`;
  assert.equal([...await db.sql`select * from pgbank_private.verify_monthly_totals()`], []);
  assert.equal([...await db.sql`select * from pgbank.verify_balances()`], []);
  await sumAgrees();
});

test('the ledger migration (0003) opens pre-ledger history: balances from the rows, top-ups where one would be negative', async () => {
  const later = await db.sql<{ n: number }[]>`select count(*)::int as n from pgbank_migrations where name > '0002_users_transactions'`;
  const undone = await migrate(db.settings, { direction: 'down', count: later[0]!.n });
  assert.ok(undone.includes('0003_ledger'), undone.join(', '));
  const ids = (await db.sql`insert into pgbank.users (name) select 'Old ' || g from generate_series(1, 5) g returning id`).map((r) => r.id as string);
  // 0 pays 1 a lot; 2 pays 3; 4 has nothing: so 0 and 2 would stand below 0
  // The functions in the database are today's (they expect the ledger's columns), so the old rows
  // go in as a bulk load would: without row triggers.
  await db.sql.begin((tx) => [tx`set local session_replication_role = replica`, tx`insert into pgbank.transactions (ts, sender, receiver, amount, status) values
    ('2024-05-01 10:00Z', ${ids[0]!}, ${ids[1]!}, 500.25, 'success'), ('2024-05-02 10:00Z', ${ids[2]!}, ${ids[3]!}, 20, 'success'),
    ('2024-06-01 10:00Z', ${ids[1]!}, ${ids[2]!}, 5, 'success'), ('2024-06-02 10:00Z', ${ids[0]!}, ${ids[1]!}, 1, 'failed')`]);
  await migrate(db.settings);
  assert.equal([...await db.sql`select * from pgbank.verify_balances()`], []);
  const balances = await db.sql<{ balance: string }[]>`select balance::text from pgbank.users where id = any(${ids}::uuid[]) order by array_position(${ids}::uuid[], id)`;
  assert.equal(balances.map((b) => Number(b.balance)), [0, 495.25, 0, 20, 0]);
  const [{ n } = { n: 0 }] = await db.sql`select count(*)::int as n from pgbank.transactions where sender = '00000000-0000-0000-0000-000000000000' and receiver = any(${ids}::uuid[])`;
  assert.is(n, 2, 'opening top-ups for the two accounts that would be negative');
});

test.run();
