/**
 * Graceful shutdown of the service process, in order:
 *
 * 1. Drain (SIGTERM only, SHUTDOWN_DRAIN_MS > 0): /readyz answers 503 at once (http/draining.ts) so that
 *    load balancers take this process out of rotation, while every call that arrives is still served
 *    (answers carry `Connection: close`). SIGINT (Ctrl-C), or a second signal while draining, ends the
 *    drain at once.
 * 2. Close the listener: new connections are refused, idle keep-alive connections closed, calls in flight
 *    finish (bounded by SHUTDOWN_GRACE_MS, then their connections are cut).
 * 3. Close the resources (metrics listener, trace export, store), log `store closed; bye`, exit 0.
 */
import type { Server } from 'node:http';
import type { Draining } from './http/draining.js';
import type { Logger } from './logger.js';

/** How long in-flight requests get to finish after the listener closed, before connections are cut. */
export const SHUTDOWN_GRACE_MS = 10_000;

/** Logged when draining starts: /readyz answers 503 from this line on. */
export const DRAINING_MESSAGE = 'draining: /readyz answers 503, calls are still served';
/** Logged when the listener has closed: new connections are refused from this line on. */
export const SHUTTING_DOWN_MESSAGE = 'shutting down: no new connections, finishing in-flight requests';

export interface ShutdownOptions {
  server: Server;
  draining: Draining;
  /** SHUTDOWN_DRAIN_MS: 0 closes the listener at once. */
  drainMs: number;
  logger: Logger;
  /** Stops timers that would keep the process alive (registry poll, snapshot retention). */
  stopTimers: () => void;
  /** Closes the metrics listener, trace export and the store (rejections are logged). */
  closeResources: () => Promise<void>;
}

export function shutdownOnSignals(options: ShutdownOptions): void {
  const { server, draining, logger } = options;
  let drainTimer: NodeJS.Timeout | undefined;
  let closing = false;

  const closeListener = (signal: string): void => {
    if (closing) return;
    closing = true;
    clearTimeout(drainTimer);
    options.stopTimers();
    const force = setTimeout(() => server.closeAllConnections(), SHUTDOWN_GRACE_MS);
    force.unref();
    server.close(() => {
      options
        .closeResources()
        .then(() => logger.info('store closed; bye'))
        .catch((err: Error) => logger.error({ errorMessage: err.message }, 'store close failed'))
        .finally(() => process.exit(0));
    });
    server.closeIdleConnections();
    // Logged after close(): when this line is out, new connections are already refused.
    logger.info({ signal }, SHUTTING_DOWN_MESSAGE);
  };

  const onSignal = (signal: 'SIGTERM' | 'SIGINT'): void => {
    if (signal === 'SIGTERM' && options.drainMs > 0 && !draining.active) {
      draining.start();
      drainTimer = setTimeout(() => closeListener('drain over'), options.drainMs);
      logger.info({ signal, drainMs: options.drainMs }, DRAINING_MESSAGE);
      return;
    }
    const wasDraining = drainTimer !== undefined;
    draining.start();
    closeListener(wasDraining ? `${signal} while draining` : signal);
  };
  process.on('SIGTERM', () => onSignal('SIGTERM'));
  process.on('SIGINT', () => onSignal('SIGINT'));
}
