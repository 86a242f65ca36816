import assert from 'node:assert/strict';
import type { CompactFixture } from '../../engine/fixtures/compact-types.js';
import { fact, fixture } from './support/harness.js';
import { factsRuleSet } from './support/facts-rule-set.js';

// NOW = 2026-11-01T12:00Z. Esketamine schedule (test rule set): induction interval 3 / minimum 2, weekly from
// day 28 (7 / 5), every 2 weeks from day 56 (14 / 6); grace 3; course gap 28; max 2 per week; checkpoint 8
// doses or 28 days. IV ketamine: induction 2 / 1, maintenance from day 21 (18 / 7); gap 60; max 3 per week;
// checkpoint 6 doses or 21 days; duration of response trd 18, ptsd 27.
const ESKETAMINE_ORDER = { code: 'rxnorm:2201625', route: 'snomed:46713006', dose: '56 mg' };
const KETAMINE_ORDER = { code: 'rxnorm:6130', route: 'snomed:47625008', dose: '0.5 mg/kg' };

function esketamineDoses(...dates: string[]) {
  return dates.map((date) => ({ code: 'rxnorm:2201625', date }));
}

function timing(f: CompactFixture, hook: 'order-select' | 'order-sign' | 'patient-view' | 'appointment-book' = 'order-sign') {
  return fact(f, 'timing', { hook });
}

describe('fact kind: maintenanceTiming', () => {
  it('no previous doses: not-started, first phase, the proposed dose counts in the last 7 days', async () => {
    const v = await timing(fixture({ order: ESKETAMINE_ORDER }));
    assert.equal(v.present, true);
    assert.equal(v.schedule, 'esketamine');
    assert.equal(v.status, 'not-started');
    assert.equal(v.started, false);
    assert.equal(v.phase, 'induction');
    assert.equal(v.inInduction, true);
    assert.equal(v.dosesLast7Days, 1);
    assert.equal(v.lastDose, null);
    assert.equal(v.text, 'No previous Esketamine (label schedule) doses recorded: the dose starts Induction (weeks 1-4)');
  });

  it('status by days since the last dose: too-soon (1 < 2), not-yet-due (2), due (3..6), overdue (7)', async () => {
    const cases: Array<[string, string, number]> = [
      ['2026-10-31', 'too-soon', 1],
      ['2026-10-30', 'not-yet-due', 2],
      ['2026-10-29', 'due', 3],
      ['2026-10-26', 'due', 6],
      ['2026-10-25', 'overdue', 7],
    ];
    for (const [last, status, days] of cases) {
      const v = await timing(fixture({ order: ESKETAMINE_ORDER, data: { administrations: esketamineDoses('2026-10-22', last) } }));
      assert.equal(v.status, status, last);
      assert.equal(v.daysSinceLast, days, last);
      assert.equal(v.dosesInCourse, 2);
      assert.equal(v.courseStart, '2026-10-22');
    }
    const due = await timing(fixture({ order: ESKETAMINE_ORDER, data: { administrations: esketamineDoses('2026-10-25', '2026-10-29') } }));
    assert.equal(due.nextDue, '2026-11-01');
    assert.equal(due.nextDueInDays, 0);
    assert.equal(due.text, 'Dose 3 of the course started 2026-10-25 (day 7, Induction (weeks 1-4)); last dose 2026-10-29 (3 days before); next due 2026-11-01: due');
    assert.deepEqual(due.refs, ['MedicationAdministration/admin-1', 'MedicationAdministration/admin-2']);
  });

  it('too soon and too frequent: 2 doses in the last 7 days plus the proposed one exceed 2 per week', async () => {
    const v = await timing(fixture({ order: ESKETAMINE_ORDER, data: { administrations: esketamineDoses('2026-10-28', '2026-10-31') } }));
    assert.equal(v.status, 'too-soon');
    assert.equal(v.dosesLast7Days, 3);
    assert.equal(v.maxDosesPerWeek, 2);
    assert.equal(v.exceedsMaxFrequency, true);
  });

  it('a gap longer than courseGapDays (31 > 28) lapses the course: new induction', async () => {
    const v = await timing(fixture({ order: ESKETAMINE_ORDER, data: { administrations: esketamineDoses('2026-09-20', '2026-10-01') } }));
    assert.equal(v.status, 'lapsed');
    assert.equal(v.started, true);
    assert.equal(v.phase, 'induction');
    assert.equal(v.dosesInCourse, 0);
    assert.equal(v.courseStart, null);
    assert.equal(v.lastDose, '2026-10-01');
    assert.equal(v.daysSinceLast, 31);
    assert.equal(v.inductionCheckpointReached, false);
    assert.deepEqual(v.refs, ['MedicationAdministration/admin-2']);
  });

  it('induction checkpoint: reached with the 8th dose (day 31, weekly phase); not after 4 doses in 10 days', async () => {
    const eight = await timing(
      fixture({
        order: ESKETAMINE_ORDER,
        data: { administrations: esketamineDoses('2026-10-01', '2026-10-04', '2026-10-08', '2026-10-11', '2026-10-15', '2026-10-18', '2026-10-22', '2026-10-25') },
      }),
    );
    assert.equal(eight.dosesInCourse, 8);
    assert.equal(eight.courseDay, 31);
    assert.equal(eight.phase, 'weekly');
    assert.equal(eight.inInduction, false);
    assert.equal(eight.status, 'due', '7 days since the last dose, weekly interval');
    assert.equal(eight.inductionCheckpointReached, true);
    assert.equal(eight.atInductionCheckpoint, true, 'first proposed dose after the checkpoint');

    const four = await timing(fixture({ order: ESKETAMINE_ORDER, data: { administrations: esketamineDoses('2026-10-22', '2026-10-25', '2026-10-29') } }));
    assert.equal(four.inductionCheckpointReached, false);
    assert.equal(four.atInductionCheckpoint, false);
  });

  it('checkpoint by days: day 28 of a course with fewer doses', async () => {
    const v = await timing(fixture({ order: ESKETAMINE_ORDER, data: { administrations: esketamineDoses('2026-10-04', '2026-10-11', '2026-10-18', '2026-10-25') } }));
    assert.equal(v.courseDay, 28);
    assert.equal(v.inductionCheckpointReached, true);
    assert.equal(v.atInductionCheckpoint, true);
  });

  it('a MedicationAdministration and a Procedure on the same day are one dose', async () => {
    const v = await timing(
      fixture({
        order: ESKETAMINE_ORDER,
        data: {
          administrations: esketamineDoses('2026-10-29T10:00:00Z'),
          procedures: [{ code: 'http://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets|G2082', date: '2026-10-29T12:30:00Z' }],
        },
      }),
    );
    assert.equal(v.dosesInCourse, 1);
    assert.deepEqual(v.refs, ['MedicationAdministration/admin-1', 'Procedure/proc-1']);
  });

  it('appointment-book: timing of the proposed appointment (too-soon, on-schedule, late)', async () => {
    const history = { administrations: esketamineDoses('2026-10-27', '2026-10-30') };
    const cases: Array<[string, string, string, number]> = [
      ['2026-10-31T09:00:00Z', 'too-soon', 'too-soon', 1],
      ['2026-11-02T09:00:00Z', 'on-schedule', 'due', 3],
      ['2026-11-09T09:00:00Z', 'late', 'overdue', 10],
    ];
    for (const [start, appointmentStatus, status, days] of cases) {
      const v = await timing(fixture({ data: history, appointments: [{ start }] }), 'appointment-book');
      const appointment = v.appointment as Record<string, unknown>;
      assert.equal(appointment.present, true);
      assert.equal(appointment.status, appointmentStatus, start);
      assert.equal(appointment.daysAfterLastDose, days, start);
      assert.equal(v.status, status, start);
      assert.equal(v.proposedDate, start);
      assert.equal(v.daysSinceLast, 2, 'measured at now');
    }
    const soon = await timing(fixture({ data: history, appointments: [{ start: '2026-10-31T09:00:00Z' }] }), 'appointment-book');
    assert.equal((soon.appointment as { text: string }).text, 'appointment 2026-10-31 09:00 UTC is 1 day after the last dose (too-soon; interval 3 days, minimum 2)');
    assert.equal(soon.dosesLast7Days, 3, 'two recorded doses plus the appointment');
  });

  it('patient-view: schedule of the most recent administration, no proposed dose counted', async () => {
    const v = await timing(fixture({ data: { administrations: esketamineDoses('2026-10-27', '2026-10-30') } }), 'patient-view');
    assert.equal(v.schedule, 'esketamine');
    assert.equal(v.dosesLast7Days, 2);
    assert.equal((v.appointment as { present: boolean }).present, false);
  });

  it('no product: present false', async () => {
    const v = await timing(fixture({ order: { code: 'rxnorm:36437' } }));
    assert.equal(v.present, false);
    assert.deepEqual(v.refs, []);
  });

  it('IV ketamine after induction: duration of response for the evidence indication (PTSD 27 days) and score change', async () => {
    const f = fixture({
      order: KETAMINE_ORDER,
      data: {
        conditions: [{ code: 'icd10:F43.12', onset: '2024-01-01' }],
        administrations: ['2026-09-08', '2026-09-10', '2026-09-12', '2026-09-15', '2026-09-17', '2026-10-03'].map((date) => ({ code: 'rxnorm:6130', date })),
        observations: [
          { code: 'loinc:44261-6', value: 22, date: '2026-08-01' },
          { code: 'loinc:44261-6', value: 20, date: '2026-09-07' },
          { code: 'loinc:44261-6', value: 9, date: '2026-10-28' },
        ],
      },
    });
    const v = await timing(f);
    assert.equal(v.schedule, 'ketamineIv');
    assert.equal(v.phase, 'maintenance');
    assert.equal(v.daysSinceLast, 29);
    assert.equal(v.status, 'overdue', '29 > 18 + 3');
    assert.equal(v.durationOfResponseDays, 27);
    assert.equal(v.pastDurationOfResponse, true);
    assert.equal(v.inductionCheckpointReached, true);
    assert.equal(v.atInductionCheckpoint, false, 'the checkpoint was already reached at the last dose');
    assert.equal(v.baselineScore, 20);
    assert.equal(v.baselineDate, '2026-09-07');
    assert.equal(v.latestScore, 9);
    assert.equal(v.scoreChangePercent, -55);
    assert.equal(v.scoreText, 'score 20 on 2026-09-07 -> 9 on 2026-10-28 (-55%)');
    assert.ok((v.refs as string[]).includes('Observation/obs-2') && (v.refs as string[]).includes('Observation/obs-3'));
    assert.ok((v.refs as string[]).includes('Condition/cond-1'), 'refs of the evidence fact that chose the indication');
  });

  it('no baseline score before the course start: no change computed', async () => {
    const v = await timing(
      fixture({
        order: ESKETAMINE_ORDER,
        data: { administrations: esketamineDoses('2026-10-25', '2026-10-29'), observations: [{ code: 'loinc:44261-6', value: 12, date: '2026-10-28' }] },
      }),
    );
    assert.equal(v.baselineScore, null);
    assert.equal(v.scoreChangePercent, null);
    assert.equal(v.scoreText, 'no baseline score before the course start');
    assert.equal(v.remission, null, 'no remissionBelow declared');
  });

  it('remission with remissionBelow: the latest score after the baseline below it (PHQ-9 < 5); null without a latest score', async () => {
    const ruleSet = factsRuleSet();
    (ruleSet.facts.timing as Record<string, unknown>).remissionBelow = 5;
    const doses = esketamineDoses('2026-10-01', '2026-10-04', '2026-10-08');
    const withLatest = (latest: number) =>
      fixture({ order: ESKETAMINE_ORDER, data: { administrations: doses, observations: [{ code: 'loinc:44261-6', value: 20, date: '2026-09-30' }, { code: 'loinc:44261-6', value: latest, date: '2026-10-20' }] } });
    const four = await fact(withLatest(4), 'timing', { hook: 'order-sign', ruleSet });
    assert.equal(four.remissionBelow, 5);
    assert.equal(four.remission, true);
    assert.equal((await fact(withLatest(5), 'timing', { hook: 'order-sign', ruleSet })).remission, false, '5 is not below 5');
    const baselineOnly = fixture({ order: ESKETAMINE_ORDER, data: { administrations: doses, observations: [{ code: 'loinc:44261-6', value: 20, date: '2026-09-30' }] } });
    assert.equal((await fact(baselineOnly, 'timing', { hook: 'order-sign', ruleSet })).remission, null);
  });
});
