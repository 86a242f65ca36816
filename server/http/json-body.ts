/**
 * Reads a JSON request body: Content-Type must be JSON (415), size at most MAX_BODY_BYTES (413), whole
 * within HTTP_BODY_TIMEOUT_MS (408, connection closed), UTF-8, nesting at most MAX_JSON_DEPTH (400),
 * valid JSON (400), and nothing in it that cannot be computed with or stored: a number that overflows
 * (`1e309`), a NUL or a lone surrogate in a string or member name (400 naming the JSON pointer,
 * engine/unstorable-json.ts). Sets req.body to the parsed value.
 */
import { isUtf8 } from 'node:buffer';
import express, { type RequestHandler } from 'express';
import { exceedsJsonDepth } from './json-depth.js';
import { findUnstorable, mayHoldUnstorable } from '../../lib/unstorable-json.js';
import { invalidRequest, requestTimeout, unsupportedMediaType } from './http-error.js';

export const JSON_MEDIA_TYPES = ['application/json', 'application/*+json'];

const requireJsonContentType: RequestHandler = (req, _res, next) => {
  const contentType = req.headers['content-type'];
  if (!contentType) return next(unsupportedMediaType('Content-Type must be application/json'));
  const mediaType = contentType.split(';')[0].trim().toLowerCase();
  const isJson = mediaType === 'application/json' || (mediaType.startsWith('application/') && mediaType.endsWith('+json'));
  if (!isJson) return next(unsupportedMediaType(`Content-Type must be application/json, not ${mediaType}`));
  const charset = /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(contentType)?.[1]?.toLowerCase();
  if (charset && charset !== 'utf-8' && charset !== 'utf8') {
    return next(unsupportedMediaType(`JSON must be UTF-8 encoded, not ${charset}`));
  }
  next();
};

function parsePosition(message: string): string {
  const at = /at position (\d+)/.exec(message)?.[1];
  return at === undefined ? 'is not valid JSON' : `is not valid JSON (syntax error at position ${at})`;
}

/**
 * express.raw with a deadline: a body not complete within `timeoutMs` of the start of reading is
 * answered 408 with Connection: close (the connection is closed after the answer, which also ends the
 * read; its late outcome is ignored).
 */
function rawBodyWithin(timeoutMs: number, maxBodyBytes: number): RequestHandler {
  const readRaw = express.raw({ type: () => true, limit: maxBodyBytes, inflate: true });
  return (req, res, next) => {
    let settled = false;
    const timer = setTimeout(() => {
      if (settled) return;
      settled = true;
      next(requestTimeout(timeoutMs));
    }, timeoutMs);
    readRaw(req, res, (err?: unknown) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      next(err);
    });
  };
}

export function jsonBody(options: { maxBodyBytes: number; maxJsonDepth: number; httpBodyTimeoutMs: number }): RequestHandler[] {
  const parse: RequestHandler = (req, _res, next) => {
    const raw: unknown = req.body;
    if (!Buffer.isBuffer(raw) || raw.length === 0) {
      return next(invalidRequest([{ pointer: '', message: 'is empty; a JSON object is expected' }]));
    }
    // Native UTF-8 check, then a plain decode (cheaper than a fatal TextDecoder); a leading byte order
    // mark is dropped, as TextDecoder does.
    if (!isUtf8(raw)) return next(invalidRequest([{ pointer: '', message: 'is not valid UTF-8' }]));
    let text = raw.toString('utf8');
    if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    if (exceedsJsonDepth(text, options.maxJsonDepth)) {
      return next(
        invalidRequest([{ pointer: '', message: `nests objects/arrays deeper than ${options.maxJsonDepth} levels (MAX_JSON_DEPTH)` }]),
      );
    }
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch (err) {
      return next(invalidRequest([{ pointer: '', message: parsePosition((err as Error).message) }]));
    }
    const unstorable = mayHoldUnstorable(text) ? findUnstorable(body) : undefined;
    if (unstorable) return next(invalidRequest([unstorable]));
    req.body = body;
    next();
  };
  return [requireJsonContentType, rawBodyWithin(options.httpBodyTimeoutMs, options.maxBodyBytes), parse];
}
