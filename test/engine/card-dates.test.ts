import assert from 'node:assert/strict';
import { compileRuleSet } from '../../engine/compile-rule-set.js';
import { validateRuleSet } from '../../engine/validate-rule-set.js';
import { TEST_FACT_KINDS } from './support/test-fact-kinds.js';
import { NOW, esketamineOrder, record, sbp, testRuleSet } from './support/test-rule-set.js';

/** bp-above-caution with the reading's date in its summary, detail and a suggested resource. */
function datedRuleSet() {
  const rs = testRuleSet();
  const rule = rs.rules.find((r) => r.id === 'bp-above-caution')!;
  rule.card.summary = 'Systolic BP {{recentSbp.value}} on {{recentSbp.date}} is above 140';
  rule.card.detail = 'Measured {{recentSbp.date}}.';
  rule.card.suggestions = [
    {
      label: 'Repeat the {{recentSbp.date}} reading',
      actions: [{ type: 'create', description: 'Repeat BP', resource: { resourceType: 'Task', status: 'requested', authoredOn: '{{recentSbp.date}}', note: [{ text: 'after {{recentSbp.date}}' }] } }],
    },
  ];
  rule.card.selectionBehavior = 'any';
  return rs;
}

async function bpCard(effectiveDateTime: string) {
  const rs = datedRuleSet();
  const result = await compileRuleSet(rs, { factKinds: TEST_FACT_KINDS }).evaluate({
    hook: 'order-sign',
    context: {},
    record: record({ draftOrders: [esketamineOrder()], observations: [sbp('o-bp', 152, effectiveDateTime)] }),
    now: NOW, // 2026-11-01T10:00:00Z
    idSeed: 'dates',
  });
  return result.cards.find((c) => c.summary.startsWith('Systolic'))!;
}

describe('dates in card text', () => {
  it('an earlier day shows as YYYY-MM-DD in summary, detail and labels', async () => {
    const card = await bpCard('2026-10-20T08:15:30.123Z');
    assert.equal(card.summary, 'Systolic BP 152 on 2026-10-20 is above 140');
    assert.equal(card.detail, 'Measured 2026-10-20.');
    assert.equal(card.suggestions?.[0].label, 'Repeat the 2026-10-20 reading');
  });

  it('a same-day reading (less than 24 hours before now) shows its time in UTC', async () => {
    const card = await bpCard('2026-11-01T09:12:04.981+01:00');
    assert.equal(card.summary, 'Systolic BP 152 on 2026-11-01 08:12 UTC is above 140');
    const yesterdayEvening = await bpCard('2026-10-31T22:40:00Z');
    assert.equal(yesterdayEvening.summary, 'Systolic BP 152 on 2026-10-31 22:40 UTC is above 140');
  });

  it('FHIR resources in suggestions keep the date as recorded', async () => {
    const card = await bpCard('2026-11-01T09:12:04.981+01:00');
    assert.deepEqual(card.suggestions?.[0].actions?.[0].resource, {
      resourceType: 'Task',
      status: 'requested',
      authoredOn: '2026-11-01T09:12:04.981+01:00',
      note: [{ text: 'after 2026-11-01T09:12:04.981+01:00' }],
    });
  });

  it('summary bounds count a date as 20 characters (its longest display), not its raw maxLength', () => {
    const rs = datedRuleSet();
    const rule = rs.rules.find((r) => r.id === 'bp-above-caution')!;
    // 119 literal characters + {{recentSbp.date}} 20 = 139: allowed (with the raw maxLength 30 it would not be).
    rule.card.summary = `${'x'.repeat(119)}{{recentSbp.date}}`;
    assert.deepEqual(validateRuleSet(rs, { file: 't', factKinds: TEST_FACT_KINDS }), []);
    rule.card.summary = `${'x'.repeat(120)}{{recentSbp.date}}`;
    assert.deepEqual(
      validateRuleSet(rs, { file: 't', factKinds: TEST_FACT_KINDS }).map((p) => p.message),
      ['summary can render up to 140 characters (text 120 + {{recentSbp.date}} 20); CDS Hooks allows at most 139'],
    );
  });
});
