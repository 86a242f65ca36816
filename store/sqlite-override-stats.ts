/**
 * Override statistics on SQLite (store/override-stats.ts assembles the rows): on the store's own
 * connection (SqliteStore.overrideStats), or on a separate read-only connection to the same file, so
 * the admin API's worker thread (server/admin/admin-worker.ts) can run them off the main thread. In WAL
 * mode a reader on another connection sees the last committed state and never blocks the writer.
 */
import Database from 'better-sqlite3';
import { overrideCountsQuery, overrideReasonsQuery } from './decision-queries.js';
import { assembleOverrideStats, overrideStatsRange } from './override-stats.js';
import type { OverrideStatsRow } from './store.js';

type Row = Record<string, unknown>;

export interface StatsRange {
  from: string;
  to: string;
}

/** Override statistics over one range, on an open connection (synchronous). */
export function sqliteOverrideStats(db: Database.Database, range: StatsRange): OverrideStatsRow[] {
  const { fromMs, toMs } = overrideStatsRange(range);
  const counts = overrideCountsQuery(fromMs, toMs);
  const reasons = overrideReasonsQuery(fromMs, toMs);
  return assembleOverrideStats(db.prepare(counts.text).all(...counts.params) as Row[], db.prepare(reasons.text).all(...reasons.params) as Row[]);
}

/**
 * Override statistics over each range, read from the SQLite file `file` on a read-only connection of
 * its own (opened `readonly`, `fileMustExist`) in one read transaction: every range sees the same
 * snapshot. Ranges are checked before the file is opened (StoreError invalid-input).
 */
export function readSqliteOverrideStats(file: string, ranges: StatsRange[], busyTimeoutMs: number): OverrideStatsRow[][] {
  for (const range of ranges) overrideStatsRange(range);
  const reader = new Database(file, { readonly: true, fileMustExist: true });
  try {
    reader.pragma(`busy_timeout = ${busyTimeoutMs}`);
    reader.exec('BEGIN');
    const results = ranges.map((range) => sqliteOverrideStats(reader, range));
    reader.exec('COMMIT');
    return results;
  } finally {
    reader.close();
  }
}
