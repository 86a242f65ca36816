import assert from 'node:assert/strict';
import { fact, fixture } from './support/harness.js';

describe('fact kind: patient', () => {
  it('age in whole years at now, sex, refs', async () => {
    // NOW is 2026-11-01: born 1981-06-15 -> 45.
    const v = await fact(fixture({}), 'patient');
    assert.equal(v.present, true);
    assert.equal(v.age, 45);
    assert.equal(v.sex, 'female');
    assert.equal(v.ageText, '45 years');
    assert.deepEqual(v.refs, ['Patient/pat-1']);
  });

  it('counts the birthday itself: the day before is one year younger', async () => {
    const patient = { id: 'p2', gender: 'male' as const, birthDate: '2008-11-01' };
    assert.equal((await fact(fixture({ patient }), 'patient')).age, 18);
    assert.equal((await fact(fixture({ patient }), 'patient', { now: new Date('2026-10-31T23:59:59Z') })).age, 17);
  });

  it('unknown birthDate gives age null', async () => {
    const v = await fact(fixture({ patient: { id: 'p3', gender: 'other' } }), 'patient');
    assert.equal(v.age, null);
    assert.equal(v.ageText, 'age unknown');
    assert.equal(v.sex, 'other');
  });
});

describe('fact kind: patient — id and reference for suggested resources', () => {
  it('id and "Patient/<id>"', async () => {
    const v = await fact(fixture({}), 'patient');
    assert.equal(v.id, 'pat-1');
    assert.equal(v.reference, 'Patient/pat-1');
  });
});
