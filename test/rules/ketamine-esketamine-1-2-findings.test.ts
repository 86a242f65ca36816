/**
 * Rule set 1.2.0 against the ten findings of the psychiatrist's and pharmacist's review (issue 14),
 * checked on the fixtures as a prescriber reads the cards: what each card says, not only which rule
 * fired. Properties that must hold over every fixture are checked over all of them (never silent on
 * suicidal ideation; no urgency shown as evidence; no "1 doses"; no mg/kg for the nasal spray; IV
 * ketamine never overdue or late; the REMS card only at the start of a course).
 */
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { compileRuleSet, type CompiledRuleSet } from '../../engine/compile-rule-set.js';
import { CARD_EXTENSION_KEY, type EvaluationResult, type FactValue } from '../../engine/evaluation-types.js';
import { fixtureContext } from '../../engine/fixtures/compact-fhir.js';
import { fixtureToPatientRecord } from '../../use-cases/fixture-converter.js';
import type { Fixture } from '../../engine/fixtures/fixture-types.js';
import { loadFixtures } from '../../use-cases/load-fixtures.js';
import { compiledForFixture } from '../../engine/fixtures/run-fixtures.js';
import { loadRuleSetFile } from '../../use-cases/load-rule-set-file.js';
import type { Card } from '../../cds-hooks/wire-types.js';
import { factsFor } from '../facts/support/harness.js';

const DIR = fileURLToPath(new URL('../../rules/ketamine-esketamine', import.meta.url));

interface Explanation {
  rule: { id: string };
  facts: Array<{ name: string; value: FactValue }>;
  evidence?: { score: number };
}

let compiled: CompiledRuleSet;
let fixtures: Fixture[];
const results = new Map<string, EvaluationResult>();

const explanation = (card: Card): Explanation => card.extension?.[CARD_EXTENSION_KEY] as Explanation;
const ruleOf = (card: Card): string => explanation(card).rule.id;

function outcome(name: string): { fixture: Fixture; result: EvaluationResult; card: (rule: string) => Card } {
  const fixture = fixtures.find((f) => f.file.endsWith(`/${name}.yaml`));
  assert.ok(fixture, `fixture ${name}`);
  const result = results.get(fixture.file)!;
  return {
    fixture,
    result,
    card: (rule: string) => {
      const card = result.cards.find((c) => ruleOf(c) === rule);
      assert.ok(card, `${name}: no ${rule} card (cards: ${result.cards.map(ruleOf).join(', ')})`);
      return card;
    },
  };
}

/** Facts computed for the fixture with the rule set (and site parameters) it ran with. */
async function factsOf(fixture: Fixture, names: string[]): Promise<Record<string, FactValue>> {
  const ruleSet = (compiledForFixture(compiled, fixture) as CompiledRuleSet).ruleSet;
  const read = factsFor(fixture, { ruleSet, hook: fixture.hook, now: new Date(fixture.now) });
  const out: Record<string, FactValue> = {};
  for (const name of names) out[name] = await read(name);
  return out;
}

const SI_CARD_RULES = ['mdsi-label-limitations', 'ketamine-iv-si-short-term', 'mdsi-no-oral-antidepressant'];

describe('ketamine-esketamine 1.2.0: the review findings, on the fixtures', () => {
  before(async () => {
    const loaded = loadRuleSetFile(`${DIR}/versions/1.2.0.json`);
    assert.ok(loaded.ruleSet);
    compiled = compileRuleSet(loaded.ruleSet);
    assert.equal(compiled.ruleSet.version, '1.2.0');
    fixtures = loadFixtures(`${DIR}/fixtures`).fixtures;
    for (const f of fixtures) {
      const c = compiledForFixture(compiled, f) as CompiledRuleSet;
      results.set(f.file, await c.evaluate({ hook: f.hook, context: fixtureContext(f, f.hook), record: fixtureToPatientRecord(f, f.hook), now: new Date(f.now), idSeed: f.name }));
    }
  });

  describe('1. suicidal ideation is never silenced by the indication tie-break', () => {
    it('TRD + SI 2 days ago + esketamine 84 mg at order-select: the SI card, and the tie is explained (declared priority, not list order)', () => {
      const o = outcome('si-trd-esketamine-84mg-order-select-fires');
      const si = o.card('mdsi-label-limitations');
      assert.equal(si.indicator, 'warning');
      assert.match(si.summary, /not shown to prevent suicide or reduce SI; it does not replace hospitalisation/);
      assert.match(si.detail ?? '', /for that indication the 84 mg start is the labelled dose, not a dosing error/);
      assert.match(si.detail ?? '', /R45\.851/);
      const evidence = o.card('evidence-mdd-si');
      assert.match(evidence.detail ?? '', /Same base score \(3\) as Treatment-resistant depression: Major depression with acute suicidal ideation is preferred by the evidence model's declared priority/);
      assert.equal(explanation(evidence).evidence?.score, 3, 'no urgency bonus: 3, not 3.5');
    });

    it('mid-course (fourth 84 mg dose, SI 10 days ago): the SI card at every signing while SI is acute; no REMS or first-dose card', () => {
      assert.deepEqual(outcome('si-mdsi-course-fourth-dose-order-sign-fires').result.cards.map(ruleOf), ['mdsi-label-limitations']);
    });

    it('the same patient at order-sign: no "84 mg is not the day-1 dose" warning; SI card and REMS card', () => {
      const o = outcome('si-trd-esketamine-84mg-order-sign-fires');
      assert.deepEqual(o.result.cards.map(ruleOf).sort(), ['esketamine-rems-monitoring', 'mdsi-label-limitations']);
    });

    it('bipolar depression with acute SI and a first dose of 84 mg: the SI card, and the first-dose warning stays (the 84 mg start is labelled for major depression only)', () => {
      const o = outcome('si-bipolar-depression-84mg-first-dose-fires');
      assert.ok(o.card('mdsi-label-limitations'));
      assert.match(o.card('esketamine-first-dose-adult').summary, /^First esketamine dose 84 mg: the label starts at 56 mg/);
    });

    it('IV ketamine with acute SI (PTSD alone wins the evidence): relief lasts days, no substitute for admission or a safety plan', () => {
      const card = outcome('si-ptsd-alone-phq9-item9-iv-order-select-fires').card('ketamine-iv-si-short-term');
      assert.equal(card.indicator, 'warning');
      assert.match(card.summary, /lasts days \(about a week, IV data\); no substitute for admission or a safety plan/);
    });

    it('never silent: every order fixture with an acute SI signal and a psychiatric product order shows an SI card', async () => {
      let withSignal = 0;
      for (const f of fixtures.filter((x) => x.hook === 'order-select' || x.hook === 'order-sign')) {
        const facts = await factsOf(f, ['order', 'acuteSiCondition', 'phq9Item9', 'cssrsPositive']);
        const order = facts.order;
        if (!order?.present || order.psychiatricContext === false) continue;
        const signal = facts.acuteSiCondition.present === true || (typeof facts.phq9Item9.value === 'number' && facts.phq9Item9.value > 0) || facts.cssrsPositive.present === true;
        const shown = results.get(f.file)!.cards.some((c) => SI_CARD_RULES.includes(ruleOf(c)));
        assert.equal(shown, signal, `${f.name}: SI signal ${signal}, SI card ${shown}`);
        if (signal) withSignal++;
      }
      assert.ok(withSignal >= 8, `only ${withSignal} fixtures with an SI signal`);
    });

    it('no evidence modifier raises a score (an urgency modifier is never shown as stronger evidence), and no tie is left to list order', () => {
      const model = compiled.ruleSet.evidence!;
      assert.deepEqual(model.modifiers.filter((m) => m.delta > 0).map((m) => m.id), []);
      assert.equal(model.tieBreak, 'priority');
      assert.equal(new Set(model.indications.map((i) => i.priority)).size, model.indications.length);
    });
  });

  describe('2. current mania or psychosis', () => {
    it('a current hypomanic episode: "not indicated; may worsen mania or psychosis", not "no documented indication"', () => {
      const o = outcome('mania-hypomanic-episode-iv-fires');
      assert.match(o.card('current-mania-or-hypomania').summary, /^Current manic, hypomanic or mixed episode \(F31\.0\): not indicated; may worsen mania or psychosis$/);
      assert.ok(!o.result.cards.some((c) => ruleOf(c) === 'no-documented-indication'));
    });

    it('bipolar codes with psychotic features raise the psychosis caution', () => {
      assert.match(outcome('mania-mixed-psychotic-esketamine-fires').card('caution-psychosis').summary, /F31\.64/);
      assert.match(outcome('psychosis-bipolar-depression-psychotic-features-fires').card('caution-psychosis').summary, /F31\.5/);
    });
  });

  it('3. IV ketamine under 18: a warning naming the age and the trial population', () => {
    const card = outcome('iv-ketamine-age-17-fires').card('ketamine-iv-under-18');
    assert.equal(card.indicator, 'warning');
    assert.equal(card.summary, 'Ketamine at 17 years: off-label and outside every trial population (ELEKT-D enrolled 21-75)');
  });

  describe('4. hepatic impairment and the relative-cautions card', () => {
    it('alcoholic cirrhosis K70.30 is hepatic impairment, a warning naming the code', () => {
      const card = outcome('hepatic-alcoholic-cirrhosis-k70-30-fires').card('caution-hepatic-impairment');
      assert.equal(card.indicator, 'warning');
      assert.match(card.summary, /^Hepatic impairment on record \(K70\.30\)/);
    });

    it('several cautions: the summary names each one found (not a count), the detail has only their advice', () => {
      const card = outcome('relative-cautions-older-adult-several-fires').card('caution-cardiovascular');
      assert.equal(card.summary, 'Relative cautions: cardiovascular, raised ICP, cystitis, dementia/MCI; weigh benefit vs risk');
      const headings = [...(card.detail ?? '').matchAll(/^### (.+)$/gm)].map((m) => m[1]);
      assert.deepEqual(headings, ['Cardiovascular', 'Raised ICP', 'Cystitis', 'Dementia/MCI']);
      assert.doesNotMatch(card.detail ?? '', /Child-Pugh|may worsen psychosis|Schedule III/);
    });
  });

  describe('5. substance use', () => {
    it('a use disorder in remission (code or status) is a caution, never critical; no duplicate caution card', () => {
      for (const name of ['ketamine-use-disorder-remission-near-miss', 'sud-ketamine-dependence-in-remission-near-miss', 'sud-remission-code-active-status-near-miss', 'sud-hallucinogen-f16-active-caution-near-miss']) {
        const o = outcome(name);
        assert.ok(!o.result.cards.some((c) => c.indicator === 'critical'), name);
        assert.equal(o.result.cards.filter((c) => /substance use|use disorder/i.test(c.summary)).length, 1, name);
      }
      const active = outcome('ketamine-use-disorder-fires');
      assert.deepEqual(active.result.cards.filter((c) => c.indicator !== 'info').map(ruleOf), ['ketamine-use-disorder']);
    });
  });

  describe('6. schedule arithmetic in calendar days', () => {
    it('frequency messages state the right count: ordered 7 per week, 3 doses, 4 infusions; never "1 doses"', () => {
      assert.equal(outcome('frequency-esketamine-daily-order-fires').card('esketamine-ordered-frequency-above-label').summary, 'Esketamine ordered 7 per week: the label allows at most twice weekly');
      assert.match(outcome('calendar-esketamine-third-dose-in-7-calendar-days-fires').card('esketamine-frequency-above-label').summary, /^Esketamine: 3 doses in 7 calendar days with this one/);
      assert.match(outcome('calendar-iv-fourth-infusion-in-7-calendar-days-fires').card('ketamine-iv-frequency-above-studied').summary, /^IV ketamine: 4 infusions in 7 calendar days/);
      for (const [file, r] of results) for (const c of r.cards) assert.doesNotMatch(c.summary, /\b1 doses\b|\b1 infusions\b/, file);
    });

    it('labelled and studied schedules at any time of day, in UTC and in New York, raise no frequency or too-soon card', () => {
      for (const name of [
        'calendar-esketamine-mon-thu-evening-morning-near-miss',
        'calendar-iv-mon-wed-fri-evening-then-monday-morning-near-miss',
        'calendar-week5-first-weekly-dose-response-fires',
        'calendar-maintenance-return-to-twice-weekly-near-miss',
        'calendar-new-york-late-evening-then-morning-near-miss',
        'calendar-new-york-dst-spring-forward-near-miss',
        'calendar-new-york-dst-fall-back-near-miss',
        'calendar-new-york-iv-evening-sessions-near-miss',
        'calendar-new-york-appointment-wednesday-morning-near-miss',
      ]) {
        const cards = outcome(name).result.cards.map(ruleOf);
        assert.deepEqual(cards.filter((id) => /frequency|too-soon/.test(id)), [], name);
      }
    });

    it('patient-view in New York: 23:30 on the 10th calendar day is due, 00:30 on the 11th is overdue', () => {
      assert.match(outcome('calendar-new-york-weekly-due-late-evening-near-miss').card('dose-due').summary, /^Next dose due 2026-02-23 \(last 2026-02-16;/);
      assert.match(outcome('calendar-new-york-weekly-overdue-after-midnight-fires').card('dose-overdue').summary, /last dose 2026-02-16 \(11 days\)/);
    });

    it('the facility time zone decides: the same instants are 2 days apart in New York and 1 in UTC', () => {
      assert.equal(outcome('calendar-new-york-late-evening-then-morning-near-miss').fixture.parameters?.['facility-time-zone'], 'America/New_York');
      const utc = outcome('calendar-utc-same-instants-too-soon-fires');
      assert.equal(utc.fixture.parameters, undefined);
      assert.match(utc.card('dose-too-soon').summary, /1 day\(s\) ago; minimum interval 2 days/);
      assert.equal(compiled.ruleSet.parameters['facility-time-zone'].value, 'UTC', 'the rule set default');
    });
  });

  describe('7. IV ketamine has no labelled maintenance schedule', () => {
    it('past the typical response: one card that says to reassess, never overdue or late', () => {
      for (const name of ['iv-past-duration-patient-view-one-card-fires', 'iv-past-duration-appointment-not-late-near-miss']) {
        const o = outcome(name);
        assert.deepEqual(o.result.cards.map(ruleOf), ['past-duration-of-response'], name);
        assert.match(o.result.cards[0].summary, /reassess, no automatic booster/);
      }
    });

    it('no IV ketamine fixture ever says overdue or later than the schedule', () => {
      for (const f of fixtures.filter((x) => (x.data?.administrations ?? []).some((a) => String((a as { code: string }).code) === 'rxnorm:6130'))) {
        for (const c of results.get(f.file)!.cards) assert.doesNotMatch(`${c.summary} ${c.detail ?? ''}`, /overdue|later than the schedule/i, f.name);
      }
    });
  });

  it('8. the end-of-induction checkpoint at order-sign: response, and a warning to reassess without one', () => {
    assert.match(outcome('calendar-week5-first-weekly-dose-response-fires').card('induction-checkpoint-response').summary, /PHQ-9 20 -> 8 \(-60%\), response/);
    const none = outcome('checkpoint-order-sign-no-response-fires').card('induction-checkpoint-no-response');
    assert.equal(none.indicator, 'warning');
    assert.match(none.summary, /PHQ-9 20 -> 15 \(-25%\), less than 50% better; reassess before continuing/);
  });

  describe('9. hook placement', () => {
    it('order-select prefetches care teams, encounters and referrals (mental-health engagement) and the C-SSRS', () => {
      const select = compiled.services.find((s) => s.hook === 'order-select')!;
      for (const key of ['careTeams', 'encounters', 'referrals']) assert.ok(select.prefetch?.[key], key);
      assert.match(select.prefetch!.observations, /93246-7/);
      assert.deepEqual(outcome('engagement-order-select-none-fires').result.cards.map(ruleOf).sort(), ['evidence-trd', 'no-mental-health-engagement']);
    });

    it('a compounded troche at order-select: the home/compounded warning with the troche\'s own evidence (score 1, not the IV 2.5)', () => {
      const o = outcome('home-troche-order-select-own-evidence-fires');
      assert.equal(o.card('home-compounded-ketamine').indicator, 'warning');
      assert.match(o.card('home-compounded-ketamine').detail ?? '', /Evidence for this product: Treatment-resistant depression: insufficient: off-label, document the rationale \(score 1, off-label\)/);
      assert.equal(explanation(o.card('evidence-trd')).evidence?.score, 1);
    });

    it('the 12-month review shows at order-sign', () => {
      assert.match(outcome('long-term-review-order-sign-fires').card('long-term-treatment-review').summary, /over 12 months/);
    });
  });

  describe('10. noise and wording', () => {
    it('the REMS card only at the start of a course (first dose or after a lapse)', () => {
      assert.ok(outcome('rems-after-lapse-fires').card('esketamine-rems-monitoring'));
      for (const name of ['calendar-esketamine-mon-thu-evening-morning-near-miss', 'dose-esketamine-84-in-course-near-miss', 'frequency-two-days-after-near-miss']) {
        assert.ok(!outcome(name).result.cards.some((c) => ruleOf(c) === 'esketamine-rems-monitoring'), name);
      }
    });

    it('blood-pressure wording names the component that crossed the threshold', () => {
      assert.match(outcome('bp-diastolic-96-caution-fires').card('bp-diastolic-above-caution-threshold').summary, /^Diastolic BP 96 mmHg \(136\/96 on 2026-02-27\) is above 90/);
      assert.match(outcome('bp-diastolic-104-stop-fires').card('bp-diastolic-above-stop-threshold').summary, /^Do not give today: diastolic BP 104 mmHg/);
      assert.match(outcome('bp-186-108-both-stop-fires').card('bp-both-above-stop-threshold').summary, /systolic and diastolic BP 186\/108 mmHg/);
    });

    it('no mg/kg anywhere in an esketamine card', () => {
      let esketamineCards = 0;
      for (const r of results.values()) {
        for (const c of r.cards) {
          const order = explanation(c).facts.find((f) => f.name === 'order')?.value;
          if (order?.product !== 'esketamine') continue;
          esketamineCards++;
          assert.doesNotMatch(`${c.summary}\n${c.detail ?? ''}`, /mg\/kg/, c.summary);
        }
      }
      assert.ok(esketamineCards > 20);
    });

    it('"restarts induction" is tagged as judgement, like its course gap', () => {
      const card = outcome('maintenance-course-lapsed-fires').card('course-lapsed');
      assert.match(card.summary, /restart with induction \(judgement\)/);
      assert.match(card.detail ?? '', /_Certainty: judgement - both the course gaps .* and restarting with induction after them\._/);
    });

    it('an unweighed high IV dose is a warning; a modest one stays the "weigh the patient" item', () => {
      assert.equal(outcome('iv-dose-60mg-no-weight-fires').card('ketamine-iv-dose-unweighed-high').indicator, 'warning');
      assert.ok(!outcome('iv-dose-40mg-no-weight-near-miss').result.cards.some((c) => c.indicator !== 'info'));
    });
  });
});
