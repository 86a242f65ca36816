/**
 * One structured log line per request: id, trace id, method, path, status, latency, hook, service,
 * client iss, tenant. Written with the request's logger (request-context.ts), which carries reqId,
 * trace_id and span_id. What the client chose (path, hook, tenant) is cut short and cleared of anything
 * token-shaped (log-text.ts).
 */
import type { RequestHandler } from 'express';
import { clientText } from './log-text.js';
import { elapsedMs, requestContext } from './request-context.js';

const HEALTH_PATHS = new Set(['/healthz', '/readyz']);

export function requestLog(): RequestHandler {
  return (req, res, next) => {
    res.on('finish', () => {
      const ctx = requestContext(res);
      const line = {
        method: req.method,
        path: clientText(req.path),
        status: res.statusCode,
        latencyMs: Math.round(elapsedMs(ctx) * 100) / 100,
        hook: clientText(ctx.hook, 64),
        serviceId: ctx.serviceId,
        clientIss: ctx.client?.client.iss,
        tenant: clientText(ctx.client?.tenant, 64),
      };
      // A health probe's 503 (draining, or the store failing, which its own lines report) is not an error.
      if (res.statusCode >= 500 && !HEALTH_PATHS.has(req.path)) ctx.log.error(line, 'request');
      else ctx.log.info(line, 'request');
    });
    next();
  };
}
