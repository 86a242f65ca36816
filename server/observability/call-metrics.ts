/**
 * Express middleware on /cds-services that feeds the request-level metrics (metrics.ts): calls in flight
 * (POSTs, from their arrival), the duration of each service call by service, hook and status, and
 * refusals by status (401, 412, 429, 503). Mounted before authentication and the in-flight limit, so what
 * they refuse is counted too. Labels come from what the service resolved (catalog service id and
 * hook), never from the request path.
 */
import type { RequestHandler } from 'express';
import { requestContext } from '../http/request-context.js';
import { REFUSAL_REASONS, type ServiceMetrics } from './metrics.js';

/** `/{id}` below /cds-services (a service call), not `/{id}/feedback` or discovery. */
const SERVICE_CALL_PATH = /^\/[^/]+\/?$/;

export function callMetrics(metrics: ServiceMetrics): RequestHandler {
  return (req, res, next) => {
    if (req.method === 'OPTIONS') return next();
    const isPost = req.method === 'POST';
    const isServiceCall = isPost && SERVICE_CALL_PATH.test(req.path);
    if (isPost) metrics.callsInFlight.inc();
    let closed = false;
    res.once('close', () => {
      if (closed) return;
      closed = true;
      if (isPost) metrics.callsInFlight.dec();
      if (!res.writableFinished) return; // the client went away before the answer was complete
      const status = res.statusCode;
      const reason = REFUSAL_REASONS[status];
      if (reason !== undefined) metrics.refusals.inc({ status: String(status), reason });
      if (isServiceCall) {
        const ctx = requestContext(res);
        const seconds = Number(process.hrtime.bigint() - ctx.startedAt) / 1e9;
        metrics.callDuration.observe({ service: ctx.serviceId ?? 'unknown', hook: ctx.serviceHook ?? 'unknown', status: String(status) }, seconds);
      }
    });
    next();
  };
}
