// sum_amount() latency by window length at c=1 and c=4, against a plain SUM over the partitioned table.
//   PGDATABASE=pgbank npm run bench -- sum_amount             (seeds 3,000,000 rows first if needed)
//   PGDATABASE=pgbank_10x BENCH_TRANSACTIONS=30000000 npm run bench -- sum_amount
import { sumAmount, type Direction } from '../../src/api.ts';
import { connect, createDatabase, type Sql } from '../../src/db.ts';
import { dbSettings } from '../../src/config.ts';
import { migrate } from '../../src/migrate.ts';
import { HISTORY_START, seed } from '../../src/seed.ts';
import { load, ms, percentile, ratio, table } from './lib.ts';

const DAY = 86_400_000;
const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
const WINDOWS: [string, number][] = [['1 day', DAY], ['1 month', 30 * DAY], ['6 months', 182 * DAY], ['whole range', 0]];

export default async function benchSumAmount(): Promise<string> {
  const target = Number(process.env.BENCH_TRANSACTIONS ?? 3_000_000);
  const s = dbSettings();
  await createDatabase(s.database, s);
  await migrate(s);
  const sql = connect({ ...s, max: 8, name: 'pgbank-bench' });
  try {
    const seeded = await seed(sql, { users: 2000, transactions: target });
    // What autovacuum would do in a while: statistics, hint bits and the visibility map.
    if (seeded.transactionsAdded) await sql`vacuum (analyze) pgbank.user_monthly_totals, pgbank.transactions`;
    const users = (await sql<{ id: string }[]>`select id from pgbank.users order by random() limit 200`).map((r) => r.id);
    const now = Date.now();
    const pick = <T>(xs: T[]) => xs[Math.floor(Math.random() * xs.length)]!;
    // A random window of the given length (not aligned to days, so both partial days are read).
    const window = (length: number): [string, string] => {
      if (!length) return [HISTORY_START.toISOString().replace('Z', ''), new Date(now).toISOString().replace('Z', '')];
      const start = HISTORY_START.getTime() + Math.floor(Math.random() * (now - HISTORY_START.getTime() - length));
      return [new Date(start).toISOString().replace('Z', ''), new Date(start + length).toISOString().replace('Z', '')];
    };
    const baseline = (db: Sql, user: string, [start, end]: [string, string], direction: Direction) =>
      // Unprepared, so each call gets a custom plan that opens only the window's partitions (a
      // generic plan would lock all ~1,450 of them).
      db.unsafe(`select coalesce(sum(amount), 0) from pgbank.transactions
                  where ${direction} = $1 and status = 'success' and ts >= $2::timestamptz and ts < $3::timestamptz`,
                [user, new Date(start + 'Z'), new Date(end + 'Z')], { prepare: false });

    const rows: (string | number)[][] = [];
    for (const [label, length] of WINDOWS) {
      for (const clients of [1, 4]) {
        const pools = Array.from({ length: clients }, () => connect({ ...s, max: 1, name: 'pgbank-bench' }));
        try {
          const dir = (i: number): Direction => (i % 2 ? 'sender' : 'receiver');
          // A long-lived pooled connection has every partition in its catalog cache; a new one
          // loads a partition's the first time it reads it (~0.3 ms). Warm all of them first.
          for (const p of pools) await p`select count(*) from pgbank.transactions where sender = ${users[0]!} or receiver = ${users[0]!}`;
          for (const p of pools) for (let i = 0; i < 20; i++) {
            await sumAmount(p, pick(users), ...window(length), dir(i));
            await baseline(p, pick(users), window(length), dir(i));
          }
          const dbTimes: number[] = [];
          const ours = await load(clients, SECONDS, async (c, i) => {
            const r = await sumAmount(pools[c]!, pick(users), ...window(length), dir(i));
            dbTimes.push(r.responseTimeSeconds * 1000);
          });
          const base = await load(clients, SECONDS, (c, i) => baseline(pools[c]!, pick(users), window(length), dir(i)));
          const [p50, p99, b50, b99] = [percentile(ours.latenciesMs, 50), percentile(ours.latenciesMs, 99),
            percentile(base.latenciesMs, 50), percentile(base.latenciesMs, 99)];
          rows.push([label, clients, ms(p50), ms(p99), ms(percentile(dbTimes, 50)), Math.round(ours.perSecond),
            ms(b50), ms(b99), Math.round(base.perSecond), ratio(b50 / p50)]);
        } finally {
          await Promise.all(pools.map((p) => p.end()));
        }
      }
    }
    const [{ n } = { n: 0 }] = await sql<{ n: number }[]>`select count(*)::int as n from pgbank.transactions`;
    return table(['window', 'clients', 'p50 ms', 'p99 ms', 'db p50 ms', 'calls/s', 'baseline p50 ms', 'baseline p99 ms',
      'baseline calls/s', 'speed-up (p50)'], rows) +
      `\n\n${n.toLocaleString('en-US')} transactions, 2,000 users; random users, random window starts, both directions; ` +
      `baseline: plain SUM over pgbank.transactions (custom plans) through the same client; ${SECONDS} s per cell.`;
  } finally {
    await sql.end();
  }
}
