// What the long-running services (`npm run bridge`, `npm run events`) do alike at start: read their
// configuration, stop on SIGTERM or SIGINT, leave on an unhandled rejection or an uncaught exception.
import { errorFields, type Log } from './log.ts';
import { isDriverConnectionLoss, isDriverWriteCrash } from './pg.ts';

/**
 * The service's configuration from `read` (a bad one is logged as `bad_config` and the process
 * exits with 2) and the controller that SIGTERM and SIGINT abort. npm, sh and tsx may each relay
 * the same signal: repeats are logged, not escalated (SIGKILL is the way to leave at once). An
 * unhandled rejection is logged and exits with 1.
 */
export function startService<C>(log: Log, read: () => C): { config: C; stopping: AbortController } {
  let config: C;
  try {
    config = read();
  } catch (err) {
    log('error', 'bad_config', errorFields(err));
    process.exit(2);
  }
  const stopping = new AbortController();
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.on(signal, () => {
      log('info', stopping.signal.aborted ? 'shutdown_in_progress' : 'shutdown', { signal });
      stopping.abort();
    });
  }
  process.on('unhandledRejection', (err) => {
    // postgres.js can fail a promise of its own, that nothing awaits, when a pool is ended with a
    // connection at work (seen as the services replace their pool at each retry while RabbitMQ is
    // down): that pool is gone, and the queries of ours on it were awaited and failed already.
    if (isDriverConnectionLoss(err)) {
      log('warn', 'postgres_driver_error', withStack(err));
      return;
    }
    log('error', 'unhandled_rejection', withStack(err));
    process.exit(1);
  });
  return { config, stopping };
}

/**
 * postgres.js 3.4.9 can throw from a timer when a connection dies with a write pending
 * (porsager/postgres#1154, #1208): that one connection is broken, nothing else is. Such an error
 * is logged and `replace` gets a fresh pool (which fails whatever waited on the old one, so the
 * work is done again). Any other uncaught exception is a bug: logged with its stack, exit 1, and
 * the supervisor restarts the service.
 */
export function survivePostgresWriteCrash(log: Log, replace: (reason: string) => void): void {
  process.on('uncaughtException', (err) => {
    if (isDriverWriteCrash(err)) {
      log('warn', 'postgres_driver_error', errorFields(err));
      replace('postgres.js wrote to a closed connection');
      return;
    }
    log('error', 'uncaught_exception', withStack(err));
    process.exit(1);
  });
}

/** errorFields and, for an Error, its stack: where a bug or a driver's fault came from. */
function withStack(err: unknown): Record<string, unknown> {
  return { ...errorFields(err), ...(err instanceof Error ? { stack: err.stack } : {}) };
}
