// A table shaped like seed 004's `transactions`, filled with generated rows: to try pgbank-sync,
// and for its tests and benchmark.
import { randomBytes } from 'node:crypto';
import { dbSettings, type DbSettings } from '../config.ts';
import { connect, createDatabase, dropDatabase, ident, type Sql } from '../db.ts';
import type { Db } from './sql.ts';

export interface SeedTableOptions {
  table?: string;
  rows: number;
  /** Distinct user_id values (default 50). */
  users?: number;
  /** `created`/`updated` of the first row, epoch ms; each next row is 10 ms later (default 2023-01-01). */
  startMs?: number;
  /** Skip the primary key and the `updated` index (e.g. a destination for a plain COPY). */
  bare?: boolean;
}

/** The seed's columns; `updated` is bigint epoch milliseconds. */
export const TRANSACTION_COLUMNS = `
  id uuid not null,
  user_id uuid not null,
  amount numeric(18,2) not null,
  status text not null,
  created bigint not null,
  certified_by_user bigint,
  updated bigint not null`;

/** The seed's user ids are uuids; these are readable ones: 00000000-0000-4000-8000-<n in hex>. */
export const userId = (n: number) => `00000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;

/** Create the table and add `rows` rows: a tenth BLOCKED, a third not certified yet. */
export async function createSeedTransactions(sql: Db, o: SeedTableOptions): Promise<void> {
  const table = ident(o.table ?? 'transactions');
  const { users = 50, startMs = Date.UTC(2023, 0, 1) } = o;
  await sql.unsafe(`create table ${table} (${TRANSACTION_COLUMNS})`);
  await addSeedTransactions(sql, { ...o, users, startMs });
  if (!o.bare) {
    await sql.unsafe(`alter table ${table} add primary key (id)`);
    await sql.unsafe(`create index on ${table} (updated)`);
  }
  await sql.unsafe(`analyze ${table}`);
}

/** Append `rows` generated rows (ids are random, so calls never collide). */
export async function addSeedTransactions(sql: Db, o: SeedTableOptions & { from?: number }): Promise<void> {
  const table = ident(o.table ?? 'transactions');
  const { users = 50, startMs = Date.UTC(2023, 0, 1), from = 0 } = o;
  await sql.unsafe(`
    insert into ${table} (id, user_id, amount, status, created, certified_by_user, updated)
    select gen_random_uuid(),
           ('00000000-0000-4000-8000-' || lpad(to_hex(i % $1), 12, '0'))::uuid,
           round((random() * 2000 - 1000)::numeric, 2),
           case when i % 10 = 0 then 'BLOCKED' else 'APPROVED' end,
           $2::bigint + i * 10,
           case when i % 3 = 0 then null else $2::bigint + i * 10 + 5000 end,
           $2::bigint + i * 10
      from generate_series($3::bigint, $3::bigint + $4::bigint - 1) i`, [users, startMs, from, o.rows]);
}

/** Row count and an md5 of every row in primary key order: equal digests mean equal tables. */
export async function tableDigest(sql: Db, table = 'transactions', orderBy = 'id'): Promise<{ rows: number; md5: string | null }> {
  const [row] = await sql.unsafe<{ rows: number; md5: string | null }[]>(
    `select count(*)::int as rows, md5(string_agg(t::text, E'\\n' order by ${orderBy})) as md5 from ${ident(table)} t`);
  return row!;
}

export interface ScratchDatabases<Role extends string> {
  /** Database name per role, e.g. { source: 'pgbank_sync_kill_source_3fa2c1', ... }. */
  names: Record<Role, string>;
  settings(role: Role): DbSettings;
  /** A pool (closed by drop()) on a role's database. */
  pool(role: Role, max?: number): Sql;
  drop(): Promise<void>;
}

/** Empty databases named pgbank_sync_<label>_<role>_<random>, one per role; drop() removes them. */
export async function scratchDatabases<Role extends string>(label: string, roles: Role[]): Promise<ScratchDatabases<Role>> {
  const tag = randomBytes(3).toString('hex');
  const names = Object.fromEntries(roles.map((r) => [r, `pgbank_sync_${label}_${r}_${tag}`])) as Record<Role, string>;
  const base = dbSettings();
  for (const name of Object.values<string>(names)) await createDatabase(name, base);
  const pools: Sql[] = [];
  const settings = (role: Role) => ({ ...base, database: names[role] });
  return {
    names,
    settings,
    pool(role, max = 4) {
      const p = connect({ ...settings(role), max, name: `pgbank-sync-${label}` });
      pools.push(p);
      return p;
    },
    async drop() {
      await Promise.all(pools.map((p) => p.end({ timeout: 5 })));
      for (const name of Object.values<string>(names)) await dropDatabase(name, base);
    },
  };
}
