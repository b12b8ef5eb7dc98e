// From pgoutput messages to change events: every balance change and status change of an account, per committed transaction, in commit order.
import { compareMagnitude, isZero, subtract } from './decimal.ts';
import { lsnText, parseMessage, pgTime, type Relation, type Value } from './pgoutput.ts';

export type EventKind = 'balance.changed' | 'account.status';

/** What is published (the message body, JSON); every amount is numeric text. */
export interface ChangeEvent {
  /** Stable: the commit LSN and the event's position in its transaction ("0/1A2B3C4D-1"); a redelivery has the same. */
  id: string;
  kind: EventKind;
  account: string;
  /** The ledger row (pgbank.transactions.id) that moved the balance, when the same transaction wrote one that fits; else null. */
  transaction_id: string | null;
  /** Its other side, when known. */
  counterparty: string | null;
  /** balance.changed: the signed change, balance_after - balance_before. */
  amount?: string;
  /** A change that nets several ledger rows of one commit (a transfers() call): their ids; transaction_id is then null. */
  transaction_ids?: string[];
  balance_before?: string;
  balance_after?: string;
  held_after?: string;
  /** account.status: the new and previous status (and any status_* columns of the row). */
  status?: string | null;
  previous_status?: string | null;
  /** account.status: a frozen account refuses credits too. */
  credits_frozen?: boolean;
  [statusDetail: `status_${string}`]: string | null | undefined;
  /** The account row's version after the change (grows with every change of the row). */
  version: string | null;
  /** When the PostgreSQL transaction committed (ISO 8601, microseconds). */
  committed_at: string;
  /** Commit LSN and PostgreSQL transaction id (xid). */
  lsn: string;
  xid: string;
}

export interface DecodedTransaction {
  xid: number;
  /** End of the commit record: the slot may be advanced here once every event is confirmed. */
  endLsn: bigint;
  events: ChangeEvent[];
}

interface LedgerRow { id: string; sender: string; receiver: string; amount: string }
interface AccountChange { old: Value[] | null; row: Value[]; relation: Relation }

const USERS = 'pgbank.users';
const TRANSACTIONS = 'pgbank.transactions';
const NOT_MOVING = new Set(['init', 'failed', 'held', 'voided', 'expired']);

/**
 * Feeds on the rows of successive peeks. Relation messages come again in every peek (each is a
 * new decoding session), so the map of relations is kept, and refreshed, across calls.
 */
export class Decoder {
  private relations = new Map<number, Relation>();
  private current: { xid: number; commitLsn: bigint; commitTime: bigint; ledger: LedgerRow[]; accounts: AccountChange[] } | null = null;

  /** No transaction begun and not yet committed. */
  get between(): boolean {
    return this.current === null;
  }

  /** Decode a peek's messages; only whole transactions come out (a peek always ends at a commit). */
  decode(messages: Buffer[]): DecodedTransaction[] {
    const out: DecodedTransaction[] = [];
    for (const data of messages) {
      const m = parseMessage(data);
      switch (m.type) {
        case 'relation':
          this.relations.set(m.relation.id, m.relation);
          break;
        case 'begin':
          this.current = { xid: m.xid, commitLsn: m.finalLsn, commitTime: m.commitTime, ledger: [], accounts: [] };
          break;
        case 'insert':
        case 'update': {
          const tx = this.current;
          const relation = this.relations.get(m.relationId);
          if (!tx || !relation) throw new Error(`pgoutput: a change outside a transaction or of an unknown relation ${m.relationId}`);
          const name = `${relation.schema}.${relation.name}`;
          if (name === TRANSACTIONS) {
            const get = column(relation, m.row);
            // Rows that can explain a balance change: one written effective, or updated to effective
            // (a posted hold) or away from it (taken back); not a failed attempt, nor a hold's own states.
            const status = get('status');
            const effective = m.type === 'insert' ? status === 'success' : !NOT_MOVING.has(status ?? '');
            if (effective) tx.ledger.push({ id: get('id')!, sender: get('sender')!, receiver: get('receiver')!, amount: get('amount')! });
            // transfers() writes its items' rows before locking their accounts, as 'success', and
            // sets those that then fail to 'failed': written in this commit, such a row moved nothing.
            else if (m.type === 'update') tx.ledger = tx.ledger.filter((r) => r.id !== get('id'));
          } else if (name === USERS) {
            tx.accounts.push({ old: m.type === 'update' ? m.old : null, row: m.row, relation });
          }
          break;
        }
        case 'commit': {
          const tx = this.current;
          if (!tx) throw new Error('pgoutput: a commit without a begin');
          out.push({ xid: tx.xid, endLsn: m.endLsn, events: this.events(tx) });
          this.current = null;
          break;
        }
        default:
          break;  // deletes, truncates, origins: not events (a truncate's balance resets come as account updates)
      }
    }
    return out;
  }

  private events(tx: NonNullable<Decoder['current']>): ChangeEvent[] {
    const events: ChangeEvent[] = [];
    const lsn = lsnText(tx.commitLsn);
    const committedAt = pgTime(tx.commitTime);
    const taken = new Set<string>();  // `${ledger index}/${account}`: a ledger row explains one change of each of its accounts
    for (const change of withoutTakeBacks(tx.accounts)) {
      const now = column(change.relation, change.row);
      const before = change.old ? column(change.relation, change.old) : () => null;
      const account = now('id')!;
      const common = { version: now('version') ?? null, committed_at: committedAt, lsn, xid: String(tx.xid) };
      const balanceAfter = now('balance');
      const balanceBefore = change.old ? before('balance') : '0';
      if (balanceAfter != null && balanceBefore != null && balanceAfter !== balanceBefore) {
        const amount = subtract(balanceAfter, balanceBefore);
        if (!isZero(amount)) {
          const i = tx.ledger.findIndex((r, k) => !taken.has(`${k}/${account}`) && (r.sender === account || r.receiver === account) && compareMagnitude(r.amount, amount) === 0);
          const row = i >= 0 ? tx.ledger[i]! : null;
          if (row) taken.add(`${i}/${account}`);
          // transfers() moves a call's balances set-wise: one change of an account for several of
          // its rows in this commit, whose net it is. They are named together.
          let several: string[] | undefined;
          if (!row) {
            const mine = tx.ledger.map((r, k) => ({ r, k }))
              .filter(({ r, k }) => !taken.has(`${k}/${account}`) && r.sender !== r.receiver && (r.sender === account || r.receiver === account));
            const net = mine.reduce((sum, { r }) => (r.receiver === account ? subtract(sum, `-${r.amount}`) : subtract(sum, r.amount)), '0');
            if (mine.length > 1 && isZero(subtract(net, amount))) {
              for (const { k } of mine) taken.add(`${k}/${account}`);
              several = mine.map(({ r }) => r.id);
            }
          }
          events.push({
            id: `${lsn}-${events.length + 1}`, kind: 'balance.changed', account,
            transaction_id: row?.id ?? null, counterparty: row ? (row.sender === account ? row.receiver : row.sender) : null,
            ...(several ? { transaction_ids: several } : {}),
            amount, balance_before: balanceBefore, balance_after: balanceAfter, held_after: now('held') ?? undefined,
            ...common,
          });
        }
      }
      // The account's status (migration 0021): an event when it or its credits flag changes (not when a row is made with it).
      const hasFlag = change.relation.columns.includes('credits_frozen');
      if (change.old && change.relation.columns.includes('status')
          && (now('status') !== before('status') || (hasFlag && now('credits_frozen') !== before('credits_frozen')))) {
        const details: Record<string, string | null> = {};
        for (const c of change.relation.columns) if (c.startsWith('status_')) details[c] = now(c) ?? null;
        events.push({
          id: `${lsn}-${events.length + 1}`, kind: 'account.status', account, transaction_id: null, counterparty: null,
          status: now('status') ?? null, previous_status: before('status') ?? null,
          ...(hasFlag ? { credits_frozen: now('credits_frozen') === 't' } : {}), ...details, ...common,
        });
      }
    }
    return events;
  }
}

/**
 * A movement the other account refused is taken back in the same call (pgbank_private.take_back,
 * from transfer() or the ledger's insert trigger): the row as it was, its version one lower. Neither change happened
 * for a reader: the take-back and the account's change before it are left out.
 */
function withoutTakeBacks(changes: AccountChange[]): AccountChange[] {
  const kept: (AccountChange | null)[] = [];
  for (const change of changes) {
    const version = column(change.relation, change.row)('version');
    const before = change.old ? column(change.relation, change.old)('version') : null;
    if (version != null && before != null && BigInt(version) < BigInt(before)) {
      const id = column(change.relation, change.row)('id');
      let undone = kept.length - 1;
      while (undone >= 0 && (kept[undone] === null || column(kept[undone]!.relation, kept[undone]!.row)('id') !== id)) undone--;
      if (undone >= 0) {
        kept[undone] = null;
        continue;
      }
    }
    kept.push(change);
  }
  return kept.filter((c): c is AccountChange => c !== null);
}

function column(relation: Relation, row: Value[]): (name: string) => string | null | undefined {
  return (name) => {
    const i = relation.columns.indexOf(name);
    return i < 0 ? undefined : row[i];
  };
}
