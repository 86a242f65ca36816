/**
 * Rate limiting of the CDS Hooks routes, one token bucket per caller: the authenticated client's
 * `iss`, or in open mode the peer IP address. A bucket holds at most RATE_LIMIT_PER_MINUTE tokens
 * (the burst) and refills at RATE_LIMIT_PER_MINUTE per minute; each request takes one. An empty
 * bucket answers 429 {"error":"rate_limited"} with Retry-After (whole seconds until a token is back).
 * RATE_LIMIT_PER_MINUTE=0 turns it off (e.g. behind a gateway that limits already).
 *
 * The buckets live in the store (store/rate-limit-buckets.ts), so the limit holds across replicas on
 * one database and across restarts. Runs after client authentication, so an unauthenticated caller
 * cannot drain a real client's bucket, and the number of buckets is bounded by the CDS_CLIENTS file
 * (clients mode) or by the loopback peers that can reach an open-mode server. When the store cannot
 * answer, the request is let through (logged): the rate limit guards capacity, and a call that needs
 * the store fails there under STORE_FAILURE_MODE anyway. Uses the app clock (tests pin it).
 */
import type { RequestHandler } from 'express';
import type { Store } from '../../store/store.js';
import { rateLimited } from './http-error.js';
import { requestContext } from './request-context.js';

export function rateLimitKey(iss: string | undefined, remoteAddress: string | undefined): string {
  return iss !== undefined ? `iss:${iss}` : `ip:${remoteAddress ?? 'unknown'}`;
}

export function rateLimit(options: { perMinute: number; clock: () => Date; store: Store }): RequestHandler {
  const { perMinute, clock, store } = options;
  if (perMinute === 0) return (_req, _res, next) => next();
  return async (req, res, next) => {
    if (req.method === 'OPTIONS') return next();
    const caller = rateLimitKey(requestContext(res).client?.client.iss, req.socket.remoteAddress);
    let verdict;
    try {
      verdict = await store.takeRateLimitToken({ caller, perMinute, nowMs: clock().getTime() });
    } catch (err) {
      requestContext(res).log.warn({ errorMessage: (err as Error).message }, 'rate limit not applied: the store did not answer');
      return next();
    }
    if (verdict.ok) return next();
    next(rateLimited(perMinute, verdict.retryAfterS));
  };
}
