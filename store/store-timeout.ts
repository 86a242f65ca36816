/**
 * How long the store waits for its database before failing the call (STORE_TIMEOUT_MS).
 *
 * PostgreSQL: each connection attempt (also waiting for a free pooled connection), each statement
 * (server-side statement_timeout, which includes waiting for a row lock), each reply (client-side,
 * for a database that has gone silent) and an idle transaction, and close().
 * SQLite: how long a write keeps retrying, asynchronously, while another process holds the write lock.
 * A failed call is a store failure like any other: 503 under STORE_FAILURE_MODE=fail-closed.
 */
import { StoreError } from './store-error.js';

export const DEFAULT_STORE_TIMEOUT_MS = 5_000;
export const MIN_STORE_TIMEOUT_MS = 100;
export const MAX_STORE_TIMEOUT_MS = 600_000;

/** Throws naming `where` unless `value` is a whole number of milliseconds in the allowed range. */
export function checkStoreTimeout(value: unknown, where: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < MIN_STORE_TIMEOUT_MS || value > MAX_STORE_TIMEOUT_MS) {
    throw new StoreError(
      'invalid-input',
      `${where} must be a whole number of milliseconds from ${MIN_STORE_TIMEOUT_MS} to ${MAX_STORE_TIMEOUT_MS}, got ${JSON.stringify(value)}`,
    );
  }
  return value;
}

/** STORE_TIMEOUT_MS from the environment (unset or blank: the default). */
export function storeTimeoutFromEnv(env: Record<string, string | undefined>): number {
  const raw = env.STORE_TIMEOUT_MS?.trim();
  if (raw === undefined || raw === '') return DEFAULT_STORE_TIMEOUT_MS;
  if (!/^\d+$/.test(raw)) {
    throw new StoreError('invalid-input', `STORE_TIMEOUT_MS must be a whole number of milliseconds, got ${JSON.stringify(raw)}`);
  }
  return checkStoreTimeout(Number(raw), 'STORE_TIMEOUT_MS');
}
