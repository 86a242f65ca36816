/**
 * JWK Sets fetched from allowlisted `jku` URLs: cached per URL, refetched when a token names a kid
 * the cached set does not have (key rotation) or when the copy is older than MAX_AGE, but never more
 * often than once per MIN_REFETCH_INTERVAL per URL (a flood of tokens with made-up kids cannot turn
 * this service into a request amplifier). Only URLs from the CDS_CLIENTS allowlist ever reach here.
 */
import type { JSONWebKeySet, JWK } from 'jose';

/** Fetches one JWK Set document; injectable so tests can observe or replace the transport. */
export type JwksFetcher = (url: string) => Promise<unknown>;

export const JWKS_FETCH_TIMEOUT_MS = 2000;
export const MAX_JWKS_BYTES = 256 * 1024;

export interface JwksCachePolicy {
  /** A cached set older than this is refreshed before use. */
  maxAgeMs: number;
  /** Least time between two fetches of one URL. */
  minRefetchIntervalMs: number;
}

export const DEFAULT_JWKS_CACHE_POLICY: JwksCachePolicy = Object.freeze({
  maxAgeMs: 10 * 60_000,
  minRefetchIntervalMs: 10_000,
});

/** The default fetcher: GET with a timeout, no redirects, bounded size, JSON body. */
export const fetchJwksOverHttp: JwksFetcher = async (url) => {
  const response = await fetch(url, {
    headers: { accept: 'application/json, application/jwk-set+json' },
    redirect: 'error',
    signal: AbortSignal.timeout(JWKS_FETCH_TIMEOUT_MS),
  });
  if (response.status !== 200) throw new Error(`JWK Set fetch answered HTTP ${response.status}`);
  const declared = Number(response.headers.get('content-length') ?? '0');
  if (declared > MAX_JWKS_BYTES) throw new Error('JWK Set document too large');
  const text = await response.text();
  if (text.length > MAX_JWKS_BYTES) throw new Error('JWK Set document too large');
  return JSON.parse(text);
};

interface CachedSet {
  keys: JWK[];
  fetchedAt: number;
}

function isJwkSet(value: unknown): value is JSONWebKeySet {
  return (
    typeof value === 'object' &&
    value !== null &&
    Array.isArray((value as JSONWebKeySet).keys) &&
    (value as JSONWebKeySet).keys.every((k) => typeof k === 'object' && k !== null)
  );
}

export class JwksCache {
  private readonly sets = new Map<string, CachedSet>();
  private readonly lastAttempt = new Map<string, number>();
  private readonly inFlight = new Map<string, Promise<CachedSet | undefined>>();

  constructor(
    private readonly fetcher: JwksFetcher,
    private readonly clock: () => Date,
    private readonly policy: JwksCachePolicy = DEFAULT_JWKS_CACHE_POLICY,
    private readonly onFetchError: (url: string, error: Error) => void = () => {},
  ) {}

  /** The key with `kid` from the set at `url`, fetching or refreshing the set as the policy allows. */
  async key(url: string, kid: string): Promise<JWK | undefined> {
    const now = this.clock().getTime();
    let set = this.sets.get(url);
    let fetchedForThisCall = false;
    if (!set || now - set.fetchedAt > this.policy.maxAgeMs) {
      const refreshed = await this.refresh(url, now);
      if (refreshed) [set, fetchedForThisCall] = [refreshed, true];
    }
    const found = set?.keys.find((k) => k.kid === kid);
    if (found || fetchedForThisCall) return found;
    // Unknown kid: the client may have rotated its keys.
    const refreshed = await this.refresh(url, now);
    return refreshed?.keys.find((k) => k.kid === kid);
  }

  private async refresh(url: string, now: number): Promise<CachedSet | undefined> {
    const pending = this.inFlight.get(url);
    if (pending) return pending;
    const last = this.lastAttempt.get(url);
    if (last !== undefined && now - last < this.policy.minRefetchIntervalMs) return undefined;
    this.lastAttempt.set(url, now);
    const attempt = (async () => {
      try {
        const document = await this.fetcher(url);
        if (!isJwkSet(document)) throw new Error('response is not a JWK Set ({"keys": [...]})');
        const set = { keys: document.keys, fetchedAt: now };
        this.sets.set(url, set);
        return set;
      } catch (err) {
        this.onFetchError(url, err as Error);
        return undefined;
      } finally {
        this.inFlight.delete(url);
      }
    })();
    this.inFlight.set(url, attempt);
    return attempt;
  }
}
