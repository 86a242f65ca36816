import assert from 'node:assert/strict';
import type { RuleSet } from '../../engine/rule-set-types.js';
import { validateRuleSet, type RuleSetProblem } from '../../engine/validate-rule-set.js';
import { TEST_FACT_KINDS } from './support/test-fact-kinds.js';
import { testRuleSet } from './support/test-rule-set.js';

type Loose = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

function problemsAfter(mutate: (rs: Loose) => void): RuleSetProblem[] {
  const rs = testRuleSet() as unknown as Loose;
  mutate(rs);
  return validateRuleSet(rs, { file: 'test.json', factKinds: TEST_FACT_KINDS });
}

function expectProblem(problems: RuleSetProblem[], pointer: string, message: RegExp): void {
  const found = problems.find((p) => p.pointer === pointer && message.test(p.message));
  assert.ok(found, `expected a problem at ${pointer} matching ${message}; got:\n${problems.map((p) => `${p.pointer}: ${p.message}`).join('\n')}`);
  assert.equal(found.file, 'test.json');
}

describe('validateRuleSet', () => {
  it('accepts the valid test rule set', () => {
    assert.deepEqual(validateRuleSet(testRuleSet(), { file: 'test.json', factKinds: TEST_FACT_KINDS }), []);
  });

  describe('schema problems (mapped to pointers)', () => {
    it('missing required property', () => {
      expectProblem(problemsAfter((rs) => delete rs.publisher), '', /missing required property "publisher"/);
    });
    it('unknown property, with a suggestion', () => {
      expectProblem(problemsAfter((rs) => (rs.rules[0].categroy = 'x')), '/rules/0/categroy', /unknown property "categroy" \(did you mean "category"\?\)/);
    });
    it('version must be semver', () => {
      expectProblem(problemsAfter((rs) => (rs.version = '1.0')), '/version', /"1.0" is not a valid Semantic version/);
    });
    it('dates must be ISO dates', () => {
      expectProblem(problemsAfter((rs) => (rs.approvals = [{ reviewer: 'A', date: '01/02/2026' }])), '/approvals/0/date', /is not a valid date/);
      expectProblem(problemsAfter((rs) => (rs.effectivePeriod.start = '2026-13-01')), '/effectivePeriod/start', /ISO date or date-time/);
      expectProblem(problemsAfter((rs) => (rs.effectivePeriod.start = '2026-02-30')), '/effectivePeriod/start', /not a calendar date/);
    });
    it('effective period end before start', () => {
      expectProblem(problemsAfter((rs) => (rs.effectivePeriod.end = '2025-01-01')), '/effectivePeriod/end', /before start/);
    });
    it('enums: certainty, category, hooks, indicator', () => {
      const p = problemsAfter((rs) => {
        rs.citations.label.certainty = 'maybe';
        rs.rules[0].category = 'warning';
        rs.rules[0].hooks = ['order-dispatch'];
        rs.rules[0].card.indicator = 'hard-stop';
      });
      expectProblem(p, '/citations/label/certainty', /must be one of "sourced", "judgement", "unverified"; got "maybe"/);
      expectProblem(p, '/rules/0/category', /must be one of "indication", .*got "warning"/);
      expectProblem(p, '/rules/0/hooks/0', /must be one of "patient-view", "order-select", "order-sign", "appointment-book"/);
      expectProblem(p, '/rules/0/card/indicator', /must be one of "info", "warning", "critical"; got "hard-stop"/);
    });
    it('malformed condition tree', () => {
      expectProblem(problemsAfter((rs) => (rs.rules[0].conditions.all[1] = { fact: 'aneurysm', operator: 'equal' })), '/rules/0/conditions/all/1', /missing required property "value"/);
    });
    it('wrong type', () => {
      expectProblem(problemsAfter((rs) => (rs.rules[0].rank = 'high')), '/rules/0/rank', /must be number; got string/);
    });
  });

  describe('semantic problems', () => {
    it('unknown fact in a condition', () => {
      expectProblem(problemsAfter((rs) => (rs.rules[0].conditions.all[1].fact = 'aneurism')), '/rules/0/conditions/all/1/fact', /unknown fact "aneurism" \(did you mean "aneurysm"\?\)/);
    });
    it('unknown fact kind', () => {
      expectProblem(problemsAfter((rs) => (rs.facts.aneurysm.kind = 'condition-x')), '/facts/aneurysm/kind', /unknown fact kind "condition-x".*known kinds: evidence, test-condition/);
    });
    it('fact declaration params invalid against the kind', () => {
      const p = problemsAfter((rs) => {
        rs.facts.aneurysm = { kind: 'test-condition' };
        rs.facts.recentSbp.maxAgeDays = 'thirty';
        rs.facts.ich.colour = 'red';
      });
      expectProblem(p, '/facts/aneurysm', /missing required property "valueSet" \(parameters of fact kind "test-condition"\)/);
      expectProblem(p, '/facts/recentSbp/maxAgeDays', /must be number; got string/);
      expectProblem(p, '/facts/ich/colour', /unknown property "colour"/);
    });
    it('params given as {"param"} are substituted before checking against the kind', () => {
      expectProblem(
        problemsAfter((rs) => {
          rs.parameters.sbpMaxAgeDays.value = 'month';
        }),
        '/facts/recentSbp/maxAgeDays',
        /must be number; got string/,
      );
    });
    it('path not allowed by the restricted syntax', () => {
      expectProblem(problemsAfter((rs) => (rs.rules[0].conditions.all[1].path = '$..present')), '/rules/0/conditions/all/1/path', /expected an identifier after "\."/);
      expectProblem(problemsAfter((rs) => (rs.rules[0].conditions.all[1].path = '$.constructor')), '/rules/0/conditions/all/1/path', /"constructor" is not allowed/);
    });
    it('path not present in the kind output shape', () => {
      expectProblem(problemsAfter((rs) => (rs.rules[0].conditions.all[1].path = '$.severity')), '/rules/0/conditions/all/1/path', /path "\$.severity" does not exist in fact "aneurysm".*known fields at \$: present, count/);
      expectProblem(problemsAfter((rs) => (rs.rules[0].conditions.all[1].path = '$.present.x')), '/rules/0/conditions/all/1/path', /not an object/);
    });
    it('unknown value set in fact params, products, schedules and inValueSet', () => {
      const p = problemsAfter((rs) => {
        rs.facts.aneurysm.valueSet = 'aneurysms';
        rs.products.esketamine.valueSet = 'nope';
        rs.schedules.s = {
          label: 'S',
          administrationValueSet: 'missing-vs',
          phases: [{ id: 'induction', label: 'Induction', fromDay: 0, intervalDays: 3.5, minIntervalDays: 2, maxDosesPerWeek: 2 }],
          graceDays: 3,
          courseGapDays: 60,
          inductionCheckpoint: { doses: 8, days: 28 },
          citations: ['label'],
          certainty: 'sourced',
        };
        rs.rules[0].conditions.all.push({ fact: 'aneurysm', path: '$.code', operator: 'inValueSet', value: 'ICH' });
      });
      expectProblem(p, '/facts/aneurysm/valueSet', /unknown value set "aneurysms" \(did you mean "aneurysm"\?\)/);
      expectProblem(p, '/products/esketamine/valueSet', /unknown value set "nope"/);
      expectProblem(p, '/schedules/s/administrationValueSet', /unknown value set "missing-vs"/);
      expectProblem(p, '/rules/0/conditions/all/2/value', /unknown value set "ICH"/);
    });
    it('unknown product and schedule ids', () => {
      const p = problemsAfter((rs) => {
        rs.products.esketamine.schedule = 'maintenance';
        rs.evidence = {
          indications: [{ id: 'trd', label: 'TRD', criteria: { all: [{ fact: 'aneurysm', path: '$.present', operator: 'equal', value: true }] }, baseScore: { ketamine: 2 }, rationale: 'r', citations: ['label'], certainty: 'sourced' }],
          modifiers: [{ id: 'm', appliesTo: ['ptsd'], when: { all: [{ fact: 'ich', path: '$.present', operator: 'equal', value: true }] }, delta: -1, text: 't', citations: ['label'], certainty: 'judgement' }],
          grades: [{ min: 0, grade: 'D', label: 'very low' }],
          certainty: 'judgement',
          citations: ['judgement'],
        };
      });
      expectProblem(p, '/products/esketamine/schedule', /unknown schedule "maintenance"/);
      expectProblem(p, '/evidence/indications/0/baseScore/ketamine', /unknown product "ketamine"/);
      expectProblem(p, '/evidence/modifiers/0/appliesTo/0', /unknown indication "ptsd"/);
    });
    it('unknown parameter in {"param"}', () => {
      const p = problemsAfter((rs) => {
        rs.rules[2].conditions.all[1].value = { param: 'sbpCautoin' };
        rs.facts.recentSbp.maxAgeDays = { param: 'nothing' };
      });
      expectProblem(p, '/rules/2/conditions/all/1/value', /unknown parameter "sbpCautoin" \(did you mean "sbpCaution"\?\)/);
      expectProblem(p, '/facts/recentSbp/maxAgeDays', /unknown parameter "nothing"/);
    });
    it('unknown operator (and decorator)', () => {
      expectProblem(problemsAfter((rs) => (rs.rules[0].conditions.all[1].operator = 'equals')), '/rules/0/conditions/all/1/operator', /unknown operator "equals" \(did you mean "equal"\?\)/);
      expectProblem(problemsAfter((rs) => (rs.rules[0].conditions.all[1].operator = 'maybe:equal')), '/rules/0/conditions/all/1/operator', /unknown operator decorator "maybe"/);
    });
    it('operator values of the wrong type', () => {
      const p = problemsAfter((rs) => {
        rs.rules[2].conditions.all.push({ fact: 'recentSbp', path: '$.ageDays', operator: 'withinDays', value: '30' });
        rs.rules[2].conditions.all.push({ fact: 'recentSbp', path: '$.unit', operator: 'olderThanDays', value: 30 });
        rs.rules[2].conditions.all.push({ fact: 'recentSbp', path: '$.value', operator: 'exists', value: 'yes' });
      });
      expectProblem(p, '/rules/2/conditions/all/2/value', /withinDays needs a number of days/);
      expectProblem(p, '/rules/2/conditions/all/3/value', /olderThanDays compares an age in days, but the fact path is string\|null/);
      expectProblem(p, '/rules/2/conditions/all/4/value', /exists needs true or false/);
    });
    it('unknown citation ids everywhere they are used', () => {
      const p = problemsAfter((rs) => {
        rs.rules[0].citations = ['labell'];
        rs.rules[0].card.source = ['nope'];
        rs.valueSets.aneurysm.citations = ['x1'];
        rs.parameters.sbpCaution.citations = ['x2'];
      });
      expectProblem(p, '/rules/0/citations/0', /unknown citation id "labell" \(did you mean "label"\?\)/);
      expectProblem(p, '/rules/0/card/source/0', /unknown citation id "nope"/);
      expectProblem(p, '/valueSets/aneurysm/citations/0', /unknown citation id "x1"/);
      expectProblem(p, '/parameters/sbpCaution/citations/0', /unknown citation id "x2"/);
    });
    it('duplicate rule ids and service ids', () => {
      const p = problemsAfter((rs) => {
        rs.rules[1].id = rs.rules[0].id;
        rs.services[1].id = rs.services[0].id;
      });
      expectProblem(p, '/rules/1/id', /duplicate rule id "contraindication-aneurysm" \(first at \/rules\/0\)/);
      expectProblem(p, '/services/1/id', /duplicate service id "engine-test-order-sign"/);
    });
    it('template variable that no fact provides', () => {
      const p = problemsAfter((rs) => {
        rs.rules[0].card.detail = 'See {{aneurysm.severity}} and {{stroke.code}}.';
        rs.rules[0].card.summary = 'Bad {{aneurysm.codes}}';
      });
      expectProblem(p, '/rules/0/card/detail', /\{\{aneurysm.severity\}\}: fact "aneurysm" does not provide it/);
      expectProblem(p, '/rules/0/card/detail', /\{\{stroke.code\}\}: no fact "stroke" is declared/);
      expectProblem(p, '/rules/0/card/summary', /\{\{aneurysm.codes\}\} is array and cannot be rendered as text/);
    });
    it('malformed template', () => {
      expectProblem(problemsAfter((rs) => (rs.rules[0].card.detail = 'Oops {{aneurysm.code')), '/rules/0/card/detail', /"\{\{" without a closing "\}\}"/);
    });
    it('card summary that can exceed 140 characters', () => {
      const p = problemsAfter((rs) => {
        rs.rules[0].card.summary = `${'x'.repeat(70)} {{aneurysm.display}} {{aneurysm.count}} {{aneurysm.present}}`;
      });
      // 73 literal + display 60 + integer 8 + boolean 5 = 146
      expectProblem(p, '/rules/0/card/summary', /summary can render up to 146 characters \(text 73 \+ \{\{aneurysm.display\}\} 60, \{\{aneurysm.count\}\} 8, \{\{aneurysm.present\}\} 5\); CDS Hooks allows at most 139/);
      const ok = problemsAfter((rs) => {
        rs.rules[0].card.summary = `${'x'.repeat(63)} {{aneurysm.display}} {{aneurysm.count}} {{aneurysm.present}}`; // 66 + 60 + 8 + 5 = 139
      });
      assert.deepEqual(ok, []);
    });
    it('unbounded string in a summary', () => {
      expectProblem(
        problemsAfter((rs) => {
          rs.facts.note = { kind: 'test-note' };
          rs.rules[0].card.summary = 'Note: {{note.text}}';
        }),
        '/rules/0/card/summary',
        /\{\{note.text\}\} is an unbounded string.*a summary may only use bounded values/,
      );
    });
    it('warning/critical card without overrideReasons', () => {
      expectProblem(problemsAfter((rs) => delete rs.rules[2].card.overrideReasons), '/rules/2/card/overrideReasons', /a warning card must offer overrideReasons/);
    });
    it('suggestions without selectionBehavior', () => {
      expectProblem(problemsAfter((rs) => delete rs.rules[0].card.selectionBehavior), '/rules/0/card/selectionBehavior', /must set selectionBehavior/);
    });
    it('rule with no citations', () => {
      expectProblem(problemsAfter((rs) => (rs.rules[3].citations = [])), '/rules/3/citations', /rule "bp-missing" has no citations: every rule must cite its source/);
    });
    it('prefetch templates with non-2.0 tokens', () => {
      expectProblem(
        problemsAfter((rs) => (rs.services[0].prefetch.orders = 'MedicationRequest?_id={{context.draftOrders.MedicationRequest.id}}')),
        '/services/0/prefetch/orders',
        /prefetch template: token \{\{context.draftOrders.MedicationRequest.id\}\} is not a CDS Hooks 2.0 prefetch token for hook "order-sign"/,
      );
    });
    it('a prefetch template that renders to neither a read nor a type-level search', () => {
      expectProblem(
        problemsAfter((rs) => (rs.services[0].prefetch.patient = '{{context.patientId}}')),
        '/services/0/prefetch/patient',
        /prefetch template: template must be an instance read "Type\/\{\{\.\.\.\}\}" or a type-level search/,
      );
    });
    it('two services of one rule set on one hook (one service per hook, decided in validation)', () => {
      const problems = problemsAfter((rs) =>
        rs.services.push({ id: 'engine-test-order-sign-2', hook: 'order-sign', title: 'Order sign again', description: 'A second order-sign service.', prefetch: {} }),
      );
      expectProblem(problems, '/services/2/hook', /a rule set may declare one service per hook: \/services\/0 already answers "order-sign"/);
      assert.equal(problems.length, 1, problems.map((p) => `${p.pointer}: ${p.message}`).join('\n'));
    });
    it('a rule on a hook no service answers', () => {
      expectProblem(problemsAfter((rs) => (rs.rules[3].hooks = ['order-select'])), '/rules/3/hooks/0', /no service answers hook "order-select"/);
    });
  });

  it('reports all problems of a rule set with many at once, sorted by pointer', () => {
    const p = problemsAfter((rs) => {
      rs.version = 'one';
      delete rs.publisher;
      rs.facts.aneurysm.kind = 'nope';
      rs.rules[0].conditions.all[0].fact = 'ghost';
      rs.rules[0].conditions.all[0].operator = 'equalz';
      rs.rules[1].id = rs.rules[0].id;
      rs.rules[2].card.summary = '{{recentSbp.nothing}}';
      delete rs.rules[2].card.overrideReasons;
      rs.rules[3].citations = [];
      rs.rules[3].card.source = ['missing'];
    });
    const pointers = p.map((x) => x.pointer);
    for (const expected of [
      '',
      '/facts/aneurysm/kind',
      '/rules/0/conditions/all/0/fact',
      '/rules/0/conditions/all/0/operator',
      '/rules/1/id',
      '/rules/2/card/overrideReasons',
      '/rules/2/card/summary',
      '/rules/3/card/source/0',
      '/rules/3/citations',
      '/version',
    ]) {
      assert.ok(pointers.includes(expected), `missing ${expected} in ${pointers.join(', ')}`);
    }
    assert.ok(p.length >= 10);
    const sorted = [...pointers].sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
    assert.deepEqual(pointers, sorted);
  });

  it('survives documents that are not rule sets at all', () => {
    for (const doc of [null, 42, 'x', [], { rules: 'nope', facts: [], services: {} }]) {
      const p = validateRuleSet(doc, { file: 'x.json', factKinds: TEST_FACT_KINDS });
      assert.ok(p.length > 0);
    }
  });

  it('checks the rule set passed as typed RuleSet too', () => {
    const rs: RuleSet = testRuleSet();
    rs.rules[0].card.source = [];
    const p = validateRuleSet(rs, { file: 'typed', factKinds: TEST_FACT_KINDS });
    expectProblem(p.map((x) => ({ ...x, file: 'test.json' })), '/rules/0/card/source', /must have at least 1 item/);
  });
});
