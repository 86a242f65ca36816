/**
 * Resolves the PatientRecord for one CDS Hooks 2.0 call: prefetch first, the client's FHIR server for
 * whatever is missing (spec-brief 2.3; cqf-ruler#536: never assume prefetch is complete).
 *
 * Per prefetch key of the service (keys the client sent that the service did not declare are ignored):
 *  - value present and answers the template            -> origin 'prefetch' (a `next` link in a prefetched
 *                                                          Bundle is followed on fhirServer, see fetcher)
 *  - value `null`                                      -> origin 'null' ("no data"), nothing fetched
 *  - key omitted                                       -> fetch it ourselves                -> 'fetched'
 *  - OperationOutcome, or Bundle of only OperationOutcomes -> refetch it ourselves         -> 'fetched'
 *  - value does not answer the template (wrong resource type, read of another id, not a Bundle for a
 *    search)                                           -> its resources are ignored, refetch -> 'fetched'
 * A key we needed to fetch but could not (no fhirServer, server not allowlisted, HTTP/network error,
 * invalid body, deadline, too many pages) is a key problem. Every declared key is needed for a complete
 * answer, so the MissingDataPolicy decides: 'fail' (default) -> 412 with an OperationOutcome naming each
 * key and reason; 'partial' -> continue, the key marked origin 'failed' with its problem so the engine and
 * audit know the data may be incomplete.
 *
 * All fetches run concurrently under ONE AbortController whose timer is the overall deadline.
 * Nothing here logs; problem texts never contain patient data, URLs with patient ids, or the token.
 */
import { setMaxListeners } from 'node:events';
import type * as fhir4 from 'fhir/r4.js';
import type { CdsServiceRequest } from '../cds-hooks/wire-types.js';
import { assemblePatientRecord, type KeyedResources } from './assemble-record.js';
import { createFhirClient, fetchFhirQuery, type FetchOutcome } from './fhir-fetcher.js';
import {
  isFailureOutcome,
  outcomeIssueCodes,
  preconditionFailedOutcome,
  type KeyProblem,
  type KeyProblemCode,
} from './operation-outcome.js';
import type { PatientRecord, PrefetchKeyStatus } from './patient-record.js';
import { queryShape, renderPrefetchTemplate, validatePrefetchTemplates, type QueryShape } from '../cds-hooks/prefetch-template.js';
import type { FhirRequestLimit } from './request-limit.js';
import type { FhirTelemetry } from './fhir-telemetry.js';
import { checkQueryResult, nextLink } from './query-result.js';
import { isFhirServerAllowed } from './server-allowlist.js';

/** What to do when a declared prefetch key can be neither taken from prefetch nor fetched. */
export type MissingDataPolicy = 'fail' | 'partial';

export const RESOLVE_DEFAULTS = Object.freeze({
  deadlineMs: 1500,
  maxPages: 5,
  missingData: 'fail' as MissingDataPolicy,
});

export interface ResolveOptions {
  request: CdsServiceRequest; // validated CDS Hooks request
  templates: Record<string, string>; // the service's prefetch templates (2.0 tokens only)
  allowedFhirServers: string[]; // base URLs the calling client may have us call
  deadlineMs: number; // one overall deadline for all fetching (default 1500)
  maxPages: number; // bound on pages per query, first page included (default 5)
  missingData?: MissingDataPolicy; // default 'fail'
  requestLimit?: FhirRequestLimit; // requests in flight per FHIR server across calls; none: unbounded
  telemetry?: FhirTelemetry; // each FHIR request: a span whose traceparent is sent, and its outcome reported
}

export type ResolveResult =
  | { ok: true; record: PatientRecord }
  | { ok: false; status: 412; outcome: fhir4.OperationOutcome };

/** How one key is to be satisfied after looking at the prefetch. */
type KeyPlan =
  | { key: string; kind: 'done'; status: PrefetchKeyStatus; resources: fhir4.Resource[] }
  | { key: string; kind: 'failed'; code: KeyProblemCode; reason: string }
  | { key: string; kind: 'fetch'; shape: QueryShape; query: string; prefetchProblem?: string }
  | { key: string; kind: 'continue'; shape: QueryShape; firstPage: unknown; firstPageResources: fhir4.Resource[] };

function planKey(key: string, template: string, request: CdsServiceRequest): KeyPlan {
  const rendered = renderPrefetchTemplate(key, template, request.context);
  if (!rendered.ok) return { key, kind: 'failed', code: 'not-supported', reason: rendered.reason };
  const shape = queryShape(rendered.query);
  if (!shape) {
    return { key, kind: 'failed', code: 'not-supported', reason: 'a context value is not usable in this query' };
  }
  const prefetch = request.prefetch ?? {};
  if (!Object.prototype.hasOwnProperty.call(prefetch, key)) {
    return { key, kind: 'fetch', shape, query: rendered.query };
  }
  const value = prefetch[key];
  if (value === null) {
    return { key, kind: 'done', status: { key, origin: 'null', resourceCount: 0 }, resources: [] };
  }
  if (isFailureOutcome(value)) {
    const codes = outcomeIssueCodes(value).join(', ') || 'none';
    return {
      key,
      kind: 'fetch',
      shape,
      query: rendered.query,
      prefetchProblem: `the client sent an OperationOutcome (issue codes: ${codes})`,
    };
  }
  const checked = checkQueryResult(value, shape);
  if (!checked.ok) {
    return {
      key,
      kind: 'fetch',
      shape,
      query: rendered.query,
      prefetchProblem: `the prefetched value does not match the template (${checked.reason})`,
    };
  }
  if (nextLink(value) !== undefined) {
    return { key, kind: 'continue', shape, firstPage: value, firstPageResources: checked.resources };
  }
  const status: PrefetchKeyStatus = { key, origin: 'prefetch', resourceCount: checked.resources.length };
  return { key, kind: 'done', status, resources: checked.resources };
}

function requirePositiveInteger(name: string, value: number): void {
  if (!Number.isInteger(value) || value < 1) {
    throw new RangeError(`resolvePatientRecord: ${name} must be a positive integer, got ${String(value)}`);
  }
}

/** Why fetching is impossible for this request, or undefined if we may call fhirServer. */
function fetchBlocker(request: CdsServiceRequest, allowedFhirServers: string[]): Omit<KeyProblem, 'key'> | undefined {
  if (!request.fhirServer) return { code: 'required', reason: 'the request has no fhirServer to fetch it from' };
  if (!isFhirServerAllowed(request.fhirServer, allowedFhirServers)) {
    return { code: 'forbidden', reason: "the request's fhirServer is not on this service's allowlist" };
  }
  return undefined;
}

/** Why a key needed fetching at all: omitted, or what was wrong with its prefetch value. */
function whyFetched(plan: Extract<KeyPlan, { kind: 'fetch' | 'continue' }>): string {
  if (plan.kind === 'continue') return 'the prefetched Bundle has further pages';
  return plan.prefetchProblem ?? 'not in prefetch';
}

export async function resolvePatientRecord(opts: ResolveOptions): Promise<ResolveResult> {
  const startedAt = Date.now();
  const { request, templates, allowedFhirServers } = opts;
  const policy = opts.missingData ?? RESOLVE_DEFAULTS.missingData;
  requirePositiveInteger('deadlineMs', opts.deadlineMs);
  requirePositiveInteger('maxPages', opts.maxPages);
  validatePrefetchTemplates(templates);

  const plans = Object.entries(templates).map(([key, template]) => planKey(key, template, request));
  const keyed = new Map<string, KeyedResources>();
  const problems: KeyProblem[] = [];
  const markFailed = (key: string, code: KeyProblemCode, reason: string, resources: fhir4.Resource[] = []): void => {
    problems.push({ key, code, reason });
    keyed.set(key, { status: { key, origin: 'failed', resourceCount: resources.length, problem: reason }, resources });
  };

  const toFetch: Array<Extract<KeyPlan, { kind: 'fetch' | 'continue' }>> = [];
  for (const plan of plans) {
    if (plan.kind === 'done') keyed.set(plan.key, { status: plan.status, resources: plan.resources });
    else if (plan.kind === 'failed') markFailed(plan.key, plan.code, plan.reason);
    else toFetch.push(plan);
  }

  if (toFetch.length > 0) {
    const blocker = fetchBlocker(request, allowedFhirServers);
    if (blocker) {
      for (const plan of toFetch) {
        const kept = plan.kind === 'continue' ? plan.firstPageResources : [];
        markFailed(plan.key, blocker.code, `${whyFetched(plan)}, and ${blocker.reason}`, kept);
      }
    } else {
      const fhirServer = request.fhirServer as string;
      const client = createFhirClient({ fhirServer, accessToken: request.fhirAuthorization?.access_token });
      const controller = new AbortController();
      // Every in-flight request listens on this one signal; many keys are not a listener leak.
      setMaxListeners(Math.max(10, toFetch.length * 4), controller.signal);
      const remainingMs = Math.max(0, opts.deadlineMs - (Date.now() - startedAt));
      const timer = setTimeout(() => controller.abort(new Error('prefetch deadline passed')), remainingMs);
      let outcomes: FetchOutcome[];
      try {
        outcomes = await Promise.all(
          toFetch.map((plan) =>
            fetchFhirQuery({
              client,
              fhirServer,
              shape: plan.shape,
              query: plan.kind === 'fetch' ? plan.query : undefined,
              firstPage: plan.kind === 'continue' ? plan.firstPage : undefined,
              signal: controller.signal,
              limit: opts.requestLimit,
              telemetry: opts.telemetry,
              maxPages: opts.maxPages,
              deadlineMs: opts.deadlineMs,
            }),
          ),
        );
      } finally {
        clearTimeout(timer);
        controller.abort(new Error('prefetch resolution finished'));
      }
      toFetch.forEach((plan, i) => {
        const outcome = outcomes[i];
        const origin = plan.kind === 'continue' ? 'prefetch' : 'fetched';
        if (outcome.ok) {
          keyed.set(plan.key, {
            status: { key: plan.key, origin, resourceCount: outcome.resources.length },
            resources: outcome.resources,
          });
        } else {
          const reason = plan.kind === 'fetch' && plan.prefetchProblem ? `${plan.prefetchProblem}; fetching it failed: ${outcome.reason}` : outcome.reason;
          markFailed(plan.key, outcome.code, reason, outcome.resources);
        }
      });
    }
  }

  if (problems.length > 0 && policy === 'fail') {
    const ordered = plans.flatMap((plan) => problems.filter((p) => p.key === plan.key));
    return { ok: false, status: 412, outcome: preconditionFailedOutcome(ordered) };
  }
  const patientId = typeof request.context.patientId === 'string' ? request.context.patientId : '';
  const inTemplateOrder = plans.map((plan) => keyed.get(plan.key) as KeyedResources);
  return { ok: true, record: assemblePatientRecord(patientId, request.context, inTemplateOrder) };
}
