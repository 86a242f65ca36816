/**
 * A bounded number of service calls in flight, shared fairly between clients. Under CPU saturation Node
 * keeps accepting work it cannot finish soon and stops reading some connections for seconds. Beyond the
 * limit the service answers at once with 503 `unavailable` and `Retry-After: 1` (docs/errors.md), so
 * overload is explicit and cheap instead of starving connections.
 *
 * Fairness: a client (authenticated `iss`; the peer address in open mode) may use the whole of
 * MAX_INFLIGHT while it is alone. When the limit is reached, a request is still admitted if its client
 * holds fewer than its fair share, ceil(MAX_IN_FLIGHT / clients with requests in flight, itself
 * included); a client at or over its share gets 503. So one client's slow or flooding requests never
 * take the capacity another needs: the other is admitted up to its share at once, and the busy client
 * gets no new slot until it is back under its share. The total can therefore exceed MAX_IN_FLIGHT while
 * a busy client's requests finish, by less than MAX_IN_FLIGHT.
 *
 * Mounted after client authentication (server/app.ts): an unauthenticated request is refused with 401
 * before it holds a slot. Counts POSTs under /cds-services (service calls and feedback) from the moment
 * they are admitted, body reading included, until the response has finished or the connection closed.
 * 0 turns the limit off.
 */
import type { RequestHandler } from 'express';
import { ConfigError } from '../../lib/config-error.js';
import { HttpError } from './http-error.js';
import { rateLimitKey } from './rate-limit.js';
import { requestContext } from './request-context.js';

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
    {
      error: 'unavailable',
      message: `the service is at its limit of ${maxInFlight} requests in flight (MAX_IN_FLIGHT) and this client holds at least its fair share; retry shortly`,
    },
    { 'Retry-After': '1' },
  );
}

export interface InFlightLimit {
  handler: RequestHandler;
  /** Requests admitted and not yet finished. */
  inFlight(): number;
  /** Requests admitted and not yet finished, per caller (rate-limit.ts rateLimitKey). */
  inFlightOf(caller: string): number;
}

/** Whether a caller holding `mine` requests may have one more, `total` being in flight for `activeOthers` other callers too. */
export function mayAdmit(maxInFlight: number, total: number, mine: number, activeOthers: number): boolean {
  if (total < maxInFlight) return true;
  return mine < Math.ceil(maxInFlight / (activeOthers + 1));
}

export interface InFlightObserver {
  /** A request of `caller` was admitted (tests wait on it instead of sleeping). */
  onAdmit?(caller: string): void;
}

export function inFlightLimit(maxInFlight: number, observer: InFlightObserver = {}): InFlightLimit {
  let inFlight = 0;
  const perCaller = new Map<string, number>();
  const handler: RequestHandler = (req, res, next) => {
    if (maxInFlight === 0 || req.method !== 'POST') return next();
    const caller = rateLimitKey(requestContext(res).client?.client.iss, req.socket.remoteAddress);
    const mine = perCaller.get(caller) ?? 0;
    const activeOthers = perCaller.size - (mine > 0 ? 1 : 0);
    if (!mayAdmit(maxInFlight, inFlight, mine, activeOthers)) return next(overloaded(maxInFlight));
    inFlight++;
    perCaller.set(caller, mine + 1);
    observer.onAdmit?.(caller);
    let done = false;
    const release = (): void => {
      if (done) return;
      done = true;
      inFlight--;
      const left = (perCaller.get(caller) ?? 1) - 1;
      if (left > 0) perCaller.set(caller, left);
      else perCaller.delete(caller);
    };
    res.once('finish', release);
    res.once('close', release);
    next();
  };
  return { handler, inFlight: () => inFlight, inFlightOf: (caller) => perCaller.get(caller) ?? 0 };
}
