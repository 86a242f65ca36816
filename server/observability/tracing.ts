/**
 * OpenTelemetry tracing for the service process.
 *
 * Always on: a tracer provider (the SDK's, so every call gets a trace id and span ids even when the EHR
 * sent no `traceparent`), propagation of W3C Trace Context (lib/trace-context.ts) and the trace id in
 * every log line of a call (server/observability/request-trace.ts). Off by default: exporting spans.
 * It is turned on by the standard OpenTelemetry variable OTEL_TRACES_EXPORTER (`otlp`, `console`,
 * `zipkin`; unset or `none`: no export), and then the Node SDK (@opentelemetry/sdk-node, loaded only in
 * that case) configures the exporter from the standard variables (OTEL_EXPORTER_OTLP_ENDPOINT,
 * OTEL_EXPORTER_OTLP_TRACES_PROTOCOL, OTEL_EXPORTER_OTLP_HEADERS, OTEL_TRACES_SAMPLER, OTEL_SERVICE_NAME,
 * OTEL_RESOURCE_ATTRIBUTES, OTEL_BSP_*, ...). OTEL_SDK_DISABLED=true also turns exporting off.
 *
 * Deliberately not done (cost on the hot path): no context manager is registered (the service passes each
 * call's context explicitly, so no AsyncLocalStorage on every promise) and no auto-instrumentation (no
 * patched http, express or pg modules); the service creates its own few spans per call.
 */
import { trace, type ContextManager, type Tracer } from '@opentelemetry/api';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { ConfigError } from '../../lib/config-error.js';

export const TRACER_NAME = 'ketamine-cds-hooks';
export const DEFAULT_SERVICE_NAME = 'ketamine-cds-hooks';

const KNOWN_EXPORTERS = ['otlp', 'console', 'zipkin', 'none'];

export interface Tracing {
  tracer: Tracer;
  /** The exporters spans go to ([] = none: spans are made for their ids, then dropped). */
  exporters: string[];
  /** Flushes and stops exporting (spans still queued are sent). */
  shutdown(): Promise<void>;
}

/** OTEL_TRACES_EXPORTER as a list; [] when unset, `none`, or OTEL_SDK_DISABLED=true. Unknown names are a start-up error. */
export function tracesExportersFromEnv(env: Record<string, string | undefined>): string[] {
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true') return [];
  const names = (env.OTEL_TRACES_EXPORTER ?? '')
    .split(',')
    .map((name) => name.trim().toLowerCase())
    .filter((name) => name !== '');
  const unknown = names.filter((name) => !KNOWN_EXPORTERS.includes(name));
  if (unknown.length > 0) {
    throw new ConfigError(`OTEL_TRACES_EXPORTER must be a comma-separated list of ${KNOWN_EXPORTERS.join(', ')}; got ${JSON.stringify(env.OTEL_TRACES_EXPORTER)}`);
  }
  return names.includes('none') ? [] : names;
}

/**
 * A tracer whose spans have ids and are passed on (so a sampled flag from the EHR reaches the FHIR server
 * unchanged) but are never exported: the SDK's provider with no span processor, not registered globally.
 * The default of buildApp (server/app.ts) when no tracer is given.
 */
export function unexportedTracer(): Tracer {
  return new BasicTracerProvider().getTracer(TRACER_NAME);
}

/**
 * The service's tracer: exporting through the Node SDK (registered globally) when OTEL_TRACES_EXPORTER asks
 * for it, else unexportedTracer(). Called once at start (server/main.ts).
 */
export async function startTracing(env: Record<string, string | undefined>): Promise<Tracing> {
  const exporters = tracesExportersFromEnv(env);
  if (exporters.length === 0) return { tracer: unexportedTracer(), exporters, shutdown: async () => undefined };
  const { NodeSDK } = await import('@opentelemetry/sdk-node');
  const sdk = new NodeSDK({
    serviceName: env.OTEL_SERVICE_NAME?.trim() || DEFAULT_SERVICE_NAME,
    instrumentations: [],
    // null: register neither (types do not say so, the SDK does): contexts are passed explicitly, and
    // propagation is always W3C Trace Context, done by lib/trace-context.ts.
    contextManager: null as unknown as ContextManager,
    textMapPropagator: null,
    // Traces only: metrics are Prometheus (server/observability/metrics.ts), logs are pino lines on stdout.
    metricReaders: [],
    logRecordProcessors: [],
  });
  sdk.start();
  return { tracer: trace.getTracer(TRACER_NAME), exporters, shutdown: () => sdk.shutdown() };
}
