/**
 * Rate limiting of the CDS Hooks routes, one token bucket per caller: the authenticated client's
 * `iss`, or in open mode the peer IP address. A bucket holds at most RATE_LIMIT_PER_MINUTE tokens
 * (the burst) and refills at RATE_LIMIT_PER_MINUTE per minute; each request takes one. An empty
 * bucket answers 429 {"error":"rate_limited"} with Retry-After (whole seconds until a token is back).
 * RATE_LIMIT_PER_MINUTE=0 turns it off (e.g. behind a gateway that limits already).
 *
 * Runs after client authentication, so an unauthenticated caller cannot drain a real client's
 * bucket, and the number of buckets is bounded by the CDS_CLIENTS file (clients mode) or by the
 * loopback peers that can reach an open-mode server. Idle buckets (full again) are dropped when
 * MAX_BUCKETS is reached. Uses the app clock, so tests drive it with a pinned clock.
 */
import type { RequestHandler } from 'express';
import { rateLimited } from './http-error.js';
import { requestContext } from './request-context.js';

export const MAX_BUCKETS = 10_000;

interface Bucket {
  tokens: number;
  updatedMs: number;
}

export type TakeResult = { ok: true } | { ok: false; retryAfterS: number };

export class TokenBuckets {
  private readonly buckets = new Map<string, Bucket>();
  private readonly perMs: number;

  constructor(
    private readonly perMinute: number,
    private readonly nowMs: () => number,
    private readonly maxBuckets = MAX_BUCKETS,
  ) {
    if (!(perMinute > 0)) throw new Error('TokenBuckets: perMinute must be positive');
    this.perMs = perMinute / 60_000;
  }

  get size(): number {
    return this.buckets.size;
  }

  /** Takes one token from `key`'s bucket, or says how long until one is available. */
  take(key: string): TakeResult {
    const now = this.nowMs();
    let bucket = this.buckets.get(key);
    if (bucket === undefined) {
      if (this.buckets.size >= this.maxBuckets) this.dropFullBuckets(now);
      bucket = { tokens: this.perMinute, updatedMs: now };
      this.buckets.set(key, bucket);
    } else {
      const elapsed = Math.max(0, now - bucket.updatedMs);
      bucket.tokens = Math.min(this.perMinute, bucket.tokens + elapsed * this.perMs);
      bucket.updatedMs = now;
    }
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return { ok: true };
    }
    return { ok: false, retryAfterS: Math.max(1, Math.ceil((1 - bucket.tokens) / this.perMs / 1000)) };
  }

  private dropFullBuckets(now: number): void {
    for (const [key, bucket] of this.buckets) {
      if (bucket.tokens + Math.max(0, now - bucket.updatedMs) * this.perMs >= this.perMinute) this.buckets.delete(key);
    }
  }
}

/** The bucket key of a request: `iss:<client iss>` when authenticated, else `ip:<peer address>`. */
export function rateLimitKey(iss: string | undefined, remoteAddress: string | undefined): string {
  return iss !== undefined ? `iss:${iss}` : `ip:${remoteAddress ?? 'unknown'}`;
}

export function rateLimit(perMinute: number, clock: () => Date): RequestHandler {
  if (perMinute === 0) return (_req, _res, next) => next();
  const buckets = new TokenBuckets(perMinute, () => clock().getTime());
  return (req, res, next) => {
    if (req.method === 'OPTIONS') return next();
    const verdict = buckets.take(rateLimitKey(requestContext(res).client?.client.iss, req.socket.remoteAddress));
    if (verdict.ok) return next();
    next(rateLimited(perMinute, verdict.retryAfterS));
  };
}
