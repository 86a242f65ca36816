/**
 * The two real backends the shared store suite runs against. Each `fresh()` gives an empty database
 * (SQLite: a new temp folder; PostgreSQL: a new schema in the `test` database, dropped afterwards)
 * that several stores (= several server processes) can open, plus raw SQL access as someone with
 * direct database access would have it (for the tampering tests).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import Database from 'better-sqlite3';
import pg from 'pg';
import { numberPlaceholders } from '../../../store/decision-queries.js';
import { openStore, SQLITE_FILE_NAME, type AppendMode } from '../../../store/open-store.js';
import type { Store } from '../../../store/store.js';

export interface OpenOptions {
  clock?: () => Date;
  appendMode?: AppendMode;
}

export interface TestDatabase {
  /** Opens one more store (its own connection / pool) on this database, migrating it. */
  open(options?: OpenOptions): Promise<Store>;
  /** What a worker process needs to open the same database: { databaseUrl?, dataDir }. */
  location: { databaseUrl?: string; dataDir: string };
  /** Raw SQL with ? placeholders on a separate connection. */
  exec(sql: string, params?: unknown[]): Promise<void>;
  query(sql: string, params?: unknown[]): Promise<Record<string, unknown>[]>;
  /** Several statements without parameters (a migration file), on the same separate connection. */
  script(sql: string): Promise<void>;
  /** Removes the append-only guards (triggers), as a database administrator could. */
  allowTampering(): Promise<void>;
  /** Closes every store opened here and deletes the database. */
  dispose(): Promise<void>;
}

export interface TestBackend {
  kind: 'sqlite' | 'postgres';
  fresh(): Promise<TestDatabase>;
}

/** Closes every store; the first failure is rethrown after all were tried. */
async function closeAll(stores: Store[]): Promise<void> {
  const results = await Promise.allSettled(stores.map((store) => store.close()));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
}

export const SQLITE_BACKEND: TestBackend = {
  kind: 'sqlite',
  async fresh(): Promise<TestDatabase> {
    const dataDir = mkdtempSync(join(tmpdir(), 'cds-store-test-'));
    const stores: Store[] = [];
    let raw: Database.Database | undefined;
    const connection = (): Database.Database => {
      raw ??= new Database(join(dataDir, SQLITE_FILE_NAME));
      raw.pragma('busy_timeout = 10000');
      return raw;
    };
    return {
      location: { dataDir },
      async open(options = {}) {
        const store = await openStore({ dataDir, ...options });
        stores.push(store);
        return store;
      },
      async exec(sql, params = []) {
        connection().prepare(sql).run(...params);
      },
      async query(sql, params = []) {
        return connection().prepare(sql).all(...params) as Record<string, unknown>[];
      },
      async script(sql) {
        connection().exec(sql);
      },
      async allowTampering() {
        const db = connection();
        const triggers = db.prepare("SELECT name FROM sqlite_master WHERE type = 'trigger'").all() as { name: string }[];
        for (const { name } of triggers) db.exec(`DROP TRIGGER "${name}"`);
      },
      async dispose() {
        try {
          await closeAll(stores);
        } finally {
          raw?.close();
          rmSync(dataDir, { recursive: true, force: true });
        }
      },
    };
  },
};

export const POSTGRES_ADMIN_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** True when the test PostgreSQL answers within a couple of seconds. */
export async function postgresReachable(): Promise<{ reachable: boolean; reason?: string }> {
  const client = new pg.Client({ connectionString: POSTGRES_ADMIN_URL, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return { reachable: true };
  } catch (error) {
    return { reachable: false, reason: (error as Error).message };
  } finally {
    await client.end().catch(() => undefined);
  }
}

function urlWithSearchPath(schema: string): string {
  const url = new URL(POSTGRES_ADMIN_URL);
  url.searchParams.set('options', `-c search_path=${schema}`);
  return url.toString();
}

export const POSTGRES_BACKEND: TestBackend = {
  kind: 'postgres',
  async fresh(): Promise<TestDatabase> {
    const schema = `store_test_${randomBytes(6).toString('hex')}`;
    const databaseUrl = urlWithSearchPath(schema);
    const admin = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
    await admin.connect();
    await admin.query(`CREATE SCHEMA ${schema}`);
    const raw = new pg.Client({ connectionString: databaseUrl });
    await raw.connect();
    const stores: Store[] = [];
    const dataDir = mkdtempSync(join(tmpdir(), 'cds-store-pg-test-'));
    return {
      location: { databaseUrl, dataDir },
      async open(options = {}) {
        const store = await openStore({ databaseUrl, dataDir, ...options });
        stores.push(store);
        return store;
      },
      async exec(sql, params = []) {
        await raw.query(numberPlaceholders(sql), params);
      },
      async query(sql, params = []) {
        return (await raw.query(numberPlaceholders(sql), params)).rows as Record<string, unknown>[];
      },
      async script(sql) {
        await raw.query(sql);
      },
      async allowTampering() {
        for (const table of ['decisions', 'decision_cards', 'decision_card_rules', 'decision_fired_rules', 'feedback', 'rule_set_versions', 'lifecycle_events', 'audit_checkpoints']) {
          await raw.query(`ALTER TABLE ${table} DISABLE TRIGGER USER`);
        }
      },
      async dispose() {
        try {
          await closeAll(stores);
        } finally {
          await raw.end();
          await admin.query(`DROP SCHEMA ${schema} CASCADE`);
          await admin.end();
          rmSync(dataDir, { recursive: true, force: true });
        }
      },
    };
  },
};
