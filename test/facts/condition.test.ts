import assert from 'node:assert/strict';
import { fact, fixture } from './support/harness.js';

describe('fact kind: condition', () => {
  it('active MDD: present with code, display, onset, list, earliest onset and its age', async () => {
    const f = fixture({
      data: {
        conditions: [
          { code: 'icd10:F33.2', display: 'Major depressive disorder, recurrent severe without psychotic features', onset: '2025-03-01' },
          { code: 'icd10:F32.1', onset: '2024-01-10' },
          { code: 'icd10:F41.1', onset: '2020-01-01' },
        ],
      },
    });
    const v = await fact(f, 'mdd');
    assert.equal(v.present, true);
    assert.equal(v.count, 2);
    assert.deepEqual(v.codes, ['F32.1', 'F33.2']); // earliest first
    assert.equal(v.earliestOnset, '2024-01-10');
    assert.equal(v.earliestOnsetAgeDays, 1026);
    assert.deepEqual((v.first as { ref: string }).ref, 'Condition/cond-2');
    assert.equal(
      v.list,
      'F32.1 (onset 2024-01-10); F33.2 Major depressive disorder, recurrent severe without psychotic features (onset 2025-03-01)',
    );
    assert.deepEqual(v.refs, ['Condition/cond-2', 'Condition/cond-1']);
  });

  it('a resolved condition counts for "history" and "resolved" but not for "active" (default)', async () => {
    const f = fixture({ data: { conditions: [{ code: 'icd10:F32.2', status: 'resolved', onset: '2019-05-01' }] } });
    assert.equal((await fact(f, 'mdd')).present, false);
    assert.equal((await fact(f, 'mddHistory')).present, true);
    assert.equal((await fact(f, 'mddResolved')).present, true);
  });

  it('an active condition is not "resolved"; recurrence and relapse count as active', async () => {
    const f = fixture({ data: { conditions: [{ code: 'icd10:F33.1', status: 'recurrence' }] } });
    assert.equal((await fact(f, 'mdd')).present, true);
    assert.equal((await fact(f, 'mddResolved')).present, false);
  });

  it('refuted and entered-in-error conditions never count, whatever the status filter', async () => {
    const f = fixture({
      data: {
        conditions: [
          { code: 'icd10:I71.4', verification: 'refuted' },
          { code: 'icd10:I71.3', verification: 'entered-in-error' },
        ],
      },
    });
    const v = await fact(f, 'aneurysm');
    assert.equal(v.present, false);
    assert.equal(v.count, 0);
    assert.equal(v.first, null);
    assert.equal(v.earliestOnset, null);
    assert.equal(v.earliestOnsetAgeDays, null);
    assert.deepEqual(v.refs, []);
  });

  it('matches any coding of Condition.code, ICD-10-CM with or without the dot; excluded codes do not match', async () => {
    const f = fixture({
      data: {
        conditions: [{ code: 'snomed:233985008' }, { code: 'icd10:F32.81' }],
        resources: [
          {
            resourceType: 'Condition',
            id: 'raw-1',
            clinicalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'active' }] },
            code: {
              coding: [
                { system: 'http://snomed.info/sct', code: '233985008' },
                { system: 'http://hl7.org/fhir/sid/icd-10-cm', code: 'I714', display: 'AAA without rupture' },
              ],
            },
            subject: { reference: 'Patient/pat-1' },
            recordedDate: '2021-02-03',
          },
        ],
      },
    });
    const aneurysm = await fact(f, 'aneurysm');
    assert.equal(aneurysm.count, 1);
    assert.equal(aneurysm.list, 'I714 AAA without rupture (recorded 2021-02-03)');
    assert.equal(aneurysm.earliestOnset, '2021-02-03');
    assert.deepEqual(aneurysm.refs, ['Condition/raw-1']);
    // F32.81 is excluded from the MDD value set (F32.8x).
    assert.equal((await fact(f, 'mdd')).present, false);
  });

  it('uses the value-set entry display when the coding has none', async () => {
    const f = fixture({ data: { conditions: [{ code: 'icd10:I71.2' }] } });
    assert.equal((await fact(f, 'aneurysm')).list, 'I71.2 Aortic aneurysm and dissection');
  });
});

describe('fact kind: condition — latest onset and latest recording (e.g. "acute" = recent)', () => {
  it('latestOnset / latestRecorded are the latest among the matches, with their ages in days', async () => {
    // NOW 2026-11-01T12:00Z.
    const f = fixture({
      data: {
        conditions: [
          { code: 'icd10:F33.2', onset: '2025-03-01', recorded: '2025-03-02' },
          { code: 'icd10:F32.1', onset: '2026-10-20T09:00:00Z' },
          { code: 'icd10:F32.9', recorded: '2026-10-29' },
        ],
      },
    });
    const v = await fact(f, 'mdd');
    assert.equal(v.latestOnset, '2026-10-20T09:00:00Z');
    assert.equal(v.latestOnsetAgeDays, 12);
    assert.equal(v.latestRecorded, '2026-10-29');
    assert.equal(v.latestRecordedAgeDays, 3);
    assert.equal(v.earliestOnset, '2025-03-01', 'earliestOnset unchanged');
  });

  it('undated conditions: all null', async () => {
    const v = await fact(fixture({ data: { conditions: [{ code: 'icd10:F33.2' }] } }), 'mdd');
    assert.equal(v.present, true);
    assert.equal(v.latestOnset, null);
    assert.equal(v.latestOnsetAgeDays, null);
    assert.equal(v.latestRecorded, null);
    assert.equal(v.latestRecordedAgeDays, null);
  });

  it('list text shows dates for people: same-day instants with their time', async () => {
    const v = await fact(fixture({ data: { conditions: [{ code: 'icd10:F33.2', onset: '2026-11-01T07:30:00Z' }, { code: 'icd10:F32.1', onset: '2026-10-20T09:00:00Z' }] } }), 'mdd');
    assert.equal(v.list, 'F32.1 (onset 2026-10-20); F33.2 (onset 2026-11-01 07:30 UTC)');
  });
});
