/**
 * Heavy admin work never stalls clinical calls: a diff's fixture impact runs on the admin worker thread
 * (server/admin/admin-work-pool.ts), with the same result as in the calling thread, and so do override
 * statistics on SQLite (a read-only connection of the worker's own to the same file); an export is
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
import { SqliteStore } from '../../store/sqlite-store.js';
import { exportDecisions } from '../../store/export.js';
import { AdminWorkPool } from '../../server/admin/admin-work-pool.js';
import { runFixtureImpactHere } from '../../use-cases/diff-registry-versions.js';
import request from 'supertest';
import { makeTempDir } from '../support/server-harness.js';
import { bearer, startAdminHarness, USERS } from './support/admin-harness.js';
import { card, decisionInput } from '../store/support/fixtures.js';

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

  it('override statistics on SQLite run on the worker thread, on a read-only connection, with the same rows as in process', async () => {
    const store = await openStore({ dataDir: makeTempDir('cds-stats-worker-') });
    const pool = new AdminWorkPool();
    try {
      assert.ok(store instanceof SqliteStore);
      const at = (n: number): string => decisionInput(n).at;
      await store.appendDecision(decisionInput(1, { cards: [card('A1', 'rule-a'), card('B1', 'rule-b', 'info')] }));
      await store.appendDecision(decisionInput(2, { cards: [card('A2', 'rule-a')] }));
      await store.appendDecision(decisionInput(3, { ruleSetVersion: '1.1.0', cards: [card('A3', 'rule-a')] }));
      await store.appendDecision(decisionInput(4, { cards: [card('A4', 'rule-a')] }));
      const benefit = { code: 'benefit', system: 'https://example.org/reasons', display: 'Benefit outweighs risk' };
      await store.recordFeedback('ketamine-order-sign', {
        feedback: [
          { card: 'A1', outcome: 'overridden', overrideReason: { reason: benefit }, outcomeTimestamp: at(10) },
          { card: 'A2', outcome: 'accepted', acceptedSuggestions: [{ id: 's-1' }], outcomeTimestamp: at(11) },
          { card: 'B1', outcome: 'accepted', acceptedSuggestions: [{ id: 's-2' }], outcomeTimestamp: at(10) },
          { card: 'A3', outcome: 'overridden', overrideReason: { reason: { code: 'bp-rechecked', display: 'BP rechecked' } }, outcomeTimestamp: at(10) },
        ],
      });
      const ranges = [
        { from: '2000-01-01T00:00:00Z', to: '2100-01-01T00:00:00Z' },
        { from: '2026-03-01T10:02:00Z', to: '2026-03-01T10:04:00Z' },
        { from: '2000-01-01T00:00:00Z', to: '2000-02-01T00:00:00Z' },
      ];
      const inWorker = await pool.sqliteOverrideStats(store.readerOptions, ranges);
      assert.ok(isMainThread && threadId === 0);
      assert.ok(pool.threadIds.size > 0 && !pool.threadIds.has(0), `work ran on threads ${[...pool.threadIds].join(', ')}`);
      assert.deepEqual(inWorker, [await store.overrideStats(ranges[0]), await store.overrideStats(ranges[1]), await store.overrideStats(ranges[2])]);
      const rows = inWorker[0];
      assert.ok(rows.length > 0 && rows.some((row) => row.overridden > 0 && row.accepted > 0), JSON.stringify(rows).slice(0, 400));
      assert.ok(rows.some((row) => row.reasons.some((reason) => reason.code === 'benefit')));
      assert.ok(inWorker[1].length > 0 && inWorker[1].length <= inWorker[0].length, 'a part of the range: some of the rows');
      assert.deepEqual(inWorker[2], [], 'nothing in a range before the decisions');
      await assert.rejects(pool.sqliteOverrideStats(store.readerOptions, [{ from: '2026-02-01T00:00:00Z', to: '2026-01-01T00:00:00Z' }]), /must be after from/);
    } finally {
      await pool.close();
      await store.close();
    }
  });

  it('the statistics route answers from the worker thread on SQLite', async () => {
    const pool = new AdminWorkPool();
    const h = await startAdminHarness({ adminWorkPool: pool });
    try {
      await h.store.appendDecision(decisionInput(1, { cards: [card('A1', 'rule-a')] }));
      await h.store.appendDecision(decisionInput(2, { cards: [card('A2', 'rule-a')] }));
      await h.store.recordFeedback('ketamine-order-sign', { feedback: [{ card: 'A1', outcome: 'overridden', outcomeTimestamp: decisionInput(10).at }] });
      const res = await request(h.app).get('/admin/api/stats/overrides?from=2026-01-01T00:00:00Z&to=2026-07-01T00:00:00Z&bucket=month').set(bearer(USERS.carol));
      assert.equal(res.status, 200, res.text.slice(0, 200));
      assert.equal(res.body.periods.length, 6);
      assert.equal(res.body.rows.length, 1);
      assert.equal(res.body.periods[2].rows[0].overridden, 1, 'March: the overridden card');
      assert.deepEqual(res.body.rows, await h.store.overrideStats({ from: '2026-01-01T00:00:00.000Z', to: '2026-07-01T00:00:00.000Z' }));
      assert.ok(pool.threadIds.size > 0 && !pool.threadIds.has(0), `work ran on threads ${[...pool.threadIds].join(', ')}`);
    } finally {
      await h.close();
      await pool.close();
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
