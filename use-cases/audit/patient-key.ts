/**
 * The pseudonymous patient key of decision records: HMAC-SHA-256(secret, patientId) in hex. The
 * secret comes from PATIENT_KEY_SECRET or, when unset, from DATA_DIR/patient-key.secret, created
 * once with 32 random bytes (mode 0600) and reused so that keys stay comparable across restarts.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '../../lib/config-error.js';

export const PATIENT_KEY_SECRET_FILE = 'patient-key.secret';
export const MIN_SECRET_BYTES = 32;

export function patientKey(secret: Buffer, patientId: string): string {
  return createHmac('sha256', secret).update(patientId, 'utf8').digest('hex');
}

export interface PatientKeySecret {
  secret: Buffer;
  source: 'PATIENT_KEY_SECRET' | 'file';
  file?: string;
}

export function loadPatientKeySecret(envValue: string | undefined, dataDir: string): PatientKeySecret {
  if (envValue !== undefined && envValue !== '') {
    const secret = Buffer.from(envValue, 'utf8');
    if (secret.length < MIN_SECRET_BYTES) {
      throw new ConfigError(`PATIENT_KEY_SECRET must be at least ${MIN_SECRET_BYTES} bytes long (got ${secret.length})`);
    }
    return { secret, source: 'PATIENT_KEY_SECRET' };
  }
  const file = join(dataDir, PATIENT_KEY_SECRET_FILE);
  if (!existsSync(file)) {
    mkdirSync(dataDir, { recursive: true });
    try {
      writeFileSync(file, randomBytes(MIN_SECRET_BYTES).toString('base64') + '\n', { mode: 0o600, flag: 'wx' });
    } catch (err) {
      // Another process created it first: fall through and read theirs.
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new ConfigError(`cannot create ${file} (patient key secret): ${(err as Error).message}`);
      }
    }
    chmodSync(file, 0o600);
  }
  const secret = Buffer.from(readFileSync(file, 'utf8').trim(), 'base64');
  if (secret.length < MIN_SECRET_BYTES) {
    throw new ConfigError(`${file} must hold at least ${MIN_SECRET_BYTES} base64-encoded bytes`);
  }
  return { secret, source: 'file', file };
}
