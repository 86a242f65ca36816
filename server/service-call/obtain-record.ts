/**
 * Step 4: the patient record from prefetch and, for keys the client did not send, from its FHIR
 * server (fhir/resolve-record.ts does the work). Only FHIR servers allowed for this caller are used.
 */
import type * as fhir4 from 'fhir/r4.js';
import { resolvePatientRecord } from '../../fhir/resolve-record.js';
import type { FhirTelemetry } from '../../fhir/fhir-telemetry.js';
import type { FhirRequestLimit } from '../../fhir/request-limit.js';
import type { PatientRecord } from '../../fhir/patient-record.js';
import { allowedFhirServers } from '../auth/trust-mode.js';
import type { TrustedClient } from '../auth/trusted-clients.js';
import type { Config } from '../config.js';
import type { ServiceBinding } from '../../use-cases/service-catalog.js';
import type { CdsServiceRequest } from '../../cds-hooks/wire-types.js';

export type ObtainedRecord = { ok: true; record: PatientRecord } | { ok: false; status: 412; outcome: fhir4.OperationOutcome };

export function obtainPatientRecord(args: {
  request: CdsServiceRequest;
  binding: ServiceBinding;
  client: TrustedClient | undefined;
  config: Pick<Config, 'openModeFhirServers' | 'fhirDeadlineMs' | 'fhirMaxPages'>;
  /** Shared by every call of the process (FHIR_MAX_CONCURRENT_REQUESTS). */
  requestLimit?: FhirRequestLimit;
  /** The call's trace (each FHIR request carries its traceparent) and FHIR request metrics. */
  telemetry?: FhirTelemetry;
}): Promise<ObtainedRecord> {
  return resolvePatientRecord({
    request: args.request,
    templates: args.binding.service.prefetch ?? {},
    allowedFhirServers: allowedFhirServers(args.config, args.client, args.request.fhirServer),
    deadlineMs: args.config.fhirDeadlineMs,
    maxPages: args.config.fhirMaxPages,
    requestLimit: args.requestLimit,
    telemetry: args.telemetry,
  });
}
