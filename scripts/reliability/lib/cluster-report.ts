/** What `npm run reliability:cluster` prints and how it decides PASS (scripts/reliability/cluster.ts; the CI test uses both). */
import { type ClusterRunResult } from './cluster-run.js';
import { percentile } from './load.js';

/** The short version: what CI runs (`--short`, test/reliability/cluster.test.ts). */
export const CLUSTER_SHORT = Object.freeze({ connections: 6, drainAfter: 60, killAfter: 150, tail: 60, drainMs: 1500 });
/** The default of `npm run reliability:cluster`. */
export const CLUSTER_FULL = Object.freeze({ connections: 24, drainAfter: 2000, killAfter: 5000, tail: 2000, drainMs: 3000 });

export function clusterReport(r: ClusterRunResult, tookMs: number): string[] {
  const a = r.audit;
  return [
    `three replicas behind HAProxy on one PostgreSQL (schema ${r.schema})`,
    `calls: ${r.load.calls} in ${(r.load.elapsedMs / 1000).toFixed(1)} s (statuses ${JSON.stringify(r.load.statuses)}, no answer ${r.load.errors}); p50 ${percentile(r.load.latenciesMs, 50).toFixed(1)} ms, p99 ${percentile(r.load.latenciesMs, 99).toFixed(1)} ms`,
    `acknowledged per replica: ${JSON.stringify(r.servedBy)}`,
    `replayed token: first use ${r.replay.firstUse}, replayed ${JSON.stringify(r.replay.replayedAt)} (each must be 401)`,
    `drain (SIGTERM r1): out of rotation after ${r.drain.outOfRotationAfterMs} ms, ${r.drain.answeredWhileDraining} calls answered while draining, listener closed after ${r.drain.listenerClosedAfterMs} ms, exit code ${r.drain.exitCode}`,
    `kill (SIGKILL r2): exit seen ${r.kill.exitSeenAtMs - r.kill.atMs} ms after the signal, out of rotation after ${r.kill.outOfRotationAfterMs} ms; ${r.kill.spanningTheKill} calls were in flight (on any replica) at the kill`,
    `failed calls: ${r.failed.length}${r.failed.map((f) => `\n  ${f.status} sent to ${f.servedBy} (HAProxy termination ${f.termination}), sent ${f.sentAtMs - r.kill.atMs} ms and ended ${f.endedAtMs - r.kill.atMs} ms after SIGKILL`).join('')}`,
    `failed calls that were not in flight on the killed replica when it died: ${r.unexplainedFailures} (must be 0)`,
    ...(r.load.errorSamples.length > 0 ? [`  errors: ${r.load.errorSamples.join(' | ')}`] : []),
    `acknowledged: ${a.acknowledged}, found: ${a.found}, lost: ${a.lost.length} (must be 0); decisions in the store: ${a.recorded}`,
    `chain: ${a.chain.ok ? 'verifies' : `BROKEN ${JSON.stringify(a.chain.problem)}`} (${a.chain.checked} records)`,
    `took ${(tookMs / 1000).toFixed(1)} s`,
  ];
}

export function clusterPassed(r: ClusterRunResult): boolean {
  return (
    r.unexplainedFailures === 0 &&
    r.replay.firstUse === 200 &&
    r.replay.refusedEverywhere &&
    r.drain.exitCode === 0 &&
    r.audit.lost.length === 0 &&
    r.audit.chain.ok
  );
}
