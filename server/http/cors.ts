/**
 * CORS for browser-based CDS clients (spec "Cross-Origin Resource Sharing"; the Sandbox sends
 * Authorization and Content-Type, so its OPTIONS preflight must succeed on every route).
 * CORS_ORIGIN '*' (default) allows any origin; a list allows those origins only (echoed, Vary: Origin).
 */
import type { RequestHandler } from 'express';

export const CORS_ALLOW_METHODS = 'GET, POST, OPTIONS';
export const CORS_ALLOW_HEADERS = 'Authorization, Content-Type';
export const CORS_EXPOSE_HEADERS = 'WWW-Authenticate, X-Request-Id, Retry-After';
export const CORS_MAX_AGE_S = '600';

export function cors(allowed: '*' | string[]): RequestHandler {
  return (req, res, next) => {
    const origin = req.headers.origin;
    if (allowed === '*') {
      res.setHeader('Access-Control-Allow-Origin', '*');
    } else {
      res.vary('Origin');
      if (origin && allowed.includes(origin)) res.setHeader('Access-Control-Allow-Origin', origin);
    }
    res.setHeader('Access-Control-Expose-Headers', CORS_EXPOSE_HEADERS);
    if (req.method === 'OPTIONS') {
      res.setHeader('Access-Control-Allow-Methods', CORS_ALLOW_METHODS);
      res.setHeader('Access-Control-Allow-Headers', CORS_ALLOW_HEADERS);
      res.setHeader('Access-Control-Max-Age', CORS_MAX_AGE_S);
      res.status(204).end();
      return;
    }
    next();
  };
}
