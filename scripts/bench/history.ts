// history() latency for a page of 50: the first page (shallow) and a page at a random point of the
// account's past (deep, by cursor), at c=1 and c=4, against a plain keyset query over the
// partitioned table (same order, same page, no running balance, custom plans).
//   PGDATABASE=pgbank npm run bench -- history             (seeds 3,000,000 rows first if needed)
//   PGDATABASE=pgbank_10x BENCH_TRANSACTIONS=30000000 npm run bench -- history
//   PGDATABASE=pgbank_dense BENCH_USERS=200 npm run bench -- history   (each account as busy as at 30M rows)
import { history } from '../../src/api.ts';
import { connect, createDatabase, type Sql } from '../../src/db.ts';
import { dbSettings } from '../../src/config.ts';
import { migrate } from '../../src/migrate.ts';
import { copyClosedDays, HISTORY_START, seed } from '../../src/seed.ts';
import { load, ms, percentile, ratio, table } from './lib.ts';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
const PAGE = 50;

export default async function benchHistory(): Promise<string> {
  const target = Number(process.env.BENCH_TRANSACTIONS ?? 3_000_000);
  const userCount = Number(process.env.BENCH_USERS ?? 2000);
  const s = dbSettings();
  await createDatabase(s.database, s);
  await migrate(s);
  const sql = connect({ ...s, max: 8, name: 'pgbank-bench' });
  try {
    const seeded = await seed(sql, { users: userCount, transactions: target });
    // What autovacuum would do in a while; the seed leaves each account row ~60 dead versions
    // (0.4 ms a lookup on the 200-account seed until vacuumed).
    await copyClosedDays(sql);  // the pg_cron job's work, done now
    if (seeded.transactionsAdded) await sql`vacuum (analyze) pgbank.users, pgbank.user_monthly_totals, pgbank.transactions`;
    const users = (await sql<{ id: string }[]>`select id from pgbank.users where id <> '00000000-0000-0000-0000-000000000000'
                                                order by random() limit 200`).map((r) => r.id);
    const pick = <T>(xs: T[]) => xs[Math.floor(Math.random() * xs.length)]!;
    const start = HISTORY_START.getTime();
    const now = Date.now();
    // A deep page starts at a random moment of the past: its cursor is that moment (with the
    // largest id), made the way history() makes one.
    const deepCursors = (await sql<{ c: string; ts: Date }[]>`
      select pgbank_private.history_cursor(t, 9223372036854775807) as c, t as ts
        from (select ${new Date(start).toISOString()}::timestamptz + random() * (${new Date(now - 30 * 86_400_000).toISOString()}::timestamptz
                     - ${new Date(start).toISOString()}::timestamptz) as t from generate_series(1, 500)) x`);
    const depth = (deep: boolean) => (deep ? pick(deepCursors) : null);

    const baseline = (db: Sql, user: string, at: { ts: Date } | null) =>
      // Unprepared, so each call gets a custom plan that opens only the partitions before the cursor.
      db.unsafe(`select id, ts, sender, receiver, amount, status, reason, metadata from pgbank.transactions
                  where (sender = $1 or receiver = $1) and ts < $2::timestamptz order by ts desc, id desc limit ${PAGE}`,
                [user, at ? at.ts : new Date(now + 86_400_000)], { prepare: false });

    const rows: (string | number)[][] = [];
    for (const [label, deep] of [['first page', false], ['deep page', true]] as const) {
      for (const clients of [1, 4]) {
        const pools = Array.from({ length: clients }, () => connect({ ...s, max: 1, name: 'pgbank-bench' }));
        try {
          // A long-lived pooled connection has every partition in its catalog cache; warm them.
          for (const p of pools) await p`select count(*) from pgbank.transactions where sender = ${users[0]!} or receiver = ${users[0]!}`;
          for (const p of pools) for (let i = 0; i < 20; i++) await history(p, pick(users), { after: depth(deep)?.c ?? null, pageSize: PAGE });
          let short = 0;
          const ours = await load(clients, SECONDS, async (c) => {
            const page = await history(pools[c]!, pick(users), { after: depth(deep)?.c ?? null, pageSize: PAGE });
            if (page.length < PAGE) short++;
          });
          // In the database alone: 50 calls in one statement, no round trips.
          const [{ per }] = await pools[0]!<{ per: number }[]>`
            with t0 as materialized (select clock_timestamp() as t0),
                 calls as materialized (select count(h.*) as n from t0, unnest(${users.slice(0, 50)}::uuid[]) with ordinality as u(id, i)
                                         cross join lateral pgbank.history(u.id, after => (${deepCursors.slice(0, 50).map((d) => (deep ? d.c : null))}::text[])[u.i]) h)
            select extract(epoch from clock_timestamp() - (select t0 from t0)) * 1000 / 50 as per from calls` as unknown as [{ per: number }];
          const base = await load(clients, Math.min(SECONDS, 3), (c) => baseline(pools[c]!, pick(users), depth(deep)));
          const [p50, p99, b50, b99] = [percentile(ours.latenciesMs, 50), percentile(ours.latenciesMs, 99),
            percentile(base.latenciesMs, 50), percentile(base.latenciesMs, 99)];
          rows.push([label, clients, ms(p50), ms(p99), ms(Number(per)), Math.round(ours.perSecond), short,
            ms(b50), ms(b99), Math.round(base.perSecond), ratio(b50 / p50)]);
        } finally {
          await Promise.all(pools.map((p) => p.end()));
        }
      }
    }
    const [{ n } = { n: 0 }] = await sql<{ n: number }[]>`select count(*)::int as n from pgbank.transactions`;
    return table(['page', 'clients', 'p50 ms', 'p99 ms', 'db ms/call', 'calls/s', 'short pages', 'baseline p50 ms', 'baseline p99 ms',
      'baseline calls/s', 'speed-up (p50)'], rows) +
      `\n\n${n.toLocaleString('en-US')} transactions, ${userCount.toLocaleString('en-US')} users; pages of ${PAGE}, random users; a deep page starts at a random ` +
      `moment of the history; "db ms/call": 50 calls in one statement, no round trip; baseline: the same page by a plain ` +
      `keyset query over pgbank.transactions (no balances, custom plans); ${SECONDS} s per cell.`;
  } finally {
    await sql.end();
  }
}
