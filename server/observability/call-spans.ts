/**
 * The spans of one service call's steps (validation, record resolution, evaluation, audit append), each
 * a child of the request's span. A step that throws marks its span as an error with the error's name
 * only (messages may name request details; they go to the answer and the log, not to the trace).
 */
import { SpanStatusCode, type Context, type Span, type Tracer } from '@opentelemetry/api';
import { startChildSpan } from '../../lib/trace-context.js';

/** Span names of the call's steps. */
export const CALL_STEP = Object.freeze({
  validation: 'cds.validate',
  recordResolution: 'cds.resolve_record',
  evaluation: 'cds.evaluate',
  auditAppend: 'cds.audit_append',
});

function failed(span: Span, error: unknown): void {
  span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error)?.name ?? 'Error' });
  span.end();
}

/** Runs a synchronous step inside its span. */
export function stepSync<T>(tracer: Tracer, parent: Context, name: string, work: () => T): T {
  const { span } = startChildSpan(tracer, name, parent);
  let result: T;
  try {
    result = work();
  } catch (error) {
    failed(span, error);
    throw error;
  }
  span.end();
  return result;
}

/** Runs an asynchronous step inside its span; `work` gets the step's context (parent of its own spans). */
export async function step<T>(tracer: Tracer, parent: Context, name: string, work: (context: Context) => Promise<T>): Promise<T> {
  const { span, context } = startChildSpan(tracer, name, parent);
  let result: T;
  try {
    result = await work(context);
  } catch (error) {
    failed(span, error);
    throw error;
  }
  span.end();
  return result;
}
