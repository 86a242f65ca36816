/**
 * Step 4b: the resources fetched from the FHIR server hold nothing that cannot be computed with or
 * stored (a number that overflowed such as 1e309, a NUL, a lone surrogate: lib/unstorable-json.ts)
 * and have the JSON shape of FHIR R4 (the request's own
 * resources were checked in step 2; a single value where FHIR repeats is repaired in place, as there). A malformed one would make evaluation fail half-way; instead the
 * call ends like any other data that could not be obtained: 412 with an OperationOutcome whose issue
 * names the resource type and element (never a value, an id or a URL).
 */
import type * as fhir4 from 'fhir/r4.js';
import type { PatientRecord } from '../../fhir/patient-record.js';
import { findUnstorable } from '../../lib/unstorable-json.js';
import { fhirResourceProblems, wasCheckedAsResource } from '../validation/fhir-shape.js';
import type { ObtainedRecord } from './obtain-record.js';

function recordResources(record: PatientRecord): unknown[] {
  return [
    ...(record.patient === undefined ? [] : [record.patient]),
    ...record.conditions,
    ...record.medicationRequests,
    ...record.medicationStatements,
    ...record.medicationAdministrations,
    ...record.medications,
    ...record.observations,
    ...record.procedures,
    ...record.encounters,
    ...record.allergies,
    ...record.careTeams,
    ...record.serviceRequests,
    ...record.consents,
    ...record.draftOrders,
    ...record.appointments,
  ];
}

export function malformedRecordOutcome(record: PatientRecord): fhir4.OperationOutcome | undefined {
  for (const resource of recordResources(record)) {
    // The request's own resources were checked (and repaired) in step 2: only the others are checked here.
    if (wasCheckedAsResource(resource)) continue;
    const type = (resource as { resourceType?: unknown }).resourceType;
    const base = `/${typeof type === 'string' ? type : 'resource'}`;
    // A number that overflowed (1e309) or text that cannot be stored (NUL, lone surrogate) first: either
    // would make the evaluation or the decision record fail.
    const [problem] = [findUnstorable(resource, base), ...fhirResourceProblems(resource, base, { limit: 1 })].filter((p) => p !== undefined);
    if (problem !== undefined) {
      return {
        resourceType: 'OperationOutcome',
        issue: [
          {
            severity: 'error',
            code: 'invalid',
            diagnostics: `The patient data is not valid FHIR R4 JSON (${problem.pointer} ${problem.message}); it cannot be evaluated`,
          },
        ],
      };
    }
  }
  return undefined;
}

/** The obtained record, or a 412 when a resource in it is malformed. */
export function checkRecordShape(obtained: ObtainedRecord): ObtainedRecord {
  if (!obtained.ok) return obtained;
  const outcome = malformedRecordOutcome(obtained.record);
  return outcome === undefined ? obtained : { ok: false, status: 412, outcome };
}
