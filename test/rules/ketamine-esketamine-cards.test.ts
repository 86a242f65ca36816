/**
 * What a clinician sees from the ketamine-esketamine rule set, checked over every fixture: cards
 * name the patient in the FHIR resources they suggest, show dates for people, stay few at order
 * entry, keep "critical" for what should stop the order, and explain the evidence with every
 * supported indication's score.
 */
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { compileRuleSet, type CompiledRuleSet } from '../../engine/compile-rule-set.js';
import { CARD_EXTENSION_KEY, type EvaluationResult } from '../../engine/evaluation-types.js';
import { fixtureContext } from '../../engine/fixtures/compact-fhir.js';
import type { Fixture } from '../../engine/fixtures/fixture-types.js';
import { loadFixtures } from '../../use-cases/load-fixtures.js';
import { loadRuleSetFile } from '../../use-cases/load-rule-set-file.js';
import type { Card } from '../../cds-hooks/wire-types.js';
import { fixtureToPatientRecord } from '../../use-cases/fixture-converter.js';
import { compiledForFixture } from '../../engine/fixtures/run-fixtures.js';

const DIR = fileURLToPath(new URL('../../rules/ketamine-esketamine', import.meta.url));

/** The rules whose card may be critical: label hard stops and the rule set's documented hard stops. */
const HARD_STOPS = [
  'contraindication-aneurysm',
  'contraindication-avm',
  'contraindication-ich-history',
  'contraindication-hypersensitivity',
  'bp-above-stop-threshold',
  'bp-diastolic-above-stop-threshold',
  'bp-both-above-stop-threshold',
  'esketamine-under-18',
  'ketamine-use-disorder',
];

let compiled: CompiledRuleSet;
let fixtures: Fixture[];
const results = new Map<string, EvaluationResult>();

function ruleOf(card: Card): string {
  return (card.extension?.[CARD_EXTENSION_KEY] as { rule: { id: string } }).rule.id;
}

function result(name: string): { fixture: Fixture; result: EvaluationResult } {
  const fixture = fixtures.find((f) => f.file.endsWith(`/${name}`));
  assert.ok(fixture, `fixture ${name}`);
  return { fixture, result: results.get(fixture.file)! };
}

describe('ketamine-esketamine: what the clinician sees', () => {
  before(async () => {
    const loaded = loadRuleSetFile(`${DIR}/rule-set.json`);
    assert.ok(loaded.ruleSet);
    compiled = compileRuleSet(loaded.ruleSet);
    fixtures = loadFixtures(`${DIR}/fixtures`).fixtures;
    for (const f of fixtures) {
      const withSiteParameters = compiledForFixture(compiled, f);
      assert.ok(typeof withSiteParameters !== 'string', String(withSiteParameters));
      results.set(
        f.file,
        await withSiteParameters.evaluate({ hook: f.hook, context: fixtureContext(f, f.hook), record: fixtureToPatientRecord(f, f.hook), now: new Date(f.now), idSeed: f.name }),
      );
    }
  });

  it('every suggested FHIR resource names the patient (ServiceRequest.subject, Consent.patient)', () => {
    let checked = 0;
    for (const f of fixtures) {
      for (const card of results.get(f.file)!.cards) {
        for (const s of card.suggestions ?? []) {
          for (const a of s.actions ?? []) {
            const resource = a.resource as { resourceType: string; subject?: unknown; patient?: unknown } | undefined;
            if (!resource) continue;
            const key = resource.resourceType === 'Consent' ? 'patient' : 'subject';
            assert.deepEqual(resource[key], { reference: `Patient/${f.patient.id}` }, `${f.name}: ${s.label}`);
            checked++;
          }
        }
      }
    }
    assert.ok(checked >= 10, `only ${checked} suggested resources seen`);
  });

  it('card text shows no raw ISO date-times', () => {
    const isoDateTime = /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/;
    for (const f of fixtures) {
      for (const card of results.get(f.file)!.cards) {
        const texts = [card.summary, card.detail ?? '', ...(card.suggestions ?? []).flatMap((s) => [s.label, ...(s.actions ?? []).map((a) => a.description)])];
        for (const t of texts) assert.doesNotMatch(t, isoDateTime, `${f.name}: "${t.slice(0, 120)}"`);
      }
    }
  });

  it('dates for people: a same-day reading with its time in UTC, an earlier day as YYYY-MM-DD', () => {
    // BP 182/96 taken at 09:30 UTC on the day of the order (now 10:00 UTC).
    const stop = result('bp-182-96-stop-fires.yaml').result.cards.find((c) => ruleOf(c) === 'bp-above-stop-threshold')!;
    assert.equal(stop.summary, 'Do not give today: systolic BP 182 mmHg (182/96 on 2026-03-02 09:30 UTC) is at or above 180');
    // BP 142/88 taken the day before (a date without a time).
    const caution = result('bp-142-88-caution-fires.yaml').result.cards.find((c) => ruleOf(c) === 'bp-above-caution-threshold')!;
    assert.match(caution.summary, /^Systolic BP 142 mmHg \(142\/88 on 2026-03-01\) is above 140/);
  });

  it('an esketamine order for a typical TRD patient gets at most 3 cards; no order-sign fixture gets more than 3', () => {
    for (const name of ['patient-trd-esketamine-induction-start.yaml', 'pre-session-several-missing-one-card.yaml']) {
      const { result: r } = result(name);
      assert.ok(r.cards.length <= 3, `${name}: ${r.cards.map((c) => c.summary).join(' | ')}`);
    }
    // Named exceptions, each with why four cards are right (1.2.0): none of the four says the same thing.
    const FOUR_CARDS: Readonly<Record<string, string>> = {
      'si-bipolar-depression-84mg-first-dose-fires.yaml':
        'off-label bipolar evidence (warning), acute suicidal ideation (warning), an 84 mg first dose outside the label (warning), REMS at the start of the course',
    };
    for (const f of fixtures.filter((x) => x.hook === 'order-sign')) {
      const r = results.get(f.file)!;
      const limit = FOUR_CARDS[f.file.split('/').pop()!] ? 4 : 3;
      assert.ok(r.cards.length <= limit, `${f.name}: ${r.cards.length} cards: ${r.cards.map(ruleOf).join(', ')}`);
    }
  });

  it('missing baselines on order-sign are one "before the session" card with every suggestion', () => {
    const { result: r } = result('pre-session-several-missing-one-card.yaml');
    const card = r.cards.find((c) => ruleOf(c) === 'bp-not-recent')!;
    assert.equal(card.summary, 'Before the session: BP check, pregnancy test, PHQ-9 baseline, therapy referral');
    assert.deepEqual(card.suggestions?.map((s) => s.label), [
      'Order a blood pressure check before the session',
      'Order a pregnancy test (urine hCG)',
      'Order a PHQ-9 before the session',
      'Refer for psychotherapy',
    ]);
    assert.equal(card.selectionBehavior, 'any');
    const ext = card.extension?.[CARD_EXTENSION_KEY] as { concern: { id: string }; contributors: Array<{ id: string }> };
    assert.equal(ext.concern.id, 'pre-session');
    assert.deepEqual(ext.contributors.map((c) => c.id), ['bp-not-recent', 'pregnancy-status-unknown', 'baseline-phq9-missing', 'no-mental-health-engagement']);
    assert.ok(r.fired.filter((x) => x.concern === 'pre-session').every((x) => x.mergedInto === 'pre-session' && !x.suppressed));
  });

  it('critical is used only by rules that should stop the order', () => {
    const critical = compiled.ruleSet.rules.filter((r) => r.card.indicator === 'critical').map((r) => r.id);
    assert.deepEqual(critical.filter((id) => !HARD_STOPS.includes(id)), []);
    // A merged card is critical only when a contributor is: no concern raises merged cards to critical.
    for (const [id, concern] of Object.entries(compiled.ruleSet.concerns ?? {})) assert.notEqual(concern.mergedIndicator, 'critical', id);
  });

  it('the PTSD with depression evidence card shows every supported indication with its score', () => {
    const { result: r } = result('evidence-ptsd-mdd-iv-fires.yaml');
    const card = r.cards.find((c) => ruleOf(c) === 'evidence-ptsd-mdd')!;
    assert.match(card.detail ?? '', /Every indication the record supports, with its score: PTSD with comorbid depression: 2 \(limited\); PTSD \(PTSD-symptom outcome\): 2 \(limited\)\./);
  });

  it('an order whose reason is clearly not psychiatric gets no psychiatric card (hypersensitivity still shows)', () => {
    assert.deepEqual(result('order-reason-chronic-pain-no-cards.yaml').result.cards, []);
    assert.deepEqual(result('order-reason-general-anaesthesia-no-cards.yaml').result.cards, []);
    assert.deepEqual(result('order-reason-pain-hypersensitivity-fires.yaml').result.cards.map(ruleOf), ['contraindication-hypersensitivity']);
    const order = result('order-reason-chronic-pain-no-cards.yaml').result;
    assert.equal(order.fired.length, 0);
  });
});
