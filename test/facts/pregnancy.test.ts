import assert from 'node:assert/strict';
import type { CompactObservation } from '../../engine/fixtures/compact-types.js';
import { fact, fixture } from './support/harness.js';

function withObservations(observations: CompactObservation[], conditions: Array<{ code: string }> = []) {
  return fact(fixture({ data: { observations, conditions } }), 'pregnancy');
}

describe('fact kind: pregnancy', () => {
  it('no data for a woman of reproductive age: unknown and relevant', async () => {
    const v = await withObservations([]);
    assert.equal(v.status, 'unknown');
    assert.equal(v.known, false);
    assert.equal(v.pregnant, false);
    assert.equal(v.relevant, true);
    assert.equal(v.lastTestDate, null);
    assert.equal(v.text, 'Pregnancy status unknown: no current result within 30 days (no hCG test recorded)');
    assert.deepEqual(v.refs, []);
  });

  it('a negative hCG within testValidDays: not pregnant', async () => {
    const v = await withObservations([{ code: 'loinc:2106-3', answer: 'snomed:260385009', date: '2026-10-27' }]);
    assert.equal(v.status, 'not-pregnant');
    assert.deepEqual(v.basis, ['test']);
    assert.equal(v.lastTestResult, 'negative');
    assert.equal(v.lastTestAgeDays, 5);
    assert.equal(v.lastTestCurrent, true);
    assert.equal(v.text, 'Not pregnant: negative hCG on 2026-10-27');
    assert.deepEqual(v.refs, ['Observation/obs-1']);
  });

  it('a negative hCG older than testValidDays (31 > 30 days): unknown, with the last test shown', async () => {
    const v = await withObservations([{ code: 'loinc:2106-3', answer: 'snomed:260385009', date: '2026-10-01' }]);
    assert.equal(v.status, 'unknown');
    assert.equal(v.lastTestAgeDays, 31);
    assert.equal(v.lastTestCurrent, false);
    assert.equal(v.text, 'Pregnancy status unknown: no current result within 30 days (last: negative hCG on 2026-10-01)');
  });

  it('a positive test, or a POS interpretation on a text result: pregnant', async () => {
    assert.equal((await withObservations([{ code: 'loinc:2106-3', answer: 'snomed:10828004', date: '2026-10-30' }])).status, 'pregnant');
    const interpreted = await withObservations([
      { code: 'loinc:2118-8', value: 'detected', date: '2026-10-30', interpretation: 'http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation|POS' },
    ]);
    assert.equal(interpreted.status, 'pregnant');
    assert.deepEqual(interpreted.basis, ['test']);
  });

  it('an active pregnancy condition wins over a newer negative test (conservative)', async () => {
    const v = await withObservations([{ code: 'loinc:2106-3', answer: 'snomed:260385009', date: '2026-10-31' }], [{ code: 'icd10:Z33.1' }]);
    assert.equal(v.status, 'pregnant');
    assert.deepEqual(v.basis, ['condition']);
    assert.equal(v.text, 'Pregnant: active pregnancy condition Z33.1');
    assert.deepEqual(v.refs, ['Condition/cond-1', 'Observation/obs-1']);
  });

  it('pregnancy-status observation answers count when current', async () => {
    const notPregnant = await withObservations([{ code: 'loinc:82810-3', answer: 'snomed:60001007', date: '2026-10-25' }]);
    assert.equal(notPregnant.status, 'not-pregnant');
    assert.deepEqual(notPregnant.basis, ['status-observation']);
    const stale = await withObservations([{ code: 'loinc:82810-3', answer: 'snomed:77386006', date: '2026-01-25' }]);
    assert.equal(stale.status, 'unknown');
  });

  it('a numeric hCG without quantitativePositiveMin is indeterminate', async () => {
    const v = await withObservations([{ code: 'loinc:21198-7', value: 3, unit: 'm[IU]/mL', date: '2026-10-30' }]);
    assert.equal(v.lastTestResult, 'indeterminate');
    assert.equal(v.status, 'unknown');
  });

  it('lactation from an active condition', async () => {
    const v = await withObservations([], [{ code: 'icd10:Z39.1' }]);
    assert.equal(v.lactating, true);
    assert.match(String(v.text), /; lactating$/);
  });

  it('relevant only for relevantGenders (default female) within the reproductive age range (12-55)', async () => {
    const male = await fact(fixture({ patient: { id: 'm', gender: 'male', birthDate: '1990-01-01' } }), 'pregnancy');
    assert.equal(male.relevant, false);
    const older = await fact(fixture({ patient: { id: 'o', gender: 'female', birthDate: '1970-01-01' } }), 'pregnancy');
    assert.equal(older.relevant, false, '56 years old');
    const edge = await fact(fixture({ patient: { id: 'e', gender: 'female', birthDate: '1971-11-01' } }), 'pregnancy');
    assert.equal(edge.relevant, true, 'exactly 55 years old');
  });
});
