/**
 * Remembers the `jti` of every accepted client token until the token could no longer be accepted
 * anyway (min(exp, iat + max age) + clock skew), so that a captured token cannot be replayed. The
 * entries live in the configured store (store/seen-token-ids.ts): every replica on the database and
 * every later start of the service sees them. Each client has a share of JWT_REPLAY_CACHE_PER_CLIENT
 * live entries; when it is full that client's new tokens are refused (fail closed) rather than any
 * entry forgotten, and no client's tokens can fill or evict another client's share.
 */
import type { Store } from '../../store/store.js';

export const DEFAULT_REPLAY_CACHE_PER_CLIENT = 100_000;

/** 'unavailable': the store did not answer (the caller answers 503, never lets the token through). */
export type ReplayVerdict = 'fresh' | 'replayed' | 'full' | 'unavailable';

export interface ReplayCache {
  /** Records (iss, jti) until `forgetAfterMs` (epoch ms) unless it was already seen. */
  checkAndRemember(iss: string, jti: string, forgetAfterMs: number, nowMs: number): Promise<ReplayVerdict>;
}

export class StoreReplayCache implements ReplayCache {
  constructor(
    private readonly store: Store,
    private readonly perClient = DEFAULT_REPLAY_CACHE_PER_CLIENT,
    private readonly onStoreError: (error: Error) => void = () => {},
  ) {}

  async checkAndRemember(iss: string, jti: string, forgetAfterMs: number, nowMs: number): Promise<ReplayVerdict> {
    try {
      return await this.store.rememberTokenId({ issuer: iss, jti, forgetAfterMs: Math.ceil(forgetAfterMs), nowMs, maxLivePerIssuer: this.perClient });
    } catch (error) {
      this.onStoreError(error as Error);
      return 'unavailable';
    }
  }
}
