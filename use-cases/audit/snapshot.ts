/**
 * Encrypted replay snapshots: the minimal input of one evaluation ({hook, context, record, now}) as
 * canonical JSON, gzip-compressed, then sealed with AES-256-GCM under SNAPSHOT_KEY. The store keeps
 * the sealed bytes until snapshotExpiresAt; replay decrypts them with the same key.
 *
 * Layout (version 1): [0x01][12-byte IV][16-byte GCM tag][ciphertext]. The version byte and a fixed
 * label are authenticated as additional data, so a snapshot cannot be passed off as another format.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import { canonicalJson } from '../../lib/canonical-json.js';
import { ConfigError } from '../../lib/config-error.js';

export const SNAPSHOT_VERSION = 1;

/**
 * SNAPSHOT_KEY (the service's setting, also read by the CLI's replay): 32 bytes in base64, or undefined
 * when unset (`raw` is the trimmed value; empty counts as unset).
 */
export function parseSnapshotKey(raw: string | undefined): Buffer | undefined {
  if (raw === undefined || raw.trim() === '') return undefined;
  const text = raw.trim();
  const key = Buffer.from(text, 'base64');
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(text) || key.length !== 32) {
    throw new ConfigError('SNAPSHOT_KEY must be 32 bytes encoded in base64 (e.g. `openssl rand -base64 32`)');
  }
  return key;
}
const IV_BYTES = 12;
const TAG_BYTES = 16;
const AAD = Buffer.from('ketamine-cds-hooks/decision-snapshot/v1', 'utf8');

export interface SnapshotContent {
  hook: string;
  context: Record<string, unknown>;
  /** The PatientRecord evaluated, or null when none could be obtained (412). */
  record: unknown;
  /** Evaluation instant, ISO 8601. */
  now: string;
}

function checkKey(key: Buffer): void {
  if (key.length !== 32) throw new Error('snapshot key must be 32 bytes (AES-256)');
}

export function encryptSnapshot(key: Buffer, content: SnapshotContent): Buffer {
  checkKey(key);
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.concat([Buffer.of(SNAPSHOT_VERSION), AAD]));
  const plaintext = gzipSync(Buffer.from(canonicalJson(content), 'utf8'));
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([Buffer.of(SNAPSHOT_VERSION), iv, cipher.getAuthTag(), ciphertext]);
}

/** Throws when the key is wrong or the bytes were altered (GCM authentication). */
export function decryptSnapshot(key: Buffer, sealed: Buffer): SnapshotContent {
  checkKey(key);
  if (sealed.length < 1 + IV_BYTES + TAG_BYTES || sealed[0] !== SNAPSHOT_VERSION) {
    throw new Error(`not a version ${SNAPSHOT_VERSION} decision snapshot`);
  }
  const iv = sealed.subarray(1, 1 + IV_BYTES);
  const tag = sealed.subarray(1 + IV_BYTES, 1 + IV_BYTES + TAG_BYTES);
  const decipher = createDecipheriv('aes-256-gcm', key, iv);
  decipher.setAAD(Buffer.concat([Buffer.of(SNAPSHOT_VERSION), AAD]));
  decipher.setAuthTag(tag);
  const plaintext = Buffer.concat([decipher.update(sealed.subarray(1 + IV_BYTES + TAG_BYTES)), decipher.final()]);
  return JSON.parse(gunzipSync(plaintext).toString('utf8')) as SnapshotContent;
}
