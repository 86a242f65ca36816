/**
 * Signed checkpoints: an Ed25519 signature, by a key kept outside the database (AUDIT_SIGNING_KEY, the
 * path of a PEM private key), over the heads of the three chains at an instant:
 *
 *   signature = Ed25519(canonicalJson({ at, heads: { decisions, lifecycle, feedback }, keyId }))
 *
 * Whoever holds the public key can check that each signed head is still in the chain with the same
 * hash: records removed after a checkpoint (truncation) or a chain recomputed after it (a consistent
 * rewrite) no longer match. Checkpoints are stored in the database and can be exported
 * (`cds-rules audit checkpoints`) so an auditor keeps copies the database administrator cannot touch.
 */
import { createHash, createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { canonicalJson } from '../lib/canonical-json.js';
import type { AuditCheckpoint, AuditHeads, Store } from './store.js';

export function checkpointPayload(checkpoint: Omit<AuditCheckpoint, 'signature'>): Buffer {
  return Buffer.from(canonicalJson({ at: checkpoint.at, heads: checkpoint.heads, keyId: checkpoint.keyId }), 'utf8');
}

export function keyIdOf(publicKey: KeyObject): string {
  return createHash('sha256').update(publicKey.export({ type: 'spki', format: 'der' })).digest('hex').slice(0, 16);
}

function readPem(file: string, what: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new Error(`${what} ${file} cannot be read: ${(error as Error).message}`);
  }
}

/** The signing key from a PEM file; throws naming the file when it is not an Ed25519 private key. */
export function loadSigningKey(file: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPrivateKey(readPem(file, 'AUDIT_SIGNING_KEY file'));
  } catch (error) {
    if ((error as Error).message.startsWith('AUDIT_SIGNING_KEY')) throw error;
    throw new Error(`AUDIT_SIGNING_KEY file ${file} is not a PEM private key (${(error as Error).message})`);
  }
  if (key.asymmetricKeyType !== 'ed25519') {
    throw new Error(`AUDIT_SIGNING_KEY file ${file} holds a ${String(key.asymmetricKeyType)} key; an Ed25519 key is needed (openssl genpkey -algorithm ed25519)`);
  }
  return key;
}

/** A public key from a PEM file (a public key, or a private key whose public half is used). */
export function loadPublicKey(file: string): KeyObject {
  const pem = readPem(file, 'public key file');
  let key: KeyObject;
  try {
    key = createPublicKey(pem);
  } catch (error) {
    throw new Error(`public key file ${file} is not a PEM key (${(error as Error).message})`);
  }
  if (key.asymmetricKeyType !== 'ed25519') throw new Error(`public key file ${file} holds a ${String(key.asymmetricKeyType)} key; checkpoints are signed with Ed25519`);
  return key;
}

export function signCheckpoint(privateKey: KeyObject, heads: AuditHeads, at: string): AuditCheckpoint {
  const keyId = keyIdOf(createPublicKey(privateKey));
  const signature = sign(null, checkpointPayload({ at, heads, keyId }), privateKey).toString('base64');
  return { at, heads, keyId, signature };
}

export function checkpointSignatureValid(publicKey: KeyObject, checkpoint: AuditCheckpoint): boolean {
  try {
    return verify(null, checkpointPayload(checkpoint), publicKey, Buffer.from(checkpoint.signature, 'base64'));
  } catch {
    return false;
  }
}

/** Reads the heads, signs them and stores the checkpoint. */
export async function writeCheckpoint(store: Store, privateKey: KeyObject, now: Date): Promise<AuditCheckpoint> {
  const heads = await store.auditHeads();
  const checkpoint = signCheckpoint(privateKey, heads, now.toISOString());
  return store.appendCheckpoint(checkpoint);
}

/** One checkpoint per line (NDJSON), as `cds-rules audit checkpoints` writes them. */
export function parseCheckpointLines(text: string, source: string): AuditCheckpoint[] {
  return text
    .split('\n')
    .map((line, index) => ({ line: line.trim(), number: index + 1 }))
    .filter(({ line }) => line !== '')
    .map(({ line, number }) => {
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch (error) {
        throw new Error(`${source} line ${number}: not JSON (${(error as Error).message})`);
      }
      const c = value as Partial<AuditCheckpoint>;
      const headOk = (h: unknown): boolean =>
        h !== null && typeof h === 'object' && typeof (h as { seq?: unknown }).seq === 'number' && typeof (h as { hash?: unknown }).hash === 'string';
      if (
        c === null || typeof c !== 'object' || typeof c.at !== 'string' || typeof c.keyId !== 'string' || typeof c.signature !== 'string' ||
        c.heads === null || typeof c.heads !== 'object' || !headOk(c.heads.decisions) || !headOk(c.heads.lifecycle) || !headOk(c.heads.feedback)
      ) {
        throw new Error(`${source} line ${number}: not a checkpoint (expected {at, heads: {decisions, lifecycle, feedback}, keyId, signature})`);
      }
      return { at: c.at, heads: c.heads, keyId: c.keyId, signature: c.signature };
    });
}
