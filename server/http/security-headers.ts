/**
 * Security headers on every response the service sends (docs/security.md, "HTTP headers"). The API
 * answers JSON only, so its Content-Security-Policy allows nothing at all; the web console replaces
 * CSP and Cache-Control with its own (server/console/console-assets.ts CONSOLE_SECURITY_HEADERS) on its pages.
 * Strict-Transport-Security only when the service is reached over https (an https URL in PUBLIC_BASE_URL): sending it
 * over plain http is ignored by browsers and would only confuse.
 */
import type { RequestHandler } from 'express';

export const API_SECURITY_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  // Answers carry clinical advice, decision records and audit data: never kept by a browser or proxy.
  'Cache-Control': 'no-store',
  'Content-Security-Policy': "default-src 'none'; frame-ancestors 'none'",
});

/** One year, the usual preload minimum. */
export const HSTS_VALUE = 'max-age=31536000';

export function securityHeaders(publicBaseUrls: readonly string[]): RequestHandler {
  const headers: Record<string, string> = { ...API_SECURITY_HEADERS };
  if (publicBaseUrls.some((url) => new URL(url).protocol === 'https:')) headers['Strict-Transport-Security'] = HSTS_VALUE;
  const entries = Object.entries(headers);
  return (_req, res, next) => {
    for (const [name, value] of entries) res.setHeader(name, value);
    next();
  };
}
