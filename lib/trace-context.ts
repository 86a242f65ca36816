/**
 * W3C Trace Context (`traceparent`, `tracestate`) in and out of HTTP headers, with OpenTelemetry's own
 * propagator, independent of any global OpenTelemetry registration: propagation is always on, whether
 * or not spans are exported (server/observability/tracing.ts).
 *
 * The service passes each call's trace context explicitly (an OpenTelemetry `Context` value) instead of
 * registering a context manager: no AsyncLocalStorage / async_hooks cost on every promise of the hot path.
 */
import { ROOT_CONTEXT, trace, type Context, type Span, type SpanOptions, type Tracer } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';

const W3C = new W3CTraceContextPropagator();

type HeaderValue = string | string[] | undefined;

const headerGetter = {
  keys: (carrier: Record<string, HeaderValue>): string[] => Object.keys(carrier),
  get: (carrier: Record<string, HeaderValue>, key: string): HeaderValue => carrier[key],
};

const headerSetter = {
  set: (carrier: Record<string, string>, key: string, value: string): void => {
    carrier[key] = value;
  },
};

/** The trace context sent by the caller (node's lower-cased request headers); ROOT_CONTEXT when none or invalid. */
export function extractTraceContext(headers: Record<string, HeaderValue>): Context {
  return W3C.extract(ROOT_CONTEXT, headers, headerGetter);
}

/** `traceparent` (and `tracestate` when there is one) for an outgoing request made within `context`. */
export function traceHeaders(context: Context): Record<string, string> {
  const headers: Record<string, string> = {};
  W3C.inject(context, headers, headerSetter);
  return headers;
}

/** A span started as a child of `parent`, with the context that has it as the active span. */
export function startChildSpan(tracer: Tracer, name: string, parent: Context, options?: SpanOptions): { span: Span; context: Context } {
  const span = tracer.startSpan(name, options, parent);
  return { span, context: trace.setSpan(parent, span) };
}
