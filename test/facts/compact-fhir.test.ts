import assert from 'node:assert/strict';
import type * as fhir4 from 'fhir/r4.js';
import type { CompactFixture } from '../../engine/fixtures/compact-types.js';
import { CompactFixtureError, fixtureContext, fixtureToRequest, fixtureToResources, parseCompactCode } from '../../engine/fixtures/compact-fhir.js';
import type { ServiceDefinition } from '../../engine/rule-set-types.js';
import { resolvePatientRecord } from '../../fhir/resolve-record.js';
import { fixtureToPatientRecord } from '../../use-cases/fixture-converter.js';

const FIXTURE: CompactFixture = {
  name: 'esketamine order with history',
  now: '2026-11-01T12:00:00Z',
  patient: { id: 'pat-9', gender: 'female', birthDate: '1980-02-29' },
  data: {
    conditions: [{ code: 'icd10:F33.2', onset: '2025-06-01' }, { code: 'icd10:I71.4', status: 'resolved', verification: 'refuted', display: 'AAA' }],
    medications: [
      { code: 'rxnorm:36437', start: '2025-07-01', end: '2025-09-15', dose: '100 mg' },
      { code: 'rxnorm:6470', start: '2026-09-01', type: 'request' },
    ],
    observations: [
      { bp: '152/94', date: '2026-10-30' },
      { weight: '154 lb', date: '2026-10-30' },
      { code: 'loinc:44261-6', value: 18, date: '2026-10-29' },
      { code: 'loinc:2106-3', answer: 'snomed:260385009', date: '2026-10-28' },
    ],
    administrations: [{ code: 'rxnorm:2201625', date: '2026-10-27', dose: '56 mg' }],
    allergies: [{ code: 'rxnorm:7980' }],
    procedures: [{ code: 'snomed:75516001', date: '2026-10-01' }],
    encounters: [{ type: 'snomed:185347001', date: '2026-10-01' }],
    careTeams: [{ role: 'snomed:80584001' }],
    referrals: [{ code: 'snomed:306136006', date: '2026-09-01' }],
    consents: [{ category: 'loinc:59284-0', date: '2026-10-01' }],
    resources: [
      { resourceType: 'Medication', id: 'm-ext', code: { coding: [{ system: 'http://www.nlm.nih.gov/research/umls/rxnorm', code: '3322' }] } },
      { resourceType: 'MedicationStatement', id: 'ms-ext', status: 'active', medicationReference: { reference: 'Medication/m-ext' }, subject: { reference: 'Patient/pat-9' } },
    ],
  },
  order: [
    { code: 'rxnorm:2201625', route: 'snomed:46713006', dose: '56 mg', frequency: '2/week' },
    { code: 'rxnorm:36437', dose: '50 mg', selected: false },
  ],
  appointments: [{ start: '2026-11-03T09:00:00Z' }],
};

function service(hook: ServiceDefinition['hook'], prefetch: Record<string, string>): ServiceDefinition {
  return { id: `svc-${hook}`, hook, title: hook, description: hook, prefetch };
}

describe('compact fixtures -> FHIR (engine/fixtures/compact-fhir.ts)', () => {
  it('codes: aliases and system|code; clear errors otherwise', () => {
    assert.deepEqual(parseCompactCode('icd10:F33.2', 'x'), { system: 'http://hl7.org/fhir/sid/icd-10-cm', code: 'F33.2' });
    assert.deepEqual(parseCompactCode('ndc:50458-028-02', 'x'), { system: 'http://hl7.org/fhir/sid/ndc', code: '50458-028-02' });
    assert.deepEqual(parseCompactCode('http://example.org/cs|a:b', 'x'), { system: 'http://example.org/cs', code: 'a:b' });
    assert.throws(() => parseCompactCode('icd9:296.2', 'data.conditions[0].code', 'f1'), /fixture "f1": data\.conditions\[0\]\.code: unknown code system alias "icd9"/);
    assert.throws(() => parseCompactCode('F33.2', 'order.code', 'f1'), /needs a code system/);
  });

  it('builds every resource with deterministic ids and FHIR R4 shapes', () => {
    const resources = fixtureToResources(FIXTURE);
    assert.deepEqual(
      resources.map((r) => `${r.resourceType}/${r.id}`),
      [
        'Patient/pat-9',
        'Condition/cond-1',
        'Condition/cond-2',
        'MedicationStatement/medstmt-1',
        'MedicationRequest/medreq-1',
        'Observation/obs-1',
        'Observation/obs-2',
        'Observation/obs-3',
        'Observation/obs-4',
        'MedicationAdministration/admin-1',
        'AllergyIntolerance/allergy-1',
        'Procedure/proc-1',
        'Encounter/enc-1',
        'CareTeam/careteam-1',
        'ServiceRequest/referral-1',
        'Consent/consent-1',
        'Medication/m-ext',
        'MedicationStatement/ms-ext',
      ],
    );
    const [, cond1, cond2, stmt, req, bp, weight, phq, hcg] = resources as [
      fhir4.Patient, fhir4.Condition, fhir4.Condition, fhir4.MedicationStatement, fhir4.MedicationRequest,
      fhir4.Observation, fhir4.Observation, fhir4.Observation, fhir4.Observation,
    ];
    assert.equal(cond1.clinicalStatus?.coding?.[0].code, 'active');
    assert.equal(cond1.verificationStatus?.coding?.[0].code, 'confirmed');
    assert.equal(cond1.onsetDateTime, '2025-06-01');
    assert.equal(cond2.clinicalStatus?.coding?.[0].code, 'resolved');
    assert.equal(cond2.verificationStatus?.coding?.[0].code, 'refuted');
    assert.equal(cond2.code?.coding?.[0].display, 'AAA');
    assert.equal(stmt.status, 'completed', 'an end date defaults the status to completed');
    assert.deepEqual(stmt.effectivePeriod, { start: '2025-07-01', end: '2025-09-15' });
    assert.deepEqual(stmt.dosage?.[0].doseAndRate?.[0].doseQuantity, { value: 100, unit: 'mg', system: 'http://unitsofmeasure.org', code: 'mg' });
    assert.equal(req.status, 'active');
    assert.equal(req.intent, 'order');
    assert.equal(req.authoredOn, '2026-09-01');
    assert.deepEqual(bp.code.coding?.[0], { system: 'http://loinc.org', code: '85354-9', display: 'Blood pressure panel with all children optional' });
    assert.deepEqual(bp.component?.map((c) => [c.code.coding?.[0].code, c.valueQuantity?.value, c.valueQuantity?.code]), [['8480-6', 152, 'mm[Hg]'], ['8462-4', 94, 'mm[Hg]']]);
    assert.equal(bp.category?.[0].coding?.[0].code, 'vital-signs');
    assert.deepEqual(weight.valueQuantity, { value: 154, unit: 'lb', system: 'http://unitsofmeasure.org', code: '[lb_av]' });
    assert.deepEqual(phq.valueQuantity, { value: 18 });
    assert.equal(hcg.valueCodeableConcept?.coding?.[0].code, '260385009');
    for (const r of resources.slice(1)) {
      const subject = (r as { subject?: fhir4.Reference; patient?: fhir4.Reference }).subject ?? (r as { patient?: fhir4.Reference }).patient;
      if (r.resourceType !== 'Medication') assert.equal(subject?.reference, 'Patient/pat-9', `${r.resourceType} refers to the patient`);
    }
  });

  it('order-select request: deterministic hookInstance, context with selections and draftOrders, prefetch per template', () => {
    const svc = service('order-select', {
      patient: 'Patient/{{context.patientId}}',
      user: 'Practitioner/{{userPractitionerId}}',
      conditions: 'Condition?patient={{context.patientId}}',
      medications: 'MedicationStatement?patient={{context.patientId}}&_include=MedicationStatement:medication',
      vitals: 'Observation?patient={{context.patientId}}&code=http://loinc.org|85354-9,http://loinc.org|29463-7',
      encounter: 'Encounter/{{context.encounterId}}',
    });
    const request = fixtureToRequest(FIXTURE, svc);
    assert.equal(request.hook, 'order-select');
    assert.match(request.hookInstance, /^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.equal(fixtureToRequest(FIXTURE, svc).hookInstance, request.hookInstance);
    assert.notEqual(fixtureToRequest({ ...FIXTURE, name: 'other' }, svc).hookInstance, request.hookInstance);

    const ctx = request.context;
    assert.equal(ctx.userId, 'Practitioner/fixture-user');
    assert.equal(ctx.patientId, 'pat-9');
    assert.deepEqual(ctx.selections, ['MedicationRequest/draft-1']);
    const drafts = ctx.draftOrders as fhir4.Bundle;
    assert.equal(drafts.type, 'collection');
    const [first, second] = drafts.entry!.map((e) => e.resource as fhir4.MedicationRequest);
    assert.equal(first.status, 'draft');
    assert.equal(first.intent, 'order');
    assert.equal(first.dosageInstruction?.[0].route?.coding?.[0].code, '46713006');
    assert.deepEqual(first.dosageInstruction?.[0].timing?.repeat, { frequency: 2, period: 1, periodUnit: 'wk' });
    assert.equal(first.authoredOn, '2026-11-01T12:00:00Z');
    assert.equal(second.id, 'draft-2');
    assert.equal(ctx.appointments, undefined, 'appointments only on appointment-book');

    const prefetch = request.prefetch!;
    assert.equal((prefetch.patient as fhir4.Patient).id, 'pat-9');
    assert.deepEqual(prefetch.user, { resourceType: 'Practitioner', id: 'fixture-user' });
    const conditions = prefetch.conditions as fhir4.Bundle;
    assert.equal(conditions.type, 'searchset');
    assert.equal(conditions.total, 2);
    const meds = prefetch.medications as fhir4.Bundle;
    assert.deepEqual(meds.entry!.map((e) => [e.resource!.id, e.search?.mode]), [['medstmt-1', 'match'], ['ms-ext', 'match'], ['m-ext', 'include']]);
    const vitals = prefetch.vitals as fhir4.Bundle;
    assert.deepEqual(vitals.entry!.map((e) => e.resource!.id), ['obs-1', 'obs-2'], 'filtered by code');
    assert.ok(!('encounter' in prefetch), 'a template that cannot render (no encounterId) is left out');
  });

  it('appointment-book and patient-view contexts', () => {
    const booking = fixtureContext(FIXTURE, 'appointment-book');
    const appointments = (booking.appointments as fhir4.Bundle).entry!.map((e) => e.resource as fhir4.Appointment);
    assert.deepEqual(appointments.map((a) => [a.id, a.status, a.start]), [['appt-1', 'proposed', '2026-11-03T09:00:00Z']]);
    assert.equal(appointments[0].participant[0].actor?.reference, 'Patient/pat-9');
    assert.equal(booking.draftOrders, undefined);
    assert.deepEqual(Object.keys(fixtureContext(FIXTURE, 'patient-view')).sort(), ['patientId', 'userId']);
    assert.ok('draftOrders' in fixtureContext(FIXTURE, 'order-sign') && !('selections' in fixtureContext(FIXTURE, 'order-sign')));
  });

  it('the request resolves (core resolver, prefetch only) to the same data as fixtureToPatientRecord', async () => {
    const templates = {
      patient: 'Patient/{{context.patientId}}',
      conditions: 'Condition?patient={{context.patientId}}',
      statements: 'MedicationStatement?patient={{context.patientId}}&_include=MedicationStatement:medication',
      requests: 'MedicationRequest?patient={{context.patientId}}',
      observations: 'Observation?patient={{context.patientId}}',
      administrations: 'MedicationAdministration?patient={{context.patientId}}',
    };
    const request = fixtureToRequest(FIXTURE, service('order-sign', templates));
    const resolved = await resolvePatientRecord({ request, templates, allowedFhirServers: [], deadlineMs: 1000, maxPages: 1 });
    assert.ok(resolved.ok, JSON.stringify(resolved));
    const direct = fixtureToPatientRecord(FIXTURE, 'order-sign');
    for (const list of ['conditions', 'medicationStatements', 'medicationRequests', 'medications', 'observations', 'medicationAdministrations', 'draftOrders'] as const) {
      assert.deepEqual(resolved.record[list], direct[list], list);
    }
    assert.deepEqual(resolved.record.patient, direct.patient);
    assert.deepEqual(direct.selections, [], 'no selections on order-sign');
  });

  it('bad input names the fixture and the field', () => {
    const bad = (patch: Partial<CompactFixture>) => () => fixtureToResources({ ...FIXTURE, ...patch });
    assert.throws(bad({ data: { conditions: [{ code: 'icd10:F33.2', onset: '1 June 2025' }] } }), (err: unknown) => {
      assert.ok(err instanceof CompactFixtureError);
      assert.match(err.message, /fixture "esketamine order with history": data\.conditions\[0\]\.onset: expected a date or dateTime/);
      return true;
    });
    assert.throws(bad({ data: { observations: [{ bp: '152-94', date: '2026-10-30' }] } }), /data\.observations\[0\]\.bp: expected "systolic\/diastolic"/);
    assert.throws(bad({ data: { medications: [{ code: 'rxnorm:1', start: '2026-01-01', status: 'finished' }] } }), /data\.medications\[0\]\.status: status must be one of/);
    assert.throws(bad({ data: { observations: [{ weight: '70', date: '2026-10-30' }] } }), /needs a unit/);
    assert.throws(() => fixtureDraft({ code: 'rxnorm:6130', frequency: 'twice weekly' }), /order\.frequency: expected a frequency like "2\/week"/);
    assert.throws(() => fixtureToResources({ name: 'x', patient: { id: '' } }), /fixture "x": patient\.id: is required/);
  });

  it('accepts YAML-parsed Date objects for dates', () => {
    const [, condition] = fixtureToResources({ name: 'dates', patient: { id: 'p' }, data: { conditions: [{ code: 'icd10:F33.2', onset: new Date('2025-06-01T00:00:00Z') }] } }) as [fhir4.Patient, fhir4.Condition];
    assert.equal(condition.onsetDateTime, '2025-06-01');
  });
});

function fixtureDraft(order: CompactFixture['order']) {
  return fixtureContext({ name: 'draft', patient: { id: 'p' }, order }, 'order-sign');
}
