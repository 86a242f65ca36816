/**
 * Step 2: the body is a CDS Hooks 2.0 service request (service-request.schema.json, incl. cds-r-1),
 * its context is valid for its hook (the hook table's context schema, cds-hooks/hooks.ts; the generic one
 * for other hooks), and every FHIR resource in it (prefetch values, context members such as draftOrders)
 * has the JSON shape of FHIR R4 (validation/fhir-shape.ts), so that no malformed resource reaches the
 * engine. 400 otherwise.
 */
import { invalidRequest } from '../http/http-error.js';
import { fhirResourceProblems } from '../validation/fhir-shape.js';
import { joinPointer, type Problem } from '../../lib/problem.js';
import { contextSchemaFor } from '../../cds-hooks/hooks.js';
import { MAX_PROBLEMS, validateAgainst } from '../../cds-hooks/json-schemas.js';
import type { CdsServiceRequest } from '../../cds-hooks/wire-types.js';

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
  if (problems.length === 0) problems.push(...embeddedResourceProblems(candidate));
  if (problems.length > 0) throw invalidRequest(problems.slice(0, MAX_PROBLEMS));
  return body as CdsServiceRequest;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** FHIR shape problems of every prefetch value and every context member that is a resource. */
function embeddedResourceProblems(request: Partial<CdsServiceRequest>): Problem[] {
  const problems: Problem[] = [];
  const check = (value: unknown, pointer: string): void => {
    if (problems.length < MAX_PROBLEMS) problems.push(...fhirResourceProblems(value, pointer, { limit: MAX_PROBLEMS - problems.length }));
  };
  for (const [key, value] of Object.entries(isObject(request.prefetch) ? request.prefetch : {})) {
    if (value !== null) check(value, joinPointer('/prefetch', key));
  }
  for (const [key, value] of Object.entries(isObject(request.context) ? request.context : {})) {
    if (isObject(value) && typeof value.resourceType === 'string') check(value, joinPointer('/context', key));
  }
  return problems;
}
