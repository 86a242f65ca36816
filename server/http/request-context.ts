/**
 * What the service learns about one request as it goes (kept in res.locals.cds) and logs once
 * when the response is finished: never the body, the token or any patient data.
 *
 * Each request also gets its trace (server/observability/request-trace.ts: a span continuing the caller's
 * W3C `traceparent`, or a new trace) and a logger for its lines that carries `reqId`, `trace_id` and
 * `span_id`, so every log line of a call can be found from the trace and the other way round.
 */
import { randomUUID } from 'node:crypto';
import type { Tracer } from '@opentelemetry/api';
import type { RequestHandler, Response } from 'express';
import type { VerifiedClient } from '../auth/verify-client-token.js';
import type { Logger } from '../logger.js';
import { endRequestTrace, startRequestTrace, type RequestTrace } from '../observability/request-trace.js';

export interface RequestContext {
  requestId: string;
  startedAt: bigint;
  /** This request's server span and its context: the parent of every span and FHIR request of the call. */
  trace: RequestTrace;
  /** Logger for this request's lines: `reqId`, `trace_id` and `span_id` are on every line. */
  log: Logger;
  client?: VerifiedClient;
  serviceId?: string;
  /** The hook the service answers (set with serviceId): a bounded value, used as a metrics label. */
  serviceHook?: string;
  hook?: string;
}

const REQUEST_ID_PATTERN = /^[A-Za-z0-9._-]{1,128}$/;

export function requestContext(res: Response): RequestContext {
  return res.locals.cds as RequestContext;
}

/** A request context outside HTTP (benchmarks, tools): a new trace unless `headers` carry a traceparent. */
export function newRequestContext(
  requestId: string,
  logger: Logger,
  tracer: Tracer,
  headers: Record<string, string | string[] | undefined> = {},
  spanName = 'request',
): RequestContext {
  const trace = startRequestTrace(tracer, headers, spanName);
  return {
    requestId,
    startedAt: process.hrtime.bigint(),
    trace,
    log: logger.child({ reqId: requestId, trace_id: trace.traceId, span_id: trace.spanId }),
  };
}

/** Accepts a sane X-Request-Id from a proxy, otherwise makes one; echoes it back. Starts the request's trace. */
export function assignRequestContext(logger: Logger, tracer: Tracer): RequestHandler {
  return (req, res, next) => {
    const offered = req.headers['x-request-id'];
    const requestId = typeof offered === 'string' && REQUEST_ID_PATTERN.test(offered) ? offered : randomUUID();
    const context = newRequestContext(requestId, logger, tracer, req.headers, `${req.method} request`);
    res.locals.cds = context;
    res.setHeader('X-Request-Id', requestId);
    res.once('close', () => endRequestTrace(context.trace, req, res));
    next();
  };
}

export function elapsedMs(context: RequestContext): number {
  return Number(process.hrtime.bigint() - context.startedAt) / 1e6;
}
