/** resolvePatientRecord when the client's prefetch is all we have (no fhirServer in the request). */
import assert from 'node:assert/strict';
import type * as fhir4 from 'fhir/r4.js';
import { resolvePatientRecord } from '../../fhir/resolve-record.js';
import { PrefetchTemplateError } from '../../cds-hooks/prefetch-template.js';
import { fixtureResources, searchset } from '../support/fhir-fixtures.js';
import { TEMPLATES, patientViewRequest, resolveOptions } from './request-builders.js';

const patient = fixtureResources<fhir4.Patient>('trd-adult', 'Patient')[0];
const conditions = fixtureResources<fhir4.Condition>('trd-adult', 'Condition');
const medicationRequests = fixtureResources<fhir4.MedicationRequest>('trd-adult', 'MedicationRequest');
const observations = fixtureResources<fhir4.Observation>('trd-adult', 'Observation');

function fullPrefetch(): Record<string, unknown> {
  return {
    patient,
    conditions: searchset(conditions),
    medicationRequests: searchset(medicationRequests),
    observations: searchset(observations),
  };
}

const operationOutcome: fhir4.OperationOutcome = {
  resourceType: 'OperationOutcome',
  issue: [{ severity: 'error', code: 'timeout', diagnostics: 'upstream timeout for patient trd-adult' }],
};

describe('resolvePatientRecord: prefetch only', () => {
  it('uses every prefetched key and assembles the record (patient from the "patient" key)', async () => {
    const result = await resolvePatientRecord(resolveOptions(patientViewRequest({ prefetch: fullPrefetch() })));
    assert.ok(result.ok);
    const { record } = result;
    assert.equal(record.patientId, 'trd-adult');
    assert.equal(record.patient?.id, 'trd-adult');
    assert.deepEqual(record.conditions.map((c) => c.id), conditions.map((c) => c.id));
    assert.equal(record.medicationRequests.length, 3);
    assert.equal(record.observations.length, 8);
    assert.deepEqual(record.sources, [
      { key: 'patient', origin: 'prefetch', resourceCount: 1 },
      { key: 'conditions', origin: 'prefetch', resourceCount: 3 },
      { key: 'medicationRequests', origin: 'prefetch', resourceCount: 3 },
      { key: 'observations', origin: 'prefetch', resourceCount: 8 },
    ]);
  });

  it('treats null as "no data" (origin null) and an empty Bundle as an empty result', async () => {
    const prefetch = { ...fullPrefetch(), patient: null, conditions: { resourceType: 'Bundle', type: 'searchset' } };
    const result = await resolvePatientRecord(resolveOptions(patientViewRequest({ prefetch })));
    assert.ok(result.ok);
    assert.equal(result.record.patient, undefined);
    assert.deepEqual(result.record.sources.slice(0, 2), [
      { key: 'patient', origin: 'null', resourceCount: 0 },
      { key: 'conditions', origin: 'prefetch', resourceCount: 0 },
    ]);
  });

  it('ignores prefetch keys the service did not declare', async () => {
    const prefetch = { ...fullPrefetch(), allergies: searchset([{ resourceType: 'AllergyIntolerance', id: 'a1' } as fhir4.Resource]) };
    const result = await resolvePatientRecord(resolveOptions(patientViewRequest({ prefetch })));
    assert.ok(result.ok);
    assert.equal(result.record.allergies.length, 0);
    assert.deepEqual(result.record.sources.map((s) => s.key), Object.keys(TEMPLATES));
  });

  it('answers 412 naming the omitted key when there is no fhirServer to fetch it from', async () => {
    const prefetch = fullPrefetch();
    delete prefetch.conditions;
    const result = await resolvePatientRecord(resolveOptions(patientViewRequest({ prefetch })));
    assert.equal(result.ok, false);
    assert.ok(!result.ok);
    assert.equal(result.status, 412);
    assert.deepEqual(result.outcome, {
      resourceType: 'OperationOutcome',
      issue: [
        {
          severity: 'error',
          code: 'required',
          diagnostics:
            'Prefetch key "conditions" could not be obtained: not in prefetch, and the request has no fhirServer to fetch it from',
          expression: ['prefetch.conditions'],
        },
      ],
    });
  });

  it('treats an OperationOutcome (or a Bundle of only OperationOutcomes) as a failed key, without copying its text', async () => {
    const prefetch = {
      ...fullPrefetch(),
      conditions: operationOutcome,
      observations: { resourceType: 'Bundle', type: 'searchset', entry: [{ resource: operationOutcome }] },
    };
    const result = await resolvePatientRecord(resolveOptions(patientViewRequest({ prefetch })));
    assert.ok(!result.ok);
    assert.deepEqual(
      result.outcome.issue.map((i) => [i.expression?.[0], i.diagnostics]),
      [
        [
          'prefetch.conditions',
          'Prefetch key "conditions" could not be obtained: the client sent an OperationOutcome (issue codes: timeout), ' +
            'and the request has no fhirServer to fetch it from',
        ],
        [
          'prefetch.observations',
          'Prefetch key "observations" could not be obtained: the client sent an OperationOutcome (issue codes: timeout), ' +
            'and the request has no fhirServer to fetch it from',
        ],
      ],
    );
    assert.doesNotMatch(JSON.stringify(result.outcome), /trd-adult/);
  });

  it("policy 'partial' continues with failed keys marked, so the engine knows data may be incomplete", async () => {
    const prefetch: Record<string, unknown> = { ...fullPrefetch(), conditions: operationOutcome };
    delete prefetch.observations;
    const result = await resolvePatientRecord({ ...resolveOptions(patientViewRequest({ prefetch })), missingData: 'partial' });
    assert.ok(result.ok);
    assert.equal(result.record.conditions.length, 0);
    assert.equal(result.record.observations.length, 0);
    assert.deepEqual(
      result.record.sources.map((s) => [s.key, s.origin, s.resourceCount]),
      [
        ['patient', 'prefetch', 1],
        ['conditions', 'failed', 0],
        ['medicationRequests', 'prefetch', 3],
        ['observations', 'failed', 0],
      ],
    );
    assert.match(result.record.sources[1].problem ?? '', /OperationOutcome/);
    assert.match(result.record.sources[3].problem ?? '', /no fhirServer/);
  });

  it('ignores a prefetch value that does not answer its template (Condition key with Observations) and marks it failed', async () => {
    const prefetch = { ...fullPrefetch(), conditions: searchset(observations) };
    const strict = await resolvePatientRecord(resolveOptions(patientViewRequest({ prefetch })));
    assert.ok(!strict.ok);
    assert.equal(strict.outcome.issue.length, 1);
    assert.match(
      strict.outcome.issue[0].diagnostics ?? '',
      /^Prefetch key "conditions" could not be obtained: the prefetched value does not match the template \(Bundle entry of type Observation where Condition was expected\)/,
    );

    const partial = await resolvePatientRecord({ ...resolveOptions(patientViewRequest({ prefetch })), missingData: 'partial' });
    assert.ok(partial.ok);
    assert.equal(partial.record.conditions.length, 0);
    assert.equal(partial.record.observations.length, 8, 'only the observations key contributes observations');
    assert.equal(partial.record.sources[1].origin, 'failed');
  });

  it('keeps the first page of a prefetched Bundle with a next link but marks the key failed when it cannot page on', async () => {
    const firstPage = { ...searchset(observations.slice(0, 3)), link: [{ relation: 'next', url: 'https://ehr.example.org/fhir/Observation?page=2' }] };
    const prefetch = { ...fullPrefetch(), observations: firstPage };
    const result = await resolvePatientRecord({ ...resolveOptions(patientViewRequest({ prefetch })), missingData: 'partial' });
    assert.ok(result.ok);
    assert.equal(result.record.observations.length, 3);
    assert.deepEqual(result.record.sources[3], {
      key: 'observations',
      origin: 'failed',
      resourceCount: 3,
      problem: 'the prefetched Bundle has further pages, and the request has no fhirServer to fetch it from',
    });
  });

  it('rejects a Patient read answered with another patient', async () => {
    const other = fixtureResources<fhir4.Patient>('ptsd-adult', 'Patient')[0];
    const result = await resolvePatientRecord(resolveOptions(patientViewRequest({ prefetch: { ...fullPrefetch(), patient: other } })));
    assert.ok(!result.ok);
    assert.match(result.outcome.issue[0].diagnostics ?? '', /"patient".*Patient with a different id than requested/);
  });

  it('fails a key whose template needs a context value the request lacks', async () => {
    const templates = { ...TEMPLATES, encounter: 'Encounter/{{context.encounterId}}' };
    const result = await resolvePatientRecord({ ...resolveOptions(patientViewRequest({ prefetch: fullPrefetch() })), templates });
    assert.ok(!result.ok);
    assert.deepEqual(result.outcome.issue.map((i) => [i.code, i.diagnostics]), [
      ['not-supported', 'Prefetch key "encounter" could not be obtained: token {{context.encounterId}} has no value: context.encounterId is absent'],
    ]);
  });

  it('rejects service templates with non-2.0 tokens before doing anything', async () => {
    const templates = { meds: 'MedicationRequest?_id={{context.draftOrders.MedicationRequest.id}}' };
    await assert.rejects(
      resolvePatientRecord({ ...resolveOptions(patientViewRequest({ prefetch: fullPrefetch() })), templates }),
      (error: unknown) => error instanceof PrefetchTemplateError && error.key === 'meds',
    );
  });

  it('rejects nonsensical deadlineMs / maxPages', async () => {
    const options = resolveOptions(patientViewRequest({ prefetch: fullPrefetch() }));
    await assert.rejects(resolvePatientRecord({ ...options, deadlineMs: 0 }), RangeError);
    await assert.rejects(resolvePatientRecord({ ...options, maxPages: Number.NaN }), RangeError);
  });

  it('passes hook context (draftOrders, selections) through to the record', async () => {
    const request = patientViewRequest({ prefetch: fullPrefetch() });
    const draft = { resourceType: 'MedicationRequest', id: 'draft-1', status: 'draft', intent: 'order', subject: { reference: 'Patient/trd-adult' } };
    request.hook = 'order-select';
    request.context = { ...request.context, selections: ['MedicationRequest/draft-1'], draftOrders: searchset([draft as fhir4.Resource]) };
    const result = await resolvePatientRecord(resolveOptions(request));
    assert.ok(result.ok);
    assert.deepEqual(result.record.draftOrders.map((r) => r.id), ['draft-1']);
    assert.deepEqual(result.record.selections, ['MedicationRequest/draft-1']);
  });
});
