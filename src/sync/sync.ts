// One incremental sync run of a table between two databases (syncOnce) and the continuous loop
// around it. docs/sync.md explains the guarantees; src/sync/sql.ts holds every statement.
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { connect, type Sql } from '../db.ts';
import type { DbSettings } from '../config.ts';
import { CopyRowReader, copyFields } from './copy-rows.ts';
import { describeError, SyncError, UsageError } from './errors.ts';
import * as q from './sql.ts';

/**
 * Rows per destination transaction. Each chunk costs a COPY round trip (~50 ms while postgres.js
 * leaves Nagle's algorithm on), so larger chunks are faster; a kill redoes at most one.
 */
export const DEFAULT_CHUNK_SIZE = 50_000;

export interface SyncOptions {
  source: DbSettings;
  destination: DbSettings;
  schema: string;
  table: string;
  /** Rows per destination transaction: a kill redoes at most this many. */
  chunkSize: number;
  /**
   * Run the late-commit scan (a sequential scan of the source table) at most this often; 0: every
   * run. Skipping it keeps the horizon where it was, so nothing is lost: a late row only waits.
   */
  lateScanEverySeconds?: number;
  /** Checked between chunks: the run stops after the chunk in flight commits. */
  signal?: AbortSignal;
  /** Called once the run knows how many rows it expects (the planner's estimate). */
  onStart?: (estimatedRows: number) => void;
  /** Called after each committed chunk with the rows copied so far in this run. */
  onProgress?: (rows: number) => void;
}

export interface RunResult {
  /** Rows read from the source and written to the destination's table or staging table. */
  rows: number;
  /** Of which: rows found by the late-commit scan. */
  lateRows: number;
  /** Rows inserted or actually changed in the destination (equal rows are skipped). */
  changed: number;
  seconds: number;
  /** Age of the source snapshot when the run's last chunk committed: the destination lags the source by this much. */
  lagSeconds: number;
  /** (updated, primary key...) of the newest row copied so far. */
  cursor: string[] | null;
  createdTable: boolean;
  /** The run was stopped by the signal before it reached the end. */
  stopped: boolean;
}

const STOPPED = Symbol('stopped');

/** Node's timers hold at most 2^31 - 1 ms; a longer delay would fire after 1 ms. */
export const MAX_DELAY_SECONDS = Math.floor((2 ** 31 - 1) / 1000);

/** Copy what changed in the source table since the last run into the destination; safe to kill at any moment. */
export async function syncOnce(o: SyncOptions): Promise<RunResult> {
  const started = performance.now();
  const result: RunResult = { rows: 0, lateRows: 0, changed: 0, seconds: 0, lagSeconds: 0, cursor: null, createdTable: false, stopped: false };
  const table: q.TableRef = { schema: o.schema, table: o.table };
  if (o.table === q.STATE_TABLE) {
    throw new UsageError(`table ${o.schema}.${o.table} cannot be synced: pgbank-sync keeps its progress in a table of that name in the destination's schema ${o.schema}`);
  }
  const source = await open('source', o.source);
  const dest = await open('destination', o.destination).catch(async (err: unknown) => {
    await source.end({ timeout: 0 });
    throw err;
  });
  let snapshotAt = started;
  try {
    await inOneSourceSnapshot(source, async (src, copyOut) => {
      const horizon = await q.pinSnapshot(src);
      snapshotAt = performance.now();
      const shape = await sourceShape(src, table, o.source);
      const key = ['updated', ...shape.primaryKey.filter((c) => c !== 'updated')];
      const { progress, direct } = await prepareDestination(dest, o, shape, result);

      const keyIndexes = key.map((k) => shape.columns.findIndex((c) => c.name === k));
      /** Streams a query's rows into the destination, one transaction per chunk; returns the row count. */
      const copyChunks = async (select: string, into: string, merge: boolean, onChunk: (tx: q.Db, cursor: string[], rows: number) => Promise<void>) => {
        const reader = new CopyRowReader(await copyOut(select));
        const readNext = () => {
          const next = reader.readChunk(o.chunkSize);
          next.catch(() => {}); // awaited below; failing while the previous chunk commits is not "unhandled"
          return next;
        };
        let next = readNext();
        for (let chunk = await next; chunk.rows; chunk = await next) {
          if (o.signal?.aborted) throw STOPPED;
          next = readNext(); // the source streams the next chunk while the destination merges this one
          await dest.begin(async (tx) => {
            await pipeline(Readable.from(chunk.buffers), await tx.unsafe(into).writable());
            result.changed += merge ? (await tx.unsafe(q.mergeStaging(table, shape))).count : chunk.rows;
            const fields = copyFields(chunk.lastRow!);
            await onChunk(tx, keyIndexes.map((i) => fields[i] ?? ''), chunk.rows);
          });
          result.rows += chunk.rows;
          o.onProgress?.(result.rows);
        }
        return reader.rows;
      };

      // Rows committed after an earlier run with a key that run had already passed (docs/sync.md).
      const { cursor, horizon: previousHorizon, horizonAt } = progress.state;
      const scanDue = !horizonAt || Date.now() - Date.parse(horizonAt) >= (o.lateScanEverySeconds ?? 0) * 1000;
      if (!cursor || !previousHorizon || scanDue) {
        if (cursor && previousHorizon) {
          const late = q.selectLateRows(table, shape, key, cursor, previousHorizon);
          result.lateRows = await copyChunks(late, q.copyIntoStaging(shape), true, async () => {});
        }
        await progress.save(dest, { horizon, horizonAt: new Date().toISOString() });
      }

      // Then every row after the cursor, in (updated, primary key) order.
      const select = q.selectNewRows(table, shape, key, cursor);
      o.onStart?.(await q.estimateRows(src, select));
      const into = direct ? q.copyIntoTable(table, shape) : q.copyIntoStaging(shape);
      await copyChunks(select, into, !direct, async (tx, next, rows) => {
        await progress.save(tx, { cursor: next, rowsCopied: progress.state.rowsCopied + rows });
        result.cursor = next;
      });
      if (progress.state.building) await buildKeys(dest, table, shape, progress);
      result.cursor = progress.state.cursor;
    });
  } catch (err) {
    if (err !== STOPPED) throw err instanceof SyncError ? err : new SyncError(`sync of ${o.schema}.${o.table} failed: ${describeError(err)}`, 1, err);
    result.stopped = true;
  } finally {
    await Promise.all([source.end({ timeout: 0 }), dest.end({ timeout: 5 })]);
  }
  const ended = performance.now();
  result.seconds = (ended - started) / 1000;
  result.lagSeconds = (ended - snapshotAt) / 1000;
  return result;
}

/** The destination's pgbank_sync_state row for one source table, saved within the caller's transaction. */
class Progress {
  constructor(private readonly schema: string, private readonly key: q.StateKey, public state: q.SyncState) {}

  async save(db: q.Db, change: Partial<q.SyncState>): Promise<void> {
    const next = { ...this.state, ...change };
    await q.saveState(db, this.schema, this.key, next);
    this.state = next;
  }
}

/**
 * Runs `fn` in one REPEATABLE READ, READ ONLY source transaction, so every statement of the run sees
 * one snapshot. On failure the connection is closed (q.abandonCopy): postgres.js cannot roll back
 * in the middle of a COPY, and a read-only transaction has nothing to lose. The first error wins.
 */
async function inOneSourceSnapshot(source: Sql, fn: (src: q.Db, copyOut: (select: string) => Promise<Readable>) => Promise<void>): Promise<void> {
  let failure: unknown = null;
  let copying: Readable | null = null;
  try {
    await source.begin(q.SOURCE_TRANSACTION, async (src) => {
      try {
        await fn(src, async (select) => (copying = await q.copyOut(src, select)));
      } catch (err) {
        failure ??= err;
        await q.abandonCopy(source, copying);
        throw err;
      }
    });
  } catch (err) {
    throw failure ?? err;
  }
}

/**
 * Lock, progress row and table on the destination: created when missing (without its keys, built
 * after the load), else checked against the source. `direct`: the table is empty, so chunks go
 * straight into it; otherwise they go through a staging table and an upsert.
 */
async function prepareDestination(dest: Sql, o: SyncOptions, shape: q.TableShape, result: RunResult): Promise<{ progress: Progress; direct: boolean }> {
  const table: q.TableRef = { schema: o.schema, table: o.table };
  const name = `${o.schema}.${o.table}`;
  const where = `destination database ${o.destination.database}`;
  await q.tuneDestinationSession(dest);
  if (!(await q.schemaExists(dest, o.schema))) throw new SyncError(`schema ${o.schema} does not exist in ${where}`);
  if (!(await q.tryLock(dest, `${o.source.database}.${name}`))) {
    throw new SyncError(`another pgbank-sync is already syncing ${name} from ${o.source.database} into ${o.destination.database}`);
  }
  const found = await q.ensureStateTable(dest, o.schema);
  const missing = q.STATE_COLUMNS.filter((c) => !found?.columns.some((f) => f.name === c));
  if (found && missing.length) {
    throw new SyncError(`table ${o.schema}.${q.STATE_TABLE} in ${where} is not pgbank-sync's progress table (no column ${missing.join(', ')}): ` +
      `pgbank-sync keeps its progress under that name in the synced schema; rename that table or sync into another schema`);
  }
  const key: q.StateKey = { sourceDatabase: o.source.database, sourceTable: name };
  const saved = await q.readState(dest, o.schema, key);
  const progress = new Progress(o.schema, key, saved ?? { cursor: null, horizon: null, horizonAt: null, building: false, rowsCopied: 0 });

  const existing = await q.describeTable(dest, table);
  if (!existing) {
    // Loading a table without its primary key and index, then building them once, is much faster.
    await dest.begin(async (tx) => {
      await q.createTable(tx, table, shape);
      await progress.save(tx, { cursor: null, horizon: null, horizonAt: null, building: true });
    });
    result.createdTable = true;
  } else {
    assertSameShape(shape, existing, progress.state.building, `${name} in ${where}`);
  }
  const empty = await q.isEmpty(dest, table);
  if (progress.state.building && !empty) await buildKeys(dest, table, shape, progress); // a first load was killed
  if (empty && progress.state.cursor) progress.state = { ...progress.state, cursor: null }; // emptied since: start over
  // One snapshot holds each key once, so an empty table can take the rows as they come.
  if (!empty) await q.createStaging(dest, table);
  return { progress, direct: empty };
}

export interface ContinuousOptions extends SyncOptions {
  /** Seconds between the end of a run and the start of the next. */
  delaySeconds: number;
  onRun: (result: RunResult, run: number) => void;
  /** A failed run after the first is reported here and retried after the delay; the first one throws. */
  onError: (err: unknown, run: number) => void;
}

/** Run after run until the signal fires; the run in flight finishes its chunk first. */
export async function syncContinuously(o: ContinuousOptions): Promise<void> {
  if (!(o.delaySeconds >= 0 && o.delaySeconds <= MAX_DELAY_SECONDS)) {
    throw new UsageError(`the delay must be from 0 to ${MAX_DELAY_SECONDS} seconds, got ${o.delaySeconds}`);
  }
  for (let run = 1; !o.signal?.aborted; run++) {
    try {
      const result = await syncOnce(o);
      o.onRun(result, run);
    } catch (err) {
      if (run === 1) throw err;
      o.onError(err, run);
    }
    await sleep(o.delaySeconds * 1000, undefined, { signal: o.signal }).catch(() => {});
  }
}

/** Whether `updated` holds an epoch number (the seed's bigint milliseconds) or a timestamp; null: neither. */
export function updatedKind(type: string): 'epoch' | 'timestamp' | null {
  if (/^(bigint|integer|numeric(\(.*\))?)$/.test(type)) return 'epoch';
  if (/^timestamp(\(\d\))? with(out)? time zone$/.test(type)) return 'timestamp';
  return null;
}

async function open(role: 'source' | 'destination', s: DbSettings): Promise<Sql> {
  // One session per side for the whole run: the lock, the staging table and the settings live in it.
  const sql = connect({ ...s, max: 1, name: `pgbank-sync ${role}`, session: true });
  try {
    await sql`select 1`;
    return sql;
  } catch (err) {
    await sql.end({ timeout: 0 });
    throw new SyncError(`cannot connect to ${role} database ${s.database} at ${s.host}:${s.port} as ${s.user}: ${describeError(err)}`);
  }
}

/** The source table's shape, or a SyncError saying why it can't be synced. */
async function sourceShape(src: q.Db, t: q.TableRef, s: DbSettings): Promise<q.TableShape> {
  const name = `${t.schema}.${t.table}`;
  const info = await q.describeTable(src, t);
  if (!info) throw new SyncError(`table ${name} not found in source database ${s.database}`);
  if (!info.readable) throw new SyncError(`user ${s.user} may not read ${name} in source database ${s.database}: SELECT privilege (or schema USAGE) missing`);
  if (!info.primaryKey.length) throw new SyncError(`source table ${name} has no primary key: pgbank-sync upserts by primary key`);
  const updated = info.columns.find((c) => c.name === 'updated');
  if (!updated) throw new SyncError(`source table ${name} has no column named updated: pgbank-sync copies rows in updated order`);
  if (!updatedKind(updated.type)) {
    throw new SyncError(`column updated of ${name} is ${updated.type}: expected bigint epoch milliseconds, timestamp or timestamptz`);
  }
  if (!updated.notNull) throw new SyncError(`column updated of ${name} allows NULL: rows with a NULL updated could never be synced (add NOT NULL)`);
  return info;
}

/** Throws a SyncError naming every difference between the source and destination tables. */
export function assertSameShape(source: q.TableShape, dest: q.TableShape, keysPending: boolean, where: string): void {
  const problems: string[] = [];
  for (const s of source.columns) {
    const d = dest.columns.find((c) => c.name === s.name);
    if (!d) problems.push(`column ${s.name} is missing`);
    else {
      if (d.type !== s.type) problems.push(`column ${s.name} is ${d.type}, source has ${s.type}`);
      if (d.notNull !== s.notNull) problems.push(`column ${s.name} is ${d.notNull ? 'NOT NULL' : 'nullable'}, source has ${s.notNull ? 'NOT NULL' : 'nullable'}`);
    }
  }
  for (const d of dest.columns) {
    if (!source.columns.some((c) => c.name === d.name)) problems.push(`column ${d.name} is not in the source`);
  }
  const sameKey = dest.primaryKey.join() === source.primaryKey.join();
  if (!sameKey && !(keysPending && !dest.primaryKey.length)) {
    problems.push(`primary key is (${dest.primaryKey.join(', ') || 'none'}), source has (${source.primaryKey.join(', ')})`);
  }
  if (problems.length) throw new SyncError(`destination table ${where} differs from the source: ${problems.join('; ')}`);
}

async function buildKeys(dest: Sql, t: q.TableRef, shape: q.TableShape, progress: Progress): Promise<void> {
  await dest.begin(async (tx) => {
    await q.addKeys(tx, t, shape);
    await progress.save(tx, { building: false });
  });
}
