/**
 * Turns every error into a JSON answer. Bad input never becomes a 500: body-reader errors map to
 * 400/413/415; anything unexpected is a 500 with no detail, logged without request data.
 */
import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { Logger } from '../logger.js';
import { HttpError, invalidRequest, payloadTooLarge, unsupportedMediaType } from './http-error.js';
import { clientText } from './log-text.js';
import { requestContext } from './request-context.js';

/** Errors raised by express.raw (body-parser / raw-body) carry a `type` and a 4xx status. */
function fromBodyReader(err: { type?: string; status?: number; limit?: number }, maxBodyBytes: number): HttpError | undefined {
  switch (err.type) {
    case 'entity.too.large':
      return payloadTooLarge(maxBodyBytes);
    case 'encoding.unsupported':
      return unsupportedMediaType('the Content-Encoding of the body is not supported (use identity, gzip, deflate or br)');
    case 'charset.unsupported':
      return unsupportedMediaType('the charset of the body is not supported (use UTF-8)');
    case 'request.aborted':
    case 'request.size.invalid':
      return invalidRequest([{ pointer: '', message: 'was cut short or its length does not match Content-Length' }]);
    default:
      if (typeof err.status === 'number' && err.status >= 400 && err.status < 500) {
        return invalidRequest([{ pointer: '', message: 'could not be read' }]);
      }
      return undefined;
  }
}

export function errorHandler(logger: Logger, maxBodyBytes: number): ErrorRequestHandler {
  return (err, req, res, _next) => {
    const known = err instanceof HttpError ? err : fromBodyReader(err ?? {}, maxBodyBytes);
    if (known) {
      // Answered before the body was read (401, 429, 503, 413, 408): close the connection rather than
      // keep reading a body nobody will use from a client that may be sending it slowly.
      if (!req.complete) res.setHeader('Connection', 'close');
      res.status(known.status).set(known.headers).json(known.body);
      return;
    }
    // The request's logger (reqId, trace id) when the request got that far, else the service's.
    (requestContext(res)?.log ?? logger).error(
      {
        method: clientText(req.method, 16),
        path: clientText(req.path),
        errorName: clientText(err?.name, 64),
        errorMessage: clientText(err?.message ?? err, 1000),
      },
      'unexpected error',
    );
    if (res.headersSent) return;
    res.status(500).json({ error: 'internal_error', message: 'the service failed unexpectedly; see its log' });
  };
}

export const unknownRoute: RequestHandler = (req, res) => {
  res.status(404).json({ error: 'not_found', message: `no route ${req.method} ${req.path}` });
};

/** For a known path called with a method it does not answer. */
export function methodNotAllowed(allow: string): RequestHandler {
  return (req, res) => {
    res
      .status(405)
      .set('Allow', allow)
      .json({ error: 'method_not_allowed', message: `${req.method} is not allowed here; use ${allow}` });
  };
}
