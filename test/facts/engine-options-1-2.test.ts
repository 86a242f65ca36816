/**
 * Fact-kind options added for rule set 1.2.0 (issue 14). Each is off by default, so rule sets written
 * before them keep their meaning (test/rules/published-versions.test.ts checks the bundled ones):
 *  - maintenanceTiming dayCounting "calendar" + timeZone: calendar days in the facility's zone;
 *  - schedule tracksDue false: never due, overdue or late;
 *  - evidence tieBreak "priority": ties decided by declared priority, never by list order;
 *  - condition withinDays; observation answerValueSet.
 */
import assert from 'node:assert/strict';
import type { CompactFixture } from '../../engine/fixtures/compact-types.js';
import type { RuleSet } from '../../engine/rule-set-types.js';
import { validateRuleSet } from '../../engine/validate-rule-set.js';
import { fact, fixture } from './support/harness.js';
import { factsRuleSet } from './support/facts-rule-set.js';

const ESKETAMINE_ORDER = { code: 'rxnorm:2201625', route: 'snomed:46713006', dose: '56 mg' };
const KETAMINE_ORDER = { code: 'rxnorm:6130', route: 'snomed:47625008', dose: '0.5 mg/kg' };

function doses(code: string, ...dates: string[]) {
  return dates.map((date) => ({ code, date }));
}

/** The facts test rule set with the timing fact counting calendar days in `timeZone`. */
function calendarRuleSet(timeZone: string, change: (rs: RuleSet) => void = () => undefined): RuleSet {
  const rs = factsRuleSet();
  rs.parameters.facilityTimeZone = { value: timeZone, description: 'Facility time zone', certainty: 'judgement', citations: ['brief'] };
  rs.facts.timing = { ...rs.facts.timing, dayCounting: 'calendar', timeZone: { param: 'facilityTimeZone' } };
  change(rs);
  return rs;
}

const UTC = calendarRuleSet('UTC');
const NEW_YORK = calendarRuleSet('America/New_York');

function timing(f: CompactFixture, ruleSet: RuleSet, now: string, hook: 'order-sign' | 'patient-view' | 'appointment-book' = 'order-sign') {
  return fact(f, 'timing', { hook, ruleSet, now: new Date(now) });
}

describe('maintenanceTiming: calendar day counting (1.2.0)', () => {
  it('Monday 18:00 -> Thursday 08:00 is 3 days (elapsed counting said 2); Thursday 19:30 -> Monday 07:45 is 4', async () => {
    // 2026-03-02 is a Monday.
    const f = fixture({ order: ESKETAMINE_ORDER, data: { administrations: doses('rxnorm:2201625', '2026-03-02T18:00:00Z') } });
    const calendar = await timing(f, UTC, '2026-03-05T08:00:00Z');
    assert.equal(calendar.daysSinceLastAtProposed, 3);
    const elapsed = await fact(f, 'timing', { hook: 'order-sign', now: new Date('2026-03-05T08:00:00Z') });
    assert.equal(elapsed.daysSinceLastAtProposed, 2, 'the default (elapsed) is unchanged');
    const g = fixture({ order: ESKETAMINE_ORDER, data: { administrations: doses('rxnorm:2201625', '2026-03-02T08:00:00Z', '2026-03-05T19:30:00Z') } });
    const monday = await timing(g, UTC, '2026-03-09T07:45:00Z');
    assert.equal(monday.daysSinceLastAtProposed, 4);
    assert.equal(monday.dosesLast7Days, 2, 'Thursday and this Monday: the previous Monday is 7 calendar days back');
    assert.equal(monday.exceedsMaxFrequency, false);
    const mondayElapsed = await fact(g, 'timing', { hook: 'order-sign', now: new Date('2026-03-09T07:45:00Z') });
    assert.equal(mondayElapsed.dosesLast7Days, 3, 'elapsed counting saw the Monday 08:00 dose 6.99 days back: the false alarm of finding 6');
  });

  it('IV Monday/Wednesday/Friday: the next Monday evening makes 3 in 7 calendar days, never 4', async () => {
    const rs = calendarRuleSet('UTC');
    const f = fixture({ order: KETAMINE_ORDER, data: { administrations: doses('rxnorm:6130', '2026-03-02T07:00:00Z', '2026-03-04T12:00:00Z', '2026-03-06T17:00:00Z') } });
    const v = await timing(f, rs, '2026-03-09T21:00:00Z');
    assert.equal(v.dosesLast7Days, 3);
    assert.equal(v.exceedsMaxFrequency, false);
  });

  it('America/New_York: a 21:00 EST session is that calendar day there (02:00 UTC the next day)', async () => {
    // Tuesday 2026-03-03 21:00 EST = 2026-03-04T02:00Z; Friday 2026-03-06 08:00 EST = 13:00Z.
    const f = fixture({ order: ESKETAMINE_ORDER, data: { administrations: doses('rxnorm:2201625', '2026-03-04T02:00:00Z') } });
    const ny = await timing(f, NEW_YORK, '2026-03-06T13:00:00Z');
    assert.equal(ny.lastDose, '2026-03-03');
    assert.equal(ny.daysSinceLastAtProposed, 3, 'Tuesday -> Friday in New York');
    const utc = await timing(f, UTC, '2026-03-06T13:00:00Z');
    assert.equal(utc.lastDose, '2026-03-04');
    assert.equal(utc.daysSinceLastAtProposed, 2, 'the same instants in UTC are Wednesday -> Friday');
  });

  it('America/New_York across the spring DST change (2026-03-08): Saturday 23:30 EST -> Monday 00:30 EDT is 2 days', async () => {
    // 2026-03-07 23:30 EST = 2026-03-08T04:30Z; 2026-03-09 00:30 EDT = 2026-03-09T04:30Z (23 h of clock time later... 24 h elapsed).
    const f = fixture({ order: ESKETAMINE_ORDER, data: { administrations: doses('rxnorm:2201625', '2026-03-08T04:30:00Z') } });
    const v = await timing(f, NEW_YORK, '2026-03-09T04:30:00Z');
    assert.equal(v.lastDose, '2026-03-07');
    assert.equal(v.daysSinceLastAtProposed, 2);
    assert.equal(v.status, 'not-yet-due');
  });

  it('a FHIR date without a time is its own calendar day in any zone', async () => {
    const f = fixture({ order: ESKETAMINE_ORDER, data: { administrations: doses('rxnorm:2201625', '2026-03-02') } });
    const v = await timing(f, NEW_YORK, '2026-03-05T15:00:00Z');
    assert.equal(v.lastDose, '2026-03-02');
    assert.equal(v.daysSinceLastAtProposed, 3);
  });

  it('two records on the same New York evening are one dose', async () => {
    const f = fixture({
      order: ESKETAMINE_ORDER,
      data: { administrations: doses('rxnorm:2201625', '2026-03-03T23:00:00Z', '2026-03-04T01:30:00Z') },
    });
    const v = await timing(f, NEW_YORK, '2026-03-06T15:00:00Z');
    assert.equal(v.dosesInCourse, 1);
  });

  it('validation reports an unknown facility time zone with its pointer', () => {
    const problems = validateRuleSet(calendarRuleSet('Mars/Olympus_Mons'), { file: 'x.json' }).map((p) => `${p.pointer} ${p.message}`);
    assert.ok(problems.some((p) => p.startsWith('/facts/timing/timeZone "Mars/Olympus_Mons" is not an IANA time zone name')), problems.join('\n'));
    assert.deepEqual(validateRuleSet(NEW_YORK, { file: 'x.json' }), []);
  });

  it('an unknown time zone is a clear error naming the parameter', async () => {
    const f = fixture({ order: ESKETAMINE_ORDER, data: { administrations: doses('rxnorm:2201625', '2026-03-02') } });
    await assert.rejects(timing(f, calendarRuleSet('Mars/Olympus_Mons'), '2026-03-05T15:00:00Z'), /timeZone.*Mars\/Olympus_Mons.*IANA/);
  });
});

describe('maintenanceTiming: schedule tracksDue false (1.2.0)', () => {
  const noDue = calendarRuleSet('UTC', (rs) => {
    rs.schedules.ketamineIv.tracksDue = false;
  });

  it('IV ketamine 40 days after the last infusion: no-interval (never overdue), no next due date', async () => {
    const f = fixture({ data: { administrations: doses('rxnorm:6130', '2026-02-01T09:00:00Z', '2026-02-20T09:00:00Z') } });
    const v = await timing(f, noDue, '2026-04-01T09:00:00Z', 'patient-view');
    assert.equal(v.status, 'no-interval');
    assert.equal(v.nextDue, null);
    assert.equal(v.pastDurationOfResponse, null, 'no evidence indication in this record');
    const tracked = await timing(f, UTC, '2026-04-01T09:00:00Z', 'patient-view');
    assert.equal(tracked.status, 'overdue', 'the same schedule with tracksDue (default) is overdue');
  });

  it('a proposed appointment is never late; too soon still is', async () => {
    const late = fixture({ data: { administrations: doses('rxnorm:6130', '2026-02-01', '2026-02-20') }, appointments: [{ start: '2026-04-20T09:00:00Z' }] });
    const v = await timing(late, noDue, '2026-04-01T09:00:00Z', 'appointment-book');
    assert.equal((v.appointment as { status: string }).status, 'on-schedule');
    assert.match((v.appointment as { text: string }).text, /no labelled interval/);
    const soon = fixture({ data: { administrations: doses('rxnorm:6130', '2026-03-30') }, appointments: [{ start: '2026-03-30T15:00:00Z' }] });
    const s = await timing(soon, noDue, '2026-03-30T10:00:00Z', 'appointment-book');
    assert.equal((s.appointment as { status: string }).status, 'too-soon');
  });
});

function tiedRuleSet(tieBreak: 'list-order' | 'priority' | undefined, priorities: [number | undefined, number | undefined]): RuleSet {
  const rs = factsRuleSet();
  const [trd, ptsd] = rs.evidence!.indications;
  trd.baseScore = { esketamine: 2, ketamine: 2 };
  if (priorities[0] !== undefined) trd.priority = priorities[0];
  if (priorities[1] !== undefined) ptsd.priority = priorities[1];
  if (tieBreak) rs.evidence!.tieBreak = tieBreak;
  return rs;
}

describe('evidence: tieBreak "priority" (1.2.0)', () => {
  const tied = fixture({
    order: ESKETAMINE_ORDER,
    data: {
      conditions: [{ code: 'icd10:F33.2', onset: '2025-01-01' }, { code: 'icd10:F43.12', onset: '2024-01-01' }],
      medications: [
        { code: 'rxnorm:36437', start: '2025-02-01', end: '2025-05-01' },
        { code: 'rxnorm:321988', start: '2025-06-01', end: '2025-09-01' },
      ],
    },
  });

  it('equal base scores: the declared priority decides, whatever the list order, and tieText says so', async () => {
    const v = await fact(tied, 'evidence', { ruleSet: tiedRuleSet('priority', [1, 2]) });
    assert.equal(v.indication, 'ptsd');
    assert.match(String(v.tieText), /^Same base score \(2\) as Treatment-resistant depression: PTSD is preferred by the evidence model's declared priority$/);
    const w = await fact(tied, 'evidence', { ruleSet: tiedRuleSet('priority', [2, 1]) });
    assert.equal(w.indication, 'trd');
  });

  it('default (list-order): the earlier indication, as before, and tieText names the list order', async () => {
    const v = await fact(tied, 'evidence', { ruleSet: tiedRuleSet(undefined, [undefined, undefined]) });
    assert.equal(v.indication, 'trd');
    assert.match(String(v.tieText), /comes first in the evidence model/);
  });

  it('no tie: tieText is empty', async () => {
    const v = await fact(tied, 'evidence');
    assert.equal(v.indication, 'trd');
    assert.equal(v.tieText, '');
  });

  it('validation: with tieBreak "priority" every indication needs a priority, and priorities must differ', () => {
    const missing = validateRuleSet(tiedRuleSet('priority', [1, undefined]), { file: 'x.json' }).map((p) => `${p.pointer} ${p.message}`);
    assert.ok(missing.some((m) => m.startsWith('/evidence/indications/1/priority with tieBreak "priority" every indication needs a priority')), missing.join('\n'));
    const same = validateRuleSet(tiedRuleSet('priority', [1, 1]), { file: 'x.json' }).map((p) => `${p.pointer} ${p.message}`);
    assert.ok(same.some((m) => m.startsWith('/evidence/indications/1/priority priority 1 is also the priority of /evidence/indications/0')), same.join('\n'));
    assert.deepEqual(validateRuleSet(tiedRuleSet('priority', [1, 2]), { file: 'x.json' }), []);
  });
});

describe('condition withinDays and observation answerValueSet (1.2.0)', () => {
  function withRecentFacts(): RuleSet {
    const rs = factsRuleSet();
    rs.facts.recentMdd = { kind: 'condition', valueSet: 'mdd', clinicalStatus: 'history', withinDays: 30 };
    return rs;
  }

  it('condition withinDays: onset or recordedDate at most N days old counts; older or undated does not', async () => {
    const rs = withRecentFacts();
    const recentOnset = await fact(fixture({ data: { conditions: [{ code: 'icd10:F33.2', onset: '2026-10-10' }] } }), 'recentMdd', { ruleSet: rs });
    assert.equal(recentOnset.present, true);
    const recentRecord = await fact(fixture({ data: { conditions: [{ code: 'icd10:F33.2', onset: '2020-01-01', recorded: '2026-10-30' }] } }), 'recentMdd', { ruleSet: rs });
    assert.equal(recentRecord.present, true);
    const old = await fact(fixture({ data: { conditions: [{ code: 'icd10:F33.2', onset: '2026-09-30', recorded: '2026-09-30' }] } }), 'recentMdd', { ruleSet: rs });
    assert.equal(old.present, false, '32 days before NOW (2026-11-01)');
  });

  it('observation answerValueSet: any item answered yes in the window, even when a later item is no', async () => {
    const rs = factsRuleSet();
    rs.valueSets.screenItems = {
      title: 'Screen items',
      certainty: 'sourced',
      citations: ['brief'],
      include: [{ system: 'http://loinc.org', version: '2.80', codes: [{ code: '93246-7' }, { code: '93247-5' }] }],
    };
    rs.valueSets.yes = { title: 'Yes', certainty: 'unverified', citations: ['brief'], include: [{ system: 'http://loinc.org', version: '2.80', codes: [{ code: 'LA33-6' }] }] };
    rs.facts.screenPositive = { kind: 'observation', valueSet: 'screenItems', answerValueSet: 'yes', withinDays: 30 };
    const positive = fixture({
      data: {
        observations: [
          { code: 'loinc:93246-7', answer: 'loinc:LA33-6', date: '2026-10-20T10:00:00Z' },
          { code: 'loinc:93247-5', answer: 'loinc:LA32-8', date: '2026-10-20T10:01:00Z' },
        ],
      },
    });
    const v = await fact(positive, 'screenPositive', { ruleSet: rs });
    assert.equal(v.present, true);
    assert.equal(v.code, '93246-7');
    const negative = fixture({ data: { observations: [{ code: 'loinc:93246-7', answer: 'loinc:LA32-8', date: '2026-10-20T10:00:00Z' }] } });
    assert.equal((await fact(negative, 'screenPositive', { ruleSet: rs })).present, false);
    const old = fixture({ data: { observations: [{ code: 'loinc:93246-7', answer: 'loinc:LA33-6', date: '2026-09-01T10:00:00Z' }] } });
    assert.equal((await fact(old, 'screenPositive', { ruleSet: rs })).present, false);
  });
});
