/**
 * Step 2: the body is a CDS Hooks 2.0 service request (service-request.schema.json, incl. cds-r-1)
 * and its context is valid for its hook (context-<hook>.schema.json, or the generic one). 400 otherwise.
 */
import { invalidRequest } from '../http/http-error.js';
import { validateAgainst, type SchemaName } from '../validation/schemas.js';
import type { CdsServiceRequest } from '../wire-types.js';

/** Hooks with their own context schema; any other hook's context is checked by the generic one. */
export const CONTEXT_SCHEMAS: Readonly<Record<string, SchemaName>> = Object.freeze({
  'patient-view': 'context-patient-view',
  'order-select': 'context-order-select',
  'order-sign': 'context-order-sign',
  'appointment-book': 'context-appointment-book',
});

export function contextSchemaFor(hook: string): SchemaName {
  return CONTEXT_SCHEMAS[hook] ?? 'context-generic';
}

export function validateServiceRequest(body: unknown): CdsServiceRequest {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw invalidRequest([{ pointer: '', message: 'must be a JSON object (a CDS Hooks service request)' }]);
  }
  const problems = validateAgainst('service-request', body);
  const candidate = body as Partial<CdsServiceRequest>;
  const contextIsObject = typeof candidate.context === 'object' && candidate.context !== null && !Array.isArray(candidate.context);
  if (typeof candidate.hook === 'string' && contextIsObject) {
    problems.push(...validateAgainst(contextSchemaFor(candidate.hook), candidate.context, '/context'));
  }
  if (problems.length > 0) throw invalidRequest(problems);
  return body as CdsServiceRequest;
}
