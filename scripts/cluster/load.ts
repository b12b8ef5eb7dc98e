// Transfer clients for failover runs: a call that fails for any reason is in doubt and is retried
// with its request_id until it answers (pgbank.transfer is idempotent per (from, request_id)).
import { setTimeout as sleep } from 'node:timers/promises';
import { createAccount, topUp, transfer, type TransferResult } from '../../src/api.ts';
import type { Sql } from '../../src/db.ts';

export interface Ack extends TransferResult {
  client: number;
  attempts: number;
  /** performance.now() when the answered attempt was sent, and when it was answered */
  sent: number;
  at: number;
}

/** `n` accounts, each topped up with `each`; their ids. */
export async function fundedAccounts(sql: Sql, n: number, each: string): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const a = await createAccount(sql, `ha ${i}`);
    await topUp(sql, `fund-${a.id}`, a.id, each);
    ids.push(a.id);
  }
  return ids;
}

/**
 * `clients` loops of transfers between `accounts` until `stop()` says so. A call that fails for any
 * reason (connection lost, server read only while promoting) is in doubt: it is retried with the
 * same request_id until it answers, for up to `doubtMs`. Returns every acknowledged result.
 */
export function transferLoad(sql: Sql, accounts: string[], clients: number, tag: string, doubtMs = 90_000) {
  const acks: Ack[] = [];
  const errors: string[] = [];
  let stopping = false;
  const running = Promise.all(Array.from({ length: clients }, async (_, client) => {
    for (let i = 0; !stopping; i++) {
      const from = accounts[(client * 7 + i) % accounts.length]!;
      const to = accounts[(client * 7 + i * 3 + 1) % accounts.length]!;
      const amount = `${1 + ((client * 31 + i * 17) % 400)}.${String(i % 100).padStart(2, '0')}`;
      const requestId = `${tag}-${client}-${i}`;
      const started = performance.now();
      for (let attempt = 1; ; attempt++) {
        const sent = performance.now();
        try {
          const r = await transfer(sql, requestId, from, to, amount);
          acks.push({ ...r, client, attempts: attempt, sent, at: performance.now() });
          break;
        } catch (err) {
          const e = err as { code?: string; message: string };
          errors.push(`${e.code ?? '?'}: ${e.message}`.slice(0, 200));
          if (performance.now() - started > doubtMs) throw new Error(`${requestId} still failing after ${doubtMs} ms: ${e.message}`, { cause: err });
          await sleep(100);
        }
      }
    }
  }));
  return {
    acks,
    errors,
    async stop(): Promise<void> {
      stopping = true;
      await running;
    },
    /** When the first call sent after `since` (performance.now()) was answered. */
    async firstAckAfter(since: number, timeoutMs: number): Promise<number> {
      const deadline = performance.now() + timeoutMs;
      for (;;) {
        const first = acks.find((a) => a.sent > since);
        if (first) return first.at;
        if (performance.now() > deadline) throw new Error(`no transfer acknowledged within ${timeoutMs} ms`);
        await sleep(20);
      }
    },
  };
}
