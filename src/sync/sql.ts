// Every SQL statement pgbank-sync runs: catalog reads and COPY ... TO STDOUT on the source (SELECT
// only), DDL, merges and progress on the destination. Identifiers go through ident(); the cursor
// values that COPY cannot take as parameters go through literal().
import type { Readable } from 'node:stream';
import type postgres from 'postgres';
import { ident, type Sql } from '../db.ts';
import { shown } from './errors.ts';

/** A pool or a transaction on either side. */
export type Db = Sql | postgres.TransactionSql<Record<string, never>>;

export interface TableRef {
  schema: string;
  table: string;
}

export interface Column {
  name: string;
  /** As format_type() writes it, e.g. numeric(18,2), timestamp with time zone. */
  type: string;
  notNull: boolean;
}

export interface TableShape {
  columns: Column[];
  /** Primary key columns in index order; empty when there is none. */
  primaryKey: string[];
}

export interface TableInfo extends TableShape {
  /** The connected user may read every column (and use the schema). */
  readable: boolean;
}

/** Progress of one source table into the destination, kept in the destination's pgbank_sync_state. */
export interface SyncState {
  /** (updated, primary key...) of the last row copied, as text; null before the first chunk. */
  cursor: string[] | null;
  /** Source transaction id (xid8) below which every row version with a key <= cursor is in the destination. */
  horizon: string | null;
  /** When the horizon last moved (a late-commit scan ran), ISO 8601. */
  horizonAt: string | null;
  /** The destination table was created by pgbank-sync and its primary key and index are not built yet. */
  building: boolean;
  rowsCopied: number;
}

export const STATE_TABLE = 'pgbank_sync_state';
const STAGING_TABLE = 'pgbank_sync_staging';

export const qualified = (t: TableRef) => `${ident(t.schema)}.${ident(t.table)}`;
const list = (names: string[], prefix = '') => names.map((n) => prefix + ident(n)).join(', ');

/** A string constant; the E'' form reads the same whatever standard_conforming_strings says. */
export function literal(value: string): string {
  if (value.includes('\0')) throw new Error(`a SQL constant cannot contain a NUL character: ${shown(value)}`);
  return `E'${value.replaceAll('\\', '\\\\').replaceAll("'", "''")}'`;
}

// ---- both sides ------------------------------------------------------------------------------

/**
 * Both sessions write and read values as text (COPY, the cursor): pin the settings that shape that
 * text, so a database- or role-level setting on one side cannot make the other misread it.
 */
const SESSION_FORMATS = `set datestyle = 'ISO, YMD'; set intervalstyle = 'postgres'; set timezone = 'UTC'; set extra_float_digits = 3`;
/** A run is one long COPY on the source (idle while the destination builds keys): like pg_dump, no timeouts. */
const NO_TIMEOUTS = `set statement_timeout = 0; set idle_in_transaction_session_timeout = 0`;

/** Columns, primary key and read access of a table or partitioned table; null when it doesn't exist. */
export async function describeTable(sql: Db, t: TableRef): Promise<TableInfo | null> {
  const [rel] = await sql<{ oid: string; readable: boolean }[]>`
    select c.oid::int8::text as oid,
           has_schema_privilege(n.oid, 'USAGE')
             and (select bool_and(has_column_privilege(c.oid, a.attnum, 'SELECT'))
                    from pg_attribute a where a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped) as readable
      from pg_class c join pg_namespace n on n.oid = c.relnamespace
     where n.nspname = ${t.schema} and c.relname = ${t.table} and c.relkind in ('r', 'p')`;
  if (!rel) return null;
  const columns = await sql<Column[]>`
    select a.attname::text as name, format_type(a.atttypid, a.atttypmod) as type, a.attnotnull as "notNull"
      from pg_attribute a
     where a.attrelid = ${rel.oid}::oid and a.attnum > 0 and not a.attisdropped
     order by a.attnum`;
  const [pk] = await sql<{ columns: string[] | null }[]>`
    select array_agg(a.attname::text order by k.i) as columns
      from pg_index x
      cross join unnest(x.indkey) with ordinality k(attnum, i)
      join pg_attribute a on a.attrelid = x.indrelid and a.attnum = k.attnum
     where x.indrelid = ${rel.oid}::oid and x.indisprimary`;
  return { columns: [...columns], primaryKey: pk?.columns ?? [], readable: rel.readable };
}

export async function schemaExists(sql: Db, schema: string): Promise<boolean> {
  const [row] = await sql<{ exists: boolean }[]>`select exists (select from pg_namespace where nspname = ${schema}) as exists`;
  return row?.exists ?? false;
}

// ---- source: one REPEATABLE READ, READ ONLY transaction per run --------------------------------

export const SOURCE_TRANSACTION = 'isolation level repeatable read read only';

/**
 * Takes the run's snapshot and returns its horizon: the oldest transaction id whose rows this
 * snapshot may not see yet, among transactions that can write to this database. That is the
 * snapshot's xmin, except that transactions pg_stat_activity shows running in another database
 * are skipped (they cannot write here; an unrelated long transaction elsewhere on the server would
 * otherwise hold the horizon back). Anything not positively placed elsewhere is kept.
 */
export async function pinSnapshot(tx: Db): Promise<string> {
  await tx.unsafe(`${SESSION_FORMATS}; ${NO_TIMEOUTS}`.replaceAll('set ', 'set local ')).simple();
  // A sort by (updated, key) of a whole table is the worst case of a first run; give it room.
  await tx`set local work_mem = '64MB'`;
  const [row] = await tx<{ horizon: string }[]>`
    select coalesce(
             (select min(x::text::numeric)
                from pg_snapshot_xip(snap.s) x
               where not exists (
                       select from pg_stat_activity a
                        where a.backend_xid::text::numeric = x::text::numeric % 4294967296
                          and a.datid <> (select oid from pg_database where datname = current_database()))),
             pg_snapshot_xmax(snap.s)::text::numeric)::text as horizon
      from (select pg_current_snapshot() as s) snap`;
  return row!.horizon;
}

/** Rows after the cursor in (updated, primary key) order: the keyset the run walks through. */
export function selectNewRows(t: TableRef, shape: TableShape, key: string[], cursor: string[] | null): string {
  const where = cursor ? ` where (${list(key)}) > (${keyLiterals(shape, key, cursor)})` : '';
  return `select ${list(shape.columns.map((c) => c.name))} from ${qualified(t)}${where} order by ${list(key)}`;
}

/**
 * Rows at or before the cursor written by a transaction not older than `horizon` (see pinSnapshot)
 * of an earlier run: rows committed after that run with an `updated` it had already passed.
 * xmin is a 32-bit xid: compared modulo 2^32 against the horizon's low 32 bits, which is exact for
 * every xid vacuum has not frozen (frozen ones are old and may come back as harmless duplicates).
 * This is a sequential scan of the source table: there is no index on xmin.
 */
export function selectLateRows(t: TableRef, shape: TableShape, key: string[], cursor: string[], horizon: string): string {
  const horizon32 = BigInt(horizon) % 2n ** 32n;
  return `select ${list(shape.columns.map((c) => c.name))} from ${qualified(t)}` +
    ` where (${list(key)}) <= (${keyLiterals(shape, key, cursor)})` +
    ` and (xmin::text::bigint - ${horizon32} + 4294967296) % 4294967296 < 2147483648`;
}

/**
 * Stream a query's rows as COPY text. Works around porsager/postgres#1016: when the CopyData that
 * fills the stream's buffer arrives in the same packet as CopyDone, the socket stays paused and the
 * next query on the connection never returns; the stream's read hook resumes it once it has ended.
 */
export async function copyOut(db: Db, select: string): Promise<Readable> {
  return resumeWhenEnded(await db.unsafe(`copy (${select}) to stdout`).readable());
}

export function resumeWhenEnded(readable: Readable): Readable {
  readable.once('end', () => readable._read(0));
  return readable;
}

/**
 * Stop reading a COPY before its end: postgres.js cannot abandon one, so the connection is closed.
 * Its socket may be paused by the stream's backpressure and would then never see the server hang
 * up (keeping the process alive): the stream's read hook lets it drain to the end.
 */
export async function abandonCopy(sql: Sql, copying: Readable | null): Promise<void> {
  await sql.end({ timeout: 0 });
  copying?._read(0);
}

/** The planner's row estimate for a query (for the progress bar; EXPLAIN needs no extra privilege). */
export async function estimateRows(tx: Db, select: string): Promise<number> {
  const [row] = await tx.unsafe<{ 'QUERY PLAN': [{ Plan: { 'Plan Rows': number } }] }[]>(`explain (format json) ${select}`);
  return row?.['QUERY PLAN'][0].Plan['Plan Rows'] ?? 0;
}

function keyLiterals(shape: TableShape, key: string[], cursor: string[]): string {
  return key.map((name, i) => {
    const column = shape.columns.find((c) => c.name === name);
    if (!column || cursor[i] === undefined) throw new Error(`cursor ${shown(cursor.join(','))} does not match key (${key.join(', ')})`);
    return `${literal(cursor[i])}::${column.type}`;
  }).join(', ');
}

// ---- destination ----------------------------------------------------------------------------

export async function tuneDestinationSession(sql: Db): Promise<void> {
  await sql.unsafe(`${SESSION_FORMATS}; ${NO_TIMEOUTS}`).simple();
  // Rows and progress commit together, so a crash of the destination server only rewinds both.
  await sql`set synchronous_commit = off`;
  await sql`set maintenance_work_mem = '256MB'`;
}

/** One sync at a time per source table and destination (session lock, released when the run disconnects). */
export async function tryLock(sql: Db, name: string): Promise<boolean> {
  const [row] = await sql<{ locked: boolean }[]>`select pg_try_advisory_lock(hashtextextended(${'pgbank-sync ' + name}, 0)) as locked`;
  return row?.locked ?? false;
}

/** Same columns, types and NOT NULLs; the keys come later (addKeys), once the first load is in. */
export async function createTable(sql: Db, t: TableRef, shape: TableShape): Promise<void> {
  const columns = shape.columns.map((c) => `${ident(c.name)} ${c.type}${c.notNull ? ' not null' : ''}`);
  await sql.unsafe(`create table ${qualified(t)} (${columns.join(', ')})`);
}

/** The source's primary key and an index on `updated`. */
export async function addKeys(sql: Db, t: TableRef, shape: TableShape): Promise<void> {
  await sql.unsafe(`alter table ${qualified(t)} add primary key (${list(shape.primaryKey)})`);
  await sql.unsafe(`create index on ${qualified(t)} (${ident('updated')})`);
}

export async function isEmpty(sql: Db, t: TableRef): Promise<boolean> {
  const [row] = await sql.unsafe<{ empty: boolean }[]>(`select not exists (select from ${qualified(t)}) as empty`);
  return row?.empty ?? true;
}

/** A session-local table each chunk lands in before the merge; emptied at every commit. */
export async function createStaging(sql: Db, t: TableRef): Promise<void> {
  await sql.unsafe(`create temp table ${STAGING_TABLE} (like ${qualified(t)}) on commit delete rows`);
}

export function copyIntoStaging(shape: TableShape): string {
  return `copy pg_temp.${STAGING_TABLE} (${list(shape.columns.map((c) => c.name))}) from stdin`;
}

export function copyIntoTable(t: TableRef, shape: TableShape): string {
  return `copy ${qualified(t)} (${list(shape.columns.map((c) => c.name))}) from stdin`;
}

/** Upsert the staged rows by primary key; rows equal to the destination's are left alone (no write, no trigger). */
export function mergeStaging(t: TableRef, shape: TableShape): string {
  const all = shape.columns.map((c) => c.name);
  const others = all.filter((c) => !shape.primaryKey.includes(c));
  const onConflict = others.length
    ? `do update set ${others.map((c) => `${ident(c)} = excluded.${ident(c)}`).join(', ')}` +
      ` where (${list(others, 'd.')}) is distinct from (${list(others, 'excluded.')})`
    : 'do nothing';
  return `insert into ${qualified(t)} as d (${list(all)}) select ${list(all)} from pg_temp.${STAGING_TABLE}` +
    ` on conflict (${list(shape.primaryKey)}) ${onConflict}`;
}

/** Columns the progress table has (a table of that name without them is someone else's). */
export const STATE_COLUMNS = ['source_database', 'source_table', 'cursor', 'horizon', 'horizon_at', 'building', 'rows_copied'];

/** The progress table, in the destination table's schema; created on first use. Returns the shape of one found there. */
export async function ensureStateTable(sql: Db, schema: string): Promise<TableShape | null> {
  const existing = await describeTable(sql, { schema, table: STATE_TABLE });
  if (existing) return existing;
  await sql.unsafe(`
    create table if not exists ${ident(schema)}.${STATE_TABLE} (
      source_database text not null,
      source_table text not null,
      cursor text[],
      horizon xid8,
      horizon_at timestamptz,
      building boolean not null default false,
      rows_copied bigint not null default 0,
      changed_at timestamptz not null default now(),
      primary key (source_database, source_table)
    )`);
  await sql.unsafe(`comment on table ${ident(schema)}.${STATE_TABLE} is ${literal(
    'pgbank-sync progress: cursor = (updated, primary key) of the last row copied; horizon = source transaction id ' +
    'below which every row version at or before the cursor is here (set at horizon_at); ' +
    'building = primary key and index still to build. See docs/sync.md.')}`);
  return null;
}

export interface StateKey {
  sourceDatabase: string;
  sourceTable: string;
}

export async function readState(sql: Db, schema: string, key: StateKey): Promise<SyncState | null> {
  const [row] = await sql.unsafe<{ cursor: string[] | null; horizon: string | null; horizon_at: string | null; building: boolean; rows_copied: string }[]>(
    `select cursor, horizon::text as horizon, to_json(horizon_at) #>> '{}' as horizon_at, building, rows_copied
       from ${ident(schema)}.${STATE_TABLE} where source_database = $1 and source_table = $2`, [key.sourceDatabase, key.sourceTable]);
  return row
    ? { cursor: row.cursor, horizon: row.horizon, horizonAt: row.horizon_at, building: row.building, rowsCopied: Number(row.rows_copied) }
    : null;
}

export async function saveState(sql: Db, schema: string, key: StateKey, s: SyncState): Promise<void> {
  await sql.unsafe(
    `insert into ${ident(schema)}.${STATE_TABLE} as s (source_database, source_table, cursor, horizon, horizon_at, building, rows_copied)
     values ($1, $2, $3::text[], $4::text::xid8, $5::timestamptz, $6, $7)
     on conflict (source_database, source_table) do update
        set cursor = excluded.cursor, horizon = excluded.horizon, horizon_at = excluded.horizon_at,
            building = excluded.building, rows_copied = excluded.rows_copied, changed_at = now()`,
    [key.sourceDatabase, key.sourceTable, s.cursor, s.horizon, s.horizonAt, s.building, s.rowsCopied]);
}
