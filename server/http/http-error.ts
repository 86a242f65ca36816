/**
 * Errors the request path throws to answer with a 4xx/5xx JSON body (shape in docs/errors.md and
 * server/schemas/error-response.schema.json). The 401 body is fixed and carries no detail.
 */
import type { Problem } from '../../lib/problem.js';

export type ErrorCode =
  | 'invalid_request'
  | 'unauthorized'
  | 'not_found'
  | 'method_not_allowed'
  | 'unsupported_media_type'
  | 'payload_too_large'
  | 'request_timeout'
  | 'rate_limited'
  | 'unavailable'
  | 'internal_error';

export interface ErrorBody {
  error: ErrorCode;
  message?: string;
  problems?: Problem[];
}

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: ErrorBody,
    readonly headers: Record<string, string> = {},
  ) {
    super(body.message ?? body.error);
    this.name = 'HttpError';
  }
}

export function invalidRequest(problems: Problem[], message = 'the request body is not valid'): HttpError {
  return new HttpError(400, { error: 'invalid_request', message, problems });
}

export function notFound(message: string): HttpError {
  return new HttpError(404, { error: 'not_found', message });
}

export function unsupportedMediaType(message: string): HttpError {
  return new HttpError(415, { error: 'unsupported_media_type', message });
}

export function payloadTooLarge(limit: number): HttpError {
  return new HttpError(413, { error: 'payload_too_large', message: `the request body is larger than ${limit} bytes (MAX_BODY_BYTES)` });
}

/** The body did not arrive in time; the connection is closed after this answer. */
export function requestTimeout(timeoutMs: number): HttpError {
  return new HttpError(
    408,
    { error: 'request_timeout', message: `the request body did not arrive within ${timeoutMs} ms (HTTP_BODY_TIMEOUT_MS)` },
    { Connection: 'close' },
  );
}

export function rateLimited(perMinute: number, retryAfterS: number): HttpError {
  return new HttpError(
    429,
    { error: 'rate_limited', message: `more than ${perMinute} requests per minute from this client (RATE_LIMIT_PER_MINUTE); retry after ${retryAfterS} s` },
    { 'Retry-After': String(retryAfterS) },
  );
}

export function unavailable(message: string): HttpError {
  return new HttpError(503, { error: 'unavailable', message });
}

export const UNAUTHORIZED_BODY: ErrorBody = Object.freeze({ error: 'unauthorized' }) as ErrorBody;

export function unauthorized(): HttpError {
  return new HttpError(401, { ...UNAUTHORIZED_BODY }, { 'WWW-Authenticate': 'Bearer' });
}
