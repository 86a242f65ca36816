import assert from 'node:assert/strict';
import { checkQueryResult, nextLink } from '../../fhir/query-result.js';
import { isFailureOutcome } from '../../fhir/operation-outcome.js';

const conditionSearch = { kind: 'search', resourceType: 'Condition', includesOtherTypes: false } as const;
const patientRead = { kind: 'read', resourceType: 'Patient', id: 'p1' } as const;
const oo = { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'exception' }] };

describe('checking a value against a query', () => {
  it('accepts a searchset of the queried type and drops OperationOutcome warnings', () => {
    const result = checkQueryResult(
      {
        resourceType: 'Bundle',
        type: 'searchset',
        entry: [{ resource: { resourceType: 'Condition', id: 'c1' } }, { resource: oo, search: { mode: 'outcome' } }],
      },
      conditionSearch,
    );
    assert.deepEqual(result, { ok: true, resources: [{ resourceType: 'Condition', id: 'c1' }] });
    assert.deepEqual(checkQueryResult({ resourceType: 'Bundle', type: 'searchset' }, conditionSearch), { ok: true, resources: [] });
  });

  it('rejects a Condition search answered with Observations, naming only types', () => {
    const result = checkQueryResult(
      { resourceType: 'Bundle', type: 'searchset', entry: [{ resource: { resourceType: 'Observation', id: 'secret-id' } }] },
      conditionSearch,
    );
    assert.deepEqual(result, { ok: false, reason: 'Bundle entry of type Observation where Condition was expected' });
  });

  it('accepts included resources only as include entries or with _include', () => {
    const medication = { resourceType: 'Medication', id: 'm1' };
    const search = { kind: 'search', resourceType: 'MedicationRequest', includesOtherTypes: false } as const;
    assert.equal(checkQueryResult({ resourceType: 'Bundle', entry: [{ resource: medication, search: { mode: 'include' } }] }, search).ok, true);
    assert.equal(checkQueryResult({ resourceType: 'Bundle', entry: [{ resource: medication }] }, search).ok, false);
    assert.equal(checkQueryResult({ resourceType: 'Bundle', entry: [{ resource: medication }] }, { ...search, includesOtherTypes: true }).ok, true);
  });

  it('requires a Bundle for a search and the right type and id for a read', () => {
    assert.deepEqual(checkQueryResult({ resourceType: 'Condition', id: 'c1' }, conditionSearch), {
      ok: false,
      reason: 'expected a Bundle of Condition, got a Condition',
    });
    assert.deepEqual(checkQueryResult([1], conditionSearch), { ok: false, reason: 'expected a Bundle of Condition, got a JSON array' });
    assert.equal(checkQueryResult({ resourceType: 'Patient', id: 'p1' }, patientRead).ok, true);
    assert.deepEqual(checkQueryResult({ resourceType: 'Patient', id: 'p2' }, patientRead), {
      ok: false,
      reason: 'Patient with a different id than requested',
    });
    assert.deepEqual(checkQueryResult({ resourceType: 'Practitioner', id: 'p1' }, patientRead), {
      ok: false,
      reason: 'expected a Patient, got a Practitioner',
    });
    assert.equal(checkQueryResult({ resourceType: 'Bundle', entry: [{ resource: { resourceType: 'Patient', id: 'p1' } }] }, patientRead).ok, true);
    assert.deepEqual(checkQueryResult({ id: 'x' }, patientRead), { ok: false, reason: 'expected a Patient, got an object without resourceType' });
  });

  it('recognises failure outcomes: an OperationOutcome, or a Bundle of only OperationOutcomes', () => {
    assert.equal(isFailureOutcome(oo), true);
    assert.equal(isFailureOutcome({ resourceType: 'Bundle', entry: [{ resource: oo }, { resource: oo }] }), true);
    assert.equal(isFailureOutcome({ resourceType: 'Bundle', entry: [] }), false);
    assert.equal(isFailureOutcome({ resourceType: 'Bundle', entry: [{ resource: oo }, { resource: { resourceType: 'Condition' } }] }), false);
    assert.equal(isFailureOutcome(null), false);
  });

  it('finds the next link', () => {
    assert.equal(nextLink({ resourceType: 'Bundle', link: [{ relation: 'self', url: 'a' }, { relation: 'next', url: 'b' }] }), 'b');
    assert.equal(nextLink({ resourceType: 'Bundle', link: [{ relation: 'self', url: 'a' }] }), undefined);
    assert.equal(nextLink({ resourceType: 'Patient' }), undefined);
  });
});
