// Change events across a RabbitMQ restart (rabbitmqctl stop_app / start_app) under a transfer load: the publisher
// waits the broker out, and every change is published at least once, none invented, in order per account. Serial:
// it stops the shared broker. PostgreSQL is a cluster of this file (a copy of its database), as in events.test.ts.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { connect, type Sql } from '../../src/db.ts';
import type { ChangeEvent } from '../../src/events/decode.ts';
import { testDatabase, type TestDatabase } from '../helpers/db.ts';
import { balancesOf, drain, eventProblems, eventsFixture, fundedAccounts, transferLoad } from '../helpers/events.ts';
import { scratchCluster, type ScratchCluster } from '../helpers/pgcluster.ts';
import { sleep } from '../helpers/wait.ts';

const run = promisify(execFile);
const rabbitmqctl = (command: string) => run('rabbitmqctl', [command], { timeout: 60_000 });
const fixture = eventsFixture('events_broker');
const { tag } = fixture;
let db: TestDatabase;
let cluster: ScratchCluster;
let sql: Sql;

// uvu swallows an error of a before hook (and exits 0): the test throws it instead.
let setupFailed: unknown;
test.before(async () => {
  try {
    db = await testDatabase('events_broker');
    cluster = await scratchCluster('events_broker', db.settings);
    sql = connect({ ...cluster.settings, max: 2, name: 'pgbank-test-events' });
  } catch (err) {
    setupFailed = err;
  }
});

test.after(async () => {
  await rabbitmqctl('start_app').catch(() => {});  // never leave the shared broker stopped
  await sql?.end({ timeout: 1 }).catch(() => {});
  await fixture.cleanup(cluster ? [cluster.settings] : []);
  await cluster?.drop();
  await db?.drop();
});

test('RabbitMQ stop_app / start_app while transfers commit: the publisher resumes by itself, every change at least once, none invented, in order per account', async () => {
  if (setupFailed) throw setupFailed;
  const accounts = await fundedAccounts(sql, `${tag}-b`, 8, '100000');
  const [marker] = await fundedAccounts(sql, `${tag}-b-mark`, 1, '1');
  const slot = fixture.slotFor('broker');
  const { exchange, queue } = await fixture.exchangeFor('broker');
  const p = fixture.start(cluster.settings, { EVENTS_SLOT: slot, EVENTS_EXCHANGE: exchange });
  await p.waitFor((l) => l.event === 'publishing', 30_000);
  const initial = await balancesOf(sql, accounts);
  const [{ after }] = (await sql<{ after: string }[]>`select coalesce(max(id), 0)::text as after from pgbank.transactions`) as unknown as [{ after: string }];

  const stop = new AbortController();
  const loading = transferLoad(() => connect({ ...cluster.settings, max: 1, name: 'pgbank-test-load' }), accounts, `${tag}-b`, 2, stop.signal);
  let calls = 0;
  try {
    await p.waitFor((l) => l.event === 'progress' && Number(l.events) > 0, 20_000, 'events published');
    await rabbitmqctl('stop_app');
    await p.waitFor((l) => l.event === 'session_ended', 15_000, 'the publisher noticing');
    await sleep(2_000);  // transfers go on committing meanwhile: the slot keeps them
    assert.is(p.child.exitCode, null, `the publisher stays up while the broker is down; its last lines:\n${p.tail()}`);
    const restarting = Date.now();
    await rabbitmqctl('start_app');
    await p.waitFor((l) => l.event === 'publishing' && Date.parse(l.ts) > restarting, 30_000, 'publishing again after start_app');
    await sleep(2_000);
  } finally {
    stop.abort();
    calls = (await loading).calls;
  }
  await sql`select pgbank.top_up(${`${tag}-mark`}, ${marker!}::uuid, 1)`;
  const events = await drain(queue, (list: ChangeEvent[]) => list.some((e) => e.account === marker), 90_000);
  const { problems, unique, repeats } = await eventProblems(sql, events, accounts, initial, after);
  assert.equal(problems, []);
  assert.ok(calls > 100 && unique >= 2 * calls, `${calls} transfers, ${unique} events (${repeats} repeats)`);
  assert.equal(await p.stop('SIGTERM'), { code: 0, signal: null });
});

test.run();
