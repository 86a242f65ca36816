/** Builders for CDS Hooks requests and resolve options used by the test/fhir tests. */
import type { CdsServiceRequest } from '../../cds-hooks/wire-types.js';
import type { ResolveOptions } from '../../fhir/resolve-record.js';

export const TEST_TOKEN = 'test-access-token-7f3a';

/** The service's prefetch templates used across these tests (4 keys). */
export const TEMPLATES: Record<string, string> = {
  patient: 'Patient/{{context.patientId}}',
  conditions: 'Condition?patient={{context.patientId}}',
  medicationRequests: 'MedicationRequest?patient={{context.patientId}}',
  observations: 'Observation?patient={{context.patientId}}&code=http://loinc.org|85354-9,http://loinc.org|44261-6,http://loinc.org|29463-7',
};

export interface RequestOverrides {
  patientId?: string;
  fhirServer?: string | undefined;
  token?: string | undefined;
  prefetch?: Record<string, unknown>;
}

export function patientViewRequest(overrides: RequestOverrides = {}): CdsServiceRequest {
  const patientId = overrides.patientId ?? 'trd-adult';
  const request: CdsServiceRequest = {
    hook: 'patient-view',
    hookInstance: 'd1577c69-dfbe-44ad-ba6d-3e05e953b2ea',
    context: { userId: 'Practitioner/example-doc', patientId },
  };
  const fhirServer = 'fhirServer' in overrides ? overrides.fhirServer : undefined;
  if (fhirServer !== undefined) {
    request.fhirServer = fhirServer;
    const token = 'token' in overrides ? overrides.token : TEST_TOKEN;
    if (token !== undefined) {
      request.fhirAuthorization = {
        access_token: token,
        token_type: 'Bearer',
        expires_in: 300,
        scope: 'patient/*.read',
        subject: 'cds-service',
        patient: patientId,
      };
    }
  }
  if (overrides.prefetch !== undefined) request.prefetch = overrides.prefetch;
  return request;
}

export function resolveOptions(request: CdsServiceRequest, extra: Partial<ResolveOptions> = {}): ResolveOptions {
  return {
    request,
    templates: TEMPLATES,
    allowedFhirServers: request.fhirServer ? [request.fhirServer] : [],
    deadlineMs: 1500,
    maxPages: 5,
    ...extra,
  };
}
