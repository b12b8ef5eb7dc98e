// What the change-event tests share: a slot, exchange and queue per test file (unique names, all
// removed by cleanup(), slots first: a slot left behind pins WAL forever), publishers started on
// them, a transfer load, draining the queue, and the check of events against the ledger.
import { randomBytes, randomInt } from 'node:crypto';
import { connectAmqp, type ConsumeMessage } from '../../src/bridge/amqp.ts';
import { bridgeEnv, startBridge, type BridgeProcess } from '../../src/bridge/process.ts';
import type { DbSettings } from '../../src/config.ts';
import { connect, type Sql } from '../../src/db.ts';
import { CONSUMER_QUEUE_ARGUMENTS } from '../../src/events/config.ts';
import type { ChangeEvent } from '../../src/events/decode.ts';
import { AMQP_URL } from './bridge.ts';

export { AMQP_URL };

export interface EventsFixture {
  tag: string;
  /** A slot name of this file (dropped by cleanup()). */
  slotFor(name: string): string;
  /** A topic exchange of this file and a durable queue bound to it with '#' (both deleted by cleanup()). */
  exchangeFor(name: string): Promise<{ exchange: string; queue: string }>;
  /** A publisher on `db` (its slot and exchange in `settings`: EVENTS_SLOT, EVENTS_EXCHANGE); SIGKILLed by cleanup(). */
  start(db: DbSettings, settings: Record<string, string>): BridgeProcess;
  /** Kill the publishers, drop the slots (on every server named), delete exchanges and queues. */
  cleanup(servers: DbSettings[]): Promise<void>;
}

export function eventsFixture(file: string): EventsFixture {
  const tag = `pgbank_t_${file}_${randomBytes(3).toString('hex')}`;
  const slots: string[] = [];
  const exchanges: string[] = [];
  const queues: string[] = [];
  const publishers: BridgeProcess[] = [];
  return {
    tag,
    slotFor(name) {
      const slot = `${tag}_${name}`.toLowerCase();
      slots.push(slot);
      return slot;
    },
    async exchangeFor(name) {
      const exchange = `${tag}.${name}`;
      const queue = `${exchange}.all`;
      exchanges.push(exchange);
      queues.push(queue);
      const connection = await connectAmqp(AMQP_URL, 'pgbank-test-events');
      try {
        const ch = await connection.createChannel();
        await ch.assertExchange(exchange, 'topic', { durable: true });
        await ch.assertQueue(queue, { durable: true, arguments: CONSUMER_QUEUE_ARGUMENTS });
        await ch.bindQueue(queue, exchange, '#');
        await ch.close();
      } finally {
        await connection.close();
      }
      return { exchange, queue };
    },
    start(db, settings) {
      const p = startBridge(bridgeEnv(db, { AMQP_URL, EVENTS_PROGRESS_MS: '1000', ...settings }),
        { echo: !!process.env.EVENTS_TEST_ECHO, script: 'src/events/main.ts' });
      publishers.push(p);
      return p;
    },
    async cleanup(servers) {
      await Promise.all(publishers.map((p) => p.stop('SIGKILL')));
      for (const server of servers) {
        const sql = connect({ ...server, max: 1, name: 'pgbank-test-cleanup' });
        try {
          // A peek may still run in a killed publisher's backend (the slot is active there): end it first.
          for (let i = 0; i < 50; i++) {
            const active = await sql`
              select pg_terminate_backend(active_pid) from pg_replication_slots where slot_name = any(${slots}) and active_pid is not null`;
            const [left] = await sql<{ n: number }[]>`
              select count(*)::int as n from (select pg_drop_replication_slot(slot_name) from pg_replication_slots
                                               where slot_name = any(${slots}) and not active) d`;
            const [still] = await sql<{ n: number }[]>`select count(*)::int as n from pg_replication_slots where slot_name = any(${slots})`;
            if (!still!.n) break;
            void active;
            void left;
            await new Promise((r) => setTimeout(r, 100));
          }
        } catch {
          // the server may be gone (a cluster of the test, removed whole)
        } finally {
          await sql.end({ timeout: 1 });
        }
      }
      const connection = await connectAmqp(AMQP_URL, 'pgbank-test-cleanup').catch(() => null);
      if (connection) {
        connection.on('error', () => {});
        try {
          const ch = await connection.createChannel();
          for (const q of queues) await ch.deleteQueue(q);
          for (const e of exchanges) await ch.deleteExchange(e);
          await ch.close();
        } finally {
          await connection.close().catch(() => {});
        }
      }
    },
  };
}

/** Everything in `queue` (durable, so it survives a broker restart) until `done(events so far)` holds or `timeoutMs` passes. */
export async function drain(queue: string, done: (events: ChangeEvent[]) => boolean, timeoutMs = 60_000): Promise<ChangeEvent[]> {
  const events: ChangeEvent[] = [];
  const connection = await connectAmqp(AMQP_URL, 'pgbank-test-drain');
  connection.on('error', () => {});
  try {
    const ch = await connection.createChannel();
    await ch.prefetch(2_000);
    const finished = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms draining ${queue}: ${events.length} events`)), timeoutMs);
      const check = () => {
        if (done(events)) {
          clearTimeout(timer);
          resolve();
        }
      };
      void ch.consume(queue, (m: ConsumeMessage | null) => {
        if (!m) return;
        const e = JSON.parse(m.content.toString()) as ChangeEvent;
        if (e.id !== m.properties.messageId || e.kind !== m.fields.routingKey) reject(new Error(`message id/routing key do not match the body: ${m.content.toString()}`));
        events.push(e);
        ch.ack(m);
        check();
      });
      check();
    });
    await finished;
    await ch.close();
  } finally {
    await connection.close().catch(() => {});
  }
  return events;
}

/** Accounts of a test (fixed ids), each topped up with `each`. */
export async function fundedAccounts(sql: Sql, tag: string, count: number, each: string): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const [a] = await sql<{ id: string }[]>`select id from pgbank.create_account(${`${tag} ${i}`}, 0)`;
    await sql`select pgbank.top_up(${`${tag}-fund-${i}`}, ${a!.id}::uuid, ${each}::numeric)`;
    ids.push(a!.id);
  }
  return ids;
}

/**
 * Random transfer() calls among `accounts` from `clients` loops, each on a connection of its own
 * made by `open`, until `stop` fires. A call that fails (the server going away) is counted, its
 * connection replaced (postgres.js 3.4.9 may leave one unable to answer again) and the loop goes
 * on: the ledger is the truth.
 */
export async function transferLoad(open: () => Sql, accounts: string[], tag: string, clients: number, stop: AbortSignal): Promise<{ calls: number; errors: number }> {
  let calls = 0;
  let errors = 0;
  await Promise.all(Array.from({ length: clients }, async (_, c) => {
    let sql = open();
    for (let i = 0; !stop.aborted; i++) {
      const a = randomInt(accounts.length);
      const b = (a + 1 + randomInt(accounts.length - 1)) % accounts.length;
      const cents = 1 + randomInt(10_000);
      try {
        await sql`select pgbank.transfer(${`${tag}-${c}-${i}`}, ${accounts[a]!}::uuid, ${accounts[b]!}::uuid, ${(cents / 100).toFixed(2)}::numeric)`;
        calls++;
      } catch {
        errors++;
        void sql.end({ timeout: 0 }).catch(() => {});
        sql = open();
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    await sql.end({ timeout: 1 }).catch(() => {});
  }));
  return { calls, errors };
}

/**
 * Events against the ledger, for `accounts` from the moment `initial` was read: after removing
 * repeats (same id, same body), each account's events chain (balance_before = the previous
 * balance_after, from its initial balance to its balance now; versions grow: commit order), and
 * each effective ledger row after `afterTransactionId` shows once for each of its accounts, with
 * its amount and sign; nothing else. Returns the problems found (none: []) and counts.
 */
export async function eventProblems(sql: Sql, events: ChangeEvent[], accounts: string[], initial: Map<string, string>, afterTransactionId: string):
  Promise<{ problems: string[]; unique: number; repeats: number }> {
  const problems: string[] = [];
  const byId = new Map<string, string>();
  const perAccount = new Map<string, ChangeEvent[]>(accounts.map((a) => [a, []]));
  let repeats = 0;
  for (const e of events) {
    const body = JSON.stringify(e);
    const seen = byId.get(e.id);
    if (seen !== undefined) {
      repeats++;
      if (seen !== body) problems.push(`event ${e.id} came twice with different bodies: ${seen} / ${body}`);
      continue;
    }
    byId.set(e.id, body);
    if (e.kind !== 'balance.changed') continue;
    perAccount.get(e.account)?.push(e);
  }
  const rows = await sql<{ id: string; sender: string; receiver: string; amount: string }[]>`
    select id::text, sender::text, receiver::text, amount::text from pgbank.transactions
     where status = 'success' and id > ${afterTransactionId}::bigint and (sender = any(${accounts}::uuid[]) or receiver = any(${accounts}::uuid[]))`;
  const expected = new Map<string, string>();  // `${transaction}/${account}` -> signed amount
  for (const r of rows) {
    if (accounts.includes(r.sender)) expected.set(`${r.id}/${r.sender}`, `-${r.amount}`);
    if (accounts.includes(r.receiver)) expected.set(`${r.id}/${r.receiver}`, r.amount);
  }
  const balances = new Map((await sql<{ id: string; balance: string }[]>`
    select id::text, balance::text from pgbank.users where id = any(${accounts}::uuid[])`).map((r) => [r.id, r.balance]));
  const seenRows = new Set<string>();
  for (const [account, list] of perAccount) {
    let balance = initial.get(account)!;
    let version = -1n;
    for (const e of list) {
      if (e.balance_before !== balance) problems.push(`${account}: event ${e.id} starts from ${e.balance_before}, the previous ended at ${balance}`);
      if (BigInt(e.version ?? '0') <= version) problems.push(`${account}: event ${e.id} has version ${e.version} after ${version}`);
      version = BigInt(e.version ?? '0');
      balance = e.balance_after!;
      const key = `${e.transaction_id}/${account}`;
      const want = expected.get(key);
      if (want === undefined) problems.push(`${account}: event ${e.id} names transaction ${e.transaction_id}, not an effective row of this run`);
      else if (want !== e.amount) problems.push(`${account}: event ${e.id} moves ${e.amount}, transaction ${e.transaction_id} ${want}`);
      if (seenRows.has(key)) problems.push(`${account}: transaction ${e.transaction_id} in two events`);
      seenRows.add(key);
    }
    if (balance !== balances.get(account)) problems.push(`${account}: events end at ${balance}, the account holds ${balances.get(account)}`);
  }
  const missing = [...expected.keys()].filter((k) => !seenRows.has(k));
  if (missing.length) problems.push(`${missing.length} ledger changes without an event, e.g. ${missing.slice(0, 3).join(', ')}`);
  return { problems: problems.slice(0, 20), unique: byId.size, repeats };
}

/** The balances of `accounts` now, as text. */
export async function balancesOf(sql: Sql, accounts: string[]): Promise<Map<string, string>> {
  return new Map((await sql<{ id: string; balance: string }[]>`
    select id::text, balance::text from pgbank.users where id = any(${accounts}::uuid[])`).map((r) => [r.id, r.balance]));
}
