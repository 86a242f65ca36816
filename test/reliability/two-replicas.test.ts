/**
 * Two server processes on one PostgreSQL (a fresh schema) under load while a new rule-set version is
 * published, approved by a second user and activated, then rolled back (the short version of
 * scripts/reliability/two-replicas.ts, `npm run reliability:replicas`). The switches are triggered by
 * progress (acknowledged decisions), not timers. Every decision is tied to the version active at its
 * instant, or to the version just superseded by a call that started before its replica could know
 * (within REGISTRY_POLL_MS); none to any other; nothing acknowledged is lost; the chain verifies.
 */
import assert from 'node:assert/strict';
import { runTwoReplicas } from '../../scripts/reliability/lib/replicas-run.js';

describe('two replicas on one PostgreSQL while a version is activated and rolled back', function () {
  this.timeout(300_000);

  it('every decision tied to the version then active (or the one superseded, within the poll interval), lost = 0, chain intact', async () => {
    const result = await runTwoReplicas({ connectionsPerReplica: 4, registryPollMs: 200, activateAfter: 100, rollbackAfter: 250, tail: 100 });
    for (const load of result.load) {
      assert.equal(load.errors, 0, load.errorSamples.join('; '));
      assert.deepEqual(Object.keys(load.statuses), ['200'], JSON.stringify(load.statuses));
      assert.ok(load.calls > 20, 'both replicas served calls');
    }
    assert.equal(result.activations.length, 2);
    const v = result.versions;
    assert.equal(v.wrong, 0, `decisions tied to a version not active around them: ${JSON.stringify(v)}`);
    assert.equal(v.tiedToActive + v.switchOver, v.decisions);
    assert.ok(Object.keys(v.byVersion).length === 2, `both versions served: ${JSON.stringify(v.byVersion)}`);
    assert.deepEqual(result.audit.lost, []);
    assert.equal(result.audit.found, result.audit.acknowledged);
    assert.ok(result.audit.chain.ok, JSON.stringify(result.audit.chain.problem));
    assert.deepEqual(result.exitCodes, [0, 0]);
  });
});
