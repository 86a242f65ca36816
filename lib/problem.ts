/**
 * One thing wrong with a request body: where (a JSON Pointer, RFC 6901, into the body; "" for the
 * body as a whole) and what. Error bodies carry a list of these (docs/errors.md).
 */
export interface Problem {
  pointer: string;
  message: string;
}

/** Escapes one JSON Pointer reference token (RFC 6901 section 3). */
export function pointerToken(token: string | number): string {
  return String(token).replace(/~/g, '~0').replace(/\//g, '~1');
}

export function joinPointer(base: string, token: string | number): string {
  return `${base}/${pointerToken(token)}`;
}
