/**
 * json-rules-engine's Engine.run() keeps its status on the engine: when two runs overlap and one
 * finishes, the other silently skips its remaining lower-priority rules. The compiled rule set never
 * calls run(); it evaluates each rule against a fresh Almanac. These tests interleave two evaluations
 * deterministically (each blocks on a promise the test releases: no timers) and show that both get
 * complete results, and that the hazard is real for Engine.run().
 */
import assert from 'node:assert/strict';
import { Engine } from 'json-rules-engine';
import { compileRuleSet } from '../../engine/compile-rule-set.js';
import type { FactKind } from '../../engine/evaluation-types.js';
import type { Rule } from '../../engine/rule-set-types.js';
import { TEST_FACT_KINDS } from './support/test-fact-kinds.js';
import { NOW, record, testRuleSet } from './support/test-rule-set.js';

class Gate {
  readonly opened: Promise<void>;
  open!: () => void;
  constructor() {
    this.opened = new Promise((resolve) => (this.open = resolve));
  }
}

/** Resolves once every pending microtask chain has had a chance to run. */
async function settle(): Promise<void> {
  for (let i = 0; i < 50; i++) await Promise.resolve();
}

describe('overlapping evaluations on one compiled rule set', () => {
  it('both get complete results whatever the priorities and completion order', async () => {
    const gates = new Map<string, Gate>();
    const started: string[] = [];
    const gated: FactKind = {
      kind: 'gated',
      description: 'Waits for the test to open the patient’s gate.',
      paramsSchema: { type: 'object', additionalProperties: false, properties: {} },
      output: { type: 'object', properties: { present: { type: 'boolean' }, value: { type: 'number' } } },
      async compute(_decl, ctx) {
        started.push(ctx.record.patientId);
        await gates.get(ctx.record.patientId)!.opened;
        return { present: true, value: 1, refs: [] };
      },
    };
    const rs = testRuleSet();
    rs.facts = { slow: { kind: 'gated' } };
    const rule = (id: string, rank: number): Rule => ({
      id,
      title: id,
      category: 'safety',
      hooks: ['patient-view'],
      concern: id,
      rank,
      conditions: { all: [{ fact: 'slow', path: '$.value', operator: 'greaterThan', value: 0 }] },
      card: { indicator: 'info', summary: `Rule ${id}`, detail: 'd', source: ['label'] },
      citations: ['label'],
      certainty: 'judgement',
    });
    rs.rules = [rule('high', 30), rule('middle', 20), rule('low', 10), rule('lowest', 1)];
    const compiled = compileRuleSet(rs, { factKinds: { ...TEST_FACT_KINDS, gated } });
    assert.deepEqual(
      compiled.rules.map((r) => r.engineRule.priority),
      [4, 3, 2, 1],
      'the json-rules-engine priorities differ',
    );

    gates.set('a', new Gate());
    gates.set('b', new Gate());
    const evaluation = (patientId: string) =>
      compiled.evaluate({ hook: 'patient-view', context: {}, record: { ...record(), patientId }, now: NOW, idSeed: patientId });
    const a = evaluation('a');
    const b = evaluation('b');
    await settle();
    assert.deepEqual(started.sort(), ['a', 'b'], 'both evaluations are in flight at once');

    gates.get('b')!.open();
    const resultB = await b;
    gates.get('a')!.open();
    const resultA = await a;

    for (const result of [resultA, resultB]) {
      assert.deepEqual(result.fired.map((f) => f.ruleId), ['high', 'middle', 'low', 'lowest']);
      assert.equal(result.cards.length, 4);
    }
  });

  it('(the hazard we design around) overlapping Engine.run() calls on one engine lose rules', async () => {
    const gates = new Map<string, Gate>([
      ['a', new Gate()],
      ['b', new Gate()],
    ]);
    const engine = new Engine([], { allowUndefinedFacts: true });
    engine.addFact('slow', async (_params, almanac) => {
      const who = (await almanac.factValue('who')) as string;
      await gates.get(who)!.opened;
      return 1;
    });
    for (const [name, priority] of [
      ['high', 3],
      ['low', 1],
    ] as const) {
      engine.addRule({ name, priority, conditions: { all: [{ fact: 'slow', operator: 'greaterThan', value: 0 }] }, event: { type: name } });
    }
    const a = engine.run({ who: 'a' });
    const b = engine.run({ who: 'b' });
    await settle();
    gates.get('b')!.open();
    const resultB = await b;
    gates.get('a')!.open();
    const resultA = await a;
    assert.deepEqual(resultB.events.map((e) => e.type), ['high', 'low']);
    assert.deepEqual(resultA.events.map((e) => e.type), ['high'], 'run A silently skipped its lower-priority rule');
  });
});
