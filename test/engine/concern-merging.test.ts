import assert from 'node:assert/strict';
import { compileRuleSet } from '../../engine/compile-rule-set.js';
import { cardUuid, mergedCardUuid, suggestionUuid } from '../../engine/deterministic-uuid.js';
import { CARD_EXTENSION_KEY, type EvaluationResult } from '../../engine/evaluation-types.js';
import type { Rule, RuleSet } from '../../engine/rule-set-types.js';
import { validateRuleSet } from '../../engine/validate-rule-set.js';
import { TEST_FACT_KINDS } from './support/test-fact-kinds.js';
import { ICD10, NOW, condition, esketamineOrder, record, sbp, testRuleSet } from './support/test-rule-set.js';

/**
 * The test rule set with a merge concern "before-dose": "bp-missing" (info, rank 2, a suggestion)
 * plus two more rules, "aneurysm-history-check" (warning, rank 1, override reasons, a link) and
 * "ich-note" (info, rank 0, a suggestion), which fire on the aneurysm / ICH conditions.
 */
function mergeRuleSet(): RuleSet {
  const rs = testRuleSet();
  rs.concerns = {
    'before-dose': {
      title: 'Before the dose',
      mode: 'merge',
      mergedSummary: 'Before the dose ({{count}}): {{items}}',
    },
  };
  const bpMissing = rs.rules.find((r) => r.id === 'bp-missing')!;
  bpMissing.concern = 'before-dose';
  bpMissing.rank = 2;
  bpMissing.card.label = 'recent BP';
  bpMissing.card.suggestions = [
    { label: 'Order a BP check', actions: [{ type: 'create', description: 'BP check', resource: { resourceType: 'ServiceRequest', status: 'draft', intent: 'order' } }] },
  ];
  bpMissing.card.selectionBehavior = 'at-most-one';
  const aneurysmCheck: Rule = {
    id: 'aneurysm-history-check',
    title: 'Aneurysm on record: confirm status',
    category: 'contraindication',
    hooks: ['order-sign'],
    concern: 'before-dose',
    rank: 1,
    conditions: {
      all: [
        { fact: 'esketamineOrder', path: '$.present', operator: 'equal', value: true },
        { fact: 'aneurysm', path: '$.present', operator: 'equal', value: true },
      ],
    },
    card: {
      indicator: 'warning',
      label: 'aneurysm {{aneurysm.code}} status',
      summary: 'Aneurysm {{aneurysm.code}} on record: confirm its status',
      detail: 'Aneurysm **{{aneurysm.display}}**.',
      source: ['label'],
      overrideReasons: [
        { code: 'confirmed', display: 'Status confirmed' },
        { code: 'record-incorrect', display: 'Record is wrong' },
      ],
      links: [{ label: 'Label', url: 'https://example.org/spravato-pi', type: 'absolute' }],
    },
    citations: ['label'],
    certainty: 'sourced',
  };
  const ichNote: Rule = {
    id: 'ich-note',
    title: 'ICH on record',
    category: 'safety',
    hooks: ['order-sign'],
    concern: 'before-dose',
    conditions: {
      all: [
        { fact: 'esketamineOrder', path: '$.present', operator: 'equal', value: true },
        { fact: 'ich', path: '$.present', operator: 'equal', value: true },
      ],
    },
    card: {
      indicator: 'info',
      label: 'ICH history',
      summary: 'ICH on record',
      detail: 'See the neurology notes.',
      source: ['judgement'],
      suggestions: [{ label: 'Ask neurology' }],
      selectionBehavior: 'any',
      overrideReasons: [{ code: 'record-incorrect', display: 'Record is wrong (duplicate)' }],
      links: [{ label: 'Label again', url: 'https://example.org/spravato-pi', type: 'absolute' }],
    },
    citations: ['judgement'],
    certainty: 'judgement',
  };
  // The vascular contraindications would also fire on these conditions: keep them out of the way.
  rs.rules = rs.rules.filter((r) => r.concern !== 'vascular-contraindication');
  rs.rules.push(aneurysmCheck, ichNote);
  return rs;
}

async function evaluate(rs: RuleSet, parts: Parameters<typeof record>[0]): Promise<EvaluationResult> {
  return compileRuleSet(rs, { factKinds: TEST_FACT_KINDS }).evaluate({ hook: 'order-sign', context: { patientId: 'p1' }, record: record(parts), now: NOW, idSeed: 'seed-merge' });
}

const allThree = {
  draftOrders: [esketamineOrder()],
  conditions: [condition('c-aaa', ICD10, 'I71.3', 'Abdominal aortic aneurysm'), condition('c-ich', ICD10, 'I61.9', 'ICH')],
};

describe('concerns in merge mode', () => {
  it('the merge test rule set is valid', () => {
    assert.deepEqual(validateRuleSet(mergeRuleSet(), { file: 't', factKinds: TEST_FACT_KINDS }), []);
  });

  it('merges every fired rule of the concern into one card', async () => {
    const rs = mergeRuleSet();
    const { identity } = compileRuleSet(rs, { factKinds: TEST_FACT_KINDS });
    const result = await evaluate(rs, allThree);
    assert.equal(result.cards.length, 1);
    const card = result.cards[0];
    // Labels in rank order: bp-missing (2), aneurysm-history-check (1), ich-note (0).
    assert.equal(card.summary, 'Before the dose (3): recent BP, aneurysm I71.3 status, ICH history');
    assert.equal(card.indicator, 'warning', 'the most severe contributor');
    assert.equal(card.detail, '### Recent BP\n\nMeasure BP before the dose.\n\n### Aneurysm I71.3 status\n\nAneurysm **Abdominal aortic aneurysm**.\n\n### ICH history\n\nSee the neurology notes.');
    assert.deepEqual(card.source, { label: 'Authors\u2019 judgement' }, 'the lead (highest-ranked) contributor gives the source');
    assert.deepEqual(card.suggestions?.map((s) => s.label), ['Order a BP check', 'Ask neurology']);
    assert.equal(card.selectionBehavior, 'any');
    assert.deepEqual(
      card.suggestions?.map((s) => s.uuid),
      [suggestionUuid('seed-merge', identity.hash, 'bp-missing', 0), suggestionUuid('seed-merge', identity.hash, 'ich-note', 0)],
      'suggestions keep their own rule-based uuids',
    );
    assert.deepEqual(card.overrideReasons?.map((r) => [r.code, r.display]), [
      ['confirmed', 'Status confirmed'],
      ['record-incorrect', 'Record is wrong'],
    ], 'union by code; the first display wins');
    assert.deepEqual(card.links?.map((l) => l.url), ['https://example.org/spravato-pi'], 'links: union by URL');
    assert.equal(card.uuid, mergedCardUuid('seed-merge', identity.hash, 'before-dose'));
  });

  it('records every contributor as fired, not suppressed, merged into the concern, pointing at the merged card', async () => {
    const result = await evaluate(mergeRuleSet(), allThree);
    const uuid = result.cards[0].uuid;
    assert.deepEqual(
      result.fired.map((f) => [f.ruleId, f.suppressed, f.mergedInto, f.cardUuid === uuid]),
      [
        ['bp-missing', false, 'before-dose', true],
        ['aneurysm-history-check', false, 'before-dose', true],
        ['ich-note', false, 'before-dose', true],
      ],
    );
  });

  it('explains the merged card: lead rule, concern, every contributor with its facts, union of citations', async () => {
    const result = await evaluate(mergeRuleSet(), allThree);
    const ext = result.cards[0].extension?.[CARD_EXTENSION_KEY] as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    assert.equal(ext.rule.id, 'bp-missing');
    assert.deepEqual(ext.concern, { id: 'before-dose', title: 'Before the dose', mode: 'merge' });
    assert.deepEqual(
      ext.contributors.map((c: { id: string; indicator: string; label: string; facts: string[] }) => [c.id, c.indicator, c.label, c.facts]),
      [
        ['bp-missing', 'info', 'recent BP', ['esketamineOrder', 'recentSbp']],
        ['aneurysm-history-check', 'warning', 'aneurysm {{aneurysm.code}} status', ['esketamineOrder', 'aneurysm']],
        ['ich-note', 'info', 'ICH history', ['esketamineOrder', 'ich']],
      ],
    );
    assert.deepEqual(ext.facts.map((f: { name: string }) => f.name), ['esketamineOrder', 'recentSbp', 'aneurysm', 'ich'], 'each fact once');
    assert.deepEqual(ext.citations.map((c: { id: string }) => c.id), ['judgement', 'label']);
    assert.deepEqual(ext.alsoFired, []);
  });

  it('one fired rule of a merge concern shows its own card', async () => {
    const rs = mergeRuleSet();
    const { identity } = compileRuleSet(rs, { factKinds: TEST_FACT_KINDS });
    const result = await evaluate(rs, { draftOrders: [esketamineOrder()] });
    assert.deepEqual(result.cards.map((c) => c.summary), ['No blood pressure in the last 30 days: measure before dosing']);
    assert.equal(result.cards[0].uuid, cardUuid('seed-merge', identity.hash, 'bp-missing'));
    assert.equal(result.cards[0].selectionBehavior, 'at-most-one');
    assert.equal(result.fired[0].mergedInto, undefined);
    assert.equal(result.fired[0].suppressed, false);
  });

  it('mergedIndicator raises the merged card, never lowers it', async () => {
    const rs = mergeRuleSet();
    rs.concerns!['before-dose'].mergedIndicator = 'critical';
    for (const r of rs.rules.filter((x) => x.concern === 'before-dose')) r.card.overrideReasons ??= [{ code: 'noted', display: 'Noted' }];
    assert.equal((await evaluate(rs, allThree)).cards[0].indicator, 'critical');
    rs.concerns!['before-dose'].mergedIndicator = 'info';
    assert.equal((await evaluate(rs, allThree)).cards[0].indicator, 'warning');
  });

  it('rank mode (the default) still shows only the highest-ranked card', async () => {
    const rs = mergeRuleSet();
    rs.concerns!['before-dose'] = { title: 'Before the dose', mode: 'rank' };
    const result = await evaluate(rs, allThree);
    assert.deepEqual(result.cards.map((c) => c.summary), ['No blood pressure in the last 30 days: measure before dosing']);
    assert.deepEqual(result.fired.map((f) => [f.ruleId, f.suppressed]), [
      ['bp-missing', false],
      ['aneurysm-history-check', true],
      ['ich-note', true],
    ]);
    const ext = result.cards[0].extension?.[CARD_EXTENSION_KEY] as Record<string, unknown>;
    assert.deepEqual(ext.alsoFired, ['aneurysm-history-check', 'ich-note']);
  });

  it('a merged card sorts with the others by indicator', async () => {
    const rs = mergeRuleSet();
    const result = await evaluate(rs, { ...allThree, observations: [sbp('o-bp', 150, '2026-10-31T09:00:00Z')] });
    // bp-missing no longer fires (a recent BP exists): two contributors remain, led by
    // aneurysm-history-check, which comes after the BP rule in the file.
    assert.deepEqual(result.cards.map((c) => [c.indicator, c.summary]), [
      ['warning', 'Systolic BP 150 mmHg is above 140: consider delaying'],
      ['warning', 'Before the dose (2): aneurysm I71.3 status, ICH history'],
    ]);
  });
});

describe('validation of concerns', () => {
  function problems(rs: RuleSet): Array<[string, string]> {
    return validateRuleSet(rs, { file: 't', factKinds: TEST_FACT_KINDS }).map((p) => [p.pointer, p.message]);
  }

  it('unknown concern mode', () => {
    const rs = mergeRuleSet();
    (rs.concerns!['before-dose'] as { mode: string }).mode = 'stack';
    assert.deepEqual(problems(rs), [['/concerns/before-dose/mode', 'must be one of "rank", "merge"; got "stack"']]);
  });

  it('merge mode needs a mergedSummary', () => {
    const rs = mergeRuleSet();
    delete rs.concerns!['before-dose'].mergedSummary;
    assert.deepEqual(problems(rs), [['/concerns/before-dose', 'missing required property "mergedSummary"']]);
  });

  it('every rule of a merge concern needs a label', () => {
    const rs = mergeRuleSet();
    delete rs.rules.find((r) => r.id === 'ich-note')!.card.label;
    const index = rs.rules.findIndex((r) => r.id === 'ich-note');
    assert.deepEqual(problems(rs), [
      [`/rules/${index}/card/label`, 'rule "ich-note" is in concern "before-dose" (mode merge) and needs a card "label": the short noun phrase the merged card lists'],
    ]);
  });

  it('bounds the merged summary with every label at its longest', () => {
    const rs = mergeRuleSet();
    rs.concerns!['before-dose'].mergedSummary = `${'x'.repeat(100)} {{items}}`;
    // Labels: "recent BP" 9 + "aneurysm {{aneurysm.code}} status" 16 + 20 + "ICH history" 11 = 56, separators 4.
    assert.deepEqual(problems(rs), [
      [
        '/concerns/before-dose/mergedSummary',
        'merged summary can render up to 161 characters (text 101 + {{items}} 60: the 3 labels of concern "before-dose" at their longest, joined by ", "); CDS Hooks allows at most 139: shorten the labels or the text',
      ],
    ]);
  });

  it('only {{items}} and {{count}} in a merged summary, and {{items}} is required', () => {
    const rs = mergeRuleSet();
    rs.concerns!['before-dose'].mergedSummary = 'Before the dose: {{aneurysm.code}} ({{count}})';
    assert.deepEqual(problems(rs), [
      ['/concerns/before-dose/mergedSummary', '{{aneurysm.code}} is not a merged-summary placeholder: use {{items}} (the contributors\' labels) and {{count}}'],
      ['/concerns/before-dose/mergedSummary', 'a merged summary must list the contributors with {{items}}'],
    ]);
  });

  it('labels are bounded templates of at most 60 characters', () => {
    const rs = mergeRuleSet();
    const index = rs.rules.findIndex((r) => r.id === 'aneurysm-history-check');
    rs.rules[index].card.label = 'aneurysm {{aneurysm.display}} {{aneurysm.nope}}';
    const found = problems(rs).filter(([p]) => p === `/rules/${index}/card/label`);
    assert.equal(found.length, 1);
    assert.match(found[0][1], /template variable \{\{aneurysm\.nope\}\}: fact "aneurysm" does not provide it/);
    rs.rules[index].card.label = 'aneurysm {{aneurysm.display}}';
    assert.deepEqual(problems(rs).filter(([p]) => p === `/rules/${index}/card/label`), [
      [`/rules/${index}/card/label`, 'label can render up to 69 characters (text 9 + {{aneurysm.display}} 60); a label is a short noun phrase of at most 60'],
    ]);
  });

  it('a defined concern no rule uses, and merge settings on a rank concern', () => {
    const rs = mergeRuleSet();
    rs.concerns!['before-dos'] = { title: 'Typo', mode: 'rank', mergedSummary: '{{items}}' };
    assert.deepEqual(problems(rs), [
      ['/concerns/before-dos', 'no rule names concern "before-dos" (did you mean "before-dose"?): remove it or set a rule\'s "concern" to it'],
      ['/concerns/before-dos/mergedSummary', 'mergedSummary is only used when mode is "merge" (mode here: "rank")'],
    ]);
  });

  it('a merged warning or critical card needs override reasons from every rule', () => {
    const rs = mergeRuleSet();
    rs.concerns!['before-dose'].mergedIndicator = 'warning';
    const index = rs.rules.findIndex((r) => r.id === 'bp-missing');
    assert.deepEqual(problems(rs), [
      [`/rules/${index}/card/overrideReasons`, 'concern "before-dose" shows a merged warning card, so every rule of it needs overrideReasons'],
    ]);
  });

  it('rule sets without concerns (e.g. version 1.0.0 files) stay valid', () => {
    const rs = testRuleSet();
    assert.equal(rs.concerns, undefined);
    assert.deepEqual(problems(rs), []);
  });
});
