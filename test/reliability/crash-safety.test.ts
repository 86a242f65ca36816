/**
 * Crash safety in CI (the long version is scripts/reliability/crash-test.ts, `npm run reliability:crash`):
 * the real server process under order-sign load is killed with SIGKILL mid-load, restarted on the same
 * SQLite files and loaded again; every decision it acknowledged (HTTP 200) is in the store and the hash
 * chain verifies.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCrashTest } from '../../scripts/reliability/lib/crash-run.js';

describe('crash safety: kill -9 mid-load, restart, nothing acknowledged is lost', function () {
  this.timeout(180_000);
  let dataDir: string;
  before(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'cds-crash-test-'));
  });
  after(() => rmSync(dataDir, { recursive: true, force: true }));

  it('a few hundred calls, one SIGKILL with calls in flight: acknowledged = found, lost = 0, chain intact, restarted server answers', async () => {
    const result = await runCrashTest({ dataDir, connections: 6, kills: 1, acknowledgedBeforeKill: 200, callsAfterLastRestart: 60 });
    const [cycle] = result.cycles;
    assert.equal(cycle.exitSignal, 'SIGKILL');
    assert.ok(cycle.acknowledged >= 200);
    assert.deepEqual(Object.keys(cycle.statuses), ['200'], `only 200s before the kill: ${JSON.stringify(cycle.statuses)}`);
    assert.deepEqual(result.afterRestart.statuses, { 200: 60 }, 'the restarted server answers every call');
    assert.equal(result.finalExitCode, 0, 'graceful stop after the restart');
    assert.equal(result.audit.acknowledged, cycle.acknowledged + 60);
    assert.deepEqual(result.audit.lost, [], 'every acknowledged decision is in the store');
    assert.equal(result.audit.found, result.audit.acknowledged);
    assert.ok(result.audit.recorded >= result.audit.acknowledged);
    assert.ok(result.audit.chain.ok, JSON.stringify(result.audit.chain.problem));
    assert.equal(result.audit.chain.checked, result.audit.recorded);
  });
});
