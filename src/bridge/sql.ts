// Typed wrappers of the provider SQL API (functions/providers/). Amounts are numeric text, never JS numbers.
import type { Sql } from '../db.ts';

export interface IncomingTransaction {
  /** AMQP message_id; null when the message has none. */
  messageId: string | null;
  /** The id and value as written in the message (text, so SQL can reject each one on its own). */
  providerId: string;
  value: string;
}

/** A message of the batch that was not recorded. */
export interface NotRecorded {
  /** 1-based position in the batch. */
  position: number;
  outcome: 'duplicate' | 'rejected';
  /** For a duplicate: the row recorded for its message_id (null if not yet visible). */
  transactionId: string | null;
  /** SQLSTATE and reason when rejected. */
  errorCode: string | null;
  reason: string | null;
}

/** pgbank.provider_record_transactions: one statement for the whole batch; the messages not recorded, in order (none when all went in). */
export async function recordTransactions(sql: Sql, batch: IncomingTransaction[]): Promise<NotRecorded[]> {
  const rows = await sql<{ message_position: number; outcome: 'duplicate' | 'rejected'; transaction_id: string | null; error_code: string | null; reason: string | null }[]>`
    select message_position, outcome, transaction_id, error_code, reason
      from pgbank.provider_record_transactions(
        ${batch.map((t) => t.messageId)}::text[], ${batch.map((t) => t.providerId)}::text[], ${batch.map((t) => t.value)}::text[])`;
  return rows.map((r) => ({ position: r.message_position, outcome: r.outcome, transactionId: r.transaction_id, errorCode: r.error_code, reason: r.reason }));
}

export interface ProviderBalance {
  providerId: string;
  /** The KeyDB key, `{id}_{provider_name}`. */
  key: string;
  /** initial_value + sum(transaction_value), numeric text. */
  balance: string;
  transactions: string;
}

/** pgbank.provider_balances: every provider's key and balance, from one snapshot. */
export async function providerBalances(sql: Sql): Promise<ProviderBalance[]> {
  const rows = await sql<{ provider_id: string; key: string; balance: string; transactions: string }[]>`
    select provider_id, key, balance, transactions from pgbank.provider_balances()`;
  return rows.map((r) => ({ providerId: r.provider_id, key: r.key, balance: r.balance, transactions: r.transactions }));
}

export interface BridgeLock {
  acquired: boolean;
  holderPid: number | null;
  holderApplication: string | null;
  holderAddress: string | null;
  holderSince: Date | null;
}

/** pgbank.provider_bridge_lock: take (or confirm) the single-instance lock for a queue, on this connection. */
export async function bridgeLock(sql: Sql, queue: string): Promise<BridgeLock> {
  const [row] = await sql<{ acquired: boolean; holder_pid: number | null; holder_application: string | null; holder_address: string | null; holder_since: Date | null }[]>`
    select acquired, holder_pid, holder_application, holder_address, holder_since from pgbank.provider_bridge_lock(${queue}::text)`;
  return {
    acquired: row!.acquired, holderPid: row!.holder_pid, holderApplication: row!.holder_application,
    holderAddress: row!.holder_address, holderSince: row!.holder_since,
  };
}

/** pgbank_private.provider_seed_example: the seed's two providers and three transactions, when missing (a demo helper: needs the owner's role, not pgbank_app). */
export async function seedExampleProviders(sql: Sql): Promise<{ providersAdded: number; transactionsAdded: number }> {
  const [row] = await sql<{ providers_added: number; transactions_added: number }[]>`
    select providers_added, transactions_added from pgbank_private.provider_seed_example()`;
  return { providersAdded: row!.providers_added, transactionsAdded: row!.transactions_added };
}
