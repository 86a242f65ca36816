/**
 * Prebuilt validators (engine/prebuilt-validators.ts; written by `npm run build` and loaded by
 * use-cases/prebuilt-validator-files.ts): they report exactly
 * what the validators compiled at run time report, and a prebuilt validator built from another schema is
 * never used.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import type { ValidateFunction } from 'ajv/dist/2020.js';
import { FACT_KINDS } from '../../engine/facts/index.js';
import { newAjv, PARAMS_AJV_OPTIONS, RULE_SET_AJV_OPTIONS, schemaFingerprint } from '../../engine/prebuilt-validators.js';
import { PREBUILT_VALIDATORS_DIR, prebuiltValidator, writePrebuiltValidators } from '../../use-cases/prebuilt-validator-files.js';
import { ajvErrorsToProblems, loadRuleSetSchema } from '../../engine/schema-validator.js';
import { RULES_DIR } from '../../server/bundled-rule-sets.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

function problemsOf(validate: ValidateFunction, value: unknown): unknown[] {
  return validate(value) ? [] : ajvErrorsToProblems(validate.errors ?? [], 'x.json');
}

/** Rule sets broken in the ways authors break them: each must fail the schema. */
function brokenRuleSets(valid: Json): Array<[string, Json]> {
  const cases: Array<[string, (doc: Json) => void]> = [
    ['unknown indicator', (d) => (d.rules[0].card.indicator = 'loud')],
    ['missing rule id', (d) => delete d.rules[1].id],
    ['unknown top-level property', (d) => (d.colour = 'blue')],
    ['version not semver', (d) => (d.version = 'one')],
    ['a citation that is not a string', (d) => (d.rules[2].citations = [42])],
    ['wrong type for a parameter value', (d) => (Object.values(d.parameters as Json)[0].value = { a: 1 })],
    ['misspelt card property', (d) => (d.rules[3].card.sumary = d.rules[3].card.summary)],
    ['several problems at once', (d) => {
      d.status = 'shiny';
      d.rules[0].hooks = ['order-signed'];
      delete d.title;
    }],
  ];
  return cases.map(([name, mutate]) => {
    const doc = structuredClone(valid);
    mutate(doc);
    return [name, doc];
  });
}

describe('prebuilt validators (engine/prebuilt-validators.ts, use-cases/prebuilt-validator-files.ts)', () => {
  let dir: string;
  before(() => {
    // Inside the project, as dist/validators/ is: the generated code requires ajv's runtime from node_modules.
    mkdirSync(path.join(PREBUILT_VALIDATORS_DIR, '..'), { recursive: true });
    dir = mkdtempSync(path.join(PREBUILT_VALIDATORS_DIR, '..', '.test-prebuilt-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('the rule-set schema: prebuilt and compiled report the same problems, for the bundled rule set and broken ones', () => {
    const schema = loadRuleSetSchema();
    writePrebuiltValidators(dir, 'rule-set.cjs', RULE_SET_AJV_OPTIONS, { ruleSet: schema });
    const prebuilt = prebuiltValidator('rule-set.cjs', 'ruleSet', schemaFingerprint(schema), dir);
    assert.ok(prebuilt, 'the prebuilt validator loads');
    const compiled = newAjv(RULE_SET_AJV_OPTIONS).compile(schema);
    const valid = JSON.parse(readFileSync(path.join(RULES_DIR, 'ketamine-esketamine', 'rule-set.json'), 'utf8')) as Json;
    assert.deepEqual(problemsOf(prebuilt, valid), []);
    for (const [name, doc] of brokenRuleSets(valid)) {
      const expected = problemsOf(compiled, doc);
      assert.ok(expected.length > 0, `${name}: the compiled validator refuses it`);
      assert.deepEqual(problemsOf(prebuilt, doc), expected, name);
    }
  });

  it("every fact kind's params schema: prebuilt and compiled report the same problems", () => {
    const schemas = Object.fromEntries(Object.values(FACT_KINDS).map((k) => [k.kind, k.paramsSchema]));
    writePrebuiltValidators(dir, 'fact-params.cjs', PARAMS_AJV_OPTIONS, schemas);
    const badParams: Json[] = [{ unknownParam: 1 }, { valueSet: 42 }, { withinDays: 'soon' }, {}];
    for (const kind of Object.values(FACT_KINDS)) {
      const prebuilt = prebuiltValidator('fact-params.cjs', kind.kind, schemaFingerprint(kind.paramsSchema), dir);
      assert.ok(prebuilt, `${kind.kind}: the prebuilt validator loads`);
      const compiled = newAjv(PARAMS_AJV_OPTIONS).compile(kind.paramsSchema);
      for (const params of badParams) assert.deepEqual(problemsOf(prebuilt, params), problemsOf(compiled, params), `${kind.kind} ${JSON.stringify(params)}`);
    }
  });

  it('a prebuilt validator built from another version of the schema is not used (a stale build costs time, never correctness)', () => {
    const schema = loadRuleSetSchema();
    const older = structuredClone(schema) as Json;
    older.description = `${String(older.description)} (an earlier edit)`;
    writePrebuiltValidators(dir, 'stale.cjs', RULE_SET_AJV_OPTIONS, { ruleSet: older });
    assert.equal(prebuiltValidator('stale.cjs', 'ruleSet', schemaFingerprint(schema), dir), undefined);
    assert.ok(prebuiltValidator('stale.cjs', 'ruleSet', schemaFingerprint(older), dir));
  });

  it('no build at all: nothing prebuilt is found and nothing fails', () => {
    assert.equal(prebuiltValidator('rule-set.cjs', 'ruleSet', 'f'.repeat(64), path.join(dir, 'not-built')), undefined);
  });
});
