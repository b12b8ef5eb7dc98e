// src/api.ts against a real database: sumAmount's moments (UTC text, offsets converted exactly, the rest refused).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { sumAmount } from '../src/api.ts';
import { testDatabase, type TestDatabase } from './helpers/db.ts';

let db: TestDatabase;
let user = '';

test.before(async () => {
  db = await testDatabase('api');
  const [row] = await db.sql<{ id: string }[]>`insert into pgbank.users (name) values ('Offsets') returning id`;
  user = row!.id;
  // Top-ups (from the world, which has no limit) one microsecond either side of 19:00 and 05:00 UTC.
  await db.sql`
    insert into pgbank.transactions (ts, sender, receiver, amount, status)
    select v.ts::timestamptz, pgbank_private.world(), ${user}::uuid, v.amount, 'success'
      from (values ('2023-12-31 18:59:59.999999Z', 1.00), ('2023-12-31 19:00:00Z', 2.00),
                   ('2024-01-01 04:59:59.999999Z', 4.00), ('2024-01-01 05:00:00Z', 8.00)) v (ts, amount)`;
});

test.after(async () => db?.drop());

const received = async (start: string | Date, end: string | Date) => Number((await sumAmount(db.sql, user, start, end, 'receiver')).sumAmount);

test('text with an offset is converted to UTC exactly, microseconds kept', async () => {
  // [2023-12-31 19:00Z, 2024-01-01 05:00Z): the zone dropped, it would be [00:00, 10:00) = 12.
  assert.is(await received('2024-01-01T00:00:00+05:00', '2024-01-01T10:00:00+05:00'), 6);
  assert.is(await received('2024-01-01T00:00:00.000001+05:00', '2024-01-01T10:00:00+0500'), 4);
  assert.is(await received('2023-12-31T15:30:00-03:30', '2024-01-01T01:30:00.000001-03:30'), 14);
  assert.is(await received('2023-12-31T19:00:00Z', '2024-01-01 05:00:00z'), 6);
});

test('text without a zone and Dates are UTC, whatever the session TimeZone', async () => {
  const utc = await received('2023-12-31T19:00:00', '2024-01-01T05:00:00');
  assert.is(utc, 6);
  assert.is(await received(new Date('2023-12-31T19:00:00Z'), new Date('2024-01-01T05:00:00Z')), 6);
  assert.is(await received('-infinity', 'infinity'), 15);
  const pinned = db.pool(1);
  await pinned`set timezone = 'Asia/Kolkata'`;
  assert.is(Number((await sumAmount(pinned, user, '2023-12-31T19:00:00', '2024-01-01 05:00', 'receiver')).sumAmount), 6);
  assert.is(Number((await sumAmount(pinned, user, '2024-01-01T00:00:00+05:00', '2024-01-01T10:00:00+05:00', 'receiver')).sumAmount), 6);
});

test('other text is a RangeError naming the value (cut to 200 characters), before any query', async () => {
  const refused = async (start: string, pattern: RegExp) => {
    const err = await sumAmount(db.sql, user, start, 'infinity', 'receiver').then(() => null, (e: unknown) => e);
    assert.instance(err, RangeError, `${start}: ${String(err)}`);
    assert.match((err as Error).message, pattern);
    return (err as Error).message;
  };
  await refused('2024-01-01 00:00:00 America/New_York', /sumAmount: start '2024-01-01 00:00:00 America\/New_York' is not an ISO 8601 timestamp/);
  await refused('2024-01-01 00:00 EST', /'2024-01-01 00:00 EST' is not an ISO 8601 timestamp \(UTC, or with an offset like \+05:00\)/);
  await refused('Jan 1 2024', /'Jan 1 2024'/);
  const long = await refused('2'.repeat(10_000), /'2{200}'… \(10000 characters\)/);
  assert.ok(long.length < 400, `${long.length} characters`);
});

test.run();
