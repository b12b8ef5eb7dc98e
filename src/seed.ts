// Fake history for pgbank: tops a database up to N users and M transactions, never past them.
import { faker } from '@faker-js/faker';
import type { Sql } from './db.ts';

export interface SeedOptions {
  users: number;
  transactions: number;
  /** Rows per INSERT statement (default 50,000). */
  chunk?: number;
  /** Statements in flight at once (default 2; the pool needs as many connections). */
  parallel?: number;
  /** Timestamps are spread over [from, to) (default 2023-01-01 UTC to now). */
  from?: Date;
  to?: Date;
  /** Called after each committed chunk with the rows added so far and the rows to add in all. */
  onProgress?: (added: number, toAdd: number) => void;
}

export interface SeedResult {
  usersAdded: number;
  transactionsAdded: number;
  users: number;
  transactions: number;
  seconds: number;
}

export const HISTORY_START = new Date('2023-01-01T00:00:00Z');
/** Every seeded account starts with this top-up from the world account (counted in M): far more
 * than the history's random walk ever takes out, so no balance goes below 0. */
export const OPENING_BALANCE = '10000000.00';
// Any constant works: it only keeps two seeders of one database from running at once.
const SEED_LOCK = 0x70676261_6e6b; // "pgbank"

/**
 * Add what is missing to reach `users` users (besides the world account) and `transactions`
 * transactions (one opening top-up per user included). Safe to re-run or to run twice at once.
 */
export async function seed(sql: Sql, options: SeedOptions): Promise<SeedResult> {
  const { chunk = 50_000, parallel = 2, from = HISTORY_START, to = new Date(), onProgress = () => {} } = options;
  for (const [name, value] of Object.entries({ users: options.users, transactions: options.transactions, chunk, parallel })) {
    if (!Number.isSafeInteger(value) || value < 0) throw new Error(`seed: ${name} must be a whole number >= 0, got ${value}`);
  }
  if (!(from < to)) throw new Error(`seed: from ${from.toISOString()} must be before to ${to.toISOString()}`);
  const started = performance.now();

  const lock = await sql.reserve();
  try {
    await lock`select pg_advisory_lock(${SEED_LOCK})`;
    const usersAdded = await addUsers(sql, options.users);
    const [{ opened } = { opened: 0 }] = await sql<{ opened: number }[]>`select pgbank_private.open_accounts(${OPENING_BALANCE}) as opened`;
    const [{ n: users } = { n: 0 }] = await sql<{ n: number }[]>`select count(*)::int as n from pgbank.users where id <> pgbank_private.world()`;
    const [{ n: existing } = { n: 0 }] = await sql<{ n: number }[]>`select count(*)::int as n from pgbank.transactions`;
    const toAdd = Math.max(0, options.transactions - existing);

    // Chunk k covers the k-th slice of [from, to), rows in time order, so each statement writes
    // into a few neighbouring day partitions.
    const chunks = Math.ceil(toAdd / chunk);
    const span = to.getTime() - from.getTime();
    let added = 0;
    let next = 0;
    const worker = async () => {
      while (next < chunks) {
        const k = next++;
        const n = Math.min(chunk, toAdd - k * chunk);
        const lo = new Date(from.getTime() + Math.floor((span * k) / chunks));
        const hi = new Date(from.getTime() + Math.floor((span * (k + 1)) / chunks));
        await sql`select pgbank_private.insert_history(${n}, ${lo}, ${hi})`;
        added += n;
        onProgress(added, toAdd);
      }
    };
    await Promise.all(Array.from({ length: Math.min(parallel, chunks) }, worker));
    return { usersAdded, transactionsAdded: opened + added, users, transactions: existing + added, seconds: (performance.now() - started) / 1000 };
  } finally {
    await lock`select pg_advisory_unlock(${SEED_LOCK})`.catch(() => {});
    lock.release();
  }
}

/**
 * Copy the days that are over into history()'s copy now rather than at the pg_cron job's next run
 * (~50 s for 3,000,000 rows); after many days, rewrite it in account order (~20 s), so a page of an
 * account's past reads a few heap pages, not one per row. Returns the days copied.
 */
export async function copyClosedDays(sql: Sql): Promise<{ days: number; clustered: boolean; seconds: number }> {
  const started = performance.now();
  const until = async () => (await sql<{ d: string | null }[]>`select copied_until::text as d from pgbank.history_copy_state`)[0]?.d ?? null;
  const before = await until();
  await sql`call pgbank_private.copy_closed_days()`;
  const after = await until();
  const days = after === null ? 0 : Math.round((Date.parse(after) - Date.parse(before ?? HISTORY_START.toISOString().slice(0, 10))) / 86_400_000);
  const clustered = days > 31;
  if (clustered) await sql`cluster pgbank.history_copy using history_copy_account_ts_id_idx`;
  return { days, clustered, seconds: (performance.now() - started) / 1000 };
}

async function addUsers(sql: Sql, target: number): Promise<number> {
  const [{ n: existing } = { n: 0 }] = await sql<{ n: number }[]>`select count(*)::int as n from pgbank.users where id <> pgbank_private.world()`;
  const missing = Math.max(0, target - existing);
  const createdFrom = HISTORY_START.getTime();
  for (let done = 0; done < missing; done += 5_000) {
    const rows = Array.from({ length: Math.min(5_000, missing - done) }, () => ({
      name: faker.person.fullName(),
      created_at: new Date(createdFrom - faker.number.int({ min: 0, max: 365 * 86_400_000 })),
    }));
    await sql`insert into pgbank.users ${sql(rows, 'name', 'created_at')}`;
  }
  return missing;
}
