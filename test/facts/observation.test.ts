import assert from 'node:assert/strict';
import { fact, fixture } from './support/harness.js';

describe('fact kind: observation', () => {
  const phq = fixture({
    data: {
      observations: [
        { code: 'loinc:44261-6', value: 21, date: '2026-08-01' },
        { code: 'loinc:44261-6', value: 14, date: '2026-10-20T09:30:00Z' },
        { code: 'loinc:44261-6', value: 17, date: '2026-09-15' },
        { code: 'loinc:70274-6', value: 12, date: '2026-10-30' },
      ],
    },
  });

  it('latest by effective date, with count, earliest, age and text', async () => {
    const v = await fact(phq, 'phq9');
    assert.equal(v.present, true);
    assert.equal(v.value, 14);
    assert.equal(v.date, '2026-10-20T09:30:00Z');
    assert.equal(v.ageDays, 12);
    assert.equal(v.text, '14 on 2026-10-20');
    assert.equal(v.count, 3);
    assert.deepEqual(v.earliest, { value: 21, date: '2026-08-01', ref: 'Observation/obs-1' });
    assert.deepEqual(v.refs, ['Observation/obs-2', 'Observation/obs-1']);
  });

  it('withinDays keeps only recent observations (30 days: 2026-10-02 in, 2026-09-15 out)', async () => {
    const v = await fact(phq, 'phq9Recent');
    assert.equal(v.count, 1);
    assert.deepEqual(v.earliest, { value: 14, date: '2026-10-20T09:30:00Z', ref: 'Observation/obs-2' });
    const old = await fact(fixture({ data: { observations: [{ code: 'loinc:44261-6', value: 9, date: '2026-09-30' }] } }), 'phq9Recent');
    assert.equal(old.present, false);
    assert.equal(old.value, null);
    assert.equal(old.text, 'none');
  });

  it('ignores entered-in-error and future-dated observations; reads components and coded answers', async () => {
    const v = await fact(
      fixture({
        data: {
          observations: [
            { code: 'loinc:44261-6', value: 3, date: '2026-10-30', status: 'entered-in-error' },
            { code: 'loinc:44261-6', value: 4, date: '2026-11-05' },
          ],
          resources: [
            {
              resourceType: 'Observation',
              id: 'panel',
              status: 'final',
              code: { coding: [{ system: 'http://loinc.org', code: '44249-1' }] },
              effectiveDateTime: '2026-10-25',
              component: [{ code: { coding: [{ system: 'http://loinc.org', code: '44261-6' }] }, valueInteger: 11 }],
            },
          ],
        },
      }),
      'phq9',
    );
    assert.equal(v.value, 11);
    assert.equal(v.count, 1);
    assert.deepEqual(v.refs, ['Observation/panel']);

    const coded = await fact(
      fixture({ data: { observations: [{ code: 'loinc:82810-3', answer: 'snomed:77386006', date: '2026-10-30' }] } }),
      'pregnancy',
    );
    assert.equal(coded.status, 'pregnant');
  });
});
