/**
 * Step 4b re-checks only resources that were not already checked in step 2: resources fetched from the
 * FHIR server (new objects) are checked and a malformed one ends the call with 412; the request's own
 * resources, checked and repaired when the request was validated, are not checked a second time.
 */
import assert from 'node:assert/strict';
import type * as fhir4 from 'fhir/r4.js';
import { emptyPatientRecord } from '../../fhir/patient-record.js';
import { checkRecordShape } from '../../server/service-call/check-record-shape.js';
import { fhirResourceProblems, wasCheckedAsResource } from '../../server/validation/fhir-shape.js';

function condition(id: string): fhir4.Condition {
  return { resourceType: 'Condition', id, subject: { reference: 'Patient/p1' }, code: { coding: [{ system: 'http://hl7.org/fhir/sid/icd-10-cm', code: 'F33.1' }] } };
}

describe('record shape check (step 4b)', () => {
  it('refuses a malformed resource that was not checked before (fetched): 412 naming type and element', () => {
    const fetched = condition('c-fetched') as unknown as Record<string, unknown>;
    fetched.code = 'F33.1'; // must be a CodeableConcept
    const record = { ...emptyPatientRecord('p1'), conditions: [fetched as unknown as fhir4.Condition] };
    const outcome = checkRecordShape({ ok: true, record });
    assert.equal(outcome.ok, false);
    if (outcome.ok) return;
    assert.equal(outcome.status, 412);
    assert.match(outcome.outcome.issue[0].diagnostics ?? '', /\/Condition\/code must be an object \(FHIR CodeableConcept\)/);
  });

  it('marks only resources whose check found no problem', () => {
    const good = condition('c-good');
    const bad = { ...condition('c-bad'), code: 'x' };
    assert.deepEqual(fhirResourceProblems(good, '/prefetch/c'), []);
    assert.notDeepEqual(fhirResourceProblems(bad, '/prefetch/c'), []);
    assert.equal(wasCheckedAsResource(good), true);
    assert.equal(wasCheckedAsResource(bad), false);
    assert.equal(wasCheckedAsResource(condition('never-checked')), false);
  });

  it('does not check again a resource that passed the request check (the same object)', () => {
    const fromRequest = condition('c-request');
    assert.deepEqual(fhirResourceProblems({ resourceType: 'Bundle', type: 'searchset', entry: [{ resource: fromRequest }] }, '/prefetch/conditions'), []);
    // Changed after its check (nothing in the service does this): step 4b trusts step 2 for this object.
    (fromRequest as unknown as Record<string, unknown>).code = 'changed';
    const record = { ...emptyPatientRecord('p1'), conditions: [fromRequest] };
    assert.equal(checkRecordShape({ ok: true, record }).ok, true);
  });
});
