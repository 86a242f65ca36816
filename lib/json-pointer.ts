/**
 * RFC 6901 JSON pointers: how every rule-set problem says *where* it is.
 */

/** Escapes one reference token (`~` -> `~0`, `/` -> `~1`). */
export function escapePointerToken(token: string | number): string {
  return String(token).replace(/~/g, '~0').replace(/\//g, '~1');
}

/** Builds a pointer from reference tokens: pointer('rules', 3, 'id') === '/rules/3/id'. */
export function pointer(...tokens: Array<string | number>): string {
  return tokens.map((t) => `/${escapePointerToken(t)}`).join('');
}

/** Appends tokens to an existing pointer. */
export function childPointer(base: string, ...tokens: Array<string | number>): string {
  return base + pointer(...tokens);
}

/** Splits a pointer back into unescaped tokens ('' -> []). */
export function parsePointer(p: string): string[] {
  if (p === '') return [];
  if (!p.startsWith('/')) throw new Error(`not a JSON pointer: "${p}"`);
  return p
    .slice(1)
    .split('/')
    .map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
}
