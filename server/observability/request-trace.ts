/**
 * One request's trace: a server span that continues the caller's W3C `traceparent` (a new trace when
 * there is none or it is invalid), ended when the response is closed with the route and status. The
 * call's own spans (validation, record resolution, evaluation, audit append: call-spans.ts) and each
 * FHIR request (fhir/fhir-fetcher.ts) are its children.
 *
 * Span attributes are identifiers only: never a URL with a patient id, a body, or a token.
 */
import { SpanKind, SpanStatusCode, type Context, type Span, type Tracer } from '@opentelemetry/api';
import type { Request, Response } from 'express';
import { extractTraceContext, startChildSpan } from '../../lib/trace-context.js';

export interface RequestTrace {
  span: Span;
  /** The context with this span active: pass it as the parent of the call's spans and FHIR requests. */
  context: Context;
  traceId: string;
  spanId: string;
}

export function startRequestTrace(tracer: Tracer, headers: Record<string, string | string[] | undefined>, name: string): RequestTrace {
  const { span, context } = startChildSpan(tracer, name, extractTraceContext(headers), { kind: SpanKind.SERVER });
  const { traceId, spanId } = span.spanContext();
  return { span, context, traceId, spanId };
}

/** Names the span after the route matched (`POST /cds-services/:id`), records the status and ends it. */
export function endRequestTrace(requestTrace: RequestTrace, req: Request, res: Response): void {
  const { span } = requestTrace;
  if (!span.isRecording()) return span.end();
  const route = (req.route as { path?: unknown } | undefined)?.path;
  const template = typeof route === 'string' ? `${req.baseUrl}${route}` : undefined;
  if (template !== undefined) span.updateName(`${req.method} ${template}`);
  span.setAttributes({
    'http.request.method': req.method,
    ...(template !== undefined ? { 'http.route': template } : {}),
    'http.response.status_code': res.statusCode,
  });
  if (res.statusCode >= 500 || !res.writableFinished) span.setStatus({ code: SpanStatusCode.ERROR });
  span.end();
}
