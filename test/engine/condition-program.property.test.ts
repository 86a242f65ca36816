/**
 * Differential property test: a rule's conditions compiled to plain functions (engine/condition-program.ts)
 * decide exactly as json-rules-engine's own Engine.run does, on generated condition trees (nested
 * all/any/not, every operator and decorator the rule format allows, values and {"fact", "path"} value
 * references) and generated facts (missing facts, null, numbers, strings, booleans, arrays, nested
 * objects: type mismatches everywhere). json-rules-engine is configured as CompiledRuleSet configures it
 * (allowUndefinedFacts, the restricted path resolver, the custom operators).
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Engine, Rule, type TopLevelCondition } from 'json-rules-engine';
import { ConditionProgram, engineOperators } from '../../engine/condition-program.js';
import type { FactValue } from '../../engine/evaluation-types.js';
import { customOperators } from '../../engine/operators.js';
import { restrictedPathResolver } from '../../engine/restricted-path.js';
import { ALL_OPERATORS, OPERATOR_DECORATORS } from '../../engine/validate-rule-set.js';
import { ValueSetRegistry } from '../../engine/value-set-matcher.js';
import { ICD10, testRuleSet } from './support/test-rule-set.js';

const FACT_NAMES = ['a', 'b', 'c', 'missing'] as const;
const PATHS = [undefined, '$', '$.present', '$.count', '$.text', '$.codes', '$.codes[0]', '$.codes[1]', '$.nested.count', '$.items[0].v', '$.flag'];
const VALUE_SET_IDS = Object.keys(testRuleSet().valueSets);

const scalar = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.integer({ min: -5, max: 40 }),
  fc.double({ noNaN: false }),
  fc.constantFrom('', '0', '3', 'I71.3', 'I61.9', 'abc', 'true'),
  fc.constantFrom(...VALUE_SET_IDS),
  fc.string({ maxLength: 4 }),
);
const jsonish: fc.Arbitrary<unknown> = fc.letrec<{ v: unknown }>((tie) => ({
  v: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    scalar,
    fc.array(tie('v'), { maxLength: 4 }),
    fc.dictionary(fc.constantFrom('count', 'text', 'v', 'present', 'codes'), tie('v'), { maxKeys: 3 }),
  ),
})).v;

const code = fc.oneof(fc.constantFrom('I71.3', 'I71.9', 'I61.9', 'X1', '2201625'), fc.record({ system: fc.constantFrom(ICD10, 'urn:other'), code: fc.constantFrom('I71.3', 'I619', 'Z') }));

/** A fact value shaped like the fact kinds' (present, count, text, codes...) with every member optional and often of the wrong type. */
const factValue = fc.oneof(
  fc.record(
    {
      present: fc.oneof(fc.boolean(), scalar),
      count: fc.oneof(fc.integer({ min: 0, max: 30 }), scalar),
      text: fc.oneof(fc.string({ maxLength: 3 }), scalar),
      codes: fc.oneof(fc.array(code, { maxLength: 3 }), jsonish),
      nested: fc.oneof(fc.record({ count: fc.oneof(fc.integer({ min: 0, max: 30 }), scalar) }), scalar),
      items: fc.array(fc.record({ v: jsonish }), { maxLength: 2 }),
      flag: jsonish,
      refs: fc.constant([] as string[]),
    },
    { requiredKeys: ['refs'] },
  ),
  jsonish,
);

/** Facts: each named fact present (any value) or absent; "missing" is never supplied. */
const facts = fc.record({ a: factValue, b: factValue, c: factValue }, { requiredKeys: [] });

const operatorName = fc
  .tuple(fc.array(fc.constantFrom(...OPERATOR_DECORATORS), { maxLength: 2 }), fc.constantFrom(...ALL_OPERATORS))
  .map(([decorators, base]) => [...decorators, base].join(':'));

const conditionValue = fc.oneof(
  { weight: 4, arbitrary: jsonish },
  { weight: 1, arbitrary: fc.record({ fact: fc.constantFrom(...FACT_NAMES), path: fc.constantFrom(...PATHS) }, { requiredKeys: ['fact'] }) },
);

const leaf = fc
  .record({ fact: fc.constantFrom(...FACT_NAMES), path: fc.constantFrom(...PATHS), operator: operatorName, value: conditionValue })
  .map(({ path, ...rest }) => (path === undefined ? rest : { ...rest, path }));

type Node = Record<string, unknown>;
const tree = fc.letrec<{ node: Node; boolean: Node }>((tie) => ({
  node: fc.oneof({ depthSize: 'small', withCrossShrink: true }, leaf as fc.Arbitrary<Node>, tie('boolean')),
  boolean: fc.oneof(
    fc.record({ all: fc.array(tie('node'), { maxLength: 4 }) }),
    fc.record({ any: fc.array(tie('node'), { maxLength: 4 }) }),
    fc.record({ not: tie('node') }),
  ),
}));

type Outcome = { fired: boolean } | { threw: true };

function newEngine(): Engine {
  const engine = new Engine([], { allowUndefinedFacts: true, pathResolver: restrictedPathResolver });
  for (const op of customOperators(new ValueSetRegistry(testRuleSet().valueSets))) engine.addOperator(op);
  return engine;
}

async function byJsonRulesEngine(conditions: Node, supplied: Record<string, unknown>): Promise<Outcome> {
  const engine = newEngine();
  engine.addRule(new Rule({ conditions: structuredClone(conditions) as TopLevelCondition, event: { type: 'fired' } }));
  try {
    const { events } = await engine.run(structuredClone(supplied));
    return { fired: events.length > 0 };
  } catch {
    return { threw: true };
  }
}

function byProgram(conditions: Node, supplied: Record<string, unknown>): Outcome {
  const engine = newEngine();
  const rule = new Rule({ conditions: structuredClone(conditions) as TopLevelCondition, event: { type: 'fired' } });
  engine.addRule(rule);
  const program = new ConditionProgram(rule.conditions as never, engineOperators(engine));
  // As CompiledRuleSet.evaluate: the values of the facts the program reads; an absent fact is undefined.
  const values = new Map<string, FactValue>();
  for (const name of program.facts) if (Object.prototype.hasOwnProperty.call(supplied, name)) values.set(name, structuredClone(supplied[name]) as FactValue);
  try {
    return { fired: program.result(values) === true };
  } catch {
    return { threw: true };
  }
}

describe('compiled conditions (engine/condition-program.ts) against json-rules-engine', () => {
  it('decide exactly as Engine.run on generated conditions and facts (nested all/any/not, all operators, missing facts, type mismatches)', async () => {
    await fc.assert(
      fc.asyncProperty(tree.boolean, facts, async (conditions, supplied) => {
        assert.deepEqual(byProgram(conditions, supplied), await byJsonRulesEngine(conditions, supplied));
      }),
      { numRuns: 3000, seed: 18, endOnFailure: true },
    );
  });

  it('the generated cases reach both outcomes, and agree there too', async () => {
    // A guard on the generator: a property that only ever saw "not fired" would prove little.
    let fired = 0;
    let notFired = 0;
    await fc.assert(
      fc.asyncProperty(tree.boolean, facts, async (conditions, supplied) => {
        const expected = await byJsonRulesEngine(conditions, supplied);
        assert.deepEqual(byProgram(conditions, supplied), expected);
        if ('fired' in expected) {
          if (expected.fired) fired += 1;
          else notFired += 1;
        }
      }),
      { numRuns: 500, seed: 1818 },
    );
    assert.ok(fired > 50 && notFired > 50, `fired ${fired}, not fired ${notFired}`);
  });

  it('an unknown operator throws at evaluation in both', async () => {
    const conditions = { all: [{ fact: 'a', operator: 'nope', value: 1 }] };
    assert.deepEqual(byProgram(conditions, { a: 1 }), { threw: true });
    assert.deepEqual(await byJsonRulesEngine(conditions, { a: 1 }), { threw: true });
  });
});
