// pgbank-sync throughput: 3,000,000 seed-shaped rows into an empty destination, then again after
// every source row changed, against plain COPY ... TO STDOUT | COPY ... FROM STDIN pipes of the
// same table measured in the same run. Creates and drops its own databases.
//   npm run bench -- sync                      (BENCH_SYNC_ROWS=300000 for a quick look)
import { pipeline } from 'node:stream/promises';
import type { Sql } from '../../src/db.ts';
import { createSeedTransactions, scratchDatabases } from '../../src/sync/seed-table.ts';
import { resumeWhenEnded } from '../../src/sync/sql.ts';
import { DEFAULT_CHUNK_SIZE, syncOnce, type RunResult } from '../../src/sync/sync.ts';
import { ratio, table } from './lib.ts';

const ROWS = Number(process.env.BENCH_SYNC_ROWS ?? 3_000_000);
const CHUNK = Number(process.env.BENCH_SYNC_CHUNK ?? DEFAULT_CHUNK_SIZE);
/** What the seed (pypgsync) reported locally. */
const SEED_RATE = 6_000;

export default async function benchSync(): Promise<string> {
  const dbs = await scratchDatabases('bench', ['source', 'dest', 'pipe']);
  try {
    const source = dbs.pool('source', 1);
    const pipeDb = dbs.pool('pipe', 1);
    await createSeedTransactions(source, { rows: ROWS });

    // Each pass starts from a checkpoint, so none pays for the previous one's dirty pages.
    const checkpoint = () => source`checkpoint`.catch(() => {}); // superuser (or pg_checkpoint) only

    // The ceiling: the same rows through one COPY pipe, into a bare table and into one with the keys.
    await createSeedTransactions(pipeDb, { table: 'bare', rows: 0, bare: true });
    await createSeedTransactions(pipeDb, { table: 'keyed', rows: 0 });
    await checkpoint();
    const pipeBare = await copyPipe(source, pipeDb, 'bare');
    await checkpoint();
    const pipeKeyed = await copyPipe(source, pipeDb, 'keyed');

    const sync = () => syncOnce({
      source: dbs.settings('source'),
      destination: dbs.settings('dest'),
      schema: 'public',
      table: 'transactions',
      chunkSize: CHUNK,
    });
    const dest = dbs.pool('dest', 1);
    await checkpoint();
    const initial = await sync();
    await check(source, dest, 'initial');
    // Every row changes and moves past the cursor, as `updated = now()` would.
    await source`update transactions set updated = updated + 100000000, amount = amount + 1,
                        status = case when status = 'BLOCKED' then 'APPROVED' else status end`;
    await checkpoint();
    const updates = await sync();
    await check(source, dest, 'all-updates');
    const idle = await sync();

    const rate = (rows: number, seconds: number) => rows / seconds;
    const fmt = (x: number) => Math.round(x).toLocaleString('en-US');
    const ceiling = rate(ROWS, pipeBare);
    const line = (what: string, rows: number, seconds: number, goal: string) =>
      [what, fmt(rows), seconds.toFixed(1), fmt(rate(rows, seconds)), ratio(rate(rows, seconds) / ceiling), ratio(rate(rows, seconds) / SEED_RATE), goal];
    const run = (what: string, r: RunResult, goal: string) => line(what, r.rows, r.seconds, goal);
    return [
      table(['pass', 'rows', 'seconds', 'rows/s', 'vs COPY pipe', 'vs seed', 'goal'], [
        line('baseline: COPY pipe into a bare table', ROWS, pipeBare, 'the ceiling'),
        line('COPY pipe into a table with primary key + updated index', ROWS, pipeKeyed, ''),
        run('pgbank-sync single, empty destination', initial, '≥ 100,000 rows/s'),
        run('pgbank-sync single, every row updated', updates, '≥ 50,000 rows/s'),
        ['pgbank-sync single, nothing changed', fmt(idle.rows), idle.seconds.toFixed(2), '-', '-', '-', 'late-commit scan only'],
      ]),
      '',
      `${fmt(ROWS)} rows shaped like seed 004's transactions (uuid id, numeric(18,2) amount, bigint updated), ` +
      `chunk size ${fmt(CHUNK)}; source and destination databases on one server. ` +
      `Destinations checked equal to the source (count, sum(amount), sum(updated)) after each pass.`,
    ].join('\n');
  } finally {
    await dbs.drop();
  }
}

/** Seconds for COPY transactions TO STDOUT piped into COPY <target> FROM STDIN on another database. */
async function copyPipe(source: Sql, dest: Sql, target: string): Promise<number> {
  const t0 = performance.now();
  const readable = resumeWhenEnded(await source.unsafe('copy transactions to stdout').readable());
  await pipeline(readable, await dest.unsafe(`copy ${target} from stdin`).writable());
  return (performance.now() - t0) / 1000;
}

async function check(source: Sql, dest: Sql, pass: string): Promise<void> {
  const summary = (db: Sql) => db`select count(*)::text as n, sum(amount)::text as amount, sum(updated)::text as updated from transactions`;
  const [[a], [b]] = await Promise.all([summary(source), summary(dest)]);
  if (JSON.stringify(a) !== JSON.stringify(b)) throw new Error(`bench sync: after the ${pass} pass the destination differs: source ${JSON.stringify(a)}, destination ${JSON.stringify(b)}`);
}
