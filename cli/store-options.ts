/**
 * What the registry and audit commands (publish, submit, approve, activate, retire, versions, diff,
 * audit, replay) share: the store options, opening the store, the acting user, and AdminError
 * output. They talk to the store directly (no server needed): the same SQLite file or PostgreSQL
 * database the service uses.
 *
 *   --database-url <url>   PostgreSQL (default: DATABASE_URL)
 *   --data-dir <dir>       folder of the SQLite file when no database URL (default: DATA_DIR, else ./data)
 * STORE_TIMEOUT_MS bounds every wait for the database, as for the service.
 */
import { resolve } from 'node:path';
import { formatProblem } from '../engine/rule-set-problem.js';
import { AdminError } from '../use-cases/admin-error.js';
import { openStore } from '../store/open-store.js';
import { StoreError } from '../store/store-error.js';
import { storeTimeoutFromEnv } from '../store/store-timeout.js';
import { parseSnapshotKey } from '../use-cases/audit/snapshot.js';
import { ConfigError } from '../lib/config-error.js';
import type { Store } from '../store/store.js';
import { CliUsageError, type CliIo } from './cli-types.js';

export const STORE_OPTIONS = {
  'database-url': { type: 'string' },
  'data-dir': { type: 'string' },
} as const;

export const STORE_USAGE = [
  '  --database-url <url>  PostgreSQL URL (default: $DATABASE_URL)',
  '  --data-dir <dir>      folder of the SQLite store when no database URL (default: $DATA_DIR, else ./data)',
].join('\n');

export interface StoreOptionValues {
  'database-url'?: string;
  'data-dir'?: string;
}

/** The same names the service accepts for users (no ":" so nobody can act as "system:bootstrap"). */
const ACTOR_NAME = /^[A-Za-z0-9._@-]{1,100}$/;

export async function openCliStore(values: StoreOptionValues, env: NodeJS.ProcessEnv = process.env): Promise<Store> {
  const databaseUrl = values['database-url'] ?? (env.DATABASE_URL?.trim() || undefined);
  const dataDir = resolve(values['data-dir'] ?? (env.DATA_DIR?.trim() || './data'));
  try {
    // Same database wait as the service (STORE_TIMEOUT_MS), so a silent database fails the command instead of hanging it.
    return await openStore({ ...(databaseUrl === undefined ? {} : { databaseUrl }), dataDir, timeoutMs: storeTimeoutFromEnv(env) });
  } catch (err) {
    if (err instanceof StoreError) throw new CliUsageError(err.message);
    throw new Error(`cannot open the store (${databaseUrl === undefined ? `SQLite in ${dataDir}` : 'DATABASE_URL'}): ${(err as Error).message}`);
  }
}

/** Runs `work` with an open store and always closes it. */
export async function withStore<T>(values: StoreOptionValues, work: (store: Store) => Promise<T>): Promise<T> {
  const store = await openCliStore(values);
  try {
    return await work(store);
  } finally {
    await store.close();
  }
}

export function requireActor(name: string | undefined): string {
  if (name === undefined) throw new CliUsageError('say who you are: --as <name> (recorded in the version history)');
  if (!ACTOR_NAME.test(name)) throw new CliUsageError(`--as ${JSON.stringify(name)}: use 1-100 letters, digits or . _ @ -`);
  return name;
}

/**
 * Prints an AdminError (what the admin API would answer) and returns the exit code: 2 for bad input
 * (400), 1 for everything else (not found, refused by the lifecycle, invalid rule set, cannot replay).
 */
export function reportAdminError(err: unknown, io: CliIo, file = 'input'): number {
  if (!(err instanceof AdminError)) throw err;
  io.err(err.message);
  for (const p of err.problems ?? []) io.err(`  ${formatProblem({ file, pointer: p.pointer, message: p.message })}`);
  return err.status === 400 ? 2 : 1;
}

/** SNAPSHOT_KEY exactly as the service reads it (use-cases/audit/snapshot.ts). */
export function snapshotKeyFromEnv(env: NodeJS.ProcessEnv = process.env): Buffer | undefined {
  try {
    return parseSnapshotKey(env.SNAPSHOT_KEY);
  } catch (err) {
    if (err instanceof ConfigError) throw new CliUsageError(`${err.message} (the same value the service uses)`);
    throw err;
  }
}
