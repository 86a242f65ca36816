/**
 * The admin API's worker thread (server/admin/admin-work-pool.ts): heavy admin work runs here so the
 * main thread keeps serving clinical calls. One task at a time; each message is one task, answered with
 * its result or its error message, and the id of the thread that did the work.
 */
import { parentPort, threadId } from 'node:worker_threads';
import type { RuleSet } from '../../engine/rule-set-types.js';
import { readSqliteOverrideStats, type StatsRange } from '../../store/sqlite-override-stats.js';
import { runFixtureImpactHere } from '../../use-cases/diff-registry-versions.js';
import { installPrebuiltValidators } from '../../use-cases/prebuilt-validator-files.js';

export interface FixtureImpactTask {
  id: number;
  kind: 'fixture-impact';
  from: RuleSet;
  to: RuleSet;
  fixtureDirs: string[];
}

/** Override statistics over each range, read from a SQLite store's file on a read-only connection. */
export interface SqliteOverrideStatsTask {
  id: number;
  kind: 'sqlite-override-stats';
  file: string;
  busyTimeoutMs: number;
  ranges: StatsRange[];
}

export type AdminTask = FixtureImpactTask | SqliteOverrideStatsTask;

async function runTask(task: AdminTask): Promise<unknown> {
  switch (task.kind) {
    case 'fixture-impact':
      return runFixtureImpactHere(task.from, task.to, task.fixtureDirs);
    case 'sqlite-override-stats':
      return readSqliteOverrideStats(task.file, task.ranges, task.busyTimeoutMs);
  }
}

export type AdminTaskReply = { id: number; threadId: number; result: unknown } | { id: number; threadId: number; error: string };

if (parentPort !== null) {
  installPrebuiltValidators();
  const port = parentPort;
  port.on('message', async (task: AdminTask) => {
    try {
      const result = await runTask(task);
      port.postMessage({ id: task.id, threadId, result } satisfies AdminTaskReply);
    } catch (error) {
      port.postMessage({ id: task.id, threadId, error: (error as Error).message } satisfies AdminTaskReply);
    }
  });
}
