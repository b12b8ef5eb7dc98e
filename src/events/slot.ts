// The slot's SQL: make it, read it (peek: nothing is consumed), advance it once the broker confirmed, its lag, and the single-instance lock.
import type { Sql } from '../db.ts';
import { lsnText } from './pgoutput.ts';

/**
 * Check what decoding needs (the publication, pgbank.users logging whole old rows) and make the
 * permanent slot when missing. A slot of another database or plugin by that name is an error.
 */
export async function prepareSlot(sql: Sql, slot: string, publication: string): Promise<{ created: boolean; confirmedLsn: string }> {
  const [pub] = await sql`select 1 from pg_publication where pubname = ${publication}`;
  if (!pub) throw Object.assign(new Error(`publication ${JSON.stringify(publication)} does not exist in this database: run the migrations (0019 makes pgbank_events)`), { fatal: true });
  const [identity] = await sql<{ full: boolean }[]>`select relreplident = 'f' as full from pg_class where oid = 'pgbank.users'::regclass`;
  if (!identity?.full) throw Object.assign(new Error('pgbank.users does not log its old rows (REPLICA IDENTITY FULL, migration 0019): balance changes cannot be decoded'), { fatal: true });
  let created = false;
  let [row] = await sql<{ database: string; plugin: string; confirmed: string | null }[]>`
    select database, plugin, confirmed_flush_lsn::text as confirmed from pg_replication_slots where slot_name = ${slot}`;
  if (!row) {
    // Waits for the transactions running now to end: the slot sees every one that commits after.
    await sql`select pg_create_logical_replication_slot(${slot}, 'pgoutput')`;
    created = true;
    [row] = await sql<{ database: string; plugin: string; confirmed: string | null }[]>`
      select database, plugin, confirmed_flush_lsn::text as confirmed from pg_replication_slots where slot_name = ${slot}`;
  }
  const [current] = await sql<{ db: string }[]>`select current_database() as db`;
  const db = current!.db;
  if (row!.database !== db || row!.plugin !== 'pgoutput') {
    throw Object.assign(new Error(`slot ${JSON.stringify(slot)} belongs to database ${JSON.stringify(row!.database)} with plugin ${JSON.stringify(row!.plugin)}, not ${JSON.stringify(db)} with pgoutput: set EVENTS_SLOT`), { fatal: true });
  }
  return { created, confirmedLsn: row!.confirmed ?? '' };
}

/** The next committed transactions after the slot's confirmed position, as pgoutput messages (at least `changes` of them when there are, whole transactions). */
export async function peek(sql: Sql, slot: string, publication: string, changes: number): Promise<Buffer[]> {
  const rows = await sql<{ data: Buffer }[]>`
    select data from pg_logical_slot_peek_binary_changes(${slot}, null, ${changes}::int,
      'proto_version', '1', 'publication_names', ${publication})`;
  return rows.map((r) => r.data);
}

/** Move the slot's confirmed position to `lsn` (the end of the last transaction published): the WAL before it may go. Never backwards. */
export async function advance(sql: Sql, slot: string, lsn: bigint): Promise<void> {
  await sql`
    select pg_replication_slot_advance(${slot}, greatest(${lsnText(lsn)}::pg_lsn, confirmed_flush_lsn))
      from pg_replication_slots where slot_name = ${slot}`;
}

export interface SlotLag { confirmed_lsn: string | null; lag_bytes: string | null; retained_bytes: string | null; active_pid: number | null }

/** How far behind the WAL the slot is: WAL written since its confirmed position, and WAL it keeps. */
export async function slotLag(sql: Sql, slot: string): Promise<SlotLag | null> {
  const [row] = await sql<SlotLag[]>`
    select confirmed_flush_lsn::text as confirmed_lsn, pg_wal_lsn_diff(pg_current_wal_lsn(), confirmed_flush_lsn)::text as lag_bytes,
           pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn)::text as retained_bytes, active_pid
      from pg_replication_slots where slot_name = ${slot}`;
  return row ?? null;
}

export interface LockState { held: boolean; holderPid: number | null; holderApplication: string | null }

/**
 * Take (or confirm) this session's advisory lock for the slot: one publisher per slot. Asking
 * again when held takes nothing more (the heartbeat). When another session holds it, says which.
 */
export async function slotLock(sql: Sql, slot: string): Promise<LockState> {
  const [row] = await sql<{ held: boolean; holder_pid: number | null; holder_application: string | null }[]>`
    with mine as (
      select exists (select from pg_locks l where l.locktype = 'advisory' and l.granted and l.pid = pg_backend_pid()
                        and l.database = (select oid from pg_database where datname = current_database())
                        and l.classid = hashtext('pgbank.events')::oid and l.objid = hashtext(${slot})::oid and l.objsubid = 2) as held
    ), taken as (
      select case when (select held from mine) then true else pg_try_advisory_lock(hashtext('pgbank.events'), hashtext(${slot})) end as held
    )
    select t.held, h.pid as holder_pid, h.application_name as holder_application
      from taken t
      left join lateral (select l.pid, a.application_name from pg_locks l left join pg_stat_activity a on a.pid = l.pid
                          where not t.held and l.locktype = 'advisory' and l.granted
                            and l.database = (select oid from pg_database where datname = current_database())
                            and l.classid = hashtext('pgbank.events')::oid and l.objid = hashtext(${slot})::oid and l.objsubid = 2
                          limit 1) h on true`;
  return { held: row!.held, holderPid: row!.holder_pid, holderApplication: row!.holder_application };
}
