// Typed wrappers of the pgbank SQL API. Money is a string (numeric's exact text), never a JS number.
import type { Sql } from './db.ts';

export type Direction = 'sender' | 'receiver';

export interface SumAmount {
  /** Exact sum, numeric text (e.g. "871705.91"). */
  sumAmount: string;
  /** Time the database spent, seconds. */
  responseTimeSeconds: number;
}

/**
 * A moment: a Date, or ISO 8601 text. Text without a zone is UTC ("2023-06-01T00:00:00"); text
 * with an offset ("2023-06-01T05:00:00+05:00", "...Z") is converted to UTC exactly, microseconds
 * kept; "infinity" and "-infinity" are the open ends. Other text (a zone name, another format) is
 * a RangeError: PostgreSQL's timestamp would silently drop the zone.
 */
export type UtcTimestamp = Date | string;

const ISO_MOMENT = /^\d{4,}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?)?(?<zone>\s*(?:Z|[+-]\d{2}(?::?\d{2}){0,2}))?$/i;

/**
 * The moment as timestamptz text with an explicit zone, so PostgreSQL reads it the same whatever
 * the session's TimeZone. Text, because postgres.js would turn a timestamp into a JS Date and
 * lose the microseconds.
 */
function zonedText(t: UtcTimestamp, what: string): string {
  if (t instanceof Date) return t.toISOString();
  if (t === 'infinity' || t === '-infinity') return t;
  const iso = ISO_MOMENT.exec(t);
  if (!iso) {
    const shown = t.length > 200 ? `'${t.slice(0, 200)}'… (${t.length} characters)` : `'${t}'`;
    throw new RangeError(`${what} ${shown} is not an ISO 8601 timestamp (UTC, or with an offset like +05:00), e.g. 2024-01-01T00:00:00`);
  }
  return iso.groups!.zone ? t : `${t}Z`;
}

/** pgbank.sum_amount: a user's effective transactions as sender or receiver in [start, end). */
export async function sumAmount(sql: Sql, userId: string, start: UtcTimestamp, end: UtcTimestamp, direction: Direction): Promise<SumAmount> {
  const [from, to] = [zonedText(start, 'sumAmount: start'), zonedText(end, 'sumAmount: end')];
  const [row] = await sql<{ sum_amount: string; response_time_seconds: number }[]>`
    select sum_amount, response_time_seconds
      from pgbank.sum_amount(${userId}::uuid, ${from}::text::timestamptz at time zone 'UTC', ${to}::text::timestamptz at time zone 'UTC', ${direction}::text)`;
  return { sumAmount: row!.sum_amount, responseTimeSeconds: row!.response_time_seconds };
}

// ---- Ledger -------------------------------------------------------------------------------

export interface Account {
  id: string;
  name: string;
  /** Posted balance (numeric text). */
  balance: string;
  /** balance - held: what may still be spent, down to lowerLimit. */
  available: string;
  held: string;
  /** null: no limit (only the world account). */
  lowerLimit: string | null;
  /** bigint text; +1 on every change of balance or held. */
  version: string;
  createdAt: Date;
  modifiedAt: Date;
  /** open, frozen (no debits) or closed (final). */
  status: AccountStatus;
  /** While frozen: credits are refused too. */
  creditsFrozen: boolean;
  /** ISO 4217 code; every amount of the account is in it, never changed. */
  currency: string;
  /** Its decimals: every amount of the account has exactly as many (JPY 0, USD 2, BHD 3). */
  minorUnits: number;
}

/**
 * Through a sharded router (docs/scaling.md) a transfer to another shard's account is first
 * 'in_transit'; a repeat of it says 'success' once credited, or 'returned' (reason: why).
 */
export type TransferStatus = 'success' | 'failed' | 'in_transit' | 'returned';
export type FailureReason = 'insufficient_funds' | 'unknown_account' | 'same_account' | 'account_frozen' | 'account_closed' | 'currency_mismatch';

export interface TransferResult {
  requestId: string;
  status: TransferStatus;
  /** Why it failed (batches add " (item N)"). */
  reason: string | null;
  transactionId: string;
  ts: Date;
  fromAccount: string;
  toAccount: string;
  amount: string;
  /** true when this call repeated an earlier request and returned its outcome. */
  replayed: boolean;
}

export interface HoldResult {
  holdId: string | null;
  status: 'held' | 'posted' | 'voided' | 'expired' | 'failed';
  reason: string | null;
  requestId: string;
  transactionId: string;
  ts: Date;
  fromAccount: string;
  toAccount: string;
  amount: string;
  postedAmount: string | null;
  expiresAt: Date | null;
  replayed: boolean;
}

type Row = Record<string, unknown>;
const camel = (s: string) => s.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
const camelRow = <T>(row: Row | undefined): T => Object.fromEntries(Object.entries(row!).map(([k, v]) => [camel(k), v])) as T;

/**
 * pgbank.create_account: a new account with balance 0; lowerLimit '0' (default) means no overdraft;
 * currency an ISO 4217 code (null: the database's default, USD unless an operator changed it).
 */
export async function createAccount(sql: Sql, name: string, lowerLimit = '0', id: string | null = null,
                                    currency: string | null = null): Promise<Account> {
  // Without a currency the call names no such argument (as with metadata below: the router's has none).
  const [row] = currency === null
    ? await sql`select * from pgbank.create_account(${name}, ${lowerLimit}::numeric, ${id}::uuid)`
    : await sql`select * from pgbank.create_account(${name}, ${lowerLimit}::numeric, ${id}::uuid, ${currency}::text)`;
  return camelRow<Account>(row);
}

/** pgbank.get_account: one account; SQLSTATE P0002 when unknown. */
export async function getAccount(sql: Sql, id: string): Promise<Account> {
  const [row] = await sql`select * from pgbank.get_account(${id}::uuid)`;
  return camelRow<Account>(row);
}

/** Metadata as a jsonb parameter (NULL when none). */
const jsonb = (sql: Sql, metadata: Record<string, unknown> | null) => (metadata === null ? null : sql.json(metadata as never));

/** pgbank.top_up: money from outside, idempotent per (account, requestId); metadata is kept with the ledger row. */
export async function topUp(sql: Sql, requestId: string, account: string, amount: string,
                            metadata: Record<string, unknown> | null = null): Promise<TransferResult> {
  const [row] = await sql`select * from pgbank.top_up(${requestId}, ${account}::uuid, ${amount}::numeric, ${jsonb(sql, metadata)}::jsonb)`;
  return camelRow<TransferResult>(row);
}

/** pgbank.transfer: idempotent per (from, requestId); a business failure comes back as status 'failed'; metadata is kept with the ledger row. */
export async function transfer(sql: Sql, requestId: string, from: string, to: string, amount: string,
                               metadata: Record<string, unknown> | null = null): Promise<TransferResult> {
  const [row] = await sql`select * from pgbank.transfer(${requestId}, ${from}::uuid, ${to}::uuid, ${amount}::numeric, ${jsonb(sql, metadata)}::jsonb)`;
  return camelRow<TransferResult>(row);
}

/**
 * pgbank.transfer_batch: all or nothing; one result per item; metadata is kept with every item's
 * ledger row (an exchange: the legs through liquidity accounts, the rate in metadata; docs/ledger.md).
 */
export async function transferBatch(sql: Sql, requestId: string, items: { from: string; to: string; amount: string }[],
                                    metadata: Record<string, unknown> | null = null): Promise<TransferResult[]> {
  const [from, to, amounts] = [items.map((i) => i.from), items.map((i) => i.to), items.map((i) => i.amount)];
  const rows = metadata === null
    ? await sql`select * from pgbank.transfer_batch(${requestId}, ${from}::uuid[], ${to}::uuid[], ${amounts}::numeric[])`
    : await sql`select * from pgbank.transfer_batch(${requestId}, ${from}::uuid[], ${to}::uuid[], ${amounts}::numeric[], ${jsonb(sql, metadata)}::jsonb)`;
  return rows.map((r) => camelRow<TransferResult>(r));
}

/** pgbank.transfers: up to 1,000 independent transfers in one call, each idempotent per (from, requestId) like transfer(); one result per item, in order. */
export async function transfers(sql: Sql, items: { requestId: string; from: string; to: string; amount: string }[]): Promise<TransferResult[]> {
  const rows = await sql`select * from pgbank.transfers(${items.map((i) => i.requestId)}::text[], ${items.map((i) => i.from)}::uuid[],
    ${items.map((i) => i.to)}::uuid[], ${items.map((i) => i.amount)}::numeric[])`;
  return rows.map((r) => camelRow<TransferResult>(r));
}

/** pgbank.hold: reserve funds until expiresIn (an interval, e.g. '15 minutes'); metadata is kept with the ledger row. */
export async function hold(sql: Sql, requestId: string, from: string, to: string, amount: string, expiresIn: string,
                           metadata: Record<string, unknown> | null = null): Promise<HoldResult> {
  const [row] = await sql`select * from pgbank.hold(${requestId}, ${from}::uuid, ${to}::uuid, ${amount}::numeric, ${expiresIn}::interval,
    ${jsonb(sql, metadata)}::jsonb)`;
  return camelRow<HoldResult>(row);
}

/** pgbank.post_hold: transfer all of a hold (amount null) or part of it. */
export async function postHold(sql: Sql, holdId: string, amount: string | null = null): Promise<HoldResult> {
  const [row] = await sql`select * from pgbank.post_hold(${holdId}::uuid, ${amount}::numeric)`;
  return camelRow<HoldResult>(row);
}

/** pgbank.void_hold: release a hold. */
export async function voidHold(sql: Sql, holdId: string): Promise<HoldResult> {
  const [row] = await sql`select * from pgbank.void_hold(${holdId}::uuid)`;
  return camelRow<HoldResult>(row);
}

/** pgbank.balance_at: the balance at a moment (effective transactions stamped at or before it). */
export async function balanceAt(sql: Sql, account: string, at: Date | string): Promise<string> {
  const text = at instanceof Date ? at.toISOString() : at;
  const [row] = await sql`select pgbank.balance_at(${account}::uuid, ${text}::text::timestamptz)::text as balance`;
  return row!.balance as string;
}

/** pgbank.verify_balances: accounts whose stored balance/held differ from their transactions (empty when exact). */
export async function verifyBalances(sql: Sql): Promise<Row[]> {
  return [...(await sql`select * from pgbank.verify_balances()`)];
}

export interface ReverseResult {
  requestId: string;
  /** 'failed' with reason already_reversed (more than what is left to take back) or insufficient_funds. */
  status: TransferStatus;
  reason: 'already_reversed' | 'insufficient_funds' | null;
  /** The reversal's own ledger row. */
  transactionId: string;
  ts: Date;
  /** The original's receiver (the world for a withdrawal), who pays back ... */
  fromAccount: string;
  /** ... the original's sender. */
  toAccount: string;
  amount: string;
  /** The transaction reversed. */
  reverses: string;
  replayed: boolean;
}

/**
 * pgbank.reverse: take back all (amount null) or part of an effective transaction, linked to it;
 * idempotent per (paying account, requestId); the reversals of one transaction never exceed it.
 */
export async function reverse(sql: Sql, requestId: string, transactionId: string | number | bigint, amount: string | null = null,
                              metadata: Record<string, unknown> | null = null): Promise<ReverseResult> {
  const [row] = await sql`select * from pgbank.reverse(${requestId}, ${String(transactionId)}::bigint, ${amount}::numeric,
    ${jsonb(sql, metadata)}::jsonb)`;
  return camelRow<ReverseResult>(row);
}

export interface HistoryEntry {
  transactionId: string;
  ts: Date;
  direction: 'sent' | 'received';
  counterparty: string;
  amount: string;
  status: string;
  reason: string | null;
  /** The balance after this movement; null for one that moved nothing (failed, held, voided, ...). */
  balanceAfter: string | null;
  metadata: Record<string, unknown> | null;
  /** For a reversal: the transaction it reverses. */
  reverses: string | null;
  /** For a reversed transaction: its effective reversals, oldest first. */
  reversedBy: string[] | null;
  /** Pass as `after` for the rows after this one. */
  cursor: string;
}

export interface HistoryOptions {
  /** Window [from, to). */
  from?: UtcTimestamp | null;
  to?: UtcTimestamp | null;
  direction?: 'sent' | 'received' | null;
  status?: string | null;
  /** Rows whose metadata contains this object (jsonb @>). */
  metadata?: Record<string, unknown> | null;
  /** The cursor of the last row of the previous page. */
  after?: string | null;
  /** 1 to 1,000; default 50. */
  pageSize?: number;
}

/** pgbank.history: an account's movements newest first, a page at a time (keyset cursor), with the balance after each effective one. */
export async function history(sql: Sql, account: string, o: HistoryOptions = {}): Promise<HistoryEntry[]> {
  const from = o.from == null ? null : zonedText(o.from, 'from');
  const to = o.to == null ? null : zonedText(o.to, 'to');
  const rows = await sql`select * from pgbank.history(${account}::uuid, ${from}::timestamptz, ${to}::timestamptz,
    ${o.direction ?? null}::text, ${o.status ?? null}::text, ${jsonb(sql, o.metadata ?? null)}::jsonb,
    ${o.after ?? null}::text, ${o.pageSize ?? 50}::int)`;
  return rows.map((r) => camelRow<HistoryEntry>(r));
}

export interface EventSlot {
  slotName: string;
  active: boolean;
  confirmedFlushLsn: string | null;
  currentLsn: string;
  /** WAL written since the last commit the broker confirmed, in bytes (numeric text). */
  lagBytes: string | null;
  /** WAL the slot keeps on disk, in bytes (numeric text). */
  retainedBytes: string | null;
}

/** pgbank.event_slots: the change-event slots of this database and their lag (docs/events.md). */
export async function eventSlots(sql: Sql): Promise<EventSlot[]> {
  const rows = await sql`select slot_name, active, confirmed_flush_lsn::text, current_lsn::text, lag_bytes::text, retained_bytes::text from pgbank.event_slots()`;
  return rows.map((r) => camelRow<EventSlot>(r));
}

// ---- Account status -----------------------------------------------------------------------

export type AccountStatus = 'open' | 'frozen' | 'closed';

export interface AccountStatusChange {
  /** bigint text */
  id: string;
  fromStatus: AccountStatus;
  toStatus: AccountStatus;
  creditsFrozen: boolean;
  changedBy: string;
  reason: string;
  /** The database login that made the change. */
  dbUser: string;
  changedAt: Date;
}

/**
 * pgbank.set_account_status: open, freeze (creditsFrozen: credits refused too) or close an account,
 * recorded with changedBy and reason. Closing needs balance 0 and nothing held (55000) and is final.
 */
export async function setAccountStatus(sql: Sql, account: string, status: AccountStatus, reason: string, changedBy: string,
  creditsFrozen = false): Promise<Account> {
  const [row] = await sql`select * from pgbank.set_account_status(${account}::uuid, ${status}, ${reason}, ${changedBy}, ${creditsFrozen})`;
  return camelRow<Account>(row);
}

/** pgbank.account_status_changes: an account's status changes, newest first. */
export async function accountStatusChanges(sql: Sql, account: string): Promise<AccountStatusChange[]> {
  const rows = await sql`select * from pgbank.account_status_changes(${account}::uuid)`;
  return rows.map((r) => camelRow<AccountStatusChange>(r));
}
