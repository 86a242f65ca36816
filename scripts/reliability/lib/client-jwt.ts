/**
 * The signing side of one trusted CDS client for the reliability scripts: an ES384 key pair, its public
 * JWK Set (for the CDS_CLIENTS file) and a fresh bearer JWT per call with the claims the service checks
 * (iss, aud = PUBLIC_BASE_URL + path, iat, exp, a new jti).
 */
import { randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose';

export interface ClientSigner {
  iss: string;
  publicJwks: { keys: JWK[] };
  /** A new token for one call to `aud`. */
  token(aud: string): Promise<string>;
}

export async function createClientSigner(iss: string, kid = 'reliability-client-key'): Promise<ClientSigner> {
  const { privateKey, publicKey } = await generateKeyPair('ES384', { extractable: true });
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg: 'ES384', use: 'sig' };
  return {
    iss,
    publicJwks: { keys: [publicJwk] },
    async token(aud) {
      const nowS = Math.floor(Date.now() / 1000);
      return new SignJWT({ iss, aud, iat: nowS, exp: nowS + 300, jti: randomUUID() })
        .setProtectedHeader({ alg: 'ES384', typ: 'JWT', kid })
        .sign(privateKey);
    },
  };
}
