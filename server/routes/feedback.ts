/** POST /cds-services/{id}/feedback: one line that delegates to feedback/receive-feedback.ts. */
import { Router, type RequestHandler } from 'express';
import { receiveFeedback, type FeedbackDeps } from '../feedback/receive-feedback.js';
import { requestContext } from '../http/request-context.js';

export function feedbackRoutes(deps: FeedbackDeps, readJson: RequestHandler[]): Router {
  return Router().post('/cds-services/:id/feedback', ...readJson, async (req, res) => {
    const reply = await receiveFeedback(deps, req.params.id as string, req.body, requestContext(res));
    res.status(reply.status).json(reply.body);
  });
}
