/**
 * Fetches one prefetch query from the client's FHIR server with fhir-kit-client: the first page, then
 * Bundle `next` links up to `maxPages` pages in all, every request bound to the caller's AbortSignal
 * (the resolver's one overall deadline). Never throws: every failure becomes a KeyProblem-style
 * { code, reason } with a short, patient-data-free reason (no URLs, no bodies, no token).
 *
 * - `next` links are followed only when they lie on the same FHIR server (same origin, under its base
 *   path); any other link is not requested and the result is 'incomplete'.
 * - More pages than `maxPages` (including endless paging): stop, result 'incomplete' with what we have.
 * - Redirects are refused (the Client is built with `redirect: 'error'`), so a token never follows a
 *   3xx to another host.
 */
import type * as fhir4 from 'fhir/r4.js';
import { Client } from 'fhir-kit-client';
import type { KeyProblemCode } from './operation-outcome.js';
import { isFailureOutcome } from './operation-outcome.js';
import type { QueryShape } from '../cds-hooks/prefetch-template.js';
import type { FhirRequestLimit } from './request-limit.js';
import { traceFhirRequest, type FhirTelemetry } from './fhir-telemetry.js';
import { checkQueryResult, nextLink } from './query-result.js';
import { isUrlOnServer } from './server-allowlist.js';

export type FetchOutcome =
  | { ok: true; resources: fhir4.Resource[]; pages: number }
  | {
      ok: false;
      code: KeyProblemCode;
      reason: string;
      /** Resources from the pages that arrived and passed the checks before the failure. */
      resources: fhir4.Resource[];
      pages: number;
    };

export interface FhirFetcherConfig {
  fhirServer: string;
  /** fhirAuthorization.access_token; omitted when the client sent none. */
  accessToken?: string;
}

/** A fhir-kit-client Client for one request: bearer token as a custom header, redirects refused. */
export function createFhirClient(config: FhirFetcherConfig): Client {
  const customHeaders: Record<string, string> = {};
  if (config.accessToken) customHeaders.Authorization = `Bearer ${config.accessToken}`;
  return new Client({ baseUrl: config.fhirServer, customHeaders, requestOptions: { redirect: 'error' } });
}

export interface FetchQueryOptions {
  client: Client;
  fhirServer: string;
  /** What the query asks for; each page is checked against it. */
  shape: QueryShape;
  /** A rendered relative query (`Condition?patient=1`) for the first page... */
  query?: string;
  /** ...or a first page already in hand (a prefetched Bundle whose `next` links we continue). */
  firstPage?: unknown;
  signal: AbortSignal;
  /** Bounds requests in flight per FHIR server across calls (fhir/request-limit.ts); none: unbounded. */
  limit?: FhirRequestLimit;
  /** Total pages allowed for this query, including the first. */
  maxPages: number;
  /** Only for reason text. */
  deadlineMs: number;
  /** Trace context and metrics of each request (fhir-telemetry.ts); none: no traceparent is sent. */
  telemetry?: FhirTelemetry;
}

interface HttpFailure {
  code: KeyProblemCode;
  reason: string;
}

function causeCode(error: unknown): string {
  const cause = (error as { cause?: { code?: unknown; message?: unknown } })?.cause;
  if (typeof cause?.code === 'string') return cause.code;
  return typeof cause?.message === 'string' ? cause.message : '';
}

/** Maps whatever fhir-kit-client / fetch threw to a patient-data-free failure. */
function classifyError(error: unknown, signal: AbortSignal, deadlineMs: number): HttpFailure {
  if (signal.aborted) return { code: 'timeout', reason: `no complete answer within the ${deadlineMs} ms deadline` };
  const response = (error as { response?: { status?: unknown; data?: unknown } })?.response;
  if (response && typeof response.status === 'number') {
    const status = response.status;
    if (status >= 200 && status < 300) {
      const text = typeof response.data === 'string' ? response.data.trim() : '';
      const looksJson = text.startsWith('{') || text.startsWith('[');
      return {
        code: 'invalid',
        reason: looksJson ? 'FHIR server sent truncated or malformed JSON' : 'FHIR server sent a body that is not JSON',
      };
    }
    if (status === 401 || status === 403) {
      return { code: 'forbidden', reason: `FHIR server refused access (HTTP ${status})` };
    }
    if (status === 404) return { code: 'not-found', reason: 'FHIR server answered HTTP 404' };
    return { code: 'exception', reason: `FHIR server answered HTTP ${status}` };
  }
  const code = causeCode(error);
  if (code === 'ECONNREFUSED') return { code: 'exception', reason: 'FHIR server refused the connection' };
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return { code: 'exception', reason: 'FHIR server host not found' };
  if (/redirect/i.test(code)) return { code: 'forbidden', reason: 'FHIR server answered with a redirect (not followed)' };
  if (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET' || /terminated|closed/i.test(String((error as Error)?.message))) {
    return { code: 'exception', reason: 'FHIR server closed the connection before the answer was complete' };
  }
  return { code: 'exception', reason: 'request to FHIR server failed' };
}

async function getPage(
  opts: FetchQueryOptions,
  url: string,
): Promise<{ ok: true; body: unknown } | ({ ok: false } & HttpFailure)> {
  const { client, signal, deadlineMs, limit } = opts;
  if (signal.aborted) return { ok: false, ...classifyError(undefined, signal, deadlineMs) };
  // Traced from the moment the request is sent (after any wait for a FHIR_MAX_CONCURRENT_REQUESTS slot).
  let requestTrace: ReturnType<typeof traceFhirRequest>;
  try {
    const send = (): Promise<unknown> => {
      requestTrace = traceFhirRequest(opts.telemetry, opts.fhirServer, opts.shape.resourceType);
      return client.request(url, { options: { signal, headers: requestTrace?.headers } });
    };
    const body = limit === undefined ? await send() : await limit.run(opts.fhirServer, signal, send);
    requestTrace?.end('ok');
    return { ok: true, body };
  } catch (error) {
    const failure = classifyError(error, signal, deadlineMs);
    requestTrace?.end(failure.code, httpStatusOf(error));
    return { ok: false, ...failure };
  }
}

function httpStatusOf(error: unknown): number | undefined {
  const status = (error as { response?: { status?: unknown } })?.response?.status;
  return typeof status === 'number' ? status : undefined;
}

/** Fetches one query (or continues a prefetched first page), following `next` links within bounds. */
export async function fetchFhirQuery(opts: FetchQueryOptions): Promise<FetchOutcome> {
  const resources: fhir4.Resource[] = [];
  let pages = 0;
  const fail = (code: KeyProblemCode, reason: string): FetchOutcome => ({
    ok: false,
    code,
    reason,
    resources,
    pages,
  });

  let page: unknown;
  if (opts.firstPage !== undefined) {
    page = opts.firstPage;
  } else {
    const first = await getPage(opts, opts.query ?? '');
    if (!first.ok) return fail(first.code, first.reason);
    page = first.body;
  }

  for (;;) {
    pages += 1;
    if (isFailureOutcome(page)) return fail('processing', 'FHIR server answered with an OperationOutcome');
    const checked = checkQueryResult(page, opts.shape);
    if (!checked.ok) return fail('invalid', `FHIR server answer does not match the query: ${checked.reason}`);
    resources.push(...checked.resources);

    const next = nextLink(page);
    if (next === undefined) return { ok: true, resources, pages };
    if (!isUrlOnServer(next, opts.fhirServer)) {
      return fail('incomplete', 'a Bundle next link points outside the FHIR server; it was not followed');
    }
    if (pages >= opts.maxPages) {
      return fail('incomplete', `more than ${opts.maxPages} pages of results; stopped following next links`);
    }
    const got = await getPage(opts, next);
    if (!got.ok) return fail(got.code, got.reason);
    page = got.body;
  }
}
