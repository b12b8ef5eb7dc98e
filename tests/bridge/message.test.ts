// Property tests (fast-check) of what the bridge does with a message body: every input is either a
// {providerId, value} of JSON number text, or rejected with a documented code and a short reason,
// quickly; what the parser accepts, provider_record_transactions records exactly (exactly 2
// decimals) or rejects the same way (real PostgreSQL). Seeded: BRIDGE_PROPERTY_SEED, BRIDGE_PROPERTY_RUNS.
import fc from 'fast-check';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readTransactionMessage } from '../../src/bridge/message.ts';
import { recordTransactions, seedExampleProviders } from '../../src/bridge/sql.ts';
import { testDatabase, type TestDatabase } from '../helpers/db.ts';

const SEED = Number(process.env.BRIDGE_PROPERTY_SEED ?? 20261203);
const RUNS = Number(process.env.BRIDGE_PROPERTY_RUNS ?? 300);

// docs/bridge.md, "SQLSTATEs": the parser's codes, then those of provider_record_transactions.
const PARSER_CODES = new Set(['22021', '22P02', '22004', '22023']);
const SQL_CODES = new Set(['22004', '22P02', '22023', 'P0002']);
const MAX_REASON = 300;
const MAX_MS = 1_000;  // per body: far above the few ms a body of a few MiB takes
const JSON_NUMBER = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?$/;

let db: TestDatabase;
test.before(async () => {
  db = await testDatabase('bridge_message');
  await seedExampleProviders(db.sql);
});
test.after(async () => db?.drop());

// Hostile JSON number texts: huge, tiny, long fractions, trailing zeros, exponents, -0.
const digits = (min: number, max: number) => fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: min, maxLength: max });
const numberText = fc.oneof(
  fc.integer({ min: -3, max: 5 }).map(String),
  fc.bigInt({ min: -(10n ** 40n), max: 10n ** 40n }).map(String),
  fc.tuple(fc.boolean(), fc.bigInt({ min: 0n, max: 10n ** 16n }), digits(1, 25)).map(([neg, i, f]) => `${neg ? '-' : ''}${i}.${f}`),
  fc.tuple(fc.integer({ min: 1, max: 9 }), fc.integer({ min: 0, max: 1200 })).map(([d, zeros]) => `${d}.${'0'.repeat(zeros)}`),
  fc.tuple(fc.integer({ min: 1, max: 9 }), digits(0, 5000)).map(([d, rest]) => `${d}${rest}`),
  fc.tuple(fc.integer({ min: -99, max: 99 }), fc.constantFrom('e', 'E'), fc.constantFrom('', '+', '-'), digits(1, 6)).map(([m, e, s, x]) => `${m}${e}${s}${x}`),
  fc.constantFrom('-0', '0.00', '999999999999999.99', '-999999999999999.99', '1000000000000000', '0.000000000000000001', '0.0000000000000000001'),
);
const amountText = fc.tuple(fc.integer({ min: -100_000, max: 100_000 }), digits(0, 3)).map(([i, f]) => (f ? `${i}.${f}` : String(i)));
// Anything a JSON value can be, as text; some not JSON at all.
const valueText = fc.oneof(
  { weight: 4, arbitrary: amountText },
  { weight: 6, arbitrary: numberText },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)) },
  { weight: 1, arbitrary: fc.constantFrom('NaN', '-Infinity', 'Infinity', 'null', '"1"', '', '01', '1.', '.5', '+1', '0x10', '1e', 'true') },
  { weight: 1, arbitrary: fc.string({ maxLength: 3000 }).map((s) => JSON.stringify(s)) },
);
const key = fc.oneof(fc.constantFrom('id', 'value', '__proto__', 'constructor', 'ID', ' id'), fc.string({ maxLength: 20 }),
  fc.integer({ min: 1, max: 70_000 }).map((n) => 'k'.repeat(n)));
// An object with (usually) id and value, extra and repeated keys, in any order.
const idText = fc.oneof({ weight: 3, arbitrary: fc.constantFrom('1', '2') }, { weight: 2, arbitrary: valueText });
const messageText = fc.tuple(
  fc.option(idText, { nil: undefined, freq: 10 }), fc.option(valueText, { nil: undefined, freq: 10 }),
  fc.oneof(fc.constant([]), fc.array(fc.tuple(key, valueText), { maxLength: 4 })), fc.boolean(),
).map(([id, value, extra, idFirst]) => {
  const members = [...(id !== undefined ? [['id', id]] : []), ...(value !== undefined ? [['value', value]] : []), ...extra];
  if (!idFirst) members.reverse();
  return `{${members.map(([k, v]) => `${JSON.stringify(k)}: ${v}`).join(', ')}}`;
});
const body = fc.oneof(
  { weight: 6, arbitrary: messageText.map((t) => Buffer.from(t)) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b)) },
  { weight: 1, arbitrary: fc.json({ maxDepth: 4 }).map((t) => Buffer.from(t)) },
  { weight: 1, arbitrary: fc.tuple(fc.integer({ min: 1, max: 3_000_000 }), fc.constantFrom('[', '{"a":', ' ', '9')).map(([n, unit]) => Buffer.from(unit.repeat(Math.ceil(n / unit.length)))) },
  { weight: 1, arbitrary: fc.tuple(messageText, fc.integer({ min: 0, max: 4 })).map(([t, cut]) => Buffer.from(t).subarray(0, Math.max(0, Buffer.byteLength(t) - cut))) },
);
// The default limit most of the time; sometimes a raised one, so the hostile content reaches the parser and SQL.
const maxBytes = fc.oneof(fc.constant(4096), fc.constantFrom(64, 1 << 20, 4 << 20));

test('every body: a {providerId, value} of JSON number text, or a documented code and a short reason, in bounded time', () => {
  fc.assert(fc.property(body, maxBytes, (b, limit) => {
    const started = performance.now();
    const read = readTransactionMessage(b, limit);
    const ms = performance.now() - started;
    assert.ok(ms < MAX_MS, `${ms.toFixed(0)} ms for ${b.length} bytes`);
    if (read.ok) {
      assert.ok(b.length <= limit, 'nothing over the limit is read');
      assert.match(read.providerId, JSON_NUMBER);
      assert.match(read.value, JSON_NUMBER);
      assert.ok(b.toString('utf8').includes(read.value), 'the value is the text sent, not a conversion of it');
    } else {
      assert.ok(PARSER_CODES.has(read.code), `documented code: ${read.code}`);
      assert.ok(read.reason.length > 0 && read.reason.length <= MAX_REASON, `reason of ${read.reason.length} characters: ${read.reason.slice(0, 300)}`);
      if (b.length > limit) assert.is(read.code, '22023');
    }
  }), { seed: SEED, numRuns: RUNS });
});

let n = 0;
test('what the parser accepts is recorded exactly (2 decimals, within bounds) or rejected with a documented code and a short reason', async () => {
  const tag = `prop-${process.pid}-`;
  await fc.assert(fc.asyncProperty(fc.array(messageText, { minLength: 1, maxLength: 20 }), async (texts) => {
    const accepted = texts.map((t) => readTransactionMessage(Buffer.from(t), 1 << 20)).filter((r) => r.ok);
    if (!accepted.length) return;
    // Providers 1 and 2 exist: map other ids there half the time, so values get checked too.
    const batch = accepted.map((r, i) => ({
      messageId: `${tag}${n++}`,
      providerId: i % 2 && !/^[12]$/.test(r.providerId) ? String(1 + (i % 2)) : r.providerId,
      value: r.value,
    }));
    const notRecorded = await recordTransactions(db.sql, batch);
    const rejected = new Set<number>();
    for (const r of notRecorded) {
      assert.is(r.outcome, 'rejected', 'unique message_ids are never duplicates');
      assert.ok(SQL_CODES.has(r.errorCode ?? ''), `documented code: ${r.errorCode} (${r.reason?.slice(0, 200)})`);
      assert.ok(r.reason && r.reason.length <= MAX_REASON, `reason of ${r.reason?.length} characters`);
      rejected.add(r.position);
    }
    const rows = await db.sql<{ message_id: string; stored: string; same: boolean; scale: number; expected_scale: number; within: boolean }[]>`
      select h.message_id, h.transaction_value::text as stored, h.transaction_value = b.value::numeric as same,
             scale(h.transaction_value) as scale, 2 as expected_scale,
             abs(h.transaction_value) <= 999999999999999.99 as within
        from pgbank.historical_transactions h
        join unnest(${batch.map((t) => t.messageId)}::text[], ${batch.map((t) => t.value)}::text[]) as b(message_id, value) using (message_id)`;
    assert.is(rows.length, batch.length - rejected.size, 'every message not rejected is recorded');
    for (const r of rows) {
      assert.ok(r.same, `${r.message_id}: stored ${r.stored} equals the value sent`);
      assert.is(r.scale, r.expected_scale, `${r.message_id}: ${r.stored} has exactly 2 decimals`);
      assert.ok(r.within, `${r.message_id}: ${r.stored} within the bounds`);
    }
  }), { seed: SEED, numRuns: RUNS });
  const [{ count } = { count: 0 }] = await db.sql<{ count: number }[]>`select count(*)::int as count from pgbank.historical_transactions where message_id like ${tag + '%'}`;
  assert.ok(count > RUNS, `the properties recorded ${count} messages: the generators reach SQL's happy path`);
  assert.equal([...await db.sql`select * from pgbank_private.provider_totals_verify()`], []);
});

test.run();
