/**
 * Opens the configured store and brings its schema up to date:
 * DATABASE_URL=postgres://… -> PostgreSQL; otherwise SQLite at <dataDir>/cds-store.sqlite.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { OnCommit } from './append-batcher.js';
import { PostgresStore } from './postgres-store.js';
import { SqliteStore } from './sqlite-store.js';
import { StoreError } from './store-error.js';
import { checkStoreTimeout, DEFAULT_STORE_TIMEOUT_MS } from './store-timeout.js';
import type { Store } from './store.js';

export const SQLITE_FILE_NAME = 'cds-store.sqlite';

export type AppendMode = 'single' | 'group';

export interface OpenStoreOptions {
  /** postgres:// or postgresql:// URL; absent or empty = embedded SQLite. */
  databaseUrl?: string;
  /** Folder for the SQLite file (created if missing). */
  dataDir: string;
  /** 'single' (default): one transaction per decision. 'group': decisions appended in the same tick
   * (SQLite) or while a commit is in flight (PostgreSQL) share one transaction; still durable
   * before appendDecision resolves. */
  appendMode?: AppendMode;
  /** Source of "now" for publishedAt, lifecycle events and feedback receivedAt (tests pin it). */
  clock?: () => Date;
  /** PostgreSQL pool size per process (default 10). */
  maxConnections?: number;
  /** Errors of idle pooled PostgreSQL connections (the pool replaces them) and of the connection
   * that listens for registry changes (it reconnects). */
  onBackgroundError?: (error: Error) => void;
  /** How long to wait for the database before failing the call (ms, default 5000; the server reads
   * STORE_TIMEOUT_MS): see store/store-timeout.ts for what it bounds on each backend. */
  timeoutMs?: number;
  /** Told after each committed transaction of decision appends: how many records it held (metrics). */
  onCommit?: OnCommit;
}

export async function openStore(options: OpenStoreOptions): Promise<Store> {
  const clock = options.clock ?? (() => new Date());
  const appendMode = options.appendMode ?? 'single';
  if (appendMode !== 'single' && appendMode !== 'group') {
    throw new StoreError('invalid-input', `openStore: appendMode must be "single" or "group", got ${JSON.stringify(appendMode)}`);
  }
  const timeoutMs = options.timeoutMs === undefined ? DEFAULT_STORE_TIMEOUT_MS : checkStoreTimeout(options.timeoutMs, 'openStore: timeoutMs');
  const databaseUrl = options.databaseUrl?.trim();
  let store: Store;
  if (databaseUrl) {
    if (!/^postgres(ql)?:\/\//.test(databaseUrl)) {
      throw new StoreError('invalid-input', 'openStore: DATABASE_URL must start with postgres:// or postgresql://');
    }
    store = new PostgresStore({
      databaseUrl,
      clock,
      appendMode,
      maxConnections: options.maxConnections,
      onBackgroundError: options.onBackgroundError,
      timeoutMs,
      onCommit: options.onCommit,
    });
  } else {
    if (typeof options.dataDir !== 'string' || options.dataDir === '') {
      throw new StoreError('invalid-input', 'openStore: dataDir must name the folder for the SQLite file');
    }
    mkdirSync(options.dataDir, { recursive: true });
    store = new SqliteStore({ file: join(options.dataDir, SQLITE_FILE_NAME), clock, appendMode, timeoutMs, onCommit: options.onCommit });
  }
  try {
    await store.migrate();
  } catch (error) {
    await store.close().catch(() => undefined);
    throw error;
  }
  return store;
}
