// Daily partitions of pgbank.transactions: range, names, the row outside them, maintenance and its pg_cron job.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { connect } from '../src/db.ts';
import { cronDatabase, JOBS, jobName, scheduleJobs, unscheduleJobs } from '../src/cron.ts';
import { sqlstate, testDatabase, type TestDatabase } from './helpers/db.ts';

let db: TestDatabase;
test.before(async () => { db = await testDatabase('partitions'); });
test.after(async () => db?.drop());

const partitions = () => db.sql<{ name: string; lo: string; hi: string }[]>`
  select c.relname as name,
         to_char(lower_ts at time zone 'UTC', 'YYYY-MM-DD HH24:MI') as lo,
         to_char(upper_ts at time zone 'UTC', 'YYYY-MM-DD HH24:MI') as hi
    from pg_inherits i
    join pg_class c on c.oid = i.inhrelid
   cross join lateral (select (regexp_match(pg_get_expr(c.relpartbound, c.oid), 'FROM \\(''(.*)''\\) TO \\(''(.*)''\\)')) as b) m
   cross join lateral (select m.b[1]::timestamptz as lower_ts, m.b[2]::timestamptz as upper_ts) t
   where i.inhparent = 'pgbank.transactions'::regclass
   order by lower_ts`;

const utcDay = (offsetDays: number) => new Date(Date.now() + offsetDays * 86_400_000).toISOString().slice(0, 10);

test('daily UTC partitions from 2023-01-01 through today + 30 days, no gap, named after their day', async () => {
  const parts = await partitions();
  assert.is(parts[0]!.lo, '2023-01-01 00:00');
  // The template may have been migrated before midnight UTC: then the next day is the hourly maintenance's.
  assert.ok(parts.at(-1)!.lo >= `${utcDay(29)} 00:00`, `last partition ${parts.at(-1)!.lo} is at least today + 29`);
  for (const [i, p] of parts.entries()) {
    const day = p.lo.slice(0, 10);
    assert.is(p.name, `transactions_p${day.replaceAll('-', '_')}`, 'pgbank_private.partition_for_day relies on this name');
    assert.ok(p.lo.endsWith('00:00') && p.hi.endsWith('00:00'), `${p.name} starts and ends at UTC midnight`);
    if (i > 0) assert.is(p.lo, parts[i - 1]!.hi, `${p.name} follows the previous partition`);
  }
  const [{ n } = { n: 0 }] = await db.sql`select count(*)::int as n from pg_class where relname = 'transactions_default'`;
  assert.is(n, 0, 'no default partition');
});

test('each partition carries the BRIN index on ts and the B-tree indexes for sender and receiver', async () => {
  const rows = await db.sql<{ indexdef: string }[]>`
    select indexdef from pg_indexes where schemaname = 'pgbank' and tablename = 'transactions_p2024_02_29' order by indexname`;
  const defs = rows.map((r) => r.indexdef).join('\n');
  assert.match(defs, /USING btree \(sender, ts, id\)/);
  assert.match(defs, /USING btree \(receiver, ts\)/);
  assert.match(defs, /USING brin \(ts\)/);
});

test('a row outside every partition is rejected with 23514 naming its timestamp', async () => {
  const [a, b] = await db.sql`insert into pgbank.users (name) values ('A'), ('B') returning id`;
  for (const ts of ['2022-12-31 23:59:59.999999+00', `${utcDay(120)} 12:00:00+00`]) {
    const err = await sqlstate(db.sql`insert into pgbank.transactions (ts, sender, receiver, amount) values (${ts}::timestamptz, ${a!.id}, ${b!.id}, 1)`);
    assert.is(err.code, '23514', err.message);
    assert.match(err.message, /no partition of relation "transactions" found for row/);
  }
  const [{ n } = { n: -1 }] = await db.sql`select count(*)::int as n from pgbank.transactions`;
  assert.is(n, 0, 'nothing was written');
});

test('a row that counts must name existing users (23503); a failed attempt may name unknown ones', async () => {
  const [a] = await db.sql`insert into pgbank.users (name) values ('C') returning id`;
  const ghost = '6f1c0f43-0000-4000-8000-000000000000';
  const err = await sqlstate(db.sql`insert into pgbank.transactions (ts, sender, receiver, amount) values (now(), ${ghost}, ${a!.id}, 5)`);
  assert.is(err.code, '23503', err.message);
  assert.match(err.message, new RegExp(`unknown user '${ghost}'`));
  await db.sql`insert into pgbank.transactions (ts, sender, receiver, amount, status) values (now(), ${a!.id}, ${ghost}, 5, 'failed')`;
});

test('maintenance recreates missing future partitions', async () => {
  const before = await partitions();
  const future = before.slice(-10);
  assert.ok(future[0]!.lo > `${utcDay(18)} 00:00`, `${future[0]!.name} is in the future`);
  await db.sql.unsafe(future.map((p) => `drop table pgbank.${p.name};`).join('\n'));
  assert.is((await partitions()).length, before.length - future.length);
  await db.sql`select pgbank_private.run_maintenance()`;
  // Every dropped one is back. pg_partman may also add the next day: create_parent (in the
  // migration) and run_maintenance count "30 days ahead" differently at some hours of the day,
  // and one more when the template was migrated before midnight UTC.
  const after = (await partitions()).map((p) => p.name);
  assert.equal(after.slice(0, before.length), before.map((p) => p.name));
  assert.ok(after.length - before.length <= 2, `maintenance made ${after.length - before.length} partitions beyond the migration's`);
});

test('pg_cron runs the maintenance of this database: the job is registered, idempotently, and its command works', async () => {
  const cronDb = await cronDatabase(db.sql);
  const names = await scheduleJobs(db.settings);
  await scheduleJobs(db.settings); // again: updates, doesn't duplicate
  assert.equal(names, JOBS.map((j) => jobName(db.name, j.name)));
  const cron = connect({ database: cronDb, max: 1 });
  try {
    const jobs = await cron<{ jobname: string; command: string; database: string }[]>`
      select jobname, command, database from cron.job where database = ${db.name} order by jobname`;
    assert.equal(jobs.map((j) => j.jobname), [...names].sort());
    for (const job of jobs) await db.sql.unsafe(job.command); // what pg_cron will run
    assert.is(await unscheduleJobs(db.settings), JOBS.length);
    const [{ n } = { n: -1 }] = await cron`select count(*)::int as n from cron.job where database = ${db.name}`;
    assert.is(n, 0);
  } finally {
    await cron.end();
  }
});

test.run();
