// At every multiple of the period on the wall clock, read the provider balances and set all their KeyDB keys in one MSET.
import { Redis } from 'ioredis';
import type { BridgeConfig } from './config.ts';
import { errorFields, type Log } from './log.ts';
import { withTimeout, type BridgePools } from './pg.ts';
import { providerBalances } from './sql.ts';

/** The next multiple of `periodMs` (since the Unix epoch) strictly after `nowMs`. */
export function nextBoundary(nowMs: number, periodMs: number): number {
  return (Math.floor(nowMs / periodMs) + 1) * periodMs;
}

/** A KeyDB/Redis client that fails fast while the server is away instead of queueing stale writes. */
export function connectKeyDb(url: string, name: string, log: Log): Redis {
  const redis = new Redis(url, {
    connectionName: name,
    enableOfflineQueue: false,  // a write queued while KeyDB is down would land late, with old values
    maxRetriesPerRequest: 0,
    commandTimeout: 2_000,
    retryStrategy: (attempt) => Math.min(attempt * 250, 2_000),
    protocol: 2,                // RESP2 and no CLIENT SETINFO: what every KeyDB version speaks
    disableClientInfo: true,
  });
  let down = false;
  redis.on('error', (err: Error) => {
    if (!down) log('error', 'keydb_unavailable', errorFields(err));
    down = true;
  });
  redis.on('ready', () => {
    if (down) log('info', 'keydb_back');
    down = false;
  });
  return redis;
}

/**
 * Closed for a short while before each boundary until its write is done: no new batch starts,
 * so PostgreSQL and the event loop are free when the refresh runs (BRIDGE_QUIET_MS).
 */
export class QuietWindow {
  private quiet = false;
  private listeners = new Set<() => void>();

  get open(): boolean {
    return !this.quiet;
  }

  close(): void {
    this.quiet = true;
  }

  reopen(): void {
    if (!this.quiet) return;
    this.quiet = false;
    for (const listener of this.listeners) listener();
  }

  /** Call `listener` each time the window reopens; returns the unsubscribe function. */
  onReopen(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

export interface KeyDbWrite {
  boundary: number;
  /** Milliseconds from the boundary to KeyDB's reply to the MSET. */
  delayMs: number;
  keys: number;
}

export class KeyDbWriter {
  private stopped = true;
  private wake?: () => void;
  private running?: Promise<void>;

  constructor(private readonly redis: Redis, private readonly pools: BridgePools, private readonly config: BridgeConfig,
              private readonly log: Log, private readonly quiet: QuietWindow = new QuietWindow(),
              private readonly onWrite: (write: KeyDbWrite) => void = () => {}) {}

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.running = this.loop();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    await this.running;
    this.quiet.reopen();
  }

  private async loop(): Promise<void> {
    const { periodMs } = this.config;
    let previous: number | null = null;
    while (!this.stopped) {
      const boundary = nextBoundary(Date.now(), periodMs);
      if (previous !== null && boundary - previous > periodMs) {
        this.log('warn', 'keydb_boundaries_missed', { count: (boundary - previous) / periodMs - 1, after: new Date(previous).toISOString() });
      }
      // Shortly before the boundary: stop starting batches (those running finish meanwhile), and
      // run the refresh once so the connection is open and the plan and pages cached when it
      // counts (postgres.js closes idle connections after 30 s).
      const quietMs = Math.min(this.config.quietMs, periodMs / 4);
      await this.sleepUntil(boundary - Math.max(quietMs, Math.min(300, periodMs / 4)));
      if (this.stopped) break;
      await this.refresh().catch(() => {});
      await this.sleepUntil(boundary - quietMs);
      if (this.stopped) break;
      if (quietMs > 0) this.quiet.close();
      while (!this.stopped && Date.now() < boundary - 5) await this.sleepUntil(boundary - 2);
      if (this.stopped) break;
      while (Date.now() < boundary);  // the last ~2 ms: a timer can fire a little early or late, a spin can't
      try {
        await this.write(boundary);
      } finally {
        this.quiet.reopen();
      }
      previous = boundary;
    }
  }

  private async write(boundary: number): Promise<void> {
    const startWall = Date.now();
    const startMono = performance.now();
    const sinceBoundary = () => round(startWall - boundary + (performance.now() - startMono));
    const at = new Date(boundary).toISOString();
    let stage = 'postgres';
    try {
      const balances = await this.refresh();
      const refreshMs = sinceBoundary();
      if (!balances.length) {
        this.log('warn', 'keydb_write', { boundary: at, keys: 0, note: 'no providers in initial_data: nothing to write' });
        return;
      }
      stage = 'keydb';
      await this.redis.mset(balances.flatMap((b) => [this.config.keyPrefix + b.key, b.balance]));
      const delayMs = sinceBoundary();
      this.log('info', 'keydb_write', { boundary: at, delay_ms: delayMs, keys: balances.length, refresh_ms: refreshMs });
      this.onWrite({ boundary, delayMs, keys: balances.length });
    } catch (err) {
      this.log('error', 'keydb_write_failed', { boundary: at, delay_ms: sinceBoundary(), stage, ...errorFields(err) });
    }
  }

  // The refresh pool of its own: it never waits behind a batch.
  private refresh() {
    return withTimeout(providerBalances(this.pools.refresh), REFRESH_TIMEOUT_MS, 'the balance refresh');
  }

  private sleepUntil(wallMs: number): Promise<void> {
    const ms = wallMs - Date.now();
    if (ms <= 0 || this.stopped) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      this.wake = done;
      function done() {
        clearTimeout(timer);
        resolve();
      }
    });
  }
}

const REFRESH_TIMEOUT_MS = 5_000;
const round = (ms: number) => Math.round(ms * 100) / 100;
