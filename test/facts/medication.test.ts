import assert from 'node:assert/strict';
import { fact, fixture } from './support/harness.js';

describe('fact kind: medication', () => {
  it('active statements and requests match; completed ones do not (status "active")', async () => {
    const f = fixture({
      data: {
        medications: [
          { code: 'rxnorm:6470', display: 'lorazepam', start: '2026-09-01' },
          { code: 'rxnorm:3322', display: 'diazepam', start: '2026-08-01', type: 'request' },
          { code: 'rxnorm:3322', display: 'diazepam', start: '2025-01-01', end: '2025-02-01' },
          { code: 'rxnorm:36437', start: '2026-01-01' },
        ],
      },
    });
    const v = await fact(f, 'benzodiazepine');
    assert.equal(v.present, true);
    assert.equal(v.count, 2);
    assert.equal(v.list, 'diazepam (since 2026-08-01); lorazepam (since 2026-09-01)');
    const items = v.items as Array<Record<string, unknown>>;
    assert.deepEqual(
      items.map((i) => [i.resourceType, i.status, i.ongoing, i.ref]),
      [
        ['MedicationRequest', 'active', true, 'MedicationRequest/medreq-1'],
        ['MedicationStatement', 'active', true, 'MedicationStatement/medstmt-1'],
      ],
    );
    assert.deepEqual(v.refs, ['MedicationRequest/medreq-1', 'MedicationStatement/medstmt-1']);
  });

  it('status "any" with withinDays: a course that ended 30 days ago counts, 31 days ago does not', async () => {
    // NOW 2026-11-01T12:00Z: 2026-10-02 is 30 days before, 2026-10-01 is 31.
    const ended30 = fixture({ data: { medications: [{ code: 'rxnorm:6470', start: '2026-09-01', end: '2026-10-02' }] } });
    const ended31 = fixture({ data: { medications: [{ code: 'rxnorm:6470', start: '2026-09-01', end: '2026-10-01' }] } });
    assert.equal((await fact(ended30, 'benzodiazepineLast30Days')).present, true);
    assert.equal((await fact(ended31, 'benzodiazepineLast30Days')).present, false);
    assert.equal((await fact(ended30, 'benzodiazepine')).present, false, 'completed is not active');
  });

  it('never counts the hook draft orders, void records, or not-taken statements', async () => {
    const f = fixture({
      order: { code: 'rxnorm:6470' },
      data: {
        medications: [
          { code: 'rxnorm:6470', start: '2026-09-01', status: 'entered-in-error' },
          { code: 'rxnorm:6470', start: '2026-09-01', status: 'not-taken' },
          { code: 'rxnorm:6470', start: '2026-09-01', status: 'cancelled', type: 'request' },
        ],
      },
    });
    assert.equal((await fact(f, 'benzodiazepine')).present, false);
    assert.equal((await fact(f, 'benzodiazepineLast30Days')).present, false);
  });

  it('resolves medicationReference to a record Medication or a contained Medication (code and ingredients)', async () => {
    const f = fixture({
      data: {
        resources: [
          { resourceType: 'Medication', id: 'm1', code: { text: 'Ativan 1 mg', coding: [{ system: 'http://www.nlm.nih.gov/research/umls/rxnorm', code: '6470', display: 'lorazepam' }] } },
          { resourceType: 'MedicationStatement', id: 'ms-ref', status: 'active', medicationReference: { reference: 'Medication/m1' }, subject: { reference: 'Patient/pat-1' }, effectiveDateTime: '2026-10-01' },
          {
            resourceType: 'MedicationRequest',
            id: 'mr-contained',
            status: 'active',
            intent: 'order',
            contained: [
              {
                resourceType: 'Medication',
                id: 'c1',
                code: { text: 'diazepam oral solution (compounded)' },
                ingredient: [{ itemCodeableConcept: { coding: [{ system: 'http://www.nlm.nih.gov/research/umls/rxnorm', code: '3322' }] } }],
              },
            ],
            medicationReference: { reference: '#c1' },
            subject: { reference: 'Patient/pat-1' },
            authoredOn: '2026-10-15',
          },
          { resourceType: 'MedicationStatement', id: 'ms-dangling', status: 'active', medicationReference: { reference: 'Medication/unknown' }, subject: { reference: 'Patient/pat-1' } },
        ],
      },
    });
    const v = await fact(f, 'benzodiazepine');
    assert.deepEqual(
      (v.items as Array<Record<string, unknown>>).map((i) => [i.ref, i.code, i.display]),
      [
        ['MedicationStatement/ms-ref', '6470', 'lorazepam'],
        ['MedicationRequest/mr-contained', '3322', 'diazepam'],
      ],
    );
  });

  it('derives a request end from expectedSupplyDuration × (1 + repeats)', async () => {
    const f = fixture({
      data: {
        resources: [
          {
            resourceType: 'MedicationRequest',
            id: 'mr-supply',
            status: 'completed',
            intent: 'order',
            medicationCodeableConcept: { coding: [{ system: 'http://www.nlm.nih.gov/research/umls/rxnorm', code: '6470' }] },
            subject: { reference: 'Patient/pat-1' },
            authoredOn: '2026-09-01',
            dispenseRequest: { expectedSupplyDuration: { value: 15, unit: 'days', system: 'http://unitsofmeasure.org', code: 'd' }, numberOfRepeatsAllowed: 1 },
          },
        ],
      },
    });
    // 15 days × 2 fills from 2026-09-01 -> ends 2026-10-01.
    const earlier = await fact(f, 'benzodiazepineLast30Days', { now: new Date('2026-10-20T12:00:00Z') });
    assert.equal((earlier.items as Array<Record<string, unknown>>)[0].end, '2026-10-01');
    assert.equal((await fact(f, 'benzodiazepineLast30Days')).present, false, 'ended 31 days before NOW');
  });
});
