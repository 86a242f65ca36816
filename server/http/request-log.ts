/** One structured log line per request: id, method, path, status, latency, hook, service, client iss. */
import type { RequestHandler } from 'express';
import type { Logger } from '../logger.js';
import { elapsedMs, requestContext } from './request-context.js';

export function requestLog(logger: Logger): RequestHandler {
  return (req, res, next) => {
    res.on('finish', () => {
      const ctx = requestContext(res);
      const line = {
        reqId: ctx.requestId,
        method: req.method,
        path: req.path,
        status: res.statusCode,
        latencyMs: Math.round(elapsedMs(ctx) * 100) / 100,
        hook: ctx.hook,
        serviceId: ctx.serviceId,
        clientIss: ctx.client?.client.iss,
        tenant: ctx.client?.tenant,
      };
      if (res.statusCode >= 500) logger.error(line, 'request');
      else logger.info(line, 'request');
    });
    next();
  };
}
