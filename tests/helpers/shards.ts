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
 * After draining: the problems with the whole formation (empty when all is well): total money,
 * money in transit, clearing accounts (each shard's audit, and pairwise: what A holds for B
 * cancels what B owes A), every shard's balance and monthly-totals audits.
 */
export async function formationProblems(t: TestShards, expectedTotal: bigint): Promise<string[]> {
  const problems: string[] = [];
  const n = t.shards.length;
  let total = 0n;
  const clearing = new Map<string, bigint>();
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
  }
  if (total !== expectedTotal) problems.push(`total money ${money(total)}, expected ${money(expectedTotal)}`);
  for (let a = 0; a < n; a++) {
    for (let b = a + 1; b < n; b++) {
      const sum = (clearing.get(`${a}/${b}`) ?? 0n) + (clearing.get(`${b}/${a}`) ?? 0n);
      if (sum !== 0n) problems.push(`clearing between shards ${a} and ${b} does not cancel out: ${money(sum)}`);
    }
  }
  return problems;
}
