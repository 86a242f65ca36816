/**
 * FHIR OperationOutcome helpers: recognising an OperationOutcome where data was expected (CDS Hooks 2.0
 * prefetch: "CDS Services SHOULD check any prefetched data for the existence of OperationOutcomes") and
 * building the 412 body that names each prefetch key we could not obtain.
 * Diagnostics never contain patient data or tokens: only key names, template text and our own reasons.
 */
import type * as fhir4 from 'fhir/r4.js';

/** The FHIR IssueType codes this service uses when a key cannot be obtained. */
export type KeyProblemCode =
  | 'exception' // network error, HTTP 5xx, unexpected failure
  | 'timeout' // the overall deadline passed
  | 'forbidden' // HTTP 401/403, a redirect, or fhirServer not on the allowlist
  | 'required' // not in prefetch and the request has no fhirServer to fetch it from
  | 'not-found' // HTTP 404
  | 'invalid' // body is not JSON, truncated, or of the wrong resource type
  | 'incomplete' // more pages than we may follow, or a `next` link we refuse to follow
  | 'not-supported' // the template needs a context value the request does not have
  | 'processing'; // the client put an OperationOutcome in the key and we could not refetch

/** Why one prefetch key could not be obtained. `reason` is short and patient-data-free. */
export interface KeyProblem {
  key: string;
  code: KeyProblemCode;
  reason: string;
}

/** True for an OperationOutcome resource. */
export function isOperationOutcome(value: unknown): value is fhir4.OperationOutcome {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as { resourceType?: unknown }).resourceType === 'OperationOutcome'
  );
}

/**
 * True when a prefetch value means "this key failed": an OperationOutcome, or a Bundle whose entries are
 * all OperationOutcomes (at least one). An empty Bundle is an empty search result, not a failure; a Bundle
 * with data plus OperationOutcome entries (search.mode 'outcome' warnings) is data.
 */
export function isFailureOutcome(value: unknown): boolean {
  if (isOperationOutcome(value)) return true;
  if (typeof value !== 'object' || value === null) return false;
  const bundle = value as fhir4.Bundle;
  if (bundle.resourceType !== 'Bundle' || !Array.isArray(bundle.entry) || bundle.entry.length === 0) {
    return false;
  }
  return bundle.entry.every((entry) => isOperationOutcome(entry?.resource));
}

/** Issue codes of an OperationOutcome (or Bundle of them) a client sent; its diagnostics are not copied. */
export function outcomeIssueCodes(value: unknown): string[] {
  const outcomes: fhir4.OperationOutcome[] = isOperationOutcome(value)
    ? [value]
    : ((value as fhir4.Bundle).entry ?? []).map((e) => e.resource as fhir4.OperationOutcome);
  const codes = outcomes.flatMap((o) => (o.issue ?? []).map((i) => String(i.code)));
  return [...new Set(codes)];
}

/** The 412 body: one error issue per key that could not be obtained. */
export function preconditionFailedOutcome(problems: KeyProblem[]): fhir4.OperationOutcome {
  return {
    resourceType: 'OperationOutcome',
    issue: problems.map((p) => ({
      severity: 'error',
      code: p.code,
      diagnostics: `Prefetch key "${p.key}" could not be obtained: ${p.reason}`,
      expression: [`prefetch.${p.key}`],
    })),
  };
}
