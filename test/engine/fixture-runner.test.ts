import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assemblePatientRecord, type KeyedResources } from '../../fhir/assemble-record.js';
import type * as fhir4 from 'fhir/r4.js';
import { compileRuleSet } from '../../engine/compile-rule-set.js';
import { computeCoverage, formatCoverage } from '../../engine/fixtures/coverage.js';
import type { Fixture } from '../../engine/fixtures/fixture-types.js';
import { parseFixture } from '../../engine/fixtures/parse-fixture.js';
import { loadFixtures } from '../../use-cases/load-fixtures.js';
import { formatOutcome, runFixture, runFixtures, type FixtureConverter } from '../../engine/fixtures/run-fixtures.js';
import { TEST_FACT_KINDS } from './support/test-fact-kinds.js';
import { ICD10, condition, esketamineOrder, sbp, testRuleSet } from './support/test-rule-set.js';

/** Uses only data.resources (raw FHIR) and order (a raw MedicationRequest): no compact shorthand. */
const RAW_CONVERTER: FixtureConverter = {
  toRecord(fixture) {
    const keyed: KeyedResources[] = [{ status: { key: 'all', origin: 'prefetch', resourceCount: 0 }, resources: (fixture.data?.resources ?? []) as unknown as fhir4.Resource[] }];
    const order = fixture.order as unknown as fhir4.Resource | undefined;
    const context = order ? { draftOrders: { resourceType: 'Bundle', type: 'collection', entry: [{ resource: order }] } } : {};
    return assemblePatientRecord(fixture.patient.id, context, keyed);
  },
  toRequest(fixture, service) {
    return { hook: service.hook, hookInstance: `fixture-${fixture.name}`, context: { patientId: fixture.patient.id, userId: 'Practitioner/x' } };
  },
};

function fixture(name: string, parts: Partial<Fixture>): Fixture {
  return {
    file: `fixtures/${name}.yaml`,
    name,
    hook: 'order-sign',
    now: '2026-11-01T10:00:00Z',
    patient: { id: 'p1' },
    expect: { cards: [] },
    ...parts,
  };
}

const aaaAndIch = {
  data: { resources: [condition('c1', ICD10, 'I71.3', 'AAA'), condition('c2', ICD10, 'I61.9', 'ICH'), sbp('o1', 120, '2026-10-31T10:00:00Z')] as unknown as Array<Record<string, unknown>> },
  order: esketamineOrder() as unknown as Fixture['order'],
};

describe('fixture loading', () => {
  it('parses a fixture file (YAML dates stay strings)', () => {
    const { fixture: f, errors } = parseFixture(
      'name: Case A\nhook: order-sign\nnow: 2026-11-01T10:00:00Z\npatient: {id: p1, birthDate: 1980-04-02}\nexpect:\n  cards: [{rule: r1, indicator: critical}]\n  notFired: [r2]\n',
      'a.yaml',
    );
    assert.deepEqual(errors, []);
    assert.equal(f?.now, '2026-11-01T10:00:00Z');
    assert.equal(f?.patient.birthDate, '1980-04-02');
    assert.deepEqual(f?.expect, { cards: [{ rule: 'r1', indicator: 'critical' }], notFired: ['r2'] });
    assert.equal(f?.file, 'a.yaml');
  });

  it('names the file and the field in every error', () => {
    const { fixture: f, errors } = parseFixture(
      'name: Case A\nhook: order-pain\nnow: tomorrow\npatient: {gender: female}\nexpects:\n  cards: []\n',
      'bad.yaml',
    );
    assert.equal(f, undefined);
    assert.deepEqual(
      errors.map((e) => `${e.file}: ${e.message}`).sort(),
      [
        'bad.yaml: hook must be one of patient-view, order-select, order-sign, appointment-book',
        'bad.yaml: missing required field "expect"',
        'bad.yaml: now must be an ISO date-time like 2026-11-01T10:00:00Z',
        'bad.yaml: patient: missing required field "id"',
        'bad.yaml: unknown field "expects"',
      ],
    );
    const nested = parseFixture('name: x\nhook: order-sign\nnow: 2026-11-01T10:00:00Z\npatient: {id: p}\nexpect:\n  cards: [{rule: r1, indicator: hard-stop}]\n', 'n.yaml');
    assert.deepEqual(nested.errors.map((e) => e.message), ['expect.cards[0].indicator must be one of info, warning, critical']);
  });

  it('reports YAML syntax errors with line and column, and duplicate keys', () => {
    const { errors } = parseFixture('name: x\nhook: [order-sign\n', 'syntax.yaml');
    assert.equal(errors.length > 0, true);
    assert.match(errors[0].message, /^YAML error at line \d+, column \d+: /);
    const dup = parseFixture('name: x\nname: y\n', 'dup.yaml');
    assert.match(dup.errors[0].message, /YAML error at line 2, column 1: Map keys must be unique/);
  });

  it('loads a folder, sorted, and refuses duplicate fixture names', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fixtures-'));
    mkdirSync(join(dir, 'sub'));
    const text = (name: string) => `name: ${name}\nhook: order-sign\nnow: 2026-11-01T10:00:00Z\npatient: {id: p}\nexpect: {cards: []}\n`;
    writeFileSync(join(dir, 'b.yaml'), text('Same'));
    writeFileSync(join(dir, 'a.yml'), text('Same'));
    writeFileSync(join(dir, 'notes.txt'), 'ignored');
    const { fixtures, errors } = loadFixtures(dir);
    assert.deepEqual(fixtures.map((f) => f.file), [join(dir, 'a.yml'), join(dir, 'b.yaml')]);
    assert.equal(errors.length, 1);
    assert.match(errors[0].message, /name "Same" is also used by .*a\.yml; fixture names must be unique/);
    assert.deepEqual(loadFixtures(join(dir, 'missing')), { fixtures: [], errors: [] });
  });
});

describe('fixture runner', () => {
  const compiled = compileRuleSet(testRuleSet(), { factKinds: TEST_FACT_KINDS });

  it('passes when the cards and fired / notFired expectations match', async () => {
    const outcome = await runFixture(
      compiled,
      fixture('aaa', { ...aaaAndIch, expect: { cards: [{ rule: 'contraindication-aneurysm', indicator: 'critical' }], fired: ['contraindication-ich'], notFired: ['bp-above-caution', 'bp-missing'] } }),
      RAW_CONVERTER,
    );
    assert.deepEqual(outcome.failures, []);
    assert.equal(outcome.passed, true);
    assert.equal(formatOutcome(outcome), '✓ aaa (fixtures/aaa.yaml)');
  });

  it('explains a failure: expected vs actual cards with rule, indicator and summary', async () => {
    const outcome = await runFixture(
      compiled,
      fixture('wrong', { ...aaaAndIch, expect: { cards: [{ rule: 'contraindication-ich', indicator: 'critical' }], notFired: ['contraindication-ich'], fired: ['bp-missing'] } }),
      RAW_CONVERTER,
    );
    assert.equal(outcome.passed, false);
    assert.equal(
      formatOutcome(outcome),
      [
        '✗ wrong (fixtures/wrong.yaml)',
        '    - missing card: critical contraindication-ich',
        '    - unexpected card: critical contraindication-aneurysm',
        '    - expected to fire but did not: bp-missing',
        '    - fired but expected not to: contraindication-ich (suppressed by its concern)',
        '    expected cards:',
        '      critical contraindication-ich',
        '    actual cards:',
        '      critical contraindication-aneurysm  "Esketamine is contraindicated: aneurysm I71.3 on record"',
        '    also fired (suppressed in their concern): contraindication-ich',
      ].join('\n'),
    );
  });

  it('fails on rule ids the rule set does not have and on a hook without a service', async () => {
    const unknown = await runFixture(compiled, fixture('typo', { expect: { cards: [], notFired: ['contraindication-aneurism'] } }), RAW_CONVERTER);
    assert.deepEqual(unknown.failures, ['expect names rule "contraindication-aneurism", which is not in rule set engine-test']);
    const noService = await runFixture(compiled, fixture('hook', { hook: 'appointment-book' }), RAW_CONVERTER);
    assert.deepEqual(noService.failures, ['rule set engine-test has no service for hook appointment-book']);
  });

  it('computes coverage from passing outcomes and names the rules lacking fixtures', async () => {
    const outcomes = await runFixtures(
      compiled,
      [
        fixture('fires', { ...aaaAndIch, expect: { cards: [{ rule: 'contraindication-aneurysm', indicator: 'critical' }], fired: ['contraindication-ich'] } }),
        fixture('near miss', { order: aaaAndIch.order, data: { resources: [sbp('o1', 120, '2026-10-31T10:00:00Z')] as unknown as Array<Record<string, unknown>> }, expect: { cards: [], notFired: ['contraindication-aneurysm', 'bp-missing'] } }),
        fixture('failing', { order: aaaAndIch.order, expect: { cards: [{ rule: 'bp-missing', indicator: 'warning' }], notFired: ['bp-above-caution'] } }),
      ],
      RAW_CONVERTER,
    );
    assert.deepEqual(outcomes.map((o) => o.passed), [true, true, false]);
    const report = computeCoverage(compiled.ruleSet.rules, outcomes);
    assert.deepEqual(report.rules, [
      { ruleId: 'contraindication-aneurysm', firing: ['fires'], nearMisses: ['near miss'] },
      { ruleId: 'contraindication-ich', firing: ['fires'], nearMisses: [] },
      { ruleId: 'bp-above-caution', firing: [], nearMisses: [] },
      { ruleId: 'bp-missing', firing: [], nearMisses: ['near miss'] },
    ]);
    assert.deepEqual(report.withoutFiring, ['bp-above-caution', 'bp-missing']);
    assert.deepEqual(report.withoutNearMiss, ['contraindication-ich', 'bp-above-caution']);
    assert.equal(report.complete, false);
    const text = formatCoverage(report);
    assert.match(text, /rules without a fixture that makes them fire: bp-above-caution, bp-missing/);
    assert.match(text, /rules without a near-miss fixture \(expect.notFired\): contraindication-ich, bp-above-caution/);
  });
});
