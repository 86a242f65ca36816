/**
 * Per-caller token buckets kept in the store (Store.takeRateLimitToken), so the rate limit holds across
 * replicas: every server process on the store takes from the same bucket. A bucket holds at most
 * `perMinute` tokens (the burst) and refills at `perMinute` per minute; each request takes one.
 *
 * One UPSERT statement per request on both backends (TAKE_TOKEN_SQL): the refill, the take and the
 * verdict are computed by the database under the row's lock, so concurrent takes from several
 * processes never overdraw a bucket. A process whose clock is behind never refills a bucket backwards.
 */
import { unstorableTextReason } from '../lib/unstorable-json.js';
import { StoreError } from './store-error.js';

export interface RateLimitTake {
  /** The bucket's key: "iss:<client iss>" or "ip:<peer address>" (server/http/rate-limit.ts). */
  caller: string;
  perMinute: number;
  /** The caller's "now" (epoch ms). */
  nowMs: number;
}

export type RateLimitVerdict = { ok: true } | { ok: false; retryAfterS: number };

export const MAX_CALLER_KEY_LENGTH = 600;

export function checkRateLimitTake(take: RateLimitTake): void {
  if (typeof take.caller !== 'string' || take.caller === '' || take.caller.length > MAX_CALLER_KEY_LENGTH) {
    throw new StoreError('invalid-input', `takeRateLimitToken: caller must be a string of 1 to ${MAX_CALLER_KEY_LENGTH} characters`);
  }
  const reason = unstorableTextReason(take.caller);
  if (reason !== undefined) throw new StoreError('invalid-input', `takeRateLimitToken: caller ${reason}`);
  if (!(Number.isFinite(take.perMinute) && take.perMinute > 0)) throw new StoreError('invalid-input', 'takeRateLimitToken: perMinute must be positive');
  if (!Number.isSafeInteger(take.nowMs)) throw new StoreError('invalid-input', 'takeRateLimitToken: nowMs must be an integer (epoch ms)');
}

/** Tokens in the bucket after the refill up to now (SQL expression over the row's old values). */
const REFILLED = (least: string, greatest: string) =>
  `${least}(:cap, rate_limit_buckets.tokens + ${greatest}(0, :now - rate_limit_buckets.updated_ms) * :perMs)`;

/**
 * Parameters :caller, :cap (perMinute), :now, :perMs (perMinute / 60000). Returns the bucket's
 * tokens after the call and whether this call took one. `least`/`greatest`: MIN/MAX on SQLite.
 */
export function takeTokenSql(least: string, greatest: string): string {
  const refilled = REFILLED(least, greatest);
  return `INSERT INTO rate_limit_buckets (caller, tokens, updated_ms, taken) VALUES (:caller, :cap - 1, :now, :true)
ON CONFLICT (caller) DO UPDATE SET
  tokens = CASE WHEN ${refilled} >= 1 THEN ${refilled} - 1 ELSE ${refilled} END,
  taken = (${refilled} >= 1),
  updated_ms = ${greatest}(rate_limit_buckets.updated_ms, :now)
RETURNING tokens, taken`;
}

/** The verdict from the row RETURNING gave. */
export function rateLimitVerdict(row: { tokens: unknown; taken: unknown }, perMinute: number): RateLimitVerdict {
  if (row.taken === true || row.taken === 1 || row.taken === '1') return { ok: true };
  const perMs = perMinute / 60_000;
  const tokens = Number(row.tokens);
  return { ok: false, retryAfterS: Math.max(1, Math.ceil((1 - tokens) / perMs / 1000)) };
}
