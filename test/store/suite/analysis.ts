/** Override statistics and exports (CSV, NDJSON) over decisions joined with feedback. */
import assert from 'node:assert/strict';
import type { Readable } from 'node:stream';
import { canonicalJson, sha256Hex } from '../../../lib/canonical-json.js';
import { CSV_COLUMNS, exportDecisions } from '../../../store/export.js';
import type { Store } from '../../../store/store.js';
import { storeError } from '../support/assertions.js';
import type { TestBackend, TestDatabase } from '../support/backends.js';
import { parseCsv } from '../support/csv.js';
import { card, decisionInput } from '../support/fixtures.js';

async function text(stream: Readable): Promise<string> {
  let result = '';
  for await (const chunk of stream) result += String(chunk);
  return result;
}

const FORMULA_SUMMARY = '=HYPERLINK("x"), "quoted"\nsecond line';

async function seed(store: Store): Promise<void> {
  const at = (n: number) => decisionInput(n).at;
  await store.appendDecision(decisionInput(1, { cards: [card('A1', 'rule-a'), card('B1', 'rule-b', 'info')] }));
  await store.appendDecision(decisionInput(2, { cards: [card('A2', 'rule-a')], snapshot: Buffer.from('secret'), snapshotExpiresAt: '2026-06-01T00:00:00Z' }));
  await store.appendDecision(decisionInput(3, { ruleSetVersion: '1.1.0', cards: [card('A3', 'rule-a')] }));
  await store.appendDecision(decisionInput(4, { cards: [card('A4', 'rule-a', 'critical', FORMULA_SUMMARY)] }));
  await store.appendDecision(decisionInput(60, { cards: [card('A5', 'rule-a')] }));
  await store.appendDecision(decisionInput(61, { cards: [], fired: [] }));
  const benefit = { code: 'benefit', system: 'https://example.org/reasons', display: 'Benefit outweighs risk' };
  await store.recordFeedback('ketamine-order-sign', {
    feedback: [
      { card: 'A1', outcome: 'overridden', overrideReason: { reason: benefit }, outcomeTimestamp: at(10) },
      { card: 'A2', outcome: 'overridden', overrideReason: { reason: benefit }, outcomeTimestamp: at(10) },
      { card: 'A2', outcome: 'accepted', acceptedSuggestions: [{ id: 's-1' }], outcomeTimestamp: at(11) },
      { card: 'A4', outcome: 'overridden', overrideReason: { userComment: 'clinician judgement, see note' }, outcomeTimestamp: at(10) },
      { card: 'B1', outcome: 'accepted', acceptedSuggestions: [{ id: 's-2' }, { id: 's-3' }], outcomeTimestamp: at(10) },
      { card: 'A3', outcome: 'overridden', overrideReason: { reason: { code: 'bp-rechecked', display: 'BP rechecked' } }, outcomeTimestamp: at(10) },
      { card: 'A5', outcome: 'overridden', outcomeTimestamp: at(62) },
    ],
  });
}

export function analysisSuite(backend: TestBackend): void {
  describe('override statistics and export', () => {
    let db: TestDatabase;
    let store: Store;

    beforeEach(async () => {
      db = await backend.fresh();
      store = await db.open();
      await seed(store);
    });
    afterEach(async () => db.dispose());

    it('overrideStats counts shown, accepted and overridden cards per rule and version (latest outcome per card) with reasons', async () => {
      const rows = await store.overrideStats({ from: '2026-03-01T10:00:00Z', to: '2026-03-01T10:30:00Z' });
      assert.deepEqual(rows, [
        {
          ruleSetId: 'ketamine-esketamine', ruleId: 'rule-a', ruleSetVersion: '1.0.0', shown: 3, accepted: 1, overridden: 2, withFeedback: 3, withoutFeedback: 0, overrideRate: 2 / 3,
          reasons: [
            { code: 'benefit', system: 'https://example.org/reasons', display: 'Benefit outweighs risk', count: 1 },
            { code: null, system: null, display: null, count: 1 },
          ],
        },
        {
          ruleSetId: 'ketamine-esketamine', ruleId: 'rule-a', ruleSetVersion: '1.1.0', shown: 1, accepted: 0, overridden: 1, withFeedback: 1, withoutFeedback: 0, overrideRate: 1,
          reasons: [{ code: 'bp-rechecked', system: null, display: 'BP rechecked', count: 1 }],
        },
        { ruleSetId: 'ketamine-esketamine', ruleId: 'rule-b', ruleSetVersion: '1.0.0', shown: 1, accepted: 1, overridden: 0, withFeedback: 1, withoutFeedback: 0, overrideRate: 0, reasons: [] },
      ]);
      const later = await store.overrideStats({ from: '2026-03-01T10:30:00Z', to: '2026-03-02T00:00:00Z' });
      assert.deepEqual(later.map((r) => [r.ruleId, r.shown, r.overridden]), [['rule-a', 1, 1]]);
      assert.deepEqual(await store.overrideStats({ from: '2026-04-01T00:00:00Z', to: '2026-05-01T00:00:00Z' }), []);
      await assert.rejects(store.overrideStats({ from: '2026-05-01', to: '2026-04-01' }), storeError('invalid-input', /must be after from/));
    });

    it('statistics with no feedback: cards without feedback are counted apart and give no rate (never 0 %)', async () => {
      await store.appendDecision(decisionInput(90, { cards: [card('N1', 'rule-quiet')] }));
      await store.appendDecision(decisionInput(91, { cards: [card('N2', 'rule-quiet'), card('N3', 'rule-a')] }));
      const rows = await store.overrideStats({ from: decisionInput(90).at, to: '2026-03-02T00:00:00Z' });
      const quiet = rows.find((r) => r.ruleId === 'rule-quiet');
      assert.deepEqual(
        quiet && { shown: quiet.shown, withFeedback: quiet.withFeedback, withoutFeedback: quiet.withoutFeedback, overrideRate: quiet.overrideRate },
        { shown: 2, withFeedback: 0, withoutFeedback: 2, overrideRate: null },
      );
      // One overridden card with feedback and one without: 100 % of the cards that got feedback, not 50 %.
      await store.recordFeedback('ketamine-order-sign', { feedback: [{ card: 'N1', outcome: 'overridden', outcomeTimestamp: decisionInput(92).at }] });
      const after = (await store.overrideStats({ from: decisionInput(90).at, to: '2026-03-02T00:00:00Z' })).find((r) => r.ruleId === 'rule-quiet');
      assert.deepEqual([after?.withFeedback, after?.withoutFeedback, after?.overrideRate], [1, 1, 1]);
    });

    it('exports NDJSON page by page with progress: every chained field, the feedback, no snapshot, no patientKey by default', async () => {
      const progress: number[] = [];
      const out = await text(exportDecisions(store, { format: 'ndjson', pageSize: 2, onProgress: (p) => progress.push(p.decisions) }));
      assert.ok(out.endsWith('\n'));
      const lines = out.trimEnd().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
      assert.deepEqual(lines.map((l) => l.seq), [1, 2, 3, 4, 5, 6]);
      assert.deepEqual(progress, [2, 4, 6]);
      assert.ok(lines.every((l) => !('snapshot' in l) && !('patientKey' in l)));
      assert.deepEqual((lines[0].feedback as { cardUuid: string; outcome: string }[]).map((f) => `${f.cardUuid}:${f.outcome}`), ['A1:overridden', 'B1:accepted']);
      assert.deepEqual((lines[1].feedback as { outcome: string }[]).map((f) => f.outcome), ['overridden', 'accepted']);
      assert.deepEqual(lines[5].feedback, []);
    });

    it('an NDJSON export with includePatientKey lets anyone recompute every hash', async () => {
      const out = await text(exportDecisions(store, { format: 'ndjson', includePatientKey: true }));
      let prevHash = '0'.repeat(64);
      for (const line of out.trimEnd().split('\n')) {
        const { seq: _seq, hash, feedback: _feedback, ...fields } = JSON.parse(line) as Record<string, unknown>;
        assert.equal(fields.prevHash, prevHash);
        assert.equal(sha256Hex(prevHash + canonicalJson(fields)), hash);
        prevHash = String(hash);
      }
    });

    it('exports with the decision filter and a total limit', async () => {
      const versionOnly = await text(exportDecisions(store, { format: 'ndjson', filter: { ruleSetVersion: '1.1.0' } }));
      assert.deepEqual(versionOnly.trimEnd().split('\n').map((l) => (JSON.parse(l) as { seq: number }).seq), [3]);
      const limited = await text(exportDecisions(store, { format: 'ndjson', pageSize: 2, filter: { limit: 3 } }));
      assert.equal(limited.trimEnd().split('\n').length, 3);
      const overridden = await text(exportDecisions(store, { format: 'csv', filter: { outcome: 'overridden', to: '2026-03-01T10:30:00Z' } }));
      assert.deepEqual([...new Set(parseCsv(overridden).slice(1).map((r) => r[0]))], ['1', '2', '3', '4']);
      await assert.rejects(text(exportDecisions(store, { format: 'xml' as 'csv' })), storeError('invalid-input', /format/));
    });

    it('exports CSV: one row per card with its latest outcome, a row for a decision without cards, safe escaping', async () => {
      const rows = parseCsv(await text(exportDecisions(store, { format: 'csv', pageSize: 4 })));
      assert.deepEqual(rows[0], [...CSV_COLUMNS]);
      const records = rows.slice(1).map((r) => Object.fromEntries(CSV_COLUMNS.map((c, i) => [c, r[i]])));
      assert.deepEqual(records.map((r) => `${r.seq}:${r.cardUuid}`), ['1:A1', '1:B1', '2:A2', '3:A3', '4:A4', '5:A5', '6:']);
      const byCard = Object.fromEntries(records.map((r) => [r.cardUuid, r]));
      assert.equal(byCard.A2.outcome, 'accepted');
      assert.equal(byCard.A2.feedbackCount, '2');
      assert.equal(byCard.A2.acceptedSuggestions, 's-1');
      assert.equal(byCard.B1.acceptedSuggestions, 's-2;s-3');
      assert.equal(byCard.A1.overrideReasonCode, 'benefit');
      assert.equal(byCard.A4.summary, `'${FORMULA_SUMMARY}`);
      assert.equal(byCard.A4.userComment, 'clinician judgement, see note');
      assert.equal(byCard.A4.patientKey, '');
      assert.equal(byCard[''].feedbackCount, '');
      assert.equal(byCard.A1.hash, (await store.getDecision(1))?.hash);
    });
  });
}
