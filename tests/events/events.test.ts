// Change events (npm run events): what each ledger call publishes, ids stable across slots and
// redeliveries, one publisher per slot, the lag; under a transfer load, SIGKILL of the publisher and
// an immediate stop of PostgreSQL. On a cluster of this file (a copy of its database), which it may
// crash, and where a slot is made at once.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { connect, type Sql } from '../../src/db.ts';
import type { ChangeEvent } from '../../src/events/decode.ts';
import { testDatabase, type TestDatabase } from '../helpers/db.ts';
import { balancesOf, drain, eventProblems, eventsFixture, fundedAccounts, transferLoad } from '../helpers/events.ts';
import { scratchCluster, type ScratchCluster } from '../helpers/pgcluster.ts';
import { sleep, until } from '../helpers/wait.ts';

const fixture = eventsFixture('events');
const { tag } = fixture;
let db: TestDatabase;
let cluster: ScratchCluster;
let sql: Sql;
const pools: Sql[] = [];
const pool = (max: number) => {
  const p = connect({ ...cluster.settings, max, name: 'pgbank-test-events' });
  pools.push(p);
  return p;
};

// uvu swallows an error of a before hook (and exits 0): each test throws it instead.
let setupFailed: unknown;
test.before(async () => {
  try {
    db = await testDatabase('events');
    cluster = await scratchCluster('events', db.settings);
    sql = pool(4);
  } catch (err) {
    setupFailed = err;
  }
});
test.before.each(() => {
  if (setupFailed) throw setupFailed;
});

test.after(async () => {
  await Promise.all(pools.map((p) => p.end({ timeout: 1 }).catch(() => {})));
  await fixture.cleanup(cluster ? [cluster.settings] : []);
  await cluster?.drop();
  await db?.drop();
});

const markerSeen = (marker: string) => (events: ChangeEvent[]) => events.some((e) => e.account === marker);
/** A last change, on an account of its own: once its event is in the queue, everything committed before it is too. */
const mark = async (marker: string, n: number) => sql`select pgbank.top_up(${`${tag}-mark-${n}`}, ${marker}::uuid, 1)`;

test('each ledger call publishes what it changed: amounts, balances after, ledger rows, a status; the same ids from another slot read through SQL', async () => {
  const [a, b, marker] = await fundedAccounts(sql, `${tag}-kinds`, 3, '0.01');
  const slot = fixture.slotFor('kinds');
  const second = fixture.slotFor('kinds2');
  const { exchange, queue } = await fixture.exchangeFor('kinds');
  const again = await fixture.exchangeFor('kinds2');
  // A slot made by hand at the same moment: a publisher started on it much later must say the same.
  await sql`select pg_create_logical_replication_slot(${second}, 'pgoutput')`;
  const p = fixture.start(cluster.settings, { EVENTS_SLOT: slot, EVENTS_EXCHANGE: exchange });
  await p.waitFor((l) => l.event === 'publishing', 30_000);

  await sql`select pgbank.top_up(${`${tag}-k1`}, ${a!}::uuid, 100)`;
  const [t] = await sql<{ transaction_id: string }[]>`select transaction_id::text from pgbank.transfer(${`${tag}-k2`}, ${a!}::uuid, ${b!}::uuid, 30.25)`;
  const [failed] = await sql<{ status: string }[]>`select status from pgbank.transfer(${`${tag}-k3`}, ${a!}::uuid, ${b!}::uuid, 500)`;
  assert.is(failed!.status, 'failed');
  // The other way too: whichever account's id is smaller, one of these two credits the payee before
  // the payer's debit fails, and takes it back. Neither is an event.
  const [back] = await sql<{ status: string }[]>`select status from pgbank.transfer(${`${tag}-k3b`}, ${b!}::uuid, ${a!}::uuid, 500)`;
  assert.is(back!.status, 'failed');
  const [h] = await sql<{ hold_id: string }[]>`select hold_id::text from pgbank.hold(${`${tag}-k4`}, ${a!}::uuid, ${b!}::uuid, 10, '1 hour')`;
  await sql`select pgbank.post_hold(${h!.hold_id}::uuid)`;
  // One call, four items: the same two accounts and amount twice, each event names its own row; the
  // last fails (its row is written 'success' before the accounts are locked, then set 'failed'): not named.
  const items = await sql<{ transaction_id: string; status: string }[]>`
    select transaction_id::text, status from pgbank.transfers(${[`${tag}-k5`, `${tag}-k6`, `${tag}-k7`, `${tag}-k7b`]}::text[],
      ${[a!, a!, b!, b!]}::uuid[], ${[b!, b!, a!, a!]}::uuid[], ${['1', '1', '2.5', '1000']}::numeric[])`;
  assert.equal(items.map((r) => r.status), ['success', 'success', 'success', 'failed']);
  const batch = items.slice(0, 3);
  // A status change (the reason and who are in pgbank.account_status_changes).
  await sql`select pgbank.set_account_status(${a!}::uuid, 'frozen', 'test', 'events test', true)`;
  // A frozen payee: when the payer comes first, its debit is taken back. Not an event either.
  const [refused] = await sql<{ reason: string }[]>`select reason from pgbank.transfer(${`${tag}-k8`}, ${b!}::uuid, ${a!}::uuid, 1)`;
  assert.is(refused!.reason, 'account_frozen');
  await mark(marker!, 1);

  const events = (await drain(queue, markerSeen(marker!))).filter((e) => e.account !== marker);
  // Per account, in commit order (within one transaction the accounts come in id order: the ledger's lock order).
  const [holdRow] = await sql<{ id: string }[]>`select id::text from pgbank.transactions where sender = ${a!}::uuid and amount = 10`;
  const of = (account: string) => events.filter((e) => e.account === account)
    .map((e) => [e.kind, e.amount ?? e.status, e.balance_after ?? e.previous_status, e.transaction_id ?? e.transaction_ids?.join(',') ?? null]);
  const [topUp] = await sql<{ id: string }[]>`select id::text from pgbank.transactions where receiver = ${a!}::uuid and amount = 100`;
  assert.equal(of(a!), [
    ['balance.changed', '100.00', '100.01', topUp!.id],
    ['balance.changed', '-30.25', '69.76', t!.transaction_id],
    ['balance.changed', '-10.00', '59.76', holdRow!.id],
    // transfers() moves a call's balances set-wise: one change per account, naming the call's rows
    ['balance.changed', '0.50', '60.26', batch.map((r) => r.transaction_id).join(',')],
    ['account.status', 'frozen', 'open', null],
  ]);
  assert.equal(of(b!), [
    ['balance.changed', '30.25', '30.26', t!.transaction_id],
    ['balance.changed', '10.00', '40.26', holdRow!.id],
    ['balance.changed', '-0.50', '39.76', batch.map((r) => r.transaction_id).join(',')],
  ]);
  const status = events.at(-1)!;
  assert.is(status.credits_frozen, true);
  const transfer = events.find((e) => e.transaction_id === t!.transaction_id && e.account === a)!;
  assert.is(transfer.counterparty, b);
  assert.is(transfer.balance_before, '100.01');
  const pair = events.filter((e) => e.lsn === transfer.lsn).map((e) => e.id);
  assert.equal(pair, [`${transfer.lsn}-1`, `${transfer.lsn}-2`], 'both sides of a transfer: one commit, two positions');
  assert.ok(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/.test(transfer.committed_at), transfer.committed_at);

  // The lag is visible to the application role, and a second publisher on the slot stays out.
  const [lag] = await sql.begin(async (tx) => {
    await tx`set local role pgbank_app`;
    return tx<{ slot_name: string; lag_bytes: string }[]>`select slot_name, lag_bytes::text from pgbank.event_slots() where slot_name = ${slot}`;
  });
  assert.is(lag?.slot_name, slot);
  assert.ok(Number(lag!.lag_bytes) >= 0);
  const other = fixture.start(cluster.settings, { EVENTS_SLOT: slot, EVENTS_EXCHANGE: exchange, EVENTS_STANDBY: 'exit' });
  assert.equal(await other.exited, { code: 3, signal: null });
  assert.ok(other.lines.some((l) => l.event === 'another_instance_running'));
  assert.equal(await p.stop('SIGTERM'), { code: 0, signal: null });

  // The slot made by hand, read now by a new publisher (through SQL, EVENTS_READ=peek): the same events, byte for byte.
  const q = fixture.start(cluster.settings, { EVENTS_SLOT: second, EVENTS_EXCHANGE: again.exchange, EVENTS_READ: 'peek' });
  const replayed = (await drain(again.queue, markerSeen(marker!))).filter((e) => e.account !== marker);
  assert.equal(replayed, events);
  await q.stop('SIGTERM');
});

test('SIGTERM just as it starts streaming: a clean exit at once, the slot let go (the bench once hung on a replication connection left open)', async () => {
  const slot = fixture.slotFor('term');
  const { exchange } = await fixture.exchangeFor('term');
  for (let i = 0; i < 6; i++) {
    const p = fixture.start(cluster.settings, { EVENTS_SLOT: slot, EVENTS_EXCHANGE: exchange });
    await p.waitFor((l) => l.event === 'publishing', 30_000);
    if (i % 2) await sleep(5 * i);
    const exit = await Promise.race([p.stop('SIGTERM'), sleep(10_000).then(() => 'still running')]);
    assert.equal(exit, { code: 0, signal: null }, `start ${i + 1}; last lines:\n${p.tail()}`);
  }
  await until(async () => (await sql`select 1 from pg_replication_slots where slot_name = ${slot} and not active`).length === 1, 5_000, 'the slot inactive');
});

test('the publisher SIGKILLed 3 times under 2 clients of transfers: every change published at least once, none invented, in commit order per account', async () => {
  const accounts = await fundedAccounts(sql, `${tag}-kill`, 8, '100000');
  const [marker] = await fundedAccounts(sql, `${tag}-kill-mark`, 1, '1');
  const slot = fixture.slotFor('kill');
  const { exchange, queue } = await fixture.exchangeFor('kill');
  const env = { EVENTS_SLOT: slot, EVENTS_EXCHANGE: exchange };
  let p = fixture.start(cluster.settings, env);
  await p.waitFor((l) => l.event === 'publishing', 30_000);
  const initial = await balancesOf(sql, accounts);
  const [{ after }] = (await sql<{ after: string }[]>`select coalesce(max(id), 0)::text as after from pgbank.transactions`) as unknown as [{ after: string }];

  const stop = new AbortController();
  const loading = transferLoad(() => connect({ ...cluster.settings, max: 1, name: 'pgbank-test-load' }), accounts, `${tag}-kill`, 2, stop.signal);
  const kills: string[] = [];
  try {
    for (let k = 0; k < 3; k++) {
      // Struck while it publishes: some batches confirmed, one in flight.
      await p.waitFor((l) => l.event === 'progress' && Number(l.events) > 0, 20_000, 'events published');
      await sleep(200 + Math.random() * 600);
      const exit = await p.stop('SIGKILL');
      kills.push(`${JSON.stringify(exit.signal)} after ${p.lines.filter((l) => l.event === 'progress').at(-1)?.events} events`);
      p = fixture.start(cluster.settings, env);
    }
    await p.waitFor((l) => l.event === 'progress' && Number(l.events) > 0, 20_000, 'events published after the last kill');
  } finally {
    stop.abort();
  }
  const { calls } = await loading;
  await mark(marker!, 2);
  const events = await drain(queue, markerSeen(marker!), 90_000);
  const { problems, unique, repeats } = await eventProblems(sql, events, accounts, initial, after);
  assert.equal(problems, [], kills.join(', '));
  assert.ok(calls > 100 && unique >= 2 * calls, `${calls} transfers, ${unique} events (${repeats} repeats), ${kills.join(', ')}`);
  await p.stop('SIGTERM');
});

test('PostgreSQL stopped hard (immediate) under 2 clients of transfers and started again: every committed change at least once, none invented, order per account', async () => {
  const accounts = await fundedAccounts(sql, `${tag}-crash`, 8, '100000');
  const [marker] = await fundedAccounts(sql, `${tag}-crash-mark`, 1, '1');
  const slot = fixture.slotFor('crash');
  const { exchange, queue } = await fixture.exchangeFor('crash');
  const p = fixture.start(cluster.settings, { EVENTS_SLOT: slot, EVENTS_EXCHANGE: exchange });
  await p.waitFor((l) => l.event === 'publishing', 30_000);
  const initial = await balancesOf(sql, accounts);
  const [{ after }] = (await sql<{ after: string }[]>`select coalesce(max(id), 0)::text as after from pgbank.transactions`) as unknown as [{ after: string }];

  const stop = new AbortController();
  const loading = transferLoad(() => connect({ ...cluster.settings, max: 1, name: 'pgbank-test-load' }), accounts, `${tag}-crash`, 2, stop.signal);
  try {
    await p.waitFor((l) => l.event === 'progress' && Number(l.events) > 0, 20_000, 'events published');
    await sleep(300 + Math.random() * 700);
    await cluster.crash();
    await sleep(1_000);
    const restarted = Date.now();
    await cluster.start();
    await p.waitFor((l) => l.event === 'publishing' && Date.parse(l.ts) > restarted, 30_000, 'publishing again after the restart');
    const [{ n: before }] = (await sql<{ n: number }[]>`select count(*)::int as n from pgbank.transactions`) as unknown as [{ n: number }];
    await until(async () => (await sql<{ n: number }[]>`select count(*)::int as n from pgbank.transactions`)[0]!.n > before + 200, 20_000, 'transfers after the restart');
  } finally {
    stop.abort();
  }
  const { calls, errors } = await loading;
  await mark(marker!, 3);
  const events = await drain(queue, markerSeen(marker!), 90_000);
  const { problems, unique, repeats } = await eventProblems(sql, events, accounts, initial, after);
  assert.equal(problems, []);
  assert.ok(errors > 0, `the load saw the server go (${errors} failed calls)`);
  assert.ok(unique >= 2 * calls, `${calls} transfers, ${unique} events (${repeats} repeats)`);
  assert.is(p.child.exitCode, null, 'the same publisher carried on');
  assert.equal(await p.stop('SIGTERM'), { code: 0, signal: null });
});

test.run();
