/**
 * Schema migrations: ordered SQL files per backend in store/migrations/<backend>/NNN_name.sql,
 * recorded in `schema_migrations` (version, name, checksum, applied_at). Applying is idempotent:
 * applied versions are skipped; a file whose text changed after it was applied is refused.
 * PostgreSQL: a session advisory lock serialises processes that start at the same time.
 * SQLite: each migration runs in an IMMEDIATE transaction that re-checks what is applied.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type BetterSqlite3 from 'better-sqlite3';
import type pg from 'pg';
import { sha256Hex } from '../lib/canonical-json.js';
import { planSeal, SEAL_AFTER_MIGRATION, type SealPlan } from './audit-seal.js';
import { StoreError } from './store-error.js';

export interface Migration {
  version: number;
  name: string;
  sql: string;
  checksum: string;
}

const FILE_NAME = /^(\d{3})_([a-z0-9_]+)\.sql$/;

/** Key of the PostgreSQL advisory lock held while migrating ("cds-migr" as a 64-bit integer). */
export const POSTGRES_MIGRATION_LOCK_KEY = '7161975946372278130';

export function loadMigrations(backend: 'sqlite' | 'postgres'): Migration[] {
  const dir = fileURLToPath(new URL(`./migrations/${backend}/`, import.meta.url));
  const migrations = readdirSync(dir)
    .filter((file) => file.endsWith('.sql'))
    .map((file) => {
      const match = FILE_NAME.exec(file);
      if (match === null) throw new Error(`store/migrations/${backend}/${file}: migration files must be named NNN_name.sql`);
      const sql = readFileSync(`${dir}${file}`, 'utf8');
      return { version: Number(match[1]), name: match[2], sql, checksum: sha256Hex(sql) };
    })
    .sort((a, b) => a.version - b.version);
  migrations.forEach((migration, i) => {
    if (migration.version !== i + 1) {
      throw new Error(`store/migrations/${backend}: expected migration ${String(i + 1).padStart(3, '0')}, found ${migration.version} (versions must be 001, 002, … without gaps)`);
    }
  });
  return migrations;
}

function checkApplied(backend: string, migration: Migration, appliedChecksum: string): void {
  if (appliedChecksum !== migration.checksum) {
    throw new StoreError(
      'integrity',
      `store/migrations/${backend}/${String(migration.version).padStart(3, '0')}_${migration.name}.sql was changed after it was applied ` +
        `(applied checksum ${appliedChecksum}, file ${migration.checksum}); add a new migration instead of editing an applied one`,
    );
  }
}

const CREATE_MIGRATIONS_TABLE = `CREATE TABLE IF NOT EXISTS schema_migrations (
  version INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  checksum TEXT NOT NULL,
  applied_at TEXT NOT NULL
)`;

export function migrateSqlite(db: BetterSqlite3.Database, now: () => Date): number {
  db.exec(CREATE_MIGRATIONS_TABLE);
  let applied = 0;
  for (const migration of loadMigrations('sqlite')) {
    const apply = db.transaction(() => {
      const row = db.prepare('SELECT checksum FROM schema_migrations WHERE version = ?').get(migration.version) as { checksum: string } | undefined;
      if (row !== undefined) {
        checkApplied('sqlite', migration, row.checksum);
        return false;
      }
      db.exec(migration.sql);
      if (migration.version === SEAL_AFTER_MIGRATION) sealSqlite(db);
      db.prepare('INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES (?, ?, ?, ?)').run(
        migration.version,
        migration.name,
        migration.checksum,
        now().toISOString(),
      );
      return true;
    });
    if (apply.immediate()) applied += 1;
  }
  return applied;
}

export async function migratePostgres(pool: pg.Pool, now: () => Date): Promise<number> {
  const client = await pool.connect();
  // A connection lost while migrating fails the start; unhandled, pg's 'error' event would end the process.
  let lost: Error | undefined;
  const onError = (error: Error): void => {
    lost ??= error;
  };
  client.on('error', onError);
  let applied = 0;
  try {
    await client.query('SELECT pg_advisory_lock($1::bigint)', [POSTGRES_MIGRATION_LOCK_KEY]);
    try {
      await client.query(CREATE_MIGRATIONS_TABLE);
      const rows = (await client.query('SELECT version, checksum FROM schema_migrations')).rows as { version: number; checksum: string }[];
      const appliedChecksums = new Map(rows.map((row) => [Number(row.version), row.checksum]));
      for (const migration of loadMigrations('postgres')) {
        const checksum = appliedChecksums.get(migration.version);
        if (checksum !== undefined) {
          checkApplied('postgres', migration, checksum);
          continue;
        }
        await client.query('BEGIN');
        try {
          await client.query(migration.sql);
          if (migration.version === SEAL_AFTER_MIGRATION) await sealPostgres(client);
          await client.query('INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES ($1, $2, $3, $4)', [
            migration.version,
            migration.name,
            migration.checksum,
            now().toISOString(),
          ]);
          await client.query('COMMIT');
          applied += 1;
        } catch (error) {
          await client.query('ROLLBACK');
          throw error;
        }
      }
    } finally {
      await client.query('SELECT pg_advisory_unlock($1::bigint)', [POSTGRES_MIGRATION_LOCK_KEY]);
    }
  } catch (error) {
    lost ??= error instanceof StoreError ? undefined : (error as Error);
    throw error;
  } finally {
    client.removeListener('error', onError);
    client.release(lost);
  }
  return applied;
}

type Row = Record<string, unknown>;

const SEAL_READS = {
  events: 'SELECT * FROM lifecycle_events ORDER BY seq',
  versions: 'SELECT * FROM rule_set_versions',
  feedback: 'SELECT * FROM feedback ORDER BY id',
};

function sealSqlite(db: BetterSqlite3.Database): void {
  const plan = planSeal(db.prepare(SEAL_READS.events).all() as Row[], db.prepare(SEAL_READS.versions).all() as Row[], db.prepare(SEAL_READS.feedback).all() as Row[]);
  const event = db.prepare('UPDATE lifecycle_events SET prev_hash = ?, hash = ?, field_digests = ? WHERE seq = ?');
  for (const { seq, link } of plan.lifecycle) event.run(link.prevHash, link.hash, link.fieldDigests, seq);
  const feedback = db.prepare('UPDATE feedback SET prev_hash = ?, hash = ?, field_digests = ? WHERE id = ?');
  for (const { id, link } of plan.feedback) feedback.run(link.prevHash, link.hash, link.fieldDigests, id);
  const head = db.prepare('UPDATE audit_chain_heads SET seq = ?, hash = ? WHERE chain = ?');
  for (const [chain, value] of Object.entries(plan.heads)) head.run(value.seq, value.hash, chain);
}

async function sealPostgres(client: pg.PoolClient): Promise<void> {
  const read = async (sql: string): Promise<Row[]> => (await client.query(sql)).rows as Row[];
  const plan: SealPlan = planSeal(await read(SEAL_READS.events), await read(SEAL_READS.versions), await read(SEAL_READS.feedback));
  for (const { seq, link } of plan.lifecycle) {
    await client.query('UPDATE lifecycle_events SET prev_hash = $1, hash = $2, field_digests = $3 WHERE seq = $4', [link.prevHash, link.hash, link.fieldDigests, seq]);
  }
  for (const { id, link } of plan.feedback) {
    await client.query('UPDATE feedback SET prev_hash = $1, hash = $2, field_digests = $3 WHERE id = $4', [link.prevHash, link.hash, link.fieldDigests, id]);
  }
  for (const [chain, value] of Object.entries(plan.heads)) {
    await client.query('UPDATE audit_chain_heads SET seq = $1, hash = $2 WHERE chain = $3', [value.seq, value.hash, chain]);
  }
}
