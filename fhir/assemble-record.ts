/**
 * Builds the PatientRecord from the resources one request yielded (prefetch keys, fetched queries,
 * or a fixture) plus the hook context. Pure: no I/O. Resources are de-duplicated by type/id; Bundles
 * are flattened; OperationOutcomes are never data.
 */
import type * as fhir4 from 'fhir/r4.js';
import { emptyPatientRecord, type PatientRecord, type PrefetchKeyStatus } from './patient-record.js';

type ResourceList = keyof Pick<
  PatientRecord,
  | 'conditions'
  | 'medicationRequests'
  | 'medicationStatements'
  | 'medicationAdministrations'
  | 'medications'
  | 'observations'
  | 'procedures'
  | 'encounters'
  | 'allergies'
  | 'careTeams'
  | 'serviceRequests'
  | 'consents'
>;

/** Which PatientRecord list holds each resource type. */
export const RECORD_LIST_BY_TYPE: Readonly<Record<string, ResourceList>> = Object.freeze({
  Condition: 'conditions',
  MedicationRequest: 'medicationRequests',
  MedicationStatement: 'medicationStatements',
  MedicationAdministration: 'medicationAdministrations',
  Medication: 'medications',
  Observation: 'observations',
  Procedure: 'procedures',
  Encounter: 'encounters',
  AllergyIntolerance: 'allergies',
  CareTeam: 'careTeams',
  ServiceRequest: 'serviceRequests',
  Consent: 'consents',
});

export interface KeyedResources {
  status: PrefetchKeyStatus;
  resources: fhir4.Resource[];
}

/** Flattens a resource or Bundle (any depth of Bundle entries) into its non-Bundle resources. */
export function flattenResources(value: unknown): fhir4.Resource[] {
  const out: fhir4.Resource[] = [];
  const visit = (v: unknown): void => {
    if (!v || typeof v !== 'object' || Array.isArray(v)) return;
    const r = v as fhir4.Resource;
    if (r.resourceType === 'Bundle') {
      for (const entry of (r as fhir4.Bundle).entry ?? []) visit(entry?.resource);
    } else if (typeof r.resourceType === 'string') {
      out.push(r);
    }
  };
  visit(value);
  return out;
}

function bundleResources(value: unknown): fhir4.Resource[] {
  return flattenResources(value);
}

export function assemblePatientRecord(
  patientId: string,
  context: Record<string, unknown>,
  keyed: KeyedResources[],
): PatientRecord {
  const record = emptyPatientRecord(patientId);
  const seen = new Set<string>();
  for (const { status, resources } of keyed) {
    record.sources.push(status);
    for (const resource of resources) {
      if (resource.resourceType === 'OperationOutcome') continue;
      const identity = resource.id ? `${resource.resourceType}/${resource.id}` : undefined;
      if (identity) {
        if (seen.has(identity)) continue;
        seen.add(identity);
      }
      if (resource.resourceType === 'Patient') {
        if (!resource.id || resource.id === patientId) record.patient = resource as fhir4.Patient;
        continue;
      }
      const list = RECORD_LIST_BY_TYPE[resource.resourceType];
      if (list) (record[list] as fhir4.Resource[]).push(resource);
    }
  }
  record.draftOrders = bundleResources(context.draftOrders);
  record.appointments = bundleResources(context.appointments).filter(
    (r): r is fhir4.Appointment => r.resourceType === 'Appointment',
  );
  record.selections = Array.isArray(context.selections)
    ? context.selections.filter((s): s is string => typeof s === 'string')
    : [];
  return record;
}
