// Delivery of cross-shard transfers: for each shard A, its pending outbox rows are credited on the
// payees' shards (pgbank_private.shard_receive, idempotent per original request), then closed on A
// (pgbank_private.shard_settle: delivered, or the money returned to the payer). Each step is one
// local transaction; a crash between them only repeats the first, which then answers as before.
// Why a TS worker and not a pg_cron job per shard: a job would need a PL/Proxy (or dblink) cluster
// configured on every shard to reach its peers and could not run more often than once a second;
// this worker needs only the router's shard list, polls every few ms, and the tests can kill it.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Sql } from '../../src/db.ts';
import { open, type Place } from './formation.ts';

export interface DeliverOptions {
  /** Outbox rows per round and shard (default 500). */
  batch?: number;
  /** Pause when a shard had nothing to deliver (default 20 ms). */
  idleMs?: number;
  /** Pause after an error (a shard down) before trying again (default 500 ms). */
  retryMs?: number;
  /** Connections per shard (default 2). */
  connections?: number;
  /** Fault injection for the tests: wait this long between crediting and settling. */
  settleDelayMs?: number;
  log?: (line: string) => void;
}

/** A pending outbox row; metadata as JSON text (passed on as it is). */
interface Pending { id: string; account: string; request_id: string; to_account: string; to_shard: number; amount: string; metadata: string | null }
interface Received { account: string; request_id: string; outcome: string; reason: string | null; transaction_id: string | null }

export class Deliverer {
  private readonly pools: Sql[];
  private running = false;
  private loops: Promise<void>[] = [];
  /** Transfers closed (delivered or returned) since start. */
  settled = 0;

  constructor(readonly shards: Place[], private readonly options: DeliverOptions = {}) {
    this.pools = shards.map((s, i) => open(s, options.connections ?? 2, `pgbank-deliver-${i}`));
  }

  private log(line: string): void {
    this.options.log?.(line);
  }

  /** One round for shard `from`: credit (or refuse) its pending transfers on their shards, then close them. Returns how many it closed. */
  async deliverOnce(from: number): Promise<number> {
    const sql = this.pools[from]!;
    const pending = await sql<Pending[]>`
      select id::text, account, request_id, to_account, to_shard, amount::text, metadata::text
        from pgbank_private.shard_outbox_pending(${this.options.batch ?? 500})`;
    if (!pending.length) return 0;
    const byShard = new Map<number, Pending[]>();
    for (const p of pending) byShard.set(p.to_shard, [...(byShard.get(p.to_shard) ?? []), p]);
    // The payee shards in parallel: each group has its own clearing account, so they never wait on each other.
    let closed = 0;
    let failure: unknown;
    await Promise.all([...byShard].map(async ([to, rows]) => {
      try {
        const received = await this.pools[to]!<Received[]>`
          select account, request_id, outcome, reason, transaction_id::text
            from pgbank_private.shard_receive(${from}, ${rows.map((r) => r.account)}::uuid[], ${rows.map((r) => r.request_id)}::text[],
                                              ${rows.map((r) => r.to_account)}::uuid[], ${rows.map((r) => r.amount)}::numeric[],
                                              ${rows.map((r) => r.metadata)}::text[]::jsonb[])`;
        const byKey = new Map(received.map((r) => [`${r.account}/${r.request_id}`, r]));
        const answers = rows.map((r) => byKey.get(`${r.account}/${r.request_id}`));
        if (this.options.settleDelayMs) {
          this.log(`credited ${received.length} from shard ${from} on shard ${to}; settling in ${this.options.settleDelayMs} ms`);
          await sleep(this.options.settleDelayMs);
        }
        const [row] = await sql<{ n: number }[]>`
          select pgbank_private.shard_settle(${rows.map((r) => r.id)}::bigint[], ${answers.map((a) => a?.outcome ?? null)}::text[],
                                             ${answers.map((a) => a?.reason ?? null)}::text[], ${answers.map((a) => a?.transaction_id ?? null)}::bigint[]) as n`;
        closed += row!.n;
      } catch (err) {
        failure ??= err;
        this.log(`shard ${from} -> ${to}: ${(err as Error).message}`);
      }
    }));
    this.settled += closed;
    if (failure && !closed) throw failure;
    return closed;
  }

  /** Deliver until no shard has a pending transfer (or `timeoutMs` passes: then an error). */
  async drain(timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      let pending = 0;
      for (let i = 0; i < this.pools.length; i++) {
        await this.deliverOnce(i).catch(() => 0);
        const [row] = await this.pools[i]!<{ n: number }[]>`select count(*)::int as n from pgbank.shard_outbox where status = 'pending'`
          .catch(() => [{ n: 1 }]);
        pending += row!.n;
      }
      if (!pending) return;
      if (Date.now() > deadline) throw new Error(`delivery not drained after ${timeoutMs} ms: ${pending} transfers pending`);
      await sleep(50);
    }
  }

  /** Start one loop per shard (returns at once). */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.loops = this.pools.map((_, i) => this.loop(i));
  }

  private async loop(i: number): Promise<void> {
    while (this.running) {
      try {
        const n = await this.deliverOnce(i);
        if (!n) await sleep(this.options.idleMs ?? 20);
      } catch (err) {
        this.log(`shard ${i}: ${(err as Error).message}; retrying`);
        await sleep(this.options.retryMs ?? 500);
      }
    }
  }

  /** Stop the loops (after their current round) and close the connections. */
  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.loops);
    await Promise.all(this.pools.map((p) => p.end({ timeout: 5 })));
  }
}
