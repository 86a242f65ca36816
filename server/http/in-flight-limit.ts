/**
 * A bounded number of service calls in flight. Under CPU saturation Node keeps accepting work it cannot
 * finish soon and stops reading some connections for seconds (clients saw p99 of several seconds at 50
 * connections). Beyond MAX_IN_FLIGHT concurrent POSTs under /cds-services (service calls and feedback)
 * the service answers at once with 503 `unavailable` and `Retry-After: 1` (docs/errors.md), so overload
 * is explicit and cheap instead of starving connections. A request counts from the moment the limit
 * admits it until its response has finished or its connection closed. 0 turns the limit off.
 */
import type { RequestHandler } from 'express';
import { ConfigError } from '../../lib/config-error.js';
import { HttpError } from './http-error.js';

export const DEFAULT_MAX_IN_FLIGHT = 64;
const MAX_IN_FLIGHT_CEILING = 100_000;

/** MAX_IN_FLIGHT from the environment: a whole number 0..100000 (0 = no limit); default 64. */
export function maxInFlightFromEnv(env: Record<string, string | undefined>): number {
  const raw = env.MAX_IN_FLIGHT?.trim();
  if (raw === undefined || raw === '') return DEFAULT_MAX_IN_FLIGHT;
  if (!/^\d+$/.test(raw)) throw new ConfigError(`MAX_IN_FLIGHT must be a whole number, got ${JSON.stringify(raw)}`);
  const n = Number(raw);
  if (n > MAX_IN_FLIGHT_CEILING) throw new ConfigError(`MAX_IN_FLIGHT must be between 0 and ${MAX_IN_FLIGHT_CEILING}, got ${n}`);
  return n;
}

export function overloaded(maxInFlight: number): HttpError {
  return new HttpError(
    503,
    { error: 'unavailable', message: `the service is at its limit of ${maxInFlight} requests in flight (MAX_IN_FLIGHT); retry shortly` },
    { 'Retry-After': '1' },
  );
}

export interface InFlightLimit {
  handler: RequestHandler;
  /** Requests admitted and not yet finished. */
  inFlight(): number;
}

export function inFlightLimit(maxInFlight: number): InFlightLimit {
  let inFlight = 0;
  const handler: RequestHandler = (req, res, next) => {
    if (maxInFlight === 0 || req.method !== 'POST') return next();
    if (inFlight >= maxInFlight) return next(overloaded(maxInFlight));
    inFlight++;
    let done = false;
    const release = (): void => {
      if (done) return;
      done = true;
      inFlight--;
    };
    res.once('finish', release);
    res.once('close', release);
    next();
  };
  return { handler, inFlight: () => inFlight };
}
