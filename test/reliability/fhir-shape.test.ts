/**
 * The FHIR R4 JSON shape check at the door (server/validation/fhir-shape.ts): wrong JSON types are
 * refused with a pointer to the element, a single value where FHIR repeats is repaired in place,
 * members named like Object.prototype properties do not confuse it, and every request the shipped
 * fixtures and the spec examples make passes untouched.
 */
import assert from 'node:assert/strict';
import { fhirResourceProblems, isFhirResourceType } from '../../server/validation/fhir-shape.js';
import { specFixture } from '../support/spec-fixtures.js';
import { fixtureRequests } from '../../scripts/reliability/lib/ketamine-requests.js';

describe('FHIR R4 JSON shape check', () => {
  it('refuses wrong JSON types with a pointer and what was expected', () => {
    const observation = {
      resourceType: 'Observation',
      status: 7,
      code: { coding: [null, { code: { nested: true } }] },
      component: [{ code: 'not-an-object', valueQuantity: { value: '12' } }],
      effectivePeriod: [{ start: '2026-01-01' }],
    };
    assert.deepEqual(fhirResourceProblems(observation, '/prefetch/obs'), [
      { pointer: '/prefetch/obs/status', message: 'must be a string' },
      { pointer: '/prefetch/obs/code/coding/0', message: 'must be an object (FHIR Coding)' },
      { pointer: '/prefetch/obs/code/coding/1/code', message: 'must be a string' },
      { pointer: '/prefetch/obs/component/0/code', message: 'must be an object (FHIR CodeableConcept)' },
      { pointer: '/prefetch/obs/component/0/valueQuantity/value', message: 'must be a number' },
      { pointer: '/prefetch/obs/effectivePeriod', message: 'must be a single value, not an array (FHIR Observation.effectivePeriod does not repeat)' },
    ]);
  });

  it('checks resources inside Bundles and contained resources by their own type; refuses unknown resource types', () => {
    const bundle = {
      resourceType: 'Bundle',
      entry: [{ resource: { resourceType: 'Condition', code: { text: 5 } } }, { resource: { resourceType: 'NotAThing' } }, { resource: 'x' }],
    };
    assert.deepEqual(fhirResourceProblems(bundle, ''), [
      { pointer: '/entry/0/resource/code/text', message: 'must be a string' },
      { pointer: '/entry/1/resource/resourceType', message: 'must name a FHIR R4 resource type (e.g. "Condition")' },
      { pointer: '/entry/2/resource', message: 'must be a FHIR resource (a JSON object with a resourceType)' },
    ]);
    assert.equal(isFhirResourceType('Resource'), false);
    assert.equal(isFhirResourceType('Condition.evidence'), false);
    assert.equal(isFhirResourceType('toString'), false);
    assert.equal(isFhirResourceType('MedicationRequest'), true);
  });

  it('repairs a single value where the element repeats (in place), as the CDS Hooks library example needs', () => {
    const request = { resourceType: 'MedicationRequest', dosageInstruction: { doseAndRate: { doseQuantity: { value: 5 } } }, note: { text: 'x' } };
    assert.deepEqual(fhirResourceProblems(request, ''), []);
    assert.deepEqual(request.dosageInstruction, [{ doseAndRate: [{ doseQuantity: { value: 5 } }] }]);
    assert.deepEqual(request.note, [{ text: 'x' }]);
    const bad = { resourceType: 'MedicationRequest', dosageInstruction: 'twice daily' };
    assert.deepEqual(fhirResourceProblems(bad, ''), [{ pointer: '/dosageInstruction', message: 'must be an object (FHIR Dosage)' }], 'the pointer names the value as sent');
    assert.deepEqual(fhirResourceProblems({ resourceType: 'MedicationRequest', note: null }, ''), [{ pointer: '/note', message: 'must be an array (FHIR MedicationRequest.note repeats)' }]);
  });

  it('members named __proto__, constructor, toString are unknown members, not a crash; primitive extensions are checked', () => {
    const condition = JSON.parse('{"resourceType":"Condition","__proto__":{"x":1},"constructor":5,"toString":"y","_recordedDate":{"extension":[{"url":"u","valueString":"v"}]},"_onsetString":5}');
    assert.deepEqual(fhirResourceProblems(condition, ''), [{ pointer: '/_onsetString', message: 'must be an object (FHIR Element)' }]);
  });

  it('stops at the problem limit on hostile input', () => {
    const many = { resourceType: 'Bundle', entry: Array.from({ length: 1000 }, () => ({ resource: { resourceType: 'Condition', code: 1 } })) };
    assert.equal(fhirResourceProblems(many, '').length, 20);
    assert.equal(fhirResourceProblems(many, '', { limit: 1 }).length, 1);
  });

  it('every shipped fixture request and every spec example passes', () => {
    for (const { fixture, body } of fixtureRequests()) {
      for (const [key, value] of Object.entries(body.prefetch ?? {})) {
        if (value !== null) assert.deepEqual(fhirResourceProblems(structuredClone(value), `/prefetch/${key}`), [], `${fixture.name} prefetch ${key}`);
      }
      for (const [key, value] of Object.entries(body.context)) {
        if (value && typeof value === 'object' && 'resourceType' in value) assert.deepEqual(fhirResourceProblems(structuredClone(value), `/context/${key}`), [], `${fixture.name} context ${key}`);
      }
    }
    for (const file of ['hook-context-order-select-r4.json', 'hook-context-order-sign-r4.json', 'hook-context-appointment-book.json', 'service-request-patient-view.json']) {
      const example = specFixture<{ context?: Record<string, unknown>; prefetch?: Record<string, unknown> }>(file);
      for (const value of [...Object.values(example.context ?? example), ...Object.values(example.prefetch ?? {})]) {
        if (value && typeof value === 'object' && 'resourceType' in value) assert.deepEqual(fhirResourceProblems(value, ''), [], file);
      }
    }
  });
});
