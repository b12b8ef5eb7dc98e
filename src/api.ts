// Typed wrappers of the pgbank SQL API. Money is a string (numeric's exact text), never a JS number.
import type { Sql } from './db.ts';

export type Direction = 'sender' | 'receiver';

export interface SumAmount {
  /** Exact sum, numeric text (e.g. "871705.91"). */
  sumAmount: string;
  /** Time the database spent, seconds. */
  responseTimeSeconds: number;
}

/** Timestamps are UTC: a Date, or ISO text without a zone ("2023-06-01T00:00:00"). */
export type UtcTimestamp = Date | string;

// Sent as text: postgres.js would turn a timestamp parameter into a JS Date and lose the microseconds.
const utcText = (t: UtcTimestamp) => (t instanceof Date ? t.toISOString().replace('Z', '') : t);

/** pgbank.sum_amount: a user's effective transactions as sender or receiver in [start, end). */
export async function sumAmount(sql: Sql, userId: string, start: UtcTimestamp, end: UtcTimestamp, direction: Direction): Promise<SumAmount> {
  const [row] = await sql<{ sum_amount: string; response_time_seconds: number }[]>`
    select sum_amount, response_time_seconds
      from pgbank.sum_amount(${userId}::uuid, ${utcText(start)}::text::timestamp, ${utcText(end)}::text::timestamp, ${direction}::text)`;
  return { sumAmount: row!.sum_amount, responseTimeSeconds: row!.response_time_seconds };
}
