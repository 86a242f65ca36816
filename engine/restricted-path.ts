/**
 * The only path language authored rules may use: `$` followed by `.identifier` or `[index]` segments,
 * e.g. `$.present`, `$.latest.systolic`, `$.items[0].code`. It resolves own properties only and refuses
 * `__proto__`, `constructor` and `prototype`. It replaces json-rules-engine's default JSONPath resolver,
 * so no JSONPath library ever runs on authored text (JSONPath implementations have had
 * remote-code-execution bugs).
 */

export type PathSegment = { kind: 'property'; name: string } | { kind: 'index'; index: number };

export type ParsedPath = { ok: true; segments: PathSegment[] } | { ok: false; error: string };

/** Names that would reach an object's prototype machinery; never allowed as a segment. */
export const FORBIDDEN_PATH_NAMES: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*/;
const INDEX = /^\[(0|[1-9][0-9]{0,8})\]/;

/** Parses `$…` into segments, or says exactly what is wrong and where. */
export function parseRestrictedPath(path: string): ParsedPath {
  if (typeof path !== 'string') return { ok: false, error: 'a path must be a string' };
  if (!path.startsWith('$')) return { ok: false, error: `path "${path}" must start with "$"` };
  const segments: PathSegment[] = [];
  let rest = path.slice(1);
  let offset = 1;
  while (rest.length > 0) {
    if (rest.startsWith('.')) {
      const m = IDENTIFIER.exec(rest.slice(1));
      if (!m) {
        return { ok: false, error: `path "${path}": expected an identifier after "." at character ${offset + 1} (only $.name and [index] segments are allowed)` };
      }
      const name = m[0];
      if (FORBIDDEN_PATH_NAMES.has(name)) return { ok: false, error: `path "${path}": "${name}" is not allowed in a path` };
      segments.push({ kind: 'property', name });
      rest = rest.slice(1 + name.length);
      offset += 1 + name.length;
    } else if (rest.startsWith('[')) {
      const m = INDEX.exec(rest);
      if (!m) {
        return { ok: false, error: `path "${path}": expected a non-negative integer index like [0] at character ${offset + 1} (filters, wildcards and quoted names are not allowed)` };
      }
      segments.push({ kind: 'index', index: Number(m[1]) });
      rest = rest.slice(m[0].length);
      offset += m[0].length;
    } else {
      return { ok: false, error: `path "${path}": unexpected "${rest[0]}" at character ${offset + 1} (only $.name and [index] segments are allowed)` };
    }
  }
  return { ok: true, segments };
}

/** Follows parsed segments through own properties; undefined when any step is missing. */
export function resolveSegments(value: unknown, segments: readonly PathSegment[]): unknown {
  let current: unknown = value;
  for (const segment of segments) {
    if (current === null || typeof current !== 'object') return undefined;
    if (segment.kind === 'index') {
      if (!Array.isArray(current) || segment.index >= current.length) return undefined;
      current = current[segment.index];
    } else {
      if (FORBIDDEN_PATH_NAMES.has(segment.name)) return undefined;
      if (Array.isArray(current) || !Object.prototype.hasOwnProperty.call(current, segment.name)) return undefined;
      current = (current as Record<string, unknown>)[segment.name];
    }
  }
  return current;
}

const parsedCache = new Map<string, PathSegment[]>();

/**
 * Resolves an authored path against a value. Throws on a malformed or forbidden path (validation
 * rejects those before a rule set can be compiled, so this only fires on programming errors).
 */
export function resolveRestrictedPath(value: unknown, path: string): unknown {
  let segments = parsedCache.get(path);
  if (!segments) {
    const parsed = parseRestrictedPath(path);
    if (!parsed.ok) throw new Error(parsed.error);
    segments = parsed.segments;
    if (parsedCache.size < 10_000) parsedCache.set(path, segments);
  }
  return resolveSegments(value, segments);
}

/** json-rules-engine `pathResolver` (same signature as its PathResolver type). */
export function restrictedPathResolver(value: object, path: string): unknown {
  return resolveRestrictedPath(value, path);
}

/** Formats segments back to the `$…` form. */
export function formatSegments(segments: readonly PathSegment[]): string {
  return '$' + segments.map((s) => (s.kind === 'index' ? `[${s.index}]` : `.${s.name}`)).join('');
}
