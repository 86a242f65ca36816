import assert from 'node:assert/strict';
import { fact, fixture } from './support/harness.js';

function separate(id: string, code: string, value: number, date: string) {
  return {
    resourceType: 'Observation',
    id,
    status: 'final',
    code: { coding: [{ system: 'http://loinc.org', code }] },
    effectiveDateTime: date,
    valueQuantity: { value, unit: 'mmHg', system: 'http://unitsofmeasure.org', code: 'mm[Hg]' },
  };
}

describe('fact kind: bloodPressure', () => {
  it('latest panel reading with components: values, date, age, text', async () => {
    const v = await fact(
      fixture({ data: { observations: [{ bp: '128/82', date: '2026-09-01' }, { bp: '152/94', date: '2026-10-30' }] } }),
      'bp',
    );
    assert.equal(v.present, true);
    assert.equal(v.systolic, 152);
    assert.equal(v.diastolic, 94);
    assert.equal(v.date, '2026-10-30');
    assert.equal(v.ageDays, 2);
    assert.equal(v.source, 'panel');
    assert.equal(v.text, '152/94 mmHg on 2026-10-30');
    assert.equal(v.count, 2);
    assert.deepEqual(v.refs, ['Observation/obs-2']);
  });

  it('separate systolic and diastolic Observations at the same instant make a reading; unpaired ones do not', async () => {
    const v = await fact(
      fixture({
        data: {
          observations: [{ bp: '120/80', date: '2026-10-01' }],
          resources: [
            separate('sbp-1', '8480-6', 184, '2026-10-31T08:00:00Z'),
            separate('dbp-1', '8462-4', 101, '2026-10-31T08:00:00Z'),
            separate('sbp-2', '8480-6', 200, '2026-10-31T20:00:00Z'), // no diastolic at that instant
          ],
        },
      }),
      'bp',
    );
    assert.equal(v.source, 'separate');
    assert.equal(v.text, '184/101 mmHg on 2026-10-31');
    assert.deepEqual(v.refs, ['Observation/sbp-1', 'Observation/dbp-1']);
    assert.equal(v.count, 2);
  });

  it('a panel missing its diastolic component is not a reading; kPa is converted', async () => {
    const v = await fact(
      fixture({
        data: {
          resources: [
            {
              resourceType: 'Observation',
              id: 'half',
              status: 'final',
              code: { coding: [{ system: 'http://loinc.org', code: '85354-9' }] },
              effectiveDateTime: '2026-10-31',
              component: [{ code: { coding: [{ system: 'http://loinc.org', code: '8480-6' }] }, valueQuantity: { value: 190, code: 'mm[Hg]' } }],
            },
            {
              resourceType: 'Observation',
              id: 'kpa',
              status: 'final',
              code: { coding: [{ system: 'http://loinc.org', code: '85354-9' }] },
              effectiveDateTime: '2026-10-29',
              component: [
                { code: { coding: [{ system: 'http://loinc.org', code: '8480-6' }] }, valueQuantity: { value: 20, code: 'kPa' } },
                { code: { coding: [{ system: 'http://loinc.org', code: '8462-4' }] }, valueQuantity: { value: 12, code: 'kPa' } },
              ],
            },
          ],
        },
      }),
      'bp',
    );
    assert.equal(v.text, '150/90 mmHg on 2026-10-29');
  });

  it('absent: present false and a readable text', async () => {
    const v = await fact(fixture({}), 'bp');
    assert.equal(v.present, false);
    assert.equal(v.systolic, null);
    assert.equal(v.text, 'no blood pressure recorded');
    assert.deepEqual(v.refs, []);
  });
});
