/**
 * Verifies a CDS client's bearer JWT (spec "Trusting CDS Clients" + best practices): asymmetric
 * algorithms only, `typ` JWT, `kid` found in the client's JWK Set, `iss` on the allowlist, `aud` = the
 * public URL of the endpoint called (any of PUBLIC_BASE_URL's URLs), `exp`/`nbf`/`iat` within the clock
 * skew, token not older than the maximum age, `jti` present and never seen before (in the store, across
 * replicas), `tenant` as configured, `sub` = the client id where the client's entry names one.
 *
 * Keys: a token's `jku` header is a hint, never an instruction. When the client's keys are configured
 * inline and have the token's `kid`, that key is used and the header is not fetched (the CDS Hooks
 * Sandbox sends a jku while its key is published out of band). Otherwise keys are fetched only from a
 * `jku` URL on that client's allowlist: the header's, when it is on the list; a header naming any
 * other URL is refused without contacting it.
 *
 * Claims that are recorded or stored (`jti`, `tenant`, `sub`) must be storable text (no NUL, no lone
 * surrogate) of bounded length, so a token can never make a decision record or the replay table fail.
 * The result says why a token failed so operators can read it in the log; the client only ever sees
 * 401 without detail. The token itself is never logged or returned.
 */
import { decodeJwt, decodeProtectedHeader, importJWK, jwtVerify, type JWK, type JWTPayload } from 'jose';
import { unstorableTextReason } from '../../lib/unstorable-json.js';
import { MAX_TOKEN_ID_LENGTH } from '../../store/seen-token-ids.js';
import type { JwksCache } from './jwks-cache.js';
import type { ReplayCache } from './replay-cache.js';
import { jkuAllowlist, type TrustedClient } from './trusted-clients.js';

/** Signature algorithms accepted (spec RECOMMENDS ES384 and RS384; never `none` or HMAC). */
export const ACCEPTED_ALGORITHMS = Object.freeze(['ES384', 'RS384', 'ES256', 'RS256', 'PS384']);

export const REQUIRED_CLAIMS = Object.freeze(['iss', 'aud', 'exp', 'iat', 'jti']);

/** Longest `tenant` and `sub` accepted (they are recorded and logged). */
export const MAX_CLAIM_LENGTH = 256;

export type TokenFailure =
  | 'malformed'
  | 'algorithm-not-accepted'
  | 'typ-not-jwt'
  | 'kid-missing'
  | 'unknown-issuer'
  | 'jku-not-allowlisted'
  | 'unknown-kid'
  | 'key-unusable'
  | 'signature-invalid'
  | 'claims-invalid'
  | 'tenant-mismatch'
  | 'sub-mismatch'
  | 'replayed-jti'
  | 'replay-cache-full'
  | 'replay-store-unavailable';

export interface VerifiedClient {
  client: TrustedClient;
  jti: string;
  tenant?: string;
}

export type TokenVerdict = { ok: true; verified: VerifiedClient } | { ok: false; failure: TokenFailure; detail?: string; iss?: string };

export interface TokenVerifierOptions {
  clients: TrustedClient[];
  jwks: JwksCache;
  replay: ReplayCache;
  clock: () => Date;
  clockSkewS: number;
  maxTokenAgeS: number;
}

type ImportedKey = Awaited<ReturnType<typeof importJWK>>;

function fail(failure: TokenFailure, detail?: string, iss?: string): TokenVerdict {
  return { ok: false, failure, detail, iss };
}

export class ClientTokenVerifier {
  private readonly byIss: Map<string, TrustedClient>;
  private readonly importedKeys = new WeakMap<JWK, Map<string, Promise<ImportedKey>>>();

  constructor(private readonly options: TokenVerifierOptions) {
    this.byIss = new Map(options.clients.map((c) => [c.iss, c]));
  }

  /** `audiences`: the public URLs of the endpoint the client called (one per PUBLIC_BASE_URL entry). */
  async verify(token: string, audiences: string | readonly string[]): Promise<TokenVerdict> {
    let header: ReturnType<typeof decodeProtectedHeader>;
    let unverified: JWTPayload;
    try {
      if (token.split('.').length !== 3) return fail('malformed', 'not a JWS compact serialisation');
      header = decodeProtectedHeader(token);
      unverified = decodeJwt(token);
    } catch {
      return fail('malformed');
    }
    const alg = header.alg;
    if (typeof alg !== 'string' || !ACCEPTED_ALGORITHMS.includes(alg)) return fail('algorithm-not-accepted', String(alg));
    if (typeof header.typ !== 'string' || header.typ.toUpperCase() !== 'JWT') return fail('typ-not-jwt');
    if (typeof header.kid !== 'string' || header.kid.length === 0) return fail('kid-missing');

    const client = typeof unverified.iss === 'string' ? this.byIss.get(unverified.iss) : undefined;
    if (!client) return fail('unknown-issuer');
    const iss = client.iss;

    if (header.jku !== undefined && typeof header.jku !== 'string') return fail('malformed', 'jku header is not a string', iss);
    const found = await this.findKey(client, header.kid, header.jku);
    if (found === 'jku-not-allowlisted') return fail('jku-not-allowlisted', undefined, iss);
    if (!found) return fail('unknown-kid', undefined, iss);
    const jwk = found;
    if (jwk.alg !== undefined && jwk.alg !== alg) return fail('key-unusable', 'key alg differs from token alg', iss);
    if (jwk.use !== undefined && jwk.use !== 'sig') return fail('key-unusable', 'key use is not sig', iss);

    if (jwk.kty !== 'EC' && jwk.kty !== 'RSA' && jwk.kty !== 'OKP') return fail('key-unusable', 'not an asymmetric key', iss);
    let key: ImportedKey;
    try {
      key = await this.importKey(jwk, alg);
    } catch (err) {
      return fail('key-unusable', (err as Error).message, iss);
    }

    const now = this.options.clock();
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, key, {
        algorithms: [alg],
        issuer: iss,
        audience: typeof audiences === 'string' ? audiences : [...audiences],
        clockTolerance: this.options.clockSkewS,
        currentDate: now,
        maxTokenAge: this.options.maxTokenAgeS,
        requiredClaims: [...REQUIRED_CLAIMS],
        typ: 'JWT',
      }));
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (code === 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED') return fail('signature-invalid', undefined, iss);
      return fail('claims-invalid', (err as Error).message, iss);
    }

    if (typeof payload.jti !== 'string' || payload.jti.length === 0) return fail('claims-invalid', 'jti must be a non-empty string', iss);
    const unstorable = unstorableClaim(payload);
    if (unstorable !== undefined) return fail('claims-invalid', unstorable, iss);
    const tenant = typeof payload.tenant === 'string' ? payload.tenant : undefined;
    if (client.tenant !== undefined && tenant !== client.tenant) return fail('tenant-mismatch', undefined, iss);
    if (client.clientId !== undefined && payload.sub !== client.clientId) return fail('sub-mismatch', undefined, iss);

    // Remember the jti until the token would be refused anyway (expired or too old), plus skew.
    const lastAcceptedS = Math.min(payload.exp as number, (payload.iat as number) + this.options.maxTokenAgeS);
    const verdict = await this.options.replay.checkAndRemember(
      iss,
      payload.jti,
      (lastAcceptedS + this.options.clockSkewS) * 1000,
      now.getTime(),
    );
    if (verdict === 'replayed') return fail('replayed-jti', undefined, iss);
    if (verdict === 'full') return fail('replay-cache-full', undefined, iss);
    if (verdict === 'unavailable') return fail('replay-store-unavailable', undefined, iss);
    return { ok: true, verified: { client, jti: payload.jti, tenant } };
  }

  /**
   * The imported public key of one JWK for one algorithm, imported once. Keyed by the JWK object itself
   * (inline in CDS_CLIENTS, or in the JWK Set cache's current set): when the set is refreshed after a key
   * rotation its keys are new objects and are imported anew; the old entries are garbage with their set.
   */
  private importKey(jwk: JWK, alg: string): Promise<ImportedKey> {
    let byAlg = this.importedKeys.get(jwk);
    if (!byAlg) {
      byAlg = new Map();
      this.importedKeys.set(jwk, byAlg);
    }
    let imported = byAlg.get(alg);
    if (!imported) {
      // Only the public members: a published set that leaks private members must not change behaviour.
      const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, k: _k, ...publicJwk } = jwk;
      imported = importJWK(publicJwk, alg);
      byAlg.set(alg, imported);
      // A key that cannot be imported is not remembered: the next token tries again (and fails the same way).
      imported.catch(() => byAlg.delete(alg));
    }
    return imported;
  }

  /**
   * The key for `kid`: inline first (the jku header is then ignored, and nothing is fetched); else from
   * the header's jku when it is on the client's allowlist; else, without a header, from the allowlisted
   * URLs in order. A header naming a URL off the allowlist is refused and never contacted.
   */
  private async findKey(client: TrustedClient, kid: string, headerJku: string | undefined): Promise<JWK | 'jku-not-allowlisted' | undefined> {
    const inline = client.jwks?.keys.find((k) => k.kid === kid);
    if (inline) return inline;
    const allowlist = jkuAllowlist(client);
    if (headerJku !== undefined) {
      if (!allowlist.includes(headerJku)) return 'jku-not-allowlisted';
      return this.options.jwks.key(headerJku, kid);
    }
    for (const url of allowlist) {
      const key = await this.options.jwks.key(url, kid);
      if (key) return key;
    }
    return undefined;
  }
}

/** Why a claim that is recorded or stored (jti, tenant, sub) cannot be, or undefined. */
function unstorableClaim(payload: JWTPayload): string | undefined {
  const limits: Array<[string, number]> = [['jti', MAX_TOKEN_ID_LENGTH], ['tenant', MAX_CLAIM_LENGTH], ['sub', MAX_CLAIM_LENGTH]];
  for (const [name, max] of limits) {
    const value = payload[name];
    if (value === undefined) continue;
    if (typeof value !== 'string') return `${name} must be a string`;
    if (value.length > max) return `${name} is longer than ${max} characters`;
    const reason = unstorableTextReason(value);
    if (reason !== undefined) return `${name} ${reason}`;
  }
  return undefined;
}
