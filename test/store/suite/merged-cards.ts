/**
 * Merged cards (a concern in merge mode: several rules contribute to one card): the card is recorded
 * with every contributing rule (ruleIds), its feedback is credited to each of them in the override
 * statistics, the rule filter finds the decision by any contributor, and cards recorded before
 * migration 004 are credited from the fired rules the decision recorded as merged into them.
 */
import assert from 'node:assert/strict';
import type { Readable } from 'node:stream';
import { canonicalJson, sha256Hex } from '../../../lib/canonical-json.js';
import { CSV_COLUMNS, exportDecisions } from '../../../store/export.js';
import type { DecisionRecord, Store } from '../../../store/store.js';
import { storeError } from '../support/assertions.js';
import type { TestBackend, TestDatabase } from '../support/backends.js';
import { parseCsv } from '../support/csv.js';
import { card, decisionInput, mergedCard } from '../support/fixtures.js';

async function text(stream: Readable): Promise<string> {
  let result = '';
  for await (const chunk of stream) result += String(chunk);
  return result;
}

/** The documented chain formula, computed independently of store/decision-hash.ts. */
function expectedHash(record: DecisionRecord): string {
  const { seq: _seq, hash: _hash, snapshot: _snapshot, ...fields } = record;
  return sha256Hex(record.prevHash + canonicalJson(fields));
}

async function seqsFor(store: Store, filter: Parameters<Store['listDecisions']>[0]): Promise<number[]> {
  return (await store.listDecisions(filter)).map((d) => d.seq);
}

/** decision_card_rules as [card, rule] pairs, sorted in code-unit order whatever the collation. */
async function cardRules(db: TestDatabase): Promise<string[]> {
  const rows = await db.query('SELECT card_uuid, rule_id FROM decision_card_rules');
  return rows.map((r) => `${String(r.card_uuid)} ${String(r.rule_id)}`).sort();
}

const BENEFIT = { code: 'benefit', system: 'https://example.org/reasons', display: 'Benefit outweighs risk' };

export function mergedCardsSuite(backend: TestBackend): void {
  describe('merged cards', () => {
    let db: TestDatabase;
    let store: Store;

    beforeEach(async () => {
      db = await backend.fresh();
      store = await db.open();
    });
    afterEach(async () => db.dispose());

    it('records a merged card with every contributing rule, chained; a card of one rule is recorded as before', async () => {
      const record = await store.appendDecision(
        decisionInput(1, { cards: [mergedCard('m-1', ['rule-a', 'rule-b', 'rule-c']), card('s-1', 'rule-d', 'info')], fired: [] }),
      );
      assert.deepEqual(record.cards[0].ruleIds, ['rule-a', 'rule-b', 'rule-c']);
      assert.equal(record.cards[0].ruleId, 'rule-a');
      assert.ok(!('ruleIds' in record.cards[1]), 'no ruleIds on a one-rule card');
      assert.equal(record.hash, expectedHash(record), 'ruleIds are part of the chained record');
      assert.deepEqual(await store.getDecision(1), record);
      assert.deepEqual(await store.findDecisionByCard('m-1'), record);
      assert.deepEqual(await store.verifyChain(), { ok: true, checked: 1 });
      const [raw] = await db.query('SELECT cards FROM decisions WHERE seq = 1');
      assert.deepEqual(JSON.parse(String(raw.cards)), [
        { uuid: 'm-1', ruleId: 'rule-a', indicator: 'warning', summary: 'Merged summary of m-1', ruleIds: ['rule-a', 'rule-b', 'rule-c'] },
        { uuid: 's-1', ruleId: 'rule-d', indicator: 'info', summary: 'Summary of s-1' },
      ]);
      assert.deepEqual(await cardRules(db), ['m-1 rule-a', 'm-1 rule-b', 'm-1 rule-c', 's-1 rule-d']);

      // The rule filter finds the decision by any contributor (here none of them is in `fired`).
      await store.appendDecision(decisionInput(2, { cards: [card('s-2', 'rule-b')], fired: [] }));
      assert.deepEqual(await seqsFor(store, { ruleId: 'rule-c' }), [1]);
      assert.deepEqual(await seqsFor(store, { ruleId: 'rule-b' }), [1, 2]);
      assert.deepEqual(await seqsFor(store, { ruleId: 'rule-d' }), [1]);
      assert.deepEqual(await seqsFor(store, { ruleId: 'rule-x' }), []);
    });

    it('exports the rules credited with each card in the CSV ruleIds column (merged: every contributor, in rank order)', async () => {
      await store.appendDecision(decisionInput(1, { cards: [mergedCard('m-1', ['rule-a', 'rule-b', 'rule-c']), card('s-1', 'rule-d', 'info')] }));
      await store.appendDecision(decisionInput(2, { cards: [] }));
      const rows = parseCsv(await text(exportDecisions(store, { format: 'csv' })));
      assert.deepEqual(rows[0].slice(0, CSV_COLUMNS.indexOf('hash') + 1), [...CSV_COLUMNS].slice(0, CSV_COLUMNS.indexOf('hash') + 1), 'earlier columns keep their positions');
      const records = rows.slice(1).map((r) => Object.fromEntries(CSV_COLUMNS.map((c, i) => [c, r[i]])));
      assert.deepEqual(records.map((r) => [r.seq, r.cardUuid, r.ruleId, r.ruleIds]), [
        ['1', 'm-1', 'rule-a', 'rule-a;rule-b;rule-c'],
        ['1', 's-1', 'rule-d', 'rule-d'],
        ['2', '', '', ''],
      ]);
      assert.deepEqual(records.map((r) => r.appendedAt), [(await store.getDecision(1))?.appendedAt, (await store.getDecision(1))?.appendedAt, (await store.getDecision(2))?.appendedAt]);
    });

    it('refuses contributors that do not start with ruleId, repeat a rule or are empty, naming the card', async () => {
      const bad = async (ruleIds: unknown, message: RegExp) => {
        const input = decisionInput(1, { cards: [card('ok-1'), { ...card('bad-1', 'rule-a'), ruleIds: ruleIds as string[] }] });
        await assert.rejects(store.appendDecision(input), storeError('invalid-input', message));
      };
      await bad(['rule-b', 'rule-a'], /cards\[1\]\.ruleIds must be an array of distinct rule ids starting with cards\[1\]\.ruleId .*starts with "rule-b", ruleId is "rule-a"/);
      await bad(['rule-a', 'rule-b', 'rule-a'], /cards\[1\]\.ruleIds .*"rule-a" appears twice/);
      await bad([], /cards\[1\]\.ruleIds must be an array/);
      await bad('rule-a', /cards\[1\]\.ruleIds must be an array/);
      await bad(['rule-a', ''], /cards\[1\]\.ruleIds\[1\] must be a non-empty string/);
      assert.deepEqual(await store.listDecisions({}), [], 'nothing was appended');
    });

    it('overrideStats credits a merged card, its outcome and its override reason to every contributing rule', async () => {
      await store.appendDecision(decisionInput(1, { cards: [mergedCard('m-1', ['rule-a', 'rule-b'])] }));
      await store.appendDecision(decisionInput(2, { cards: [mergedCard('m-2', ['rule-b', 'rule-c'], 'info')] }));
      await store.appendDecision(decisionInput(3, { cards: [card('a-3', 'rule-a')] }));
      const at = decisionInput(10).at;
      await store.recordFeedback('ketamine-order-sign', {
        feedback: [
          { card: 'm-1', outcome: 'overridden', overrideReason: { reason: BENEFIT }, outcomeTimestamp: at },
          { card: 'm-2', outcome: 'accepted', acceptedSuggestions: [{ id: 's-1' }], outcomeTimestamp: at },
        ],
      });
      const rows = await store.overrideStats({ from: '2026-03-01T10:00:00Z', to: '2026-03-01T11:00:00Z' });
      const base = { ruleSetId: 'ketamine-esketamine', ruleSetVersion: '1.0.0' };
      const reasons = [{ code: 'benefit', system: 'https://example.org/reasons', display: 'Benefit outweighs risk', count: 1 }];
      assert.deepEqual(rows, [
        { ...base, ruleId: 'rule-a', shown: 2, accepted: 0, overridden: 1, withFeedback: 1, withoutFeedback: 1, overrideRate: 1, reasons },
        { ...base, ruleId: 'rule-b', shown: 2, accepted: 1, overridden: 1, withFeedback: 2, withoutFeedback: 0, overrideRate: 1 / 2, reasons },
        { ...base, ruleId: 'rule-c', shown: 1, accepted: 1, overridden: 0, withFeedback: 1, withoutFeedback: 0, overrideRate: 0, reasons: [] },
      ]);
      assert.deepEqual(await seqsFor(store, { ruleId: 'rule-c', outcome: 'accepted' }), [2]);
      assert.deepEqual(await seqsFor(store, { ruleId: 'rule-a', outcome: 'overridden' }), [1]);
    });

    it('credits cards recorded before migration 004 from the fired rules merged into them', async () => {
      // As recorded before decision_card_rules existed: a merged card with its lead rule only, the
      // contributors in `fired` (mergedInto, cardUuid); a ranked card whose outranked rule must not count.
      await store.appendDecision(
        decisionInput(1, {
          cards: [card('m-1', 'rule-a')],
          fired: [
            { ruleId: 'rule-a', cardUuid: 'm-1', suppressed: false, mergedInto: 'pre-session' },
            { ruleId: 'rule-b', cardUuid: 'm-1', suppressed: false, mergedInto: 'pre-session' },
            { ruleId: 'rule-c', cardUuid: 'elsewhere', suppressed: false, mergedInto: 'other' },
          ],
        }),
      );
      await store.appendDecision(
        decisionInput(2, {
          cards: [card('r-2', 'rule-a')],
          fired: [
            { ruleId: 'rule-a', cardUuid: 'r-2', suppressed: false },
            { ruleId: 'rule-z', cardUuid: 'r-2', suppressed: true },
          ],
        }),
      );
      // A database migrated up to 003: no card-rules table, migration 004 not applied.
      await db.exec('DROP TABLE decision_card_rules');
      await db.exec('DELETE FROM schema_migrations WHERE version = 4');

      const upgraded = await db.open();
      const [applied] = await db.query('SELECT name FROM schema_migrations WHERE version = 4');
      assert.equal(applied.name, 'card_rules');
      assert.deepEqual(await cardRules(db), ['m-1 rule-a', 'm-1 rule-b', 'r-2 rule-a']);
      await upgraded.recordFeedback('ketamine-order-sign', {
        feedback: [{ card: 'm-1', outcome: 'overridden', outcomeTimestamp: decisionInput(10).at }],
      });
      const rows = await upgraded.overrideStats({ from: '2026-03-01T10:00:00Z', to: '2026-03-01T11:00:00Z' });
      assert.deepEqual(rows.map((r) => [r.ruleId, r.shown, r.overridden]), [['rule-a', 2, 1], ['rule-b', 1, 1]]);
      assert.deepEqual(await upgraded.verifyChain(), { ok: true, checked: 2 }, 'the chain is untouched');
      await assert.rejects(db.exec("DELETE FROM decision_card_rules WHERE card_uuid = 'm-1'"), /append-only/);
    });
  });
}
