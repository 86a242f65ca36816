/**
 * Verifies a CDS client's bearer JWT (spec "Trusting CDS Clients" + best practices): asymmetric
 * algorithms only, `typ` JWT, `kid` found in the client's JWK Set (inline, or from its allowlisted
 * `jku`), `iss` on the allowlist, `aud` = the public URL of the endpoint called, `exp`/`nbf`/`iat`
 * within the clock skew, token not older than the maximum age, `jti` present and never seen before,
 * `tenant` as configured. The result says why a token failed so operators can read it in the log;
 * the client only ever sees 401 without detail. The token itself is never logged or returned.
 */
import { decodeJwt, decodeProtectedHeader, importJWK, jwtVerify, type JWK, type JWTPayload } from 'jose';
import type { JwksCache } from './jwks-cache.js';
import type { ReplayCache } from './replay-cache.js';
import type { TrustedClient } from './trusted-clients.js';

/** Signature algorithms accepted (spec RECOMMENDS ES384 and RS384; never `none` or HMAC). */
export const ACCEPTED_ALGORITHMS = Object.freeze(['ES384', 'RS384', 'ES256', 'RS256', 'PS384']);

export const REQUIRED_CLAIMS = Object.freeze(['iss', 'aud', 'exp', 'iat', 'jti']);

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
  | 'replayed-jti'
  | 'replay-cache-full';

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

  /** `audience` is the public URL of the endpoint the client called. */
  async verify(token: string, audience: string): Promise<TokenVerdict> {
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

    if (header.jku !== undefined && header.jku !== client.jku) return fail('jku-not-allowlisted', undefined, iss);
    const jwk = await this.findKey(client, header.kid);
    if (!jwk) return fail('unknown-kid', undefined, iss);
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
        audience,
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
    const tenant = typeof payload.tenant === 'string' ? payload.tenant : undefined;
    if (client.tenant !== undefined && tenant !== client.tenant) return fail('tenant-mismatch', undefined, iss);

    // Remember the jti until the token would be refused anyway (expired or too old), plus skew.
    const lastAcceptedS = Math.min(payload.exp as number, (payload.iat as number) + this.options.maxTokenAgeS);
    const verdict = this.options.replay.checkAndRemember(
      iss,
      payload.jti,
      (lastAcceptedS + this.options.clockSkewS) * 1000,
      now.getTime(),
    );
    if (verdict === 'replayed') return fail('replayed-jti', undefined, iss);
    if (verdict === 'full') return fail('replay-cache-full', undefined, iss);
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

  private async findKey(client: TrustedClient, kid: string): Promise<JWK | undefined> {
    const inline = client.jwks?.keys.find((k) => k.kid === kid);
    if (inline) return inline;
    if (client.jku) return this.options.jwks.key(client.jku, kid);
    return undefined;
  }
}
