import assert from 'node:assert/strict';
import { compileRuleSet, type EvaluateInput } from '../../engine/compile-rule-set.js';
import { CARD_EXTENSION_KEY, type EvaluationResult } from '../../engine/evaluation-types.js';
import { DEFAULT_OVERRIDE_REASON_SYSTEM } from '../../engine/render-card.js';
import type { Rule, RuleSet } from '../../engine/rule-set-types.js';
import { TEST_FACT_KINDS } from './support/test-fact-kinds.js';
import { ICD10, NOW, condition, esketamineOrder, record, sbp, testRuleSet } from './support/test-rule-set.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

function input(parts: Parameters<typeof record>[0], idSeed = 'hook-instance-1'): EvaluateInput {
  return { hook: 'order-sign', context: { patientId: 'p1' }, record: record(parts), now: NOW, idSeed };
}

const everything = {
  draftOrders: [esketamineOrder()],
  conditions: [condition('c-aaa', ICD10, 'I71.3', 'Abdominal aortic aneurysm, ruptured'), condition('c-ich', ICD10, 'I61.9', 'ICH')],
  observations: [sbp('o-bp', 152, '2026-10-31T09:00:00Z')],
};

async function evaluate(rs: RuleSet, parts: Parameters<typeof record>[0], idSeed?: string): Promise<EvaluationResult> {
  return compileRuleSet(rs, { factKinds: TEST_FACT_KINDS }).evaluate(input(parts, idSeed));
}

describe('CompiledRuleSet.evaluate', () => {
  it('fires rules, merges concerns and sorts cards critical, warning, info', async () => {
    const result = await evaluate(testRuleSet(), everything);
    assert.deepEqual(
      result.fired.map((f) => [f.ruleId, f.suppressed]),
      [
        ['contraindication-aneurysm', false],
        ['contraindication-ich', true],
        ['bp-above-caution', false],
      ],
    );
    assert.deepEqual(
      result.cards.map((c) => [c.indicator, c.summary]),
      [
        ['critical', 'Esketamine is contraindicated: aneurysm I71.3 on record'],
        ['warning', 'Systolic BP 152 mmHg is above 140: consider delaying'],
      ],
    );
    const [aneurysm, ich] = result.fired;
    assert.equal(ich.cardUuid, aneurysm.cardUuid, 'a suppressed rule points at the card that outranked it');
    assert.equal(result.cards[0].uuid, aneurysm.cardUuid);
    const ext = result.cards[0].extension?.[CARD_EXTENSION_KEY] as Record<string, unknown>;
    assert.deepEqual(ext.alsoFired, ['contraindication-ich']);
    assert.equal(result.hook, 'order-sign');
    assert.equal(result.now, '2026-11-01T10:00:00.000Z');
    assert.equal(result.rulesConsidered, 4);
  });

  it('within a concern: higher rank wins, then the more severe indicator, then the earlier rule', async () => {
    const rs = testRuleSet();
    rs.rules[0].rank = 1; // aneurysm now below ICH (rank 5)
    let result = await evaluate(rs, everything);
    assert.deepEqual(result.fired.filter((f) => !f.suppressed).map((f) => f.ruleId), ['contraindication-ich', 'bp-above-caution']);

    const tie = testRuleSet();
    tie.rules[0].rank = 5;
    tie.rules[0].card.indicator = 'warning';
    result = await evaluate(tie, everything);
    assert.equal(result.fired.find((f) => !f.suppressed && f.concern === 'vascular-contraindication')?.ruleId, 'contraindication-ich', 'critical beats warning at equal rank');

    const fileOrder = testRuleSet();
    fileOrder.rules[0].rank = 5;
    result = await evaluate(fileOrder, everything);
    assert.equal(result.fired.find((f) => !f.suppressed && f.concern === 'vascular-contraindication')?.ruleId, 'contraindication-aneurysm', 'earlier rule wins a full tie');
  });

  it('skips rules whose required facts are absent, and counts what it considered', async () => {
    const noOrder = await evaluate(testRuleSet(), { ...everything, draftOrders: [] });
    assert.deepEqual(noOrder.cards, []);
    assert.equal(noOrder.rulesConsidered, 0);

    const orderOnly = await evaluate(testRuleSet(), { draftOrders: [esketamineOrder()] });
    assert.equal(orderOnly.rulesConsidered, 2, 'the two BP rules; aneurysm and ICH rules need their facts');
    assert.deepEqual(orderOnly.cards.map((c) => c.summary), ['No blood pressure in the last 30 days: measure before dosing']);

    const unindexed = compileRuleSet(testRuleSet(), { factKinds: TEST_FACT_KINDS, useRequiredFactIndex: false });
    const all = await unindexed.evaluate(input({ draftOrders: [esketamineOrder()] }));
    assert.equal(all.rulesConsidered, 4);
    assert.deepEqual(all.cards, orderOnly.cards, 'the index never changes the outcome');
  });

  it('only evaluates rules of the requested hook', async () => {
    const compiled = compileRuleSet(testRuleSet(), { factKinds: TEST_FACT_KINDS });
    const result = await compiled.evaluate({ ...input(everything), hook: 'patient-view' });
    assert.deepEqual(result.cards, []);
    assert.equal(result.rulesConsidered, 0);
  });

  it('card and suggestion uuids are deterministic RFC 4122-variant uuids', async () => {
    const a = await evaluate(testRuleSet(), everything, 'seed-1');
    const b = await evaluate(testRuleSet(), everything, 'seed-1');
    const c = await evaluate(testRuleSet(), everything, 'seed-2');
    assert.deepEqual(a, b, 'replay reproduces identical results');
    const uuids = (r: EvaluationResult): string[] => r.cards.flatMap((card) => [card.uuid!, ...(card.suggestions ?? []).map((s) => s.uuid!)]);
    assert.equal(uuids(a).length, 3);
    for (const u of uuids(a)) assert.match(u, UUID);
    assert.equal(new Set(uuids(a)).size, 3);
    for (const u of uuids(c)) assert.ok(!uuids(a).includes(u), 'another idSeed gives other uuids');
    const changed = testRuleSet();
    changed.description = 'edited';
    const d = await evaluate(changed, everything, 'seed-1');
    assert.notEqual(d.cards[0].uuid, a.cards[0].uuid, 'another rule-set version gives other uuids');
  });

  it('renders templates: variables, markdown escaping, cut strings, numbers', async () => {
    const rs = testRuleSet();
    rs.rules[0].card.detail = 'Diagnosis **{{aneurysm.display}}** ({{aneurysm.code}}), {{aneurysm.count}} on record; missing: "{{aneurysm.onsetAgeDays}}".';
    const long = `${'Very long display [click](javascript:alert(1)) <b>x</b> '.repeat(3)}`;
    const result = await evaluate(rs, {
      draftOrders: [esketamineOrder()],
      conditions: [condition('c-aaa', ICD10, 'I71.3', long)],
      observations: [sbp('o-bp', 150.25, '2026-10-31T09:00:00Z')],
    });
    const critical = result.cards[0];
    const expectedDisplay = `${long.slice(0, 59)}…`.replace(/[\\`*_[\]<>|~]/g, (ch) => `\\${ch}`);
    assert.equal(critical.detail, `Diagnosis **${expectedDisplay}** (I71.3), 1 on record; missing: "".`);
    assert.ok(!critical.detail!.includes('[click]('), 'record text cannot form a markdown link');
    assert.equal(critical.suggestions?.[0].label, 'Cancel the esketamine Nasal Spray [Spravato] order');
    assert.equal(result.cards[1].summary, 'Systolic BP 150.25 mmHg is above 140: consider delaying');
  });

  it('renders action resources, keeping JSON types for whole-variable strings', async () => {
    const rs = testRuleSet();
    rs.rules[2].card.suggestions = [
      {
        label: 'Record a repeat BP',
        actions: [
          {
            type: 'create',
            description: 'Create a task to re-measure (last {{recentSbp.value}})',
            resource: { resourceType: 'Task', status: 'requested', input: [{ valueDecimal: '{{recentSbp.value}}', valueString: 'BP was {{recentSbp.value}} {{recentSbp.unit}}' }] },
          },
        ],
      },
    ];
    rs.rules[2].card.selectionBehavior = 'any';
    const result = await evaluate(rs, everything);
    const action = result.cards[1].suggestions![0].actions![0];
    assert.equal(action.description, 'Create a task to re-measure (last 152)');
    assert.deepEqual(action.resource, { resourceType: 'Task', status: 'requested', input: [{ valueDecimal: 152, valueString: 'BP was 152 mmHg' }] });
    assert.equal(result.cards[1].selectionBehavior, 'any');
  });

  it('fills source, overrideReasons (default system) and the explanation extension', async () => {
    const result = await evaluate(testRuleSet(), everything);
    const card = result.cards[0];
    assert.deepEqual(card.source, { label: 'Spravato prescribing information, section 4', url: 'https://example.org/spravato-pi' });
    assert.deepEqual(card.overrideReasons, [{ code: 'benefit-outweighs-risk', system: DEFAULT_OVERRIDE_REASON_SYSTEM, display: 'Benefit outweighs risk (documented)' }]);
    assert.equal(card.selectionBehavior, 'at-most-one');
    assert.deepEqual(card.suggestions?.[0].actions, [{ type: 'delete', description: 'Remove the draft order', resourceId: 'MedicationRequest/draft-1' }]);
    const compiled = compileRuleSet(testRuleSet(), { factKinds: TEST_FACT_KINDS });
    const ext = card.extension?.[CARD_EXTENSION_KEY] as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    assert.deepEqual(ext.ruleSet, compiled.identity);
    assert.deepEqual(ext.rule, { id: 'contraindication-aneurysm', title: 'Aneurysm contraindicates esketamine', category: 'contraindication', concern: 'vascular-contraindication' });
    assert.deepEqual(
      ext.facts.map((f: { name: string; kind: string; refs: string[] }) => [f.name, f.kind, f.refs]),
      [
        ['esketamineOrder', 'test-draft-order', ['MedicationRequest/draft-1']],
        ['aneurysm', 'test-condition', ['Condition/c-aaa']],
      ],
    );
    assert.equal(ext.facts[1].value.code, 'I71.3');
    assert.deepEqual(ext.citations, [{ id: 'label', source: 'Spravato prescribing information, section 4', url: 'https://example.org/spravato-pi', certainty: 'sourced' }]);
    assert.equal(ext.evidence, undefined);
    assert.deepEqual(result.fired[0].facts.map((f) => f.name), ['esketamineOrder', 'aneurysm']);
  });

  it('puts the evidence grade in the extension when the rule reads an evidence fact', async () => {
    const rs = testRuleSet();
    rs.evidence = {
      indications: [
        {
          id: 'trd',
          label: 'Treatment-resistant depression',
          criteria: { all: [{ fact: 'esketamineOrder', path: '$.present', operator: 'equal', value: true }] },
          baseScore: { esketamine: 3 },
          rationale: 'Label indication; RCT evidence moderate',
          citations: ['label'],
          certainty: 'sourced',
        },
      ],
      modifiers: [],
      grades: [
        { min: 3, grade: 'B', label: 'moderate' },
        { min: 0, grade: 'D', label: 'very low' },
      ],
      certainty: 'judgement',
      citations: ['judgement'],
    };
    rs.facts.evidence = { kind: 'evidence', product: 'esketamine' };
    const evidenceRule: Rule = {
      id: 'evidence-grade',
      title: 'Evidence grade for the order',
      category: 'evidence',
      hooks: ['order-sign'],
      concern: 'evidence',
      conditions: { all: [{ fact: 'esketamineOrder', path: '$.present', operator: 'equal', value: true }] },
      card: { indicator: 'info', summary: 'Evidence grade {{evidence.grade}} ({{evidence.gradeLabel}})', detail: 'Score {{evidence.score}}.', source: ['label'] },
      citations: ['label'],
      certainty: 'judgement',
    };
    rs.rules.push(evidenceRule);
    const result = await evaluate(rs, { draftOrders: [esketamineOrder()] });
    const card = result.cards.find((c) => c.summary.startsWith('Evidence'))!;
    assert.equal(card.summary, 'Evidence grade B (moderate)');
    const ext = card.extension?.[CARD_EXTENSION_KEY] as Record<string, unknown>;
    assert.deepEqual(ext.evidence, { score: 3, grade: 'B', gradeLabel: 'moderate', factors: ['Label indication; RCT evidence moderate'] });
  });

  it('computes each fact once per evaluation and reports fact failures by name', async () => {
    let calls = 0;
    const counting = { ...TEST_FACT_KINDS['test-draft-order'], compute: (d: Record<string, unknown>, ctx: Parameters<(typeof TEST_FACT_KINDS)['test-draft-order']['compute']>[1]) => (calls++, TEST_FACT_KINDS['test-draft-order'].compute(d, ctx)) };
    const compiled = compileRuleSet(testRuleSet(), { factKinds: { ...TEST_FACT_KINDS, 'test-draft-order': counting } });
    await compiled.evaluate(input(everything));
    assert.equal(calls, 1, 'esketamineOrder is read by the index, four rules and two templates');

    const failing = { ...TEST_FACT_KINDS['test-condition'], compute: () => { throw new Error('boom'); } };
    const broken = compileRuleSet(testRuleSet(), { factKinds: { ...TEST_FACT_KINDS, 'test-condition': failing } });
    await assert.rejects(broken.evaluate(input(everything)), /fact "aneurysm" \(kind test-condition\): boom/);
  });
});
