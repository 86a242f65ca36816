/**
 * Heavy admin work never stalls clinical calls: a diff's fixture impact runs on the admin worker thread
 * (server/admin/admin-work-pool.ts), with the same result as in the calling thread; an export is
 * produced one page per turn of the event loop (store/export.ts), so a timer due during the export runs
 * before its second page. How much this keeps order-sign latency down under three concurrent impact
 * diffs is measured by `npx tsx bench/admin-contention.ts` (figures, not a timed test).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isMainThread, threadId } from 'node:worker_threads';
import type { RuleSet } from '../../engine/rule-set-types.js';
import { openStore } from '../../store/open-store.js';
import { exportDecisions } from '../../store/export.js';
import { AdminWorkPool } from '../../server/admin/admin-work-pool.js';
import { runFixtureImpactHere } from '../../use-cases/diff-registry-versions.js';
import request from 'supertest';
import { makeTempDir } from '../support/server-harness.js';
import { bearer, startAdminHarness, USERS } from './support/admin-harness.js';
import { decisionInput } from '../store/support/fixtures.js';

const KETAMINE = new URL('../../rules/ketamine-esketamine/', import.meta.url).pathname;
const readRuleSet = (file: string) => JSON.parse(readFileSync(join(KETAMINE, file), 'utf8')) as RuleSet;

describe('heavy admin work off the event loop', function () {
  this.timeout(120_000);

  it("a diff's fixture impact runs on the worker thread, never the main one, with the same result as in process", async () => {
    const pool = new AdminWorkPool();
    try {
      const from = readRuleSet('versions/1.1.0.json');
      const to = readRuleSet('rule-set.json');
      const fixtureDirs = [join(KETAMINE, 'fixtures')];
      const [inWorker, again] = await Promise.all([pool.fixtureImpact(from, to, fixtureDirs), pool.fixtureImpact(from, from, fixtureDirs)]);
      assert.ok(isMainThread && threadId === 0);
      assert.ok(pool.threadIds.size > 0 && !pool.threadIds.has(0), `work ran on threads ${[...pool.threadIds].join(', ')}`);
      assert.deepEqual(inWorker, await runFixtureImpactHere(from, to, fixtureDirs));
      assert.equal(again.changed.length, 0, 'a version against itself changes nothing');
      assert.ok(inWorker.fixturesRun > 50);
    } finally {
      await pool.close();
    }
  });

  it('a task the worker cannot do fails with its message, and the pool keeps working', async () => {
    const pool = new AdminWorkPool();
    try {
      await assert.rejects(pool.fixtureImpact({} as RuleSet, {} as RuleSet, []), (error: Error) => error.message.length > 0);
      const same = readRuleSet('rule-set.json');
      assert.equal((await pool.fixtureImpact(same, same, [])).fixturesRun, 0);
    } finally {
      await pool.close();
    }
  });

  it('override statistics run one query per turn of the event loop (bounded slices)', async () => {
    const h = await startAdminHarness();
    let turns = 0;
    let ticking: NodeJS.Immediate | undefined;
    const tick = (): void => {
      turns += 1;
      ticking = setImmediate(tick);
    };
    try {
      // Observe (not replace) the store: the event-loop turn at which each statistics query starts.
      const startedAt: number[] = [];
      const query = h.store.overrideStats.bind(h.store);
      h.store.overrideStats = async (range) => {
        startedAt.push(turns);
        return query(range);
      };
      tick();
      const res = await request(h.app).get('/admin/api/stats/overrides?from=2026-01-01T00:00:00Z&to=2026-07-01T00:00:00Z&bucket=month').set(bearer(USERS.carol));
      assert.equal(res.status, 200, res.text.slice(0, 200));
      assert.equal(startedAt.length, 7, 'the whole range and six months');
      for (let i = 1; i < startedAt.length; i++) assert.ok(startedAt[i] > startedAt[i - 1], `the event loop ran before query ${i + 1}: ${startedAt.join(', ')}`);
    } finally {
      clearImmediate(ticking);
      await h.close();
    }
  });

  it('an export yields to the event loop between pages (bounded slices)', async () => {
    const store = await openStore({ dataDir: makeTempDir('cds-export-slices-') });
    try {
      for (let n = 1; n <= 5; n++) await store.appendDecision(decisionInput(n, { ruleSetId: 'not-in-registry' }));
      let timerRan = false;
      const pagesBeforeTimer: number[] = [];
      setImmediate(() => (timerRan = true));
      const stream = exportDecisions(store, {
        format: 'ndjson',
        pageSize: 1,
        onProgress: ({ decisions }) => {
          if (!timerRan) pagesBeforeTimer.push(decisions);
        },
      });
      let text = '';
      for await (const chunk of stream) text += chunk;
      assert.equal(text.trim().split('\n').length, 5);
      assert.deepEqual(pagesBeforeTimer, [1], 'the event loop ran (a setImmediate callback) after the first page');
    } finally {
      await store.close();
    }
  });
});
