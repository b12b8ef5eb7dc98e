// Provider bridge on real RabbitMQ, PostgreSQL and Redis: the seed's example, duplicates, dead letters, one instance at a time; the SQL API's errors.
import type { Redis } from 'ioredis';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { withAmqp } from '../../src/bridge/amqp.ts';
import { publishMessages, type OutgoingMessage } from '../../src/bridge/publisher.ts';
import { recordTransactions, seedExampleProviders } from '../../src/bridge/sql.ts';
import { AMQP_URL, bridgeFixture, newRedis } from '../helpers/bridge.ts';
import { until } from '../helpers/wait.ts';
import { sqlstate, testDatabase, type TestDatabase } from '../helpers/db.ts';

const fixture = bridgeFixture('bridge');
const { tag, prefix, queueFor } = fixture;
let db: TestDatabase;
let redis: Redis;

const bridge = (queue: string, settings: Record<string, string> = {}) => fixture.start(db, queue, settings);
const publish = (queue: string, messages: OutgoingMessage[]) =>
  publishMessages({ url: AMQP_URL, queue, count: messages.length, message: (i) => messages[i]! });

const recordedWithPrefix = async (idPrefix: string) =>
  (await db.sql<{ n: number }[]>`select count(*)::int as n from pgbank.historical_transactions where message_id like ${idPrefix + '%'}`)[0]!.n;

const queueSize = (queue: string) =>
  withAmqp(AMQP_URL, 'pgbank-test', async (connection) => {
    const channel = await connection.createChannel();
    const q = await channel.checkQueue(queue);
    await channel.close();
    return { messages: q.messageCount, consumers: q.consumerCount };
  });

test.before(async () => {
  db = await testDatabase('bridge');
  redis = newRedis();
  await seedExampleProviders(db.sql);
});

test.after(async () => {
  await fixture.cleanup();
  await redis?.quit();
  await db?.drop();
});

test('the seed\'s worked example: after {"id":1,"value":600}, KeyDB has 1_Visa = 1900.00 and 2_Mastercard = 1800.00', async () => {
  const queue = queueFor('example');
  const b = bridge(queue);
  await b.waitFor((l) => l.event === 'consuming');
  await publish(queue, [{ body: '{"id": 1, "value": 600}', messageId: `${tag}-example` }]);
  // Money has 2 decimals, whatever scale was sent (the seed writes 1900).
  await until(async () => (await redis.get(`${prefix}1_Visa`)) === '1900.00', 10_000, `${prefix}1_Visa = 1900.00`);
  assert.is(await redis.get(`${prefix}2_Mastercard`), '1800.00');
  const history = await db.sql<{ id: string; provider_id: string; transaction_value: string }[]>`
    select id, provider_id, transaction_value::text from pgbank.historical_transactions order by id`;
  assert.equal(history.map((r) => [r.id, r.provider_id, r.transaction_value]),
    [['1', '1', '100.00'], ['2', '1', '200.00'], ['3', '2', '-200.00'], ['4', '1', '600.00']]);
  const write = await b.waitFor((l) => l.event === 'keydb_write' && l.keys === 2);
  assert.ok(typeof write.delay_ms === 'number' && write.delay_ms >= 0, `the write logs its delay: ${JSON.stringify(write)}`);
  const exit = await b.stop('SIGTERM');
  assert.equal(exit, { code: 0, signal: null }, 'SIGTERM is a clean exit');
  assert.ok(b.lines.some((l) => l.event === 'stopped' && l.recorded === 1), 'the last line counts what was recorded');
});

test('a message_id is recorded once, however often it is delivered', async () => {
  const queue = queueFor('dup');
  // As after a crash between commit and ack: the row is there, the message comes again.
  await recordTransactions(db.sql, [{ messageId: `${tag}-dup-committed`, providerId: '2', value: '5' }]);
  const b = bridge(queue);
  await b.waitFor((l) => l.event === 'consuming');
  await publish(queue, [
    { body: '{"id": 2, "value": 7}', messageId: `${tag}-dup-a` },
    { body: '{"id": 2, "value": 7}', messageId: `${tag}-dup-a` },
    { body: '{"id": 2, "value": 5}', messageId: `${tag}-dup-committed` },
    { body: '{"id": 2, "value": 11}', messageId: `${tag}-dup-b` },
    { body: '{"id": 2, "value": 99}', messageId: `${tag}-dup-a` },
  ]);
  await until(async () => (await recordedWithPrefix(`${tag}-dup-`)) === 3, 10_000, 'three distinct messages recorded');
  assert.equal(await b.stop('SIGTERM'), { code: 0, signal: null });
  const rows = await db.sql<{ message_id: string; transaction_value: string }[]>`
    select message_id, transaction_value::text from pgbank.historical_transactions where message_id like ${tag + '-dup-%'} order by message_id`;
  assert.equal(rows.map((r) => [r.message_id, r.transaction_value]),
    [[`${tag}-dup-a`, '7.00'], [`${tag}-dup-b`, '11.00'], [`${tag}-dup-committed`, '5.00']]);
  const stopped = b.lines.find((l) => l.event === 'stopped')!;
  assert.is(stopped.recorded, 2);
  assert.is(stopped.duplicates, 3);
  assert.equal(await queueSize(queue), { messages: 0, consumers: 0 }, 'every delivery was acked');
});

test('every kind of bad message goes to the dead-letter queue with its reason; the good ones around it are recorded', async () => {
  const queue = queueFor('dead');
  const b = bridge(queue);
  await b.waitFor((l) => l.event === 'consuming');
  const bad: { id: string; body: string | Buffer; code: string; reason: RegExp }[] = [
    { id: 'malformed', body: '{"id": 1, "value": ', code: '22P02', reason: /^malformed JSON/ },
    { id: 'not-an-object', body: '[1, 600]', code: '22P02', reason: /must be a JSON object.*an array/ },
    { id: 'missing-id', body: '{"value": 600}', code: '22004', reason: /^id is missing$/ },
    { id: 'missing-value', body: '{"id": 1}', code: '22004', reason: /^value is missing$/ },
    { id: 'null-value', body: '{"id": 1, "value": null}', code: '22004', reason: /^value is missing$/ },
    { id: 'string-id', body: '{"id": "1", "value": 600}', code: '22P02', reason: /^id must be a JSON number, got the string "1"$/ },
    { id: 'string-value', body: '{"id": 1, "value": "600"}', code: '22P02', reason: /^value must be a JSON number/ },
    { id: 'nan', body: '{"id": 1, "value": NaN}', code: '22023', reason: /^value NaN is not finite$/ },
    { id: 'infinity', body: '{"id": 1, "value": -Infinity}', code: '22023', reason: /^value -Infinity is not finite$/ },
    { id: 'too-big', body: '{"id": 1, "value": 1e999}', code: '22023', reason: /^value '1e999' is out of range: at most 999999999999999.99 either way$/ },
    { id: 'just-too-big', body: '{"id": 1, "value": -1000000000000000}', code: '22023', reason: /^value '-1000000000000000' is out of range/ },
    { id: 'too-fine', body: '{"id": 1, "value": 0.0000000000000000001}', code: '22023', reason: /^value '0.0000000000000000001' has more than 2 decimal places$/ },
    { id: 'over-limit', body: `{"id": 1, "value": 1, "pad": "${'x'.repeat(5000)}"}`, code: '22023', reason: /^body of 5,03\d bytes is over the limit of 4,096 bytes$/ },
    { id: 'fraction-id', body: '{"id": 1.5, "value": 1}', code: '22P02', reason: /^provider id '1.5' is not an integer$/ },
    { id: 'unknown-provider', body: '{"id": 99, "value": 1}', code: 'P0002', reason: /^unknown provider '99'$/ },
    { id: 'three-decimals', body: '{"id": 1, "value": 0.125}', code: '22023', reason: /^value '0.125' has more than 2 decimal places$/ },
    { id: 'duplicate-key', body: '{"id": 1, "id": 2, "value": 1}', code: '22P02', reason: /^malformed JSON: Duplicate key/ },
    { id: 'not-utf8', body: Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), code: '22021', reason: /^body is not valid UTF-8$/ },
  ];
  const good = [
    { id: 'good-1', body: '{"id": 1, "value": 10.5}', value: '10.50' },
    { id: 'good-tiny', body: '{"id": 1, "value": 0.010000000000000000}', value: '0.01' },
    // More digits than a JS number keeps: proof that no float was involved.
    { id: 'good-exact', body: '{"id": 2, "value": 999999999999999.99}', value: '999999999999999.99' },
    { id: 'good-2', body: '{"id": 2, "value": -3.25}', value: '-3.25' },
  ];
  const messages: OutgoingMessage[] = [];
  for (const [i, m] of bad.entries()) {
    messages.push({ body: m.body, messageId: `${tag}-dl-${m.id}` });
    const g = good[i % good.length]!;
    if (i < good.length) messages.push({ body: g.body, messageId: `${tag}-dl-${g.id}` });
  }
  messages.push({ body: '{"id": 2, "value": 1}' });  // no message_id: still recorded
  await publish(queue, messages);

  const deadLetterQueue = `${queue}.dead`;
  await until(async () => (await queueSize(deadLetterQueue)).messages === bad.length, 10_000, `${bad.length} dead letters`);
  await until(async () => (await recordedWithPrefix(`${tag}-dl-`)) === good.length, 10_000, 'the good messages');
  const values = await db.sql<{ message_id: string; transaction_value: string }[]>`
    select message_id, transaction_value::text from pgbank.historical_transactions where message_id like ${tag + '-dl-%'}`;
  assert.equal(Object.fromEntries(values.map((v) => [v.message_id, v.transaction_value])),
    Object.fromEntries(good.map((g) => [`${tag}-dl-${g.id}`, g.value])));

  const dead = await withAmqp(AMQP_URL, 'pgbank-test', async (connection) => {
    const channel = await connection.createChannel();
    const got = [];
    for (let m = await channel.get(deadLetterQueue, { noAck: true }); m; m = await channel.get(deadLetterQueue, { noAck: true })) got.push(m);
    await channel.close();
    return got;
  });
  assert.is(dead.length, bad.length);
  for (const m of bad) {
    const letter = dead.find((d) => d.properties.messageId === `${tag}-dl-${m.id}`);
    assert.ok(letter, `${m.id} is in the dead-letter queue`);
    const headers = letter!.properties.headers ?? {};
    assert.is(String(headers['pgbank-error-code']), m.code, `${m.id}: code`);
    assert.match(String(headers['pgbank-reason']), m.reason, `${m.id}: reason`);
    assert.is(String(headers['pgbank-source-queue']), queue);
    assert.ok(Buffer.from(letter!.content).equals(Buffer.from(m.body)), `${m.id}: the body is kept as it was`);
  }
  assert.ok(b.lines.some((l) => l.event === 'dead_lettered' && l.code === 'P0002'), 'each dead letter is logged');

  // Still consuming after all that.
  await publish(queue, [{ body: '{"id": 1, "value": 1}', messageId: `${tag}-dl-after` }]);
  await until(async () => (await recordedWithPrefix(`${tag}-dl-after`)) === 1, 10_000, 'a message after the bad ones');
  assert.equal(await b.stop('SIGTERM'), { code: 0, signal: null });
  assert.is(b.lines.find((l) => l.event === 'stopped')!.withoutMessageId, 1);
});

test('a second instance waits as a standby (or exits) and takes over when the first stops', async () => {
  const queue = queueFor('single');
  const first = bridge(queue);
  await first.waitFor((l) => l.event === 'consuming');
  const second = bridge(queue);
  const standby = await second.waitFor((l) => l.event === 'standby');
  assert.is(standby.holder_application, 'pgbank-bridge-lock', 'the standby names the holder');
  const third = bridge(queue, { BRIDGE_STANDBY: 'exit' });
  assert.equal(await third.exited, { code: 3, signal: null }, 'BRIDGE_STANDBY=exit leaves with code 3');
  assert.ok(third.lines.some((l) => l.event === 'another_instance_running'));

  await publishMessages({ url: AMQP_URL, queue, count: 500, message: (i) => ({ body: `{"id": 1, "value": 1}`, messageId: `${tag}-single-a${i}` }) });
  await until(async () => (await recordedWithPrefix(`${tag}-single-a`)) === 500, 15_000, '500 messages');
  assert.is((await queueSize(queue)).consumers, 1, 'one consumer on the queue');
  assert.not.ok(second.lines.some((l) => l.event === 'consuming' || l.event === 'lock_acquired'), 'the standby never consumed');

  assert.equal(await first.stop('SIGTERM'), { code: 0, signal: null });
  await second.waitFor((l) => l.event === 'consuming', 10_000, 'the standby taking over');
  await publishMessages({ url: AMQP_URL, queue, count: 100, message: (i) => ({ body: `{"id": 2, "value": 1}`, messageId: `${tag}-single-b${i}` }) });
  await until(async () => (await recordedWithPrefix(`${tag}-single-b`)) === 100, 15_000, '100 more messages');
  assert.equal(await second.stop('SIGTERM'), { code: 0, signal: null });
  assert.is(await recordedWithPrefix(`${tag}-single-`), 600);
});

test('SQL API: every bad input has its SQLSTATE and names the value', async () => {
  const call = (ids: unknown, providers: unknown, amounts: unknown) =>
    db.sql`select * from pgbank.provider_record_transactions(${ids as string[]}::text[], ${providers as string[]}::text[], ${amounts as string[]}::text[])`;
  let e = await sqlstate(call(null, ['1'], null));
  assert.is(e.code, '22004');
  assert.match(e.message, 'message_ids, amounts must not be NULL');
  e = await sqlstate(call(['a'], ['1', '2'], ['1']));
  assert.is(e.code, '22023');
  assert.match(e.message, '1 message_ids, 2 provider_ids, 1 amounts');

  const rows = await recordTransactions(db.sql, [
    { messageId: null, providerId: null as unknown as string, value: '1' },
    { messageId: null, providerId: 'x', value: '1' },
    { messageId: null, providerId: '99999999999999999999', value: '1' },
    { messageId: null, providerId: '1', value: null as unknown as string },
    { messageId: null, providerId: '1', value: 'Infinity' },
    { messageId: null, providerId: '1', value: '12a' },
    { messageId: null, providerId: '1', value: '1e18' },
    { messageId: null, providerId: '1', value: '0.0000000000000000001' },
    { messageId: null, providerId: '1', value: '0.1000000000000000000000' },  // trailing zeros don't count
    { messageId: 'm'.repeat(256), providerId: '1', value: '1' },
    { messageId: null, providerId: '9'.repeat(70_000), value: '1' },
    { messageId: null, providerId: '1', value: '1'.repeat(70_000) },
    { messageId: null, providerId: '1', value: 'x'.repeat(500) },
  ]);
  assert.equal(rows.map((r) => [r.position, r.outcome, r.errorCode, r.reason]), [
    [1, 'rejected', '22004', 'provider id is missing'],
    [2, 'rejected', '22P02', "provider id 'x' is not an integer"],
    [3, 'rejected', 'P0002', "unknown provider '99999999999999999999'"],
    [4, 'rejected', '22004', 'value is missing'],
    [5, 'rejected', '22023', "value 'Infinity' is not finite"],
    [6, 'rejected', '22P02', "value '12a' is not a decimal number"],
    [7, 'rejected', '22023', "value '1e18' is out of range: at most 999999999999999.99 either way"],
    [8, 'rejected', '22023', "value '0.0000000000000000001' has more than 2 decimal places"],
    [10, 'rejected', '22023', `message_id '${'m'.repeat(100)}'… (256 characters) is too long: at most 255 bytes`],
    [11, 'rejected', 'P0002', `unknown provider '${'9'.repeat(100)}'… (70000 characters)`],
    [12, 'rejected', '22023', `value '${'1'.repeat(100)}'… (70000 characters) is too long: at most 1000 characters`],
    [13, 'rejected', '22P02', `value '${'x'.repeat(100)}'… (500 characters) is not a decimal number`],
  ], 'message 9 (trailing zeros do not count) was recorded: it is not in the list');
  const again = await recordTransactions(db.sql, [
    { messageId: `${tag}-sql-1`, providerId: '1', value: '2' },
    { messageId: `${tag}-sql-1`, providerId: '1', value: '3' },
  ]);
  const [first] = await db.sql<{ id: string }[]>`select id from pgbank.historical_transactions where message_id = ${tag + '-sql-1'}`;
  assert.equal(again, [{ position: 2, outcome: 'duplicate', transactionId: first!.id, errorCode: null, reason: null }],
    'a message_id twice in one batch: the first counts, the second is a duplicate of it');

  e = await sqlstate(db.sql`select * from pgbank.provider_bridge_lock(${null}::text)`);
  assert.is(e.code, '22004');
  e = await sqlstate(db.sql`select * from pgbank.provider_bridge_lock('')`);
  assert.is(e.code, '22023');
  assert.match(e.message, "queue_name '' is empty");

  for (const statement of ['update pgbank.historical_transactions set transaction_value = 0', 'delete from pgbank.historical_transactions',
                           'truncate pgbank.historical_transactions']) {
    e = await sqlstate(db.sql.unsafe(statement));
    assert.is(e.code, '0A000', statement);
    assert.match(e.message, 'historical_transactions is append-only');
  }
});

test('provider_balances equals initial_value + a full sum of the history; the application role may only call functions', async () => {
  const kept = await db.sql<{ key: string; balance: string }[]>`select key, balance::text from pgbank.provider_balances()`;
  const full = await db.sql<{ key: string; balance: string }[]>`
    select key, round(b, greatest(2, scale(trim_scale(b))))::text as balance
      from (select d.id, d.id || '_' || d.provider_name as key, d.initial_value + coalesce(sum(h.transaction_value), 0) as b
              from pgbank.initial_data d left join pgbank.historical_transactions h on h.provider_id = d.id
             group by d.id) as x
     order by id`;
  assert.equal(kept, full);
  assert.equal([...await db.sql`select * from pgbank_private.provider_totals_verify()`], []);

  const app = await db.sql.reserve();
  try {
    await app`set role pgbank_app`;
    const balances = await app`select key from pgbank.provider_balances()`;
    assert.is(balances.length, 2);
    let e = await sqlstate(app`insert into pgbank.historical_transactions (provider_id, transaction_value) values (1, 1)`);
    assert.is(e.code, '42501');
    e = await sqlstate(app`select * from pgbank_private.provider_totals_verify()`);
    assert.is(e.code, '42501');
    e = await sqlstate(app`select * from pgbank.initial_data`);
    assert.is(e.code, '42501');
  } finally {
    await app`reset role`;
    app.release();
  }
});

test.run();
