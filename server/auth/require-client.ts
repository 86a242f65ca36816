/**
 * Express middleware for every /cds-services route (discovery, service, feedback): verifies the
 * client's bearer JWT against the public URL of the endpoint called. Any failure: 401
 * {"error":"unauthorized"} with WWW-Authenticate: Bearer and nothing else; the reason goes to the log.
 * In open mode it lets requests through unauthenticated (see trust-mode.ts).
 */
import type { RequestHandler } from 'express';
import type { Logger } from '../logger.js';
import { unauthorized } from '../http/http-error.js';
import { requestContext } from '../http/request-context.js';
import type { TrustMode } from './trust-mode.js';
import type { ClientTokenVerifier } from './verify-client-token.js';

const BEARER = /^Bearer +([A-Za-z0-9_.~+/=-]+)\s*$/i;

/** The JWT `aud` a client must use for the endpoint at `path`: PUBLIC_BASE_URL + path. */
export function audienceFor(publicBaseUrl: string, path: string): string {
  return publicBaseUrl + path;
}

export function requireClient(options: {
  mode: TrustMode;
  verifier: ClientTokenVerifier | undefined;
  publicBaseUrl: string;
  logger: Logger;
}): RequestHandler {
  return async (req, res, next) => {
    if (options.mode === 'open' || !options.verifier) return next();
    const header = req.headers.authorization;
    const match = typeof header === 'string' ? BEARER.exec(header) : null;
    const ctx = requestContext(res);
    if (!match) {
      ctx.log.info({ reason: 'no-bearer-token' }, 'client authentication failed');
      return next(unauthorized());
    }
    const path = new URL(req.originalUrl, 'http://path.invalid').pathname;
    const verdict = await options.verifier.verify(match[1], audienceFor(options.publicBaseUrl, path));
    if (!verdict.ok) {
      ctx.log.warn(
        { reason: verdict.failure, detail: verdict.detail, clientIss: verdict.iss },
        'client authentication failed',
      );
      return next(unauthorized());
    }
    ctx.client = verdict.verified;
    next();
  };
}
