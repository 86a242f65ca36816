import assert from 'node:assert/strict';
import { FACT_KINDS } from '../../engine/facts/index.js';
import type { OutputShape } from '../../engine/evaluation-types.js';
import { paramsAjv } from '../../engine/schema-validator.js';
import { validateRuleSet } from '../../engine/validate-rule-set.js';
import { factsRuleSet } from './support/facts-rule-set.js';

const EXPECTED = [
  'patient',
  'condition',
  'medication',
  'allergy',
  'antidepressantTrials',
  'observation',
  'bloodPressure',
  'bodyWeight',
  'pregnancy',
  'draftOrder',
  'evidence',
  'maintenanceTiming',
  'mentalHealthEngagement',
  'documentation',
];

function walk(shape: OutputShape, path: string, visit: (s: OutputShape, p: string) => void): void {
  visit(shape, path);
  for (const [k, child] of Object.entries(shape.properties ?? {})) walk(child, `${path}.${k}`, visit);
  if (shape.items) walk(shape.items, `${path}[]`, visit);
}

describe('fact kinds: contract', () => {
  it('exports the 14 kinds, each under its own name', () => {
    assert.deepEqual(Object.keys(FACT_KINDS).sort(), [...EXPECTED].sort());
    for (const [name, kind] of Object.entries(FACT_KINDS)) assert.equal(kind.kind, name);
  });

  for (const name of EXPECTED) {
    describe(name, () => {
      const kind = FACT_KINDS[name];

      it('has a params schema that compiles and rejects unknown parameters', () => {
        const validate = paramsAjv().compile(kind.paramsSchema);
        assert.equal(validate({ notAParameter: 1 }), false);
        assert.ok(validate.errors?.some((e) => e.keyword === 'additionalProperties'), JSON.stringify(validate.errors));
        const props = (kind.paramsSchema as { properties: Record<string, { description?: string }> }).properties;
        for (const [param, schema] of Object.entries(props)) assert.ok(schema.description, `${name}.${param} has no description`);
      });

      it('describes every output field, bounds every string, and declares refs', () => {
        assert.ok(kind.description.length > 20);
        assert.ok(kind.output.properties?.refs, 'output declares refs');
        walk(kind.output, '$', (shape, path) => {
          if (path !== '$' && !path.endsWith('[]')) assert.ok(shape.description, `${name} ${path} has no description`);
          const types = Array.isArray(shape.type) ? shape.type : [shape.type];
          if (types.includes('string')) assert.equal(typeof shape.maxLength, 'number', `${name} ${path} has no maxLength`);
        });
      });
    });
  }

  it('the test rule set declaring every kind passes the core validator (value-set `group` included)', () => {
    assert.deepEqual(validateRuleSet(factsRuleSet(), { file: 'facts-test' }), []);
  });
});
