/**
 * The admin API's worker thread (server/admin/admin-work-pool.ts): heavy admin work runs here so the
 * main thread keeps serving clinical calls. One task at a time; each message is one task, answered with
 * its result or its error message, and the id of the thread that did the work.
 */
import { parentPort, threadId } from 'node:worker_threads';
import type { RuleSet } from '../../engine/rule-set-types.js';
import { runFixtureImpactHere } from '../../use-cases/diff-registry-versions.js';

export interface FixtureImpactTask {
  id: number;
  kind: 'fixture-impact';
  from: RuleSet;
  to: RuleSet;
  fixtureDirs: string[];
}

export type AdminTaskReply = { id: number; threadId: number; result: unknown } | { id: number; threadId: number; error: string };

if (parentPort !== null) {
  const port = parentPort;
  port.on('message', async (task: FixtureImpactTask) => {
    try {
      const result = await runFixtureImpactHere(task.from, task.to, task.fixtureDirs);
      port.postMessage({ id: task.id, threadId, result } satisfies AdminTaskReply);
    } catch (error) {
      port.postMessage({ id: task.id, threadId, error: (error as Error).message } satisfies AdminTaskReply);
    }
  });
}
