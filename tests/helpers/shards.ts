// A sharded pgbank for one test file: N shard databases (copies of the migrated test template, or
// migrated on other clusters) and a router, all dropped by down(); plus the checks every shard test
// makes after draining the delivery.
import { randomBytes } from 'node:crypto';
import { connect, dropDatabase, type Sql } from '../../src/db.ts';
import { dbSettings } from '../../src/config.ts';
import { down, open, up, type Place } from '../../scripts/shards/formation.ts';
import { buildTemplate } from './db.ts';

export interface TestShards {
  router: Place;
  shards: Place[];
  /** A pool on the router (max connections). */
  routerPool(max?: number): Sql;
  /** A pool on shard i, as postgres (closed by down()). */
  shard(i: number): Sql;
  down(): Promise<void>;
}

/**
 * Router on the default server; shards there too (from the test template) unless `places` says
 * where (then each is created and migrated there).
 */
export async function testShards(label: string, count: number, places?: { host: string; port: number }[],
  /** Makes the shard databases (created and migrated) before the formation is set up. */
  prepare?: (shards: Place[]) => Promise<void>): Promise<TestShards> {
  const base = dbSettings();
  const tag = `pgbank_t_${label}_${randomBytes(3).toString('hex')}`;
  const router: Place = { host: base.host, port: base.port, database: `${tag}_router` };
  const shards = Array.from({ length: count }, (_, i): Place => ({ ...(places?.[i] ?? { host: base.host, port: base.port }), database: `${tag}_s${i}` }));
  let template = places ? undefined : process.env.PGBANK_TEST_TEMPLATE;
  let ownTemplate: string | undefined;
  if (!places && !template) template = ownTemplate = await buildTemplate();
  const pools: Sql[] = [];
  const stop = async () => {
    await Promise.all(pools.map((p) => p.end({ timeout: 5 })));
    await down(router, shards);
  };
  try {
    await prepare?.(shards);
    await up({ router, shards }, { template, migrate: !prepare });
  } catch (err) {
    await stop().catch(() => {});
    throw err;
  } finally {
    if (ownTemplate) await dropDatabase(ownTemplate);
  }
  const shardPools = new Map<number, Sql>();
  return {
    router,
    shards,
    routerPool(max = 10) {
      const p = connect({ host: router.host, port: router.port, database: router.database, max, name: `pgbank-test-${label}` });
      pools.push(p);
      return p;
    },
    shard(i) {
      let p = shardPools.get(i);
      if (!p) {
        p = open(shards[i]!, 2, `pgbank-test-${label}`);
        shardPools.set(i, p);
        pools.push(p);
      }
      return p;
    },
    down: stop,
  };
}

/** Cents of a money string ("12.30" -> 1230n). */
export const cents = (s: string): bigint => {
  const [w, f = ''] = s.split('.');
  const neg = w!.startsWith('-');
  const v = BigInt(w!.replace('-', '')) * 100n + BigInt((f + '00').slice(0, 2));
  return neg ? -v : v;
};
export const money = (c: bigint): string => `${c < 0n ? '-' : ''}${(c < 0n ? -c : c) / 100n}.${String((c < 0n ? -c : c) % 100n).padStart(2, '0')}`;

/**
 * After draining: the problems with the whole formation (empty when all is well): total money
 * (unless `expectedTotal` is null), money in transit, clearing accounts (each shard's audit, and
 * pairwise: what A holds for B cancels what B owes A), every shard's balance and monthly-totals
 * audits, and each cross-shard transfer's metadata on all its rows (the payer's, the payee's credit
 * or the return), each shard's transaction ids in its own range (or up to `older_ids_up_to`).
 */
export async function formationProblems(t: TestShards, expectedTotal: bigint | null): Promise<string[]> {
  const problems: string[] = [];
  const n = t.shards.length;
  let total = 0n;
  const clearing = new Map<string, bigint>();
  const credits = new Map<number, { to_shard: number; credit: string; metadata: string | null; request_id: string }[]>();
  for (let i = 0; i < n; i++) {
    const sql = t.shard(i);
    const [sum] = await sql<{ total: string }[]>`select coalesce(sum(balance), 0)::text as total from pgbank.users where id <> pgbank_private.world()`;
    total += cents(sum!.total);
    for (const c of await sql<{ id: string; balance: string }[]>`select id::text, balance::text from pgbank.users where pgbank_private.is_clearing(id)`) {
      clearing.set(`${i}/${parseInt(c.id.slice(-12), 16)}`, cents(c.balance));
    }
    const transit = await sql`select * from pgbank.money_in_transit()`;
    if (transit.length) problems.push(`shard ${i}: ${transit.length} transfers still in transit`);
    for (const r of await sql`select * from pgbank.verify_clearing()`) problems.push(`shard ${i}: clearing ${JSON.stringify(r)}`);
    for (const r of await sql`select * from pgbank.verify_balances()`) problems.push(`shard ${i}: balance ${JSON.stringify(r)}`);
    for (const r of await sql`select * from pgbank_private.verify_monthly_totals()`) problems.push(`shard ${i}: monthly totals ${JSON.stringify(r)}`);
    for (const r of await sql`
      select o.request_id, o.metadata::text as outbox, p.metadata::text as paid, b.metadata::text as returned
        from pgbank.shard_outbox o
        join pgbank.transactions p on p.id = o.transaction_id and p.sender = o.account
        left join pgbank.transactions b on b.id = o.return_transaction_id and b.receiver = o.account
       where p.metadata is distinct from o.metadata or (o.status = 'returned' and b.metadata is distinct from o.metadata)`) {
      problems.push(`shard ${i}: metadata of ${JSON.stringify(r)}`);
    }
    const [range] = await sql<{ outside: number }[]>`
      select count(*)::int as outside from pgbank.transactions
       where id < (${i}::bigint << 52) and id > (select older_ids_up_to from pgbank.shard_config) or id >= (${i + 1}::bigint << 52)`;
    if (range!.outside) problems.push(`shard ${i}: ${range!.outside} transaction ids outside its range`);
    credits.set(i, await sql<{ to_shard: number; credit: string; metadata: string | null; request_id: string }[]>`
      select to_shard, credit_transaction_id::text as credit, metadata::text, request_id from pgbank.shard_outbox where status = 'delivered'`);
  }
  // A credit is on the payee's shard: its metadata is the payment's.
  for (const [from, rows] of credits) {
    for (let to = 0; to < n; to++) {
      const mine = rows.filter((r) => r.to_shard === to);
      if (!mine.length) continue;
      const found = new Map((await t.shard(to)<{ id: string; metadata: string | null }[]>`
        select id::text, metadata::text from pgbank.transactions where id = any(${mine.map((r) => r.credit)}::bigint[])`).map((r) => [r.id, r.metadata]));
      for (const r of mine) {
        if (found.get(r.credit) !== r.metadata) problems.push(`credit of ${r.request_id} (shard ${from} -> ${to}): metadata ${found.get(r.credit)}, paid with ${r.metadata}`);
      }
    }
  }
  if (expectedTotal !== null && total !== expectedTotal) problems.push(`total money ${money(total)}, expected ${money(expectedTotal)}`);
  for (let a = 0; a < n; a++) {
    for (let b = a + 1; b < n; b++) {
      const sum = (clearing.get(`${a}/${b}`) ?? 0n) + (clearing.get(`${b}/${a}`) ?? 0n);
      if (sum !== 0n) problems.push(`clearing between shards ${a} and ${b} does not cancel out: ${money(sum)}`);
    }
  }
  return problems;
}
