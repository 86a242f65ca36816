/**
 * What the caller learns from each request to the FHIR server, and the trace each request belongs to:
 * every request (one per page) is a client span, child of `parent`, and carries that span's W3C
 * `traceparent` header, so the FHIR server continues the EHR's trace. Span attributes name the resource
 * type, the server's host and the outcome only: never the URL (it holds the patient id) or the token.
 */
import { SpanKind, SpanStatusCode, type Context, type Span, type Tracer } from '@opentelemetry/api';
import { startChildSpan, traceHeaders } from '../lib/trace-context.js';
import type { KeyProblemCode } from './operation-outcome.js';

export type FhirRequestOutcome = 'ok' | KeyProblemCode;

export interface FhirTelemetry {
  tracer: Tracer;
  /** The trace context of the call (its record-resolution step). */
  parent: Context;
  /** Told about each finished request: its outcome and how long it took, in seconds. */
  onRequestDone?: (outcome: FhirRequestOutcome, seconds: number) => void;
}

export interface FhirRequestTrace {
  /** Headers to send with the request: `traceparent` (and `tracestate`). */
  headers: Record<string, string>;
  end(outcome: FhirRequestOutcome, status?: number): void;
}

/** Starts the span of one FHIR request; `end` closes it and reports the outcome. */
export function traceFhirRequest(telemetry: FhirTelemetry | undefined, fhirServer: string, resourceType: string): FhirRequestTrace | undefined {
  if (telemetry === undefined) return undefined;
  const startedAt = process.hrtime.bigint();
  const { span, context } = startChildSpan(telemetry.tracer, `FHIR GET ${resourceType}`, telemetry.parent, {
    kind: SpanKind.CLIENT,
    attributes: { 'http.request.method': 'GET', 'server.address': new URL(fhirServer).hostname, 'fhir.resource_type': resourceType },
  });
  return {
    headers: traceHeaders(context),
    end(outcome, status) {
      endSpan(span, outcome, status);
      telemetry.onRequestDone?.(outcome, Number(process.hrtime.bigint() - startedAt) / 1e9);
    },
  };
}

function endSpan(span: Span, outcome: FhirRequestOutcome, status: number | undefined): void {
  if (span.isRecording()) {
    span.setAttribute('cds.fhir.outcome', outcome);
    if (status !== undefined) span.setAttribute('http.response.status_code', status);
    if (outcome !== 'ok') span.setStatus({ code: SpanStatusCode.ERROR, message: outcome });
  }
  span.end();
}
