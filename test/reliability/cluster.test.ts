/**
 * The short version of `npm run reliability:cluster` (scripts/reliability/lib/cluster-run.ts): three real
 * server processes on one PostgreSQL schema behind a real HAProxy with health checks on /readyz, under
 * order-sign load with a fresh client JWT per call. One replica is drained (SIGTERM with
 * SHUTDOWN_DRAIN_MS), one killed (SIGKILL). Needs PostgreSQL and HAProxy: skipped with a note without them
 * on a developer's machine, a failure in CI (.ci/run installs both).
 */
import assert from 'node:assert/strict';
import { CLUSTER_SHORT, clusterReport } from '../../scripts/reliability/lib/cluster-report.js';
import { clusterPrerequisites, runCluster, type ClusterRunResult } from '../../scripts/reliability/lib/cluster-run.js';
import { skipWithoutPostgres } from '../support/postgres-or-skip.js';

describe('three replicas behind HAProxy: drain, kill -9, replay, nothing acknowledged lost (reliability:cluster --short)', function () {
  this.timeout(300_000);
  let result: ClusterRunResult;

  before(async function () {
    await skipWithoutPostgres(this, 'the cluster run');
    const prerequisites = clusterPrerequisites();
    if ('missing' in prerequisites) {
      if (process.env.CI === 'true') throw new Error(`HAProxy is required in CI: ${prerequisites.missing}`);
      process.stderr.write(`\n  NOTE: ${prerequisites.missing}: the cluster run skipped\n`);
      this.skip();
    }
    result = await runCluster({ ...CLUSTER_SHORT, checkIntervalMs: 200 });
    process.stderr.write(`${clusterReport(result, 0).slice(0, -1).map((line) => `      ${line}`).join('\n')}\n`);
  });

  it('calls through the balancer succeed, apart from those in flight on the killed replica when it died', () => {
    assert.equal(result.unexplainedFailures, 0, JSON.stringify(result.failed, null, 2));
    assert.ok(result.failed.length <= CLUSTER_SHORT.connections, 'at most one call per connection can be in flight');
    assert.ok((result.servedBy.r3 ?? 0) > 0 && (result.servedBy.r2 ?? 0) > 0 && (result.servedBy.r1 ?? 0) > 0, JSON.stringify(result.servedBy));
    assert.ok(Number.isFinite(result.kill.outOfRotationAfterMs), 'HAProxy took the killed replica out of rotation');
  });

  it('the drained replica leaves rotation through /readyz with no call failing, and exits 0', () => {
    assert.ok(Number.isFinite(result.drain.outOfRotationAfterMs), 'HAProxy saw /readyz fail');
    assert.ok(result.drain.outOfRotationAfterMs < result.drain.listenerClosedAfterMs, 'out of rotation before its listener closed');
    assert.ok(!result.failed.some((f) => f.servedBy === 'r1'), 'no call on the drained replica failed');
    assert.equal(result.drain.exitCode, 0);
    assert.equal(result.lastExitCode, 0);
  });

  it('every acknowledged decision is in the store and the chain verifies', () => {
    assert.ok(result.audit.acknowledged >= CLUSTER_SHORT.killAfter + CLUSTER_SHORT.tail);
    assert.deepEqual(result.audit.lost, []);
    assert.ok(result.audit.chain.ok, JSON.stringify(result.audit.chain.problem));
  });

  it('a token accepted by one replica is refused when replayed to another, directly or through the balancer', () => {
    assert.equal(result.replay.firstUse, 200);
    assert.deepEqual(result.replay.replayedAt, { 'r2 directly': 401, 'r3 directly': 401, 'through the balancer': 401 });
  });
});
