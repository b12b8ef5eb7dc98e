// The bridge never loops on one message: poison messages of every kind, among good ones, on real RabbitMQ, PostgreSQL and Redis.
// Each poison reaches a dead-letter queue exactly once, the good ones are recorded exactly once
// (those without a message_id too: a redelivered batch would record them again), the session never ends.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { declareSourceQueue, withAmqp, type Options } from '../../src/bridge/amqp.ts';
import type { BridgeProcess } from '../../src/bridge/process.ts';
import { seedExampleProviders } from '../../src/bridge/sql.ts';
import { AMQP_URL, bridgeFixture } from '../helpers/bridge.ts';
import { sleep, until } from '../helpers/wait.ts';
import { testDatabase, type TestDatabase } from '../helpers/db.ts';

const fixture = bridgeFixture('bridge_poison');
const { tag, queueFor } = fixture;
let db: TestDatabase;
const PROVIDER = '3';  // this file's own provider: rows without a message_id are counted on it

interface Outgoing {
  label: string;
  body: string | Buffer;
  /** Good messages without one are counted on PROVIDER. */
  messageId?: string;
  headers?: Record<string, unknown>;
}

interface Poison extends Outgoing {
  code: string;
  reason: RegExp;
}

/** Publish with confirms, headers included (publishMessages sends none). */
async function publish(queue: string, messages: Outgoing[], deadLetterQueue = `${queue}.dead`): Promise<void> {
  await withAmqp(AMQP_URL, 'pgbank-test', async (connection) => {
    await declareSourceQueue(connection, queue, deadLetterQueue);
    const channel = await connection.createConfirmChannel();
    for (const m of messages) {
      const options: Options.Publish = { persistent: true, ...(m.messageId ? { messageId: m.messageId } : {}), ...(m.headers ? { headers: m.headers } : {}) };
      channel.sendToQueue(queue, typeof m.body === 'string' ? Buffer.from(m.body) : m.body, options);
    }
    await channel.waitForConfirms();
  });
}

/** Take every message out of a queue. */
const drain = (queue: string) => withAmqp(AMQP_URL, 'pgbank-test', async (connection) => {
  const channel = await connection.createChannel();
  const got = [];
  for (let m = await channel.get(queue, { noAck: true }); m; m = await channel.get(queue, { noAck: true })) got.push(m);
  await channel.close();
  return got;
});

const depth = (queue: string) => withAmqp(AMQP_URL, 'pgbank-test', async (connection) => {
  const channel = await connection.createChannel();
  const q = await channel.checkQueue(queue);
  await channel.close();
  return q.messageCount;
});

const recorded = async (label: string) => (await db.sql<{ message_id: string | null; value: string }[]>`
  select message_id, transaction_value::text as value from pgbank.historical_transactions
   where message_id like ${`${tag}-${label}-%`} or (provider_id = ${PROVIDER} and message_id is null)`);

/** Good messages, half with a message_id, half without: 2n, interleaved with the poison. */
function withGoodOnes(label: string, poison: Outgoing[]): Outgoing[] {
  const out: Outgoing[] = [];
  for (const [i, p] of poison.entries()) {
    out.push({ label: `good-${i}`, body: `{"id": ${PROVIDER}, "value": 1}`, messageId: `${tag}-${label}-good-${i}` });
    out.push({ ...p, messageId: `${tag}-${label}-${p.label}` });
    out.push({ label: `anonymous-${i}`, body: `{"id": ${PROVIDER}, "value": 1}` });
  }
  return out;
}

/**
 * Publish the poison among good messages, wait for both outcomes, then check that nothing more
 * happens: no second copy anywhere, no row twice, no session that ended (a redelivery).
 */
async function expectEachOnce(b: BridgeProcess, label: string, queue: string, poison: Poison[], deadLetterQueue = `${queue}.dead`) {
  const anonymousBefore = (await recorded('none')).length;
  await publish(queue, withGoodOnes(label, poison));
  const good = poison.length;
  await until(async () => (await recorded(label)).length - anonymousBefore >= 2 * good, 20_000, `${2 * good} good messages recorded`);
  await until(async () => (await depth(deadLetterQueue)) >= poison.length, 20_000, `${poison.length} dead letters`);
  await sleep(2_000);  // time for a redelivery, if there were one
  const rows = await recorded(label);
  assert.is(rows.filter((r) => r.message_id !== null).length, good, 'each good message with a message_id recorded once');
  assert.is(rows.length - anonymousBefore, 2 * good, 'each good message without a message_id recorded once');
  assert.not.ok(b.lines.some((l) => l.event === 'session_ended'), `no session ended: ${JSON.stringify(b.lines.find((l) => l.event === 'session_ended'))}`);
  assert.is(await depth(queue), 0, 'the source queue is empty');
  const letters = await drain(deadLetterQueue);
  assert.is(letters.length, poison.length, 'one dead letter per poison message');
  return letters;
}

test.before(async () => {
  db = await testDatabase('bridge_poison');
  await seedExampleProviders(db.sql);
  await db.sql`insert into pgbank.initial_data (id, provider_name, initial_value) values (${PROVIDER}, 'Poison', 0)`;
});

test.after(async () => {
  await fixture.cleanup();
  await db?.drop();
});

const huge = (n: number) => '9'.repeat(n);

test('default limit: a 100 MB body, 70,000-character ids, values and keys, bad UTF-8, headers that no longer fit', async () => {
  const queue = queueFor('limit');
  const b = fixture.start(db, queue);
  await b.waitFor((l) => l.event === 'consuming');
  const tooBig = /^body of [\d,]+ bytes is over the limit of 4,096 bytes$/;
  const pad = 'x'.repeat(100 * 1024 * 1024);
  const poison: Poison[] = [
    { label: 'id-70k', body: `{"id": ${huge(70_000)}, "value": 1}`, code: '22023', reason: tooBig },
    { label: 'value-70k', body: `{"id": 1, "value": 1.${'0'.repeat(70_000)}}`, code: '22023', reason: tooBig },
    { label: 'key-70k', body: `{"${'k'.repeat(70_000)}": 1, "id": 1, "value": 1}`, code: '22023', reason: tooBig },
    { label: '100mb', body: `{"id": 1, "value": 1, "pad": "${pad}"}`, code: '22023', reason: /^body of 104,857,6\d\d bytes is over the limit of 4,096 bytes$/ },
    { label: 'not-utf8', body: Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), code: '22021', reason: /^body is not valid UTF-8$/ },
    // Its own headers take most of amqplib's 64 KiB: with ours added they no longer fit.
    { label: 'full-headers', body: '{"id": 99, "value": 1}', headers: { pad: 'h'.repeat(65_400) }, code: 'P0002', reason: /^unknown provider '99'$/ },
  ];
  const letters = await expectEachOnce(b, 'limit', queue, poison);
  for (const p of poison) {
    const matching = letters.filter((l) => l.properties.messageId === `${tag}-limit-${p.label}`);
    assert.is(matching.length, 1, `${p.label}: in the dead-letter queue once`);
    const headers = matching[0]!.properties.headers ?? {};
    assert.is(String(headers['pgbank-error-code']), p.code, `${p.label}: code`);
    assert.match(String(headers['pgbank-reason']), p.reason, `${p.label}: reason ${String(headers['pgbank-reason'])}`);
    assert.is(matching[0]!.content.length, Buffer.byteLength(p.body), `${p.label}: the body is kept`);
  }
  const full = letters.find((l) => l.properties.messageId === `${tag}-limit-full-headers`)!.properties.headers ?? {};
  assert.is(full.pad, undefined, 'the headers that did not fit are left out');
  assert.match(String(full['pgbank-original-headers']), /^left out: Encoded field table/);
});

test('a raised limit: every reason and log line stays short, whatever the content', async () => {
  const queue = queueFor('cut');
  const b = fixture.start(db, queue, { BRIDGE_MAX_MESSAGE_BYTES: String(1024 * 1024) });
  await b.waitFor((l) => l.event === 'consuming');
  // As pgbank_private.shown quotes a value: its first 100 characters and its length.
  const shown = (text: string, n: number) => `'${text.slice(0, 100)}'… \\(${n} characters\\)`;
  const poison: Poison[] = [
    { label: 'id-70k', body: `{"id": ${huge(70_000)}, "value": 1}`, code: 'P0002', reason: new RegExp(`^unknown provider ${shown(huge(70_000), 70_000)}$`) },
    { label: 'value-70k', body: `{"id": 1, "value": ${huge(70_000)}}`, code: '22023',
      reason: new RegExp(`^value ${shown(huge(70_000), 70_000)} is too long: at most 1000 characters$`) },
    { label: 'zeros-70k', body: `{"id": 1, "value": 1.${'0'.repeat(70_000)}}`, code: '22023', reason: /^value '1\.0{98}'… \(70002 characters\) is too long/ },
    { label: 'string-id-70k', body: `{"id": "${'s'.repeat(70_000)}", "value": 1}`, code: '22P02', reason: /^id must be a JSON number, got the string "s{39}… \(70,002 characters\)$/ },
    { label: 'key-70k-twice', body: `{"${'k'.repeat(70_000)}": 1, "${'k'.repeat(70_000)}": 2, "id": 1, "value": 1}`, code: '22P02',
      reason: /^malformed JSON: Duplicate key 'k{185}… \(70,\d{3} characters\)$/ },
    { label: 'bad-fraction-70k', body: `{"id": 1, "value": 0.${'5'.repeat(70_000)}}`, code: '22023', reason: /^value '0\.5{98}'… \(70002 characters\) is too long/ },
  ];
  const letters = await expectEachOnce(b, 'cut', queue, poison);
  for (const p of poison) {
    const letter = letters.find((l) => l.properties.messageId === `${tag}-cut-${p.label}`);
    assert.ok(letter, `${p.label} is in the dead-letter queue`);
    const headers = letter!.properties.headers ?? {};
    assert.is(String(headers['pgbank-error-code']), p.code, `${p.label}: code`);
    assert.match(String(headers['pgbank-reason']), p.reason, `${p.label}: reason ${String(headers['pgbank-reason'])}`);
  }
  const longest = Math.max(...b.lines.map((l) => JSON.stringify(l).length));
  assert.ok(longest < 2_000, `every log line is short (longest ${longest} characters)`);
  assert.ok(b.other.every((l) => l.length < 2_000), 'nothing long on stderr either');

  // '1.' and 990 zeros is 1.00; a value sent with fewer decimals gets two.
  await publish(queue, [
    { label: 'zeros', body: `{"id": ${PROVIDER}, "value": 1.${'0'.repeat(990)}}`, messageId: `${tag}-scale-zeros` },
    { label: 'whole', body: `{"id": ${PROVIDER}, "value": 600}`, messageId: `${tag}-scale-whole` },
    { label: 'fine', body: `{"id": ${PROVIDER}, "value": 0.1}`, messageId: `${tag}-scale-fine` },
  ]);
  await until(async () => (await recorded('scale')).filter((r) => r.message_id).length === 3, 10_000, 'three scaled values');
  const values = Object.fromEntries((await recorded('scale')).filter((r) => r.message_id).map((r) => [r.message_id, r.value]));
  assert.equal(values, { [`${tag}-scale-zeros`]: '1.00', [`${tag}-scale-whole`]: '600.00', [`${tag}-scale-fine`]: '0.10' });
});

test('when the dead letter cannot be published, the broker dead-letters the message and the batch goes on', async () => {
  // The bridge's dead-letter queue refuses everything (the broker nacks each publish); the source
  // queue was declared before the bridge, by someone else, with its own dead-letter exchange.
  const queue = queueFor('fallback');
  const parked = queueFor('fallback.parked');
  await withAmqp(AMQP_URL, 'pgbank-test', async (connection) => {
    const channel = await connection.createChannel();
    await channel.assertQueue(`${queue}.dead`, { durable: true, arguments: { 'x-max-length': 0, 'x-overflow': 'reject-publish' } });
    await channel.assertQueue(parked, { durable: true });
    await channel.assertQueue(queue, { durable: true, arguments: { 'x-dead-letter-exchange': '', 'x-dead-letter-routing-key': parked } });
    await channel.close();
  });
  const b = fixture.start(db, queue);
  await b.waitFor((l) => l.event === 'consuming');
  assert.ok(b.lines.some((l) => l.event === 'queue_without_dead_letter_exchange'), 'the queue declared with other arguments is used as it is, and said');
  const poison: Poison[] = [
    { label: 'unknown', body: '{"id": 99, "value": 1}', code: 'P0002', reason: /unknown provider/ },
    { label: 'malformed', body: '{"id": 1, "value": ', code: '22P02', reason: /^malformed JSON/ },
    { label: 'huge-id', body: `{"id": ${huge(3_000)}, "value": 1}`, code: 'P0002', reason: /unknown provider/ },
  ];
  const parkedLetters = await expectEachOnce(b, 'fallback', queue, poison, parked);
  for (const p of poison) {
    const letter = parkedLetters.find((l) => l.properties.messageId === `${tag}-fallback-${p.label}`);
    assert.ok(letter, `${p.label} was dead-lettered by the broker`);
    const death = (letter!.properties.headers?.['x-death'] as { reason?: string }[] | undefined)?.[0];
    assert.is(death?.reason, 'rejected');
    const logged = b.lines.find((l) => l.event === 'dead_letter_failed' && l.message_id === `${tag}-fallback-${p.label}`);
    assert.ok(logged, `${p.label}: the failure is logged`);
    assert.is(logged!.code, p.code);
    assert.match(String(logged!.reason), p.reason);
  }
});

test.run();
