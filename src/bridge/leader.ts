// Exactly one bridge per queue and database: a PostgreSQL advisory lock held by the lock pool's session, checked every second.
import type { BridgeConfig } from './config.ts';
import { errorFields, type Log } from './log.ts';
import { isTimeout, withTimeout, type BridgePools } from './pg.ts';
import { bridgeLock, type BridgeLock } from './sql.ts';

const HEARTBEAT_MS = 1_000;
const STANDBY_RETRY_MS = 1_000;
const LOCK_QUERY_TIMEOUT_MS = 5_000;

export class Leadership {
  private pid: number | null = null;

  constructor(private readonly config: BridgeConfig, private readonly pools: BridgePools, private readonly log: Log) {}

  // The lock pool has one connection, so every call runs in the session that holds the lock.
  // (Not sql.reserve(): postgres.js 3.4.9 crashes the process when a reserved connection's
  // backend dies and it is used again.)
  private ask(): Promise<BridgeLock> {
    return withTimeout(bridgeLock(this.pools.lock, this.config.queue), LOCK_QUERY_TIMEOUT_MS, 'the lock query');
  }

  /**
   * Wait until this process holds the lock: true. False when stopped first, or at once when
   * another instance holds it and BRIDGE_STANDBY=exit. PostgreSQL being down is waited out.
   */
  async acquire(stop: AbortSignal): Promise<boolean> {
    let announced: number | null = null;
    while (!stop.aborted) {
      try {
        const lock = await this.ask();
        if (lock.acquired) {
          this.pid = lock.holderPid;
          this.log('info', 'lock_acquired', { queue: this.config.queue, database: this.config.db.database, pid: lock.holderPid });
          return true;
        }
        const holder = {
          queue: this.config.queue, database: this.config.db.database, holder_pid: lock.holderPid,
          holder_application: lock.holderApplication, holder_address: lock.holderAddress, holder_since: lock.holderSince,
        };
        if (this.config.standby === 'exit') {
          this.log('error', 'another_instance_running', { ...holder, note: 'BRIDGE_STANDBY=exit: leaving; the running instance keeps the queue' });
          return false;
        }
        if (announced !== lock.holderPid) {
          this.log('info', 'standby', { ...holder, note: 'another bridge holds the lock; waiting to take over' });
          announced = lock.holderPid;
        }
      } catch (err) {
        this.log('warn', 'lock_unavailable', errorFields(err));
        if (isTimeout(err)) await this.pools.replace('the lock query hung', { lock: true });
      }
      await sleep(STANDBY_RETRY_MS, stop);
    }
    return false;
  }

  /**
   * Resolves once the lock is lost: another session holds it, or the lock query fails. A lock
   * session that died (PostgreSQL restarted, connection recycled) is replaced by the pool; if
   * the new session gets the lock straight away nobody else has it, and that is a renewal.
   * Resolves null when stopped.
   */
  watch(stop: AbortSignal): Promise<Error | null> {
    return new Promise((resolve) => {
      let done = false;
      let timer: NodeJS.Timeout | undefined;
      const finish = (reason: Error | null) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        stop.removeEventListener('abort', onAbort);
        resolve(reason);
      };
      const onAbort = () => finish(null);
      const check = async () => {
        try {
          const lock = await this.ask();
          if (!lock.acquired) return finish(new Error(`lock lost: now held by pid ${lock.holderPid}, application ${lock.holderApplication}`));
          if (lock.holderPid !== this.pid) {
            this.log('warn', 'lock_renewed', { old_pid: this.pid, pid: lock.holderPid, note: 'the lock session was replaced; the lock was free and is ours again' });
            this.pid = lock.holderPid;
          }
        } catch (err) {
          return finish(new Error(`lock query failed: ${(err as Error).message}`, { cause: err }));
        }
        if (!done) timer = setTimeout(check, HEARTBEAT_MS);
      };
      if (stop.aborted) return finish(null);
      stop.addEventListener('abort', onAbort, { once: true });
      timer = setTimeout(check, HEARTBEAT_MS);
    });
  }
}

/** Sleep `ms`, or less if `stop` fires. */
export function sleep(ms: number, stop?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (stop?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    stop?.addEventListener('abort', done, { once: true });
    function done() {
      clearTimeout(timer);
      stop?.removeEventListener('abort', done);
      resolve();
    }
  });
}
