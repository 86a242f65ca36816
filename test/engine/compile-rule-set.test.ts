import assert from 'node:assert/strict';
import { canonicalHash } from '../../lib/canonical-json.js';
import { compileRuleSet, ruleSetHash } from '../../engine/compile-rule-set.js';
import { RuleSetInvalidError } from '../../engine/rule-set-problem.js';
import type { RuleSet } from '../../engine/rule-set-types.js';
import { TEST_FACT_KINDS } from './support/test-fact-kinds.js';
import { testRuleSet } from './support/test-rule-set.js';

/** Deep copy with every object's keys in reverse order. */
function reverseKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reverseKeys);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.keys(value).reverse().map((k) => [k, reverseKeys((value as Record<string, unknown>)[k])]));
  }
  return value;
}

describe('compileRuleSet', () => {
  it('identity = id, version and the SHA-256 of the canonical JSON without $schema', () => {
    const rs = testRuleSet();
    const compiled = compileRuleSet(rs, { factKinds: TEST_FACT_KINDS });
    const { $schema: _ignored, ...content } = rs;
    assert.deepEqual(compiled.identity, { id: 'engine-test', version: '1.0.0', hash: canonicalHash(content) });
    assert.match(compiled.identity.hash, /^[0-9a-f]{64}$/);
  });

  it('the hash is stable across key order and ignores $schema', () => {
    const a = testRuleSet();
    const b = reverseKeys(testRuleSet()) as RuleSet;
    assert.notEqual(JSON.stringify(a), JSON.stringify(b));
    b.$schema = 'https://elsewhere.example/schema.json';
    const ha = compileRuleSet(a, { factKinds: TEST_FACT_KINDS }).identity.hash;
    const hb = compileRuleSet(b, { factKinds: TEST_FACT_KINDS }).identity.hash;
    assert.equal(ha, hb);
    delete b.$schema;
    assert.equal(ruleSetHash(b), ha);
  });

  it('any content change changes the hash', () => {
    const a = testRuleSet();
    const b = testRuleSet();
    b.parameters.sbpCaution.value = 141;
    assert.notEqual(ruleSetHash(a), ruleSetHash(b));
  });

  it('deep-freezes its own copy of the rule set', () => {
    const rs = testRuleSet();
    const compiled = compileRuleSet(rs, { factKinds: TEST_FACT_KINDS });
    assert.ok(Object.isFrozen(compiled.ruleSet));
    assert.ok(Object.isFrozen(compiled.ruleSet.rules[0].conditions));
    assert.ok(Object.isFrozen(compiled.ruleSet.parameters.sbpCaution));
    assert.ok(Object.isFrozen(compiled));
    assert.throws(() => {
      (compiled.ruleSet.parameters.sbpCaution as { value: number }).value = 1;
    }, TypeError);
    // the caller's object is untouched and not frozen
    assert.equal(Object.isFrozen(rs), false);
    rs.parameters.sbpCaution.value = 999;
    assert.equal(compiled.ruleSet.parameters.sbpCaution.value, 140);
  });

  it('refuses an invalid rule set with every problem listed', () => {
    const rs = testRuleSet();
    rs.rules[0].conditions = { all: [{ fact: 'ghost', operator: 'equal', value: true }] };
    rs.rules[1].citations = [];
    assert.throws(
      () => compileRuleSet(rs, { factKinds: TEST_FACT_KINDS, file: 'bad.json' }),
      (err: unknown) => {
        assert.ok(err instanceof RuleSetInvalidError);
        assert.deepEqual(
          err.problems.map((p) => p.pointer),
          ['/rules/0/conditions/all/0/fact', '/rules/1/citations'],
        );
        assert.match(err.message, /rule set is invalid \(2 problems\):\nbad.json \/rules\/0\/conditions\/all\/0\/fact: unknown fact "ghost"/);
        return true;
      },
    );
  });

  it('indexes rules by hook and by required facts', () => {
    const compiled = compileRuleSet(testRuleSet(), { factKinds: TEST_FACT_KINDS });
    assert.deepEqual(
      compiled.rulesForHook('order-sign').map((r) => [r.rule.id, r.requiredFacts]),
      [
        ['contraindication-aneurysm', ['esketamineOrder', 'aneurysm']],
        ['contraindication-ich', ['esketamineOrder', 'ich']],
        ['bp-above-caution', ['esketamineOrder']],
        ['bp-missing', ['esketamineOrder']],
      ],
    );
    assert.deepEqual(compiled.rulesForHook('patient-view'), []);
    assert.deepEqual(compiled.rules[2].factsRead, ['esketamineOrder', 'recentSbp']);
  });

  it('substitutes {"param"} in conditions and fact declarations at compile time', () => {
    const compiled = compileRuleSet(testRuleSet(), { factKinds: TEST_FACT_KINDS });
    const json = compiled.rules[2].engineRule.toJSON(false) as { conditions: { all: Array<{ value: unknown }> } };
    assert.equal(json.conditions.all[1].value, 140);
  });
});
