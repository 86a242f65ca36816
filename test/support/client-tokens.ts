/**
 * A CDS client's signing side for tests: key pairs generated with jose (ES384, RS384, …), their
 * public JWK Sets, and bearer JWTs with the claims the spec requires, each overridable so a test can
 * break exactly one thing. Every token made here is registered (minted-secrets.ts) so the log scan at
 * the end of the test run can prove none of them was logged.
 */
import { randomUUID } from 'node:crypto';
import { SignJWT, exportJWK, generateKeyPair, type JWK, type JWTPayload } from 'jose';
import { rememberSecret } from './minted-secrets.js';

export interface TestKey {
  alg: string;
  kid: string;
  privateKey: CryptoKey;
  publicJwk: JWK;
}

export async function generateTestKey(alg: 'ES384' | 'RS384' | 'ES256' | 'RS256' | 'PS384', kid: string): Promise<TestKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' };
  return { alg, kid, privateKey: privateKey as CryptoKey, publicJwk };
}

export function jwks(...keys: TestKey[]): { keys: JWK[] } {
  return { keys: keys.map((k) => k.publicJwk) };
}

export interface TokenOptions {
  key: TestKey;
  iss: string;
  aud: string | string[];
  /** Seconds since the epoch; defaults derive from `now`. */
  now: Date;
  lifetimeS?: number;
  /** Claims to add or override; a value of undefined removes the claim. */
  claims?: Record<string, unknown>;
  /** Header members to add or override (e.g. jku); undefined removes. */
  header?: Record<string, unknown>;
}

export async function signClientToken(options: TokenOptions): Promise<string> {
  const nowS = Math.floor(options.now.getTime() / 1000);
  const payload: Record<string, unknown> = {
    iss: options.iss,
    aud: options.aud,
    iat: nowS,
    exp: nowS + (options.lifetimeS ?? 300),
    jti: randomUUID(),
    ...options.claims,
  };
  for (const [k, v] of Object.entries(payload)) if (v === undefined) delete payload[k];
  const header: Record<string, unknown> = { alg: options.key.alg, typ: 'JWT', kid: options.key.kid, ...options.header };
  for (const [k, v] of Object.entries(header)) if (v === undefined) delete header[k];
  const token = await new SignJWT(payload as JWTPayload).setProtectedHeader(header as { alg: string }).sign(options.key.privateKey);
  return rememberJwt(token);
}

/** Registers the token and its payload and signature segments (the header segment is shared by many). */
function rememberJwt(token: string): string {
  const [, payload, signature] = token.split('.');
  if (payload) rememberSecret(payload);
  if (signature) rememberSecret(signature);
  return rememberSecret(token);
}

function b64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

/** An unsecured token (alg "none"): header.payload. with an empty signature. */
export function unsecuredToken(payload: Record<string, unknown>, kid: string): string {
  return rememberJwt(`${b64url({ alg: 'none', typ: 'JWT', kid })}.${b64url(payload)}.`);
}

/** Builds header.payload and signs it with HMAC-SHA256 keyed by `secret` (the classic alg-confusion attack). */
export async function hs256Token(header: Record<string, unknown>, payload: Record<string, unknown>, secret: Buffer): Promise<string> {
  const { createHmac } = await import('node:crypto');
  const signingInput = `${b64url({ ...header, alg: 'HS256' })}.${b64url(payload)}`;
  return rememberJwt(`${signingInput}.${createHmac('sha256', secret).update(signingInput).digest('base64url')}`);
}
