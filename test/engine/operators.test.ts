import assert from 'node:assert/strict';
import { compileRuleSet } from '../../engine/compile-rule-set.js';
import { existsOperator, inValueSetOperator, olderThanDaysOperator, withinDaysOperator } from '../../engine/operators.js';
import { ValueSetRegistry } from '../../engine/value-set-matcher.js';
import type { Operator } from 'json-rules-engine';
import { TEST_FACT_KINDS } from './support/test-fact-kinds.js';
import { ICD10, NOW, RXNORM, condition, record, sbp, testRuleSet } from './support/test-rule-set.js';

describe('value-set matching', () => {
  const registry = new ValueSetRegistry(testRuleSet().valueSets);

  it('matches exact codes within the named system only', () => {
    assert.equal(registry.has('esketamine', RXNORM, '2201625'), true);
    assert.equal(registry.has('esketamine', 'http://snomed.info/sct', '2201625'), false);
    assert.equal(registry.has('esketamine', RXNORM, '220162'), false);
    assert.equal(registry.has('esketamine', `${RXNORM}/`, '2201625'), false, 'system URLs are compared exactly');
  });

  it('matches prefixes, honours excludes, and ignores the ICD-10-CM dot and case', () => {
    assert.equal(registry.has('aneurysm', ICD10, 'I71.3'), true);
    assert.equal(registry.has('aneurysm', ICD10, 'I713'), true);
    assert.equal(registry.has('aneurysm', ICD10, 'i71.30'), true);
    assert.equal(registry.has('aneurysm', ICD10, 'I71.9'), false, 'excluded');
    assert.equal(registry.has('aneurysm', ICD10, 'I719'), false, 'excluded without dot');
    assert.equal(registry.has('aneurysm', ICD10, 'I72.0'), false);
    assert.equal(registry.has('ich', ICD10, 'I619'), true);
  });

  it('a bare code matches in any system of the value set', () => {
    assert.equal(registry.has('esketamine', undefined, '2201625'), true);
    assert.equal(registry.has('esketamine', undefined, 'nope'), false);
  });

  it('an unknown value set is an error, not a silent false', () => {
    assert.throws(() => registry.has('nope', ICD10, 'I71'), /unknown value set "nope"/);
  });
});

/** Operator.evaluate(factValue, jsonValue) exists at run time; json-rules-engine's types omit it. */
function ev<B>(op: Operator<unknown, B>): (factValue: unknown, value: B) => boolean {
  return (factValue, value) => (op as unknown as { evaluate(a: unknown, b: B): boolean }).evaluate(factValue, value);
}

describe('custom operators', () => {
  const registry = new ValueSetRegistry(testRuleSet().valueSets);
  const inValueSet = inValueSetOperator(registry);

  it('inValueSet accepts a code, {system, code}, or arrays of either', () => {
    assert.equal(ev(inValueSet)('I71.3', 'aneurysm'), true);
    assert.equal(ev(inValueSet)({ system: ICD10, code: 'I71.3' }, 'aneurysm'), true);
    assert.equal(ev(inValueSet)({ system: RXNORM, code: 'I71.3' }, 'aneurysm'), false);
    assert.equal(ev(inValueSet)(['X', 'Y', 'I71.2'], 'aneurysm'), true);
    assert.equal(ev(inValueSet)([{ system: ICD10, code: 'I71.9' }], 'aneurysm'), false);
    assert.equal(ev(inValueSet)(null, 'aneurysm'), false);
    assert.equal(ev(inValueSet)(undefined, 'aneurysm'), false);
    assert.equal(ev(inValueSet)(42, 'aneurysm'), false);
  });

  it('withinDays is true only for a number <= N', () => {
    assert.equal(ev(withinDaysOperator)(3, 7), true);
    assert.equal(ev(withinDaysOperator)(7, 7), true);
    assert.equal(ev(withinDaysOperator)(8, 7), false);
    assert.equal(ev(withinDaysOperator)(null, 7), false);
    assert.equal(ev(withinDaysOperator)(undefined, 7), false);
    assert.equal(ev(withinDaysOperator)('3', 7), false);
  });

  it('olderThanDays is true for none at all or > N ("no recent X")', () => {
    assert.equal(ev(olderThanDaysOperator)(null, 30), true);
    assert.equal(ev(olderThanDaysOperator)(undefined, 30), true);
    assert.equal(ev(olderThanDaysOperator)(31, 30), true);
    assert.equal(ev(olderThanDaysOperator)(30, 30), false);
    assert.equal(ev(olderThanDaysOperator)(0, 30), false);
  });

  it('exists tests for null/undefined', () => {
    assert.equal(ev(existsOperator)(0, true), true);
    assert.equal(ev(existsOperator)('', true), true);
    assert.equal(ev(existsOperator)(null, true), false);
    assert.equal(ev(existsOperator)(undefined, false), true);
    assert.equal(ev(existsOperator)(false, false), false);
  });

  it('work inside compiled rules, including decorators', async () => {
    const rs = testRuleSet();
    rs.rules = [
      {
        ...rs.rules[3],
        id: 'ops',
        concern: 'ops',
        conditions: {
          all: [
            { fact: 'aneurysm', path: '$.codes', operator: 'inValueSet', value: 'aneurysm' },
            { fact: 'aneurysm', path: '$.codes[0].code', operator: 'inValueSet', value: 'aneurysm' },
            { fact: 'aneurysm', path: '$.codes', operator: 'someFact:inValueSet', value: 'aneurysm' },
            { fact: 'recentSbp', path: '$.ageDays', operator: 'withinDays', value: { param: 'sbpMaxAgeDays' } },
            { fact: 'ich', path: '$.onsetAgeDays', operator: 'olderThanDays', value: 365 },
            { fact: 'aneurysm', path: '$.code', operator: 'exists', value: true },
            { fact: 'ich', path: '$.code', operator: 'exists', value: false },
            { fact: 'recentSbp', path: '$.value', operator: 'not:lessThan', value: 100 },
          ],
        },
      },
    ];
    const compiled = compileRuleSet(rs, { factKinds: TEST_FACT_KINDS });
    const fires = async (conditions: ReturnType<typeof record>): Promise<boolean> =>
      (await compiled.evaluate({ hook: 'order-sign', context: {}, record: conditions, now: NOW, idSeed: 's' })).fired.length === 1;
    const base = { conditions: [condition('c1', ICD10, 'I71.2')], observations: [sbp('o1', 120, '2026-10-30T10:00:00Z')] };
    assert.equal(await fires(record(base)), true);
    assert.equal(await fires(record({ ...base, observations: [sbp('o1', 120, '2026-08-01T10:00:00Z')] })), false, 'BP too old');
    assert.equal(await fires(record({ ...base, observations: [sbp('o1', 90, '2026-10-30T10:00:00Z')] })), false, 'not:lessThan');
    assert.equal(await fires(record({ ...base, conditions: [...base.conditions, condition('c2', ICD10, 'I61.9')] })), false, 'ICH present');
    assert.equal(await fires(record({ ...base, conditions: [condition('c1', ICD10, 'I71.9')] })), false, 'excluded code');
  });
});
