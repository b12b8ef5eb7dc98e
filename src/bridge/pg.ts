// The bridge's PostgreSQL pools (batches, refresh, lock), replaceable whole when a connection is lost in a bad state.
import { connect, type Sql } from '../db.ts';
import type { BridgeConfig } from './config.ts';
import type { Log } from './log.ts';

/**
 * Three pools, so that the per-minute refresh never queues behind a batch and the lock has a
 * session of its own, never closed for idleness or age (closing it would drop the lock).
 * `replace()` ends the batch and refresh pools (failing whatever waits on them) and opens new
 * ones: the way out when a query hangs or the driver trips over a connection that died mid-write
 * (postgres.js 3.4.9 can leave such a connection unable to send, see docs/bridge.md). The lock
 * pool is replaced only with the lock itself in question.
 */
export class BridgePools {
  batch!: Sql;
  refresh!: Sql;
  lock!: Sql;
  private replacing?: Promise<void>;

  constructor(private readonly config: BridgeConfig, private readonly log: Log) {
    this.openWork();
    this.lock = this.openLock();
  }

  private openWork(): void {
    const { db, name, batchesInFlight } = this.config;
    this.batch = connect({ ...db, max: batchesInFlight, name });
    this.refresh = connect({ ...db, max: 1, name: `${name}-refresh` });
  }

  private openLock(): Sql {
    return connect({ ...this.config.db, max: 1, name: `${this.config.name}-lock`, session: true });
  }

  /** Several failures of one incident ask at once: they share one replacement. */
  replace(reason: string, options: { lock?: boolean } = {}): Promise<void> {
    this.replacing ??= (async () => {
      const withLock = options.lock ?? false;
      this.log('warn', 'postgres_pools_replaced', { reason, lock: withLock });
      const old = [this.batch, this.refresh];
      this.openWork();
      if (withLock) {
        old.push(this.lock);
        this.lock = this.openLock();
      }
      await this.end(old);
    })().finally(() => (this.replacing = undefined));
    return this.replacing;
  }

  async close(): Promise<void> {
    await this.end([this.batch, this.refresh, this.lock]);
  }

  private async end(pools: Sql[]): Promise<void> {
    await Promise.all(pools.map((p) => p.end({ timeout: 0 }).catch(() => {})));
  }
}

/** Reject with a clear error if `work` takes longer than `ms`. */
export async function withTimeout<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(Object.assign(new Error(`${what} took longer than ${ms} ms`), { code: 'BRIDGE_TIMEOUT' })), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export const isTimeout = (err: unknown) => (err as { code?: unknown }).code === 'BRIDGE_TIMEOUT';

/**
 * A postgres.js error for a connection its pool ended or lost (CONNECTION_DESTROYED, _ENDED,
 * _CLOSED), made in its connection code: what the queries of an ended pool are failed with.
 */
export function isDriverConnectionLoss(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return err instanceof Error && (code === 'CONNECTION_DESTROYED' || code === 'CONNECTION_ENDED' || code === 'CONNECTION_CLOSED')
    && fromDriverConnection(err);
}

/** The postgres.js write-after-close crash (an uncaught TypeError thrown from its connection code). */
export function isDriverWriteCrash(err: unknown): boolean {
  return err instanceof TypeError && fromDriverConnection(err);
}

const fromDriverConnection = (err: Error) => /postgres[\\/]src[\\/]connection\.js/.test(err.stack ?? '');
