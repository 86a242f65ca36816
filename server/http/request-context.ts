/**
 * What the service learns about one request as it goes (kept in res.locals.cds) and logs once
 * when the response is finished: never the body, the token or any patient data.
 */
import { randomUUID } from 'node:crypto';
import type { RequestHandler, Response } from 'express';
import type { VerifiedClient } from '../auth/verify-client-token.js';

export interface RequestContext {
  requestId: string;
  startedAt: bigint;
  client?: VerifiedClient;
  serviceId?: string;
  hook?: string;
}

const REQUEST_ID_PATTERN = /^[A-Za-z0-9._-]{1,128}$/;

export function requestContext(res: Response): RequestContext {
  return res.locals.cds as RequestContext;
}

/** Accepts a sane X-Request-Id from a proxy, otherwise makes one; echoes it back. */
export const assignRequestContext: RequestHandler = (req, res, next) => {
  const offered = req.headers['x-request-id'];
  const requestId = typeof offered === 'string' && REQUEST_ID_PATTERN.test(offered) ? offered : randomUUID();
  const context: RequestContext = { requestId, startedAt: process.hrtime.bigint() };
  res.locals.cds = context;
  res.setHeader('X-Request-Id', requestId);
  next();
};

export function elapsedMs(context: RequestContext): number {
  return Number(process.hrtime.bigint() - context.startedAt) / 1e6;
}
