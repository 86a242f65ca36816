import assert from 'node:assert/strict';
import { conditionFacts, evaluateConditions, evaluateNamedConditions } from '../../engine/facts/conditions.js';
import { contextFor, fixture } from './support/harness.js';

describe('engine/facts/conditions.ts: json-rules-engine conditions inside fact kinds', () => {
  const ctx = contextFor(
    fixture({
      data: {
        conditions: [{ code: 'icd10:F33.2', onset: '2025-06-01' }],
        observations: [{ code: 'loinc:44261-6', value: 18, date: '2026-10-20' }],
      },
    }),
  );

  it('evaluates leaves over declared facts with the custom operators and {"param"} values', async () => {
    assert.equal(await evaluateConditions({ all: [{ fact: 'mdd', path: '$.present', operator: 'equal', value: true }] }, ctx), true);
    assert.equal(await evaluateConditions({ all: [{ fact: 'mdd', path: '$.codes', operator: 'inValueSet', value: 'mdd' }] }, ctx), true);
    assert.equal(await evaluateConditions({ all: [{ fact: 'mdd', path: '$.items', operator: 'inValueSet', value: 'ptsd' }] }, ctx), false);
    assert.equal(await evaluateConditions({ all: [{ fact: 'phq9', path: '$.ageDays', operator: 'withinDays', value: { param: 'phqRecentDays' } }] }, ctx), true);
    assert.equal(await evaluateConditions({ all: [{ fact: 'phq9', path: '$.ageDays', operator: 'olderThanDays', value: 12 }] }, ctx), false);
    assert.equal(await evaluateConditions({ all: [{ fact: 'bp', path: '$.date', operator: 'exists', value: false }] }, ctx), true);
    assert.equal(await evaluateConditions({ any: [{ fact: 'ptsd', path: '$.present', operator: 'equal', value: true }, { not: { fact: 'mdd', path: '$.present', operator: 'equal', value: false } }] }, ctx), true);
  });

  it('evaluates several named conditions in one run', async () => {
    const held = await evaluateNamedConditions(
      {
        depressed: { all: [{ fact: 'phq9', path: '$.value', operator: 'greaterThanInclusive', value: 10 }] },
        ptsd: { all: [{ fact: 'ptsd', path: '$.present', operator: 'equal', value: true }] },
      },
      ctx,
    );
    assert.deepEqual(held, { depressed: true, ptsd: false });
  });

  it('lists the facts a condition reads, and refuses unrestricted paths and undeclared facts', async () => {
    assert.deepEqual(
      conditionFacts({ all: [{ fact: 'a', operator: 'equal', value: { fact: 'b' } }, { not: { fact: 'c', operator: 'equal', value: 1 } }] }),
      ['a', 'b', 'c'],
    );
    await assert.rejects(evaluateConditions({ all: [{ fact: 'mdd', path: '$..codes', operator: 'equal', value: 1 }] }, ctx), /only \$\.name and \[index\] segments/);
    await assert.rejects(evaluateConditions({ all: [{ fact: 'nope', path: '$.present', operator: 'equal', value: true }] }, ctx), /nope/);
  });
});
