// Provider bridge across a RabbitMQ restart (rabbitmqctl stop_app / start_app) mid-consumption: it resumes by itself, nothing lost or doubled. Serial: it stops the shared broker.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { publishMessages } from '../../src/bridge/publisher.ts';
import { seedExampleProviders } from '../../src/bridge/sql.ts';
import { AMQP_URL, bridgeFixture } from '../helpers/bridge.ts';
import { sleep, until } from '../helpers/wait.ts';
import { testDatabase, type TestDatabase } from '../helpers/db.ts';

const fixture = bridgeFixture('bridge_broker');
const { tag } = fixture;
const queue = fixture.queueFor('incoming');
const run = promisify(execFile);
let db: TestDatabase;

const recorded = async () => (await db.sql<{ rows: number; distinct: number; sum: string }[]>`
  select count(*)::int as rows, count(distinct message_id)::int as distinct, coalesce(sum(transaction_value), 0)::text as sum
    from pgbank.historical_transactions where message_id like ${tag + '-%'}`)[0]!;
const rabbitmqctl = (command: string) => run('rabbitmqctl', [command], { timeout: 60_000 });

test.before(async () => {
  db = await testDatabase('bridge_broker');
  await seedExampleProviders(db.sql);
});

test.after(async () => {
  await rabbitmqctl('start_app').catch(() => {});  // never leave the shared broker stopped
  await fixture.cleanup();
  await db?.drop();
});

test('RabbitMQ stop_app / start_app while the bridge consumes: it reconnects by itself, every message recorded once', async () => {
  const count = 30_000;
  // A backlog of durable messages (they survive the broker's restart), then a bridge slowed
  // down with small batches so the restart lands in the middle of it.
  await publishMessages({ url: AMQP_URL, queue, count, message: (i) => ({ body: `{"id": ${1 + (i % 2)}, "value": ${i % 100}}`, messageId: `${tag}-${i}` }) });
  const b = fixture.start(db, queue, { BRIDGE_BATCH_SIZE: '20', BRIDGE_BATCHES_IN_FLIGHT: '1' });
  await b.waitFor((l) => l.event === 'consuming', 20_000);
  await until(async () => (await recorded()).rows >= 2_000, 20_000, '2,000 rows');

  await rabbitmqctl('stop_app');
  const atStop = (await recorded()).rows;
  assert.ok(atStop < count, `the broker stopped mid-consumption (${atStop} of ${count} recorded)`);
  await b.waitFor((l) => l.event === 'session_ended', 10_000, 'the bridge noticing');
  await sleep(2_000);
  assert.is(b.child.exitCode, null, 'the bridge stays up while the broker is down');
  // Taken before start_app returns: the bridge may be consuming again before the CLI exits.
  const restarting = Date.now();
  await rabbitmqctl('start_app');

  await b.waitFor((l) => l.event === 'consuming' && Date.parse(l.ts) > restarting, 30_000, 'consuming again after start_app');
  await until(async () => (await recorded()).rows >= count, 60_000, `${count} rows`);
  await sleep(500);
  const expectedSum = Array.from({ length: count }, (_, i) => i % 100).reduce((a, v) => a + v, 0);
  assert.equal(await recorded(), { rows: count, distinct: count, sum: `${expectedSum}.00` });

  // And new messages still flow.
  await publishMessages({ url: AMQP_URL, queue, count: 100, message: (i) => ({ body: '{"id": 1, "value": 1}', messageId: `${tag}-after-${i}` }) });
  await until(async () => (await recorded()).rows === count + 100, 15_000, 'messages published after the restart');
  const exit = await b.stop('SIGTERM');
  assert.equal(exit, { code: 0, signal: null });
});

test.run();
