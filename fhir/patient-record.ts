/**
 * The patient record the engine reasons over: every FHIR R4 resource the service obtained for one
 * request (from prefetch, from the EHR's FHIR server, or from a test fixture), indexed by type.
 * The engine never knows where the data came from (cf. cql-execution's PatientSource).
 */
import type * as fhir4 from 'fhir/r4.js';

/** Where the data behind one prefetch key came from. */
export type PrefetchKeyOrigin =
  | 'prefetch' // sent by the client in the request
  | 'fetched' // fetched by the service from fhirServer
  | 'null' // client said "no data" (null)
  | 'failed'; // OperationOutcome in the key, or our own fetch failed (data may be incomplete)

export interface PrefetchKeyStatus {
  key: string;
  origin: PrefetchKeyOrigin;
  /** Number of resources the key contributed. */
  resourceCount: number;
  /** For 'failed': a short, patient-data-free reason. */
  problem?: string;
}

export interface PatientRecord {
  patientId: string;
  patient?: fhir4.Patient;
  conditions: fhir4.Condition[];
  medicationRequests: fhir4.MedicationRequest[];
  medicationStatements: fhir4.MedicationStatement[];
  medicationAdministrations: fhir4.MedicationAdministration[];
  /** Medication resources that MedicationRequest/Statement/Administration may reference. */
  medications: fhir4.Medication[];
  observations: fhir4.Observation[];
  procedures: fhir4.Procedure[];
  encounters: fhir4.Encounter[];
  allergies: fhir4.AllergyIntolerance[];
  careTeams: fhir4.CareTeam[];
  serviceRequests: fhir4.ServiceRequest[];
  consents: fhir4.Consent[];
  /** Hook context: the draft orders (order-select / order-sign), as resources. */
  draftOrders: fhir4.Resource[];
  /** Hook context: order-select `selections` (Type/id references into draftOrders). */
  selections: string[];
  /** Hook context: appointment-book proposed appointments. */
  appointments: fhir4.Appointment[];
  /** How each prefetch key was satisfied; lets cards and audit say when data was partial. */
  sources: PrefetchKeyStatus[];
}

export function emptyPatientRecord(patientId: string): PatientRecord {
  return {
    patientId,
    conditions: [],
    medicationRequests: [],
    medicationStatements: [],
    medicationAdministrations: [],
    medications: [],
    observations: [],
    procedures: [],
    encounters: [],
    allergies: [],
    careTeams: [],
    serviceRequests: [],
    consents: [],
    draftOrders: [],
    selections: [],
    appointments: [],
    sources: [],
  };
}
