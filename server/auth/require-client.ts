/**
 * Express middleware for every /cds-services route (discovery, service, feedback): verifies the
 * client's bearer JWT against the public URL of the endpoint called. Any failure: 401
 * {"error":"unauthorized"} with WWW-Authenticate: Bearer and nothing else; the reason goes to the log.
 * In open mode it lets requests through unauthenticated (see trust-mode.ts).
 */
import type { RequestHandler } from 'express';
import { unauthorized, unavailable } from '../http/http-error.js';
import { clientText } from '../http/log-text.js';
import { requestContext } from '../http/request-context.js';
import type { TrustMode } from './trust-mode.js';
import type { ClientTokenVerifier } from './verify-client-token.js';

const BEARER = /^Bearer +([A-Za-z0-9_.~+/=-]+)\s*$/i;

/** The JWT `aud` values a client may use for the endpoint at `path`: each PUBLIC_BASE_URL + path. */
export function audiencesFor(publicBaseUrls: readonly string[], path: string): string[] {
  return publicBaseUrls.map((base) => base + path);
}

export function requireClient(options: {
  mode: TrustMode;
  verifier: ClientTokenVerifier | undefined;
  publicBaseUrls: readonly string[];
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
    const verdict = await options.verifier.verify(match[1], audiencesFor(options.publicBaseUrls, path));
    if (!verdict.ok) {
      ctx.log.warn(
        { reason: verdict.failure, detail: clientText(verdict.detail), clientIss: verdict.iss },
        'client authentication failed',
      );
      if (verdict.failure === 'replay-store-unavailable') {
        return next(unavailable('the service cannot check this token against replays right now (its store does not answer); retry shortly'));
      }
      return next(unauthorized());
    }
    ctx.client = verdict.verified;
    next();
  };
}
