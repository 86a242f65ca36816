/**
 * Values JSON text can carry but the service can neither compute with nor store faithfully:
 *   - a number that overflows to Infinity when parsed (`1e309`: JSON.parse gives Infinity, which
 *     canonical JSON, hashing and the databases cannot represent);
 *   - a string (value or member name) with a NUL character (PostgreSQL text cannot hold it);
 *   - a string with a lone UTF-16 surrogate (`"\ud800"`: UTF-8 cannot encode it, so the database
 *     would store U+FFFD instead and the audit chain, hashed over the original, would no longer verify).
 * The request boundary refuses them with the JSON pointer of the first one, and the store refuses
 * them again before anything is recorded (store/decision-input.ts).
 */
import { childPointer } from './json-pointer.js';

export interface UnstorableValue {
  /** JSON pointer of the value (or of the member whose name is at fault). */
  pointer: string;
  message: string;
}

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Why `text` cannot be stored as it is, or undefined when it can. */
export function unstorableTextReason(text: string): string | undefined {
  if (text.includes('\u0000')) return 'contains a NUL character (\\u0000), which cannot be stored';
  if (LONE_SURROGATE.test(text)) return 'contains a lone UTF-16 surrogate (an unpaired \\ud800-\\udfff escape), which is not valid Unicode text';
  return undefined;
}

/**
 * A cheap test on JSON text: false when parsing it cannot yield any value findUnstorable() reports
 * (no \u0000 or surrogate escape, no exponent of three digits, no run of 300 digits), so the walk is
 * only needed for the rare text that has one. Raw NUL bytes are not valid in JSON strings and raw
 * lone surrogates are not valid UTF-8, so escapes are the only way in.
 */
export function mayHoldUnstorable(jsonText: string): boolean {
  return /\\u(?:0000|[dD][89a-fA-F])|[eE][+]?\d{3}|\d{300}/.test(jsonText);
}

/** The first value in `value` (depth first, in member order) that cannot be stored, or undefined. */
export function findUnstorable(value: unknown, base = ''): UnstorableValue | undefined {
  if (typeof value === 'string') {
    const reason = unstorableTextReason(value);
    return reason === undefined ? undefined : { pointer: base, message: reason };
  }
  if (typeof value === 'number') {
    return Number.isFinite(value) ? undefined : { pointer: base, message: 'is a number too large to represent (it overflows a 64-bit float)' };
  }
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = findUnstorable(value[i], childPointer(base, i));
      if (found) return found;
    }
    return undefined;
  }
  if (value !== null && typeof value === 'object') {
    for (const [key, member] of Object.entries(value)) {
      const keyReason = unstorableTextReason(key);
      if (keyReason !== undefined) return { pointer: childPointer(base, key), message: `has a member name that ${keyReason}` };
      const found = findUnstorable(member, childPointer(base, key));
      if (found) return found;
    }
  }
  return undefined;
}
