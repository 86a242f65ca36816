/**
 * Replay protection kept in the store (Store.rememberTokenId): the `jti` of every accepted client token,
 * per issuer, until the token could no longer be accepted anyway. Every server process on the store
 * sees the same entries, so a token replayed after a restart or to another replica is refused.
 *
 * Each issuer has a bounded share (`maxLivePerIssuer` live entries, counted in seen_token_id_counts):
 * when an issuer's share is full of unexpired entries its new tokens are refused ('full', fail closed)
 * rather than an entry forgotten, and entries are only ever removed when they expire, so one client can
 * neither fill another client's share nor make the store forget another client's entries.
 */
import { unstorableTextReason } from '../lib/unstorable-json.js';
import { StoreError } from './store-error.js';

export interface TokenIdClaim {
  /** The client's `iss` (from CDS_CLIENTS, already matched). */
  issuer: string;
  jti: string;
  /** Epoch ms after which the entry is forgotten (the token would be refused anyway by then). */
  forgetAfterMs: number;
  /** The caller's "now" (epoch ms): entries with forgetAfterMs < nowMs are expired. */
  nowMs: number;
  /** Most live entries one issuer may have. */
  maxLivePerIssuer: number;
}

/** 'fresh': remembered now; 'replayed': seen before and not expired; 'full': the issuer's share is full. */
export type TokenIdVerdict = 'fresh' | 'replayed' | 'full';

/** Longest jti (and issuer) the store keeps; a longer one is refused by the token check first. */
export const MAX_TOKEN_ID_LENGTH = 512;

export function checkTokenIdClaim(claim: TokenIdClaim): void {
  const where = 'rememberTokenId';
  for (const field of ['issuer', 'jti'] as const) {
    const value = claim[field];
    if (typeof value !== 'string' || value === '' || value.length > MAX_TOKEN_ID_LENGTH) {
      throw new StoreError('invalid-input', `${where}: ${field} must be a string of 1 to ${MAX_TOKEN_ID_LENGTH} characters`);
    }
    const reason = unstorableTextReason(value);
    if (reason !== undefined) throw new StoreError('invalid-input', `${where}: ${field} ${reason}`);
  }
  for (const field of ['forgetAfterMs', 'nowMs'] as const) {
    if (!Number.isSafeInteger(claim[field])) throw new StoreError('invalid-input', `${where}: ${field} must be an integer (epoch ms)`);
  }
  if (!Number.isSafeInteger(claim.maxLivePerIssuer) || claim.maxLivePerIssuer < 1) {
    throw new StoreError('invalid-input', `${where}: maxLivePerIssuer must be a positive integer`);
  }
}
