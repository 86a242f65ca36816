/** POST /cds-services/{id}: one line that delegates to the request path in service-call/. */
import { Router, type RequestHandler } from 'express';
import { requestContext } from '../http/request-context.js';
import { callService, type ServiceCallDeps } from '../service-call/call-service.js';

export function serviceRoutes(deps: ServiceCallDeps, readJson: RequestHandler[]): Router {
  return Router().post('/cds-services/:id', ...readJson, async (req, res) => {
    const reply = await callService(deps, req.params.id as string, req.body, requestContext(res));
    res.status(reply.status).json(reply.body);
  });
}
