/**
 * The benchmark's CDS client identity: an RS384 key pair whose public half goes into the server's
 * CDS_CLIENTS file as an inline JWK Set, and a synchronous signer (node:crypto) for CDS Hooks 2.0 JWTs:
 * header {alg: RS384, typ: JWT, kid}, payload {iss, aud, exp, iat, jti, tenant?}. Synchronous so that the
 * load generator can sign inside autocannon's setupRequest if its pre-signed pool runs out.
 * Keys are generated per run and never written anywhere but the run's temporary directory.
 */
import { createPrivateKey, generateKeyPairSync, randomUUID, sign, type KeyObject } from 'node:crypto';

export const BENCH_ISSUER = 'https://ehr.bench.invalid/';
export const BENCH_KID = 'bench-rs384-1';
/** Token lifetime: the 5 minutes the spec's best practice recommends. */
export const TOKEN_LIFETIME_SECONDS = 300;

export interface ClientKeys {
  privateKeyPem: string;
  publicJwk: Record<string, unknown>;
}

export function generateClientKeys(): ClientKeys {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = publicKey.export({ format: 'jwk' }) as Record<string, unknown>;
  return {
    privateKeyPem: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
    publicJwk: { ...jwk, kid: BENCH_KID, alg: 'RS384', use: 'sig' },
  };
}

function base64url(data: string | Buffer): string {
  return Buffer.from(data).toString('base64url');
}

export interface TokenSigner {
  /** A fresh token for `aud` (unique jti, iat = now). */
  sign(aud: string): string;
}

export function tokenSigner(privateKeyPem: string, opts: { iss?: string; kid?: string; tenant?: string } = {}): TokenSigner {
  const key: KeyObject = createPrivateKey(privateKeyPem);
  const header = base64url(JSON.stringify({ alg: 'RS384', typ: 'JWT', kid: opts.kid ?? BENCH_KID }));
  const iss = opts.iss ?? BENCH_ISSUER;
  return {
    sign(aud: string): string {
      const iat = Math.floor(Date.now() / 1000);
      const payload: Record<string, unknown> = { iss, aud, exp: iat + TOKEN_LIFETIME_SECONDS, iat, jti: randomUUID() };
      if (opts.tenant) payload.tenant = opts.tenant;
      const signingInput = `${header}.${base64url(JSON.stringify(payload))}`;
      const signature = sign('sha384', Buffer.from(signingInput), key);
      return `${signingInput}.${base64url(signature)}`;
    },
  };
}
