/**
 * Draining before a shutdown (SIGTERM, server/main.ts): from the moment it starts, `GET /readyz` answers
 * 503 `{"status":"draining"}` so that load balancers stop sending new calls here, while every call that
 * still arrives is served normally. Answers given while draining carry `Connection: close`, so clients and
 * balancers holding keep-alive connections to this process open their next connection elsewhere. After
 * SHUTDOWN_DRAIN_MS the listener closes and the calls in flight finish (main.ts).
 */
import type { RequestHandler } from 'express';

export class Draining {
  private startedAt: Date | undefined;

  /** Starts draining (idempotent). */
  start(now: Date = new Date()): void {
    this.startedAt ??= now;
  }

  get active(): boolean {
    return this.startedAt !== undefined;
  }

  /** When draining started; undefined while not draining. */
  get since(): Date | undefined {
    return this.startedAt;
  }
}

/** While draining: `Connection: close` on every answer. */
export function closeConnectionsWhileDraining(draining: Draining): RequestHandler {
  return (_req, res, next) => {
    if (draining.active) res.setHeader('Connection', 'close');
    next();
  };
}
