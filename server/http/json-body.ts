/**
 * Reads a JSON request body: Content-Type must be JSON (415), size at most MAX_BODY_BYTES (413),
 * UTF-8, nesting at most MAX_JSON_DEPTH (400), and valid JSON (400). Sets req.body to the parsed value.
 */
import { isUtf8 } from 'node:buffer';
import express, { type RequestHandler } from 'express';
import { exceedsJsonDepth } from './json-depth.js';
import { invalidRequest, unsupportedMediaType } from './http-error.js';

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

export function jsonBody(options: { maxBodyBytes: number; maxJsonDepth: number }): RequestHandler[] {
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
    try {
      req.body = JSON.parse(text);
    } catch (err) {
      return next(invalidRequest([{ pointer: '', message: parsePosition((err as Error).message) }]));
    }
    next();
  };
  return [
    requireJsonContentType,
    express.raw({ type: () => true, limit: options.maxBodyBytes, inflate: true }),
    parse,
  ];
}
