/**
 * Canonical JSON (RFC 8785 style for the values rule sets and records contain: objects with keys
 * sorted by UTF-16 code units, no whitespace, JSON.stringify number and string forms) and its SHA-256.
 * A rule-set version's identity hash and the audit chain are computed over this form.
 *
 * One recursive pass appending to a single string (the audit fingerprint runs it over ~25 KB per
 * request). Its output is byte-identical to the reference definition kept in
 * test/lib/support/canonical-json-reference.ts (property-tested in test/lib/canonical-json.test.ts):
 * keys whose value is undefined are left out, undefined array elements become null (array holes
 * nothing), undefined at the top and non-finite numbers anywhere are refused.
 */
import { createHash } from 'node:crypto';

function append(out: string, value: unknown): string {
  if (value === null) return out + 'null';
  switch (typeof value) {
    case 'string':
      return out + JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError('canonicalJson: non-finite number');
      return out + JSON.stringify(value);
    case 'boolean':
      return out + (value ? 'true' : 'false');
    case 'object':
      break;
    case 'undefined':
      throw new TypeError('canonicalJson: undefined is not JSON');
    default:
      // functions, symbols, bigints: what JSON.stringify makes of them (as the reference does)
      return out + String(JSON.stringify(value));
  }
  if (Array.isArray(value)) {
    out += '[';
    for (let i = 0; i < value.length; i++) {
      if (i > 0) out += ',';
      const item: unknown = value[i];
      if (item === undefined) {
        if (i in value) out += 'null';
      } else out = append(out, item);
    }
    return out + ']';
  }
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record);
  sortKeys(keys);
  out += '{';
  let first = true;
  for (const key of keys) {
    const member = record[key];
    if (member === undefined) continue;
    if (first) first = false;
    else out += ',';
    out = append(out + memberPrefix(key), member);
  }
  return out + '}';
}

/**
 * Sorts member names in place by UTF-16 code units (what `Array.prototype.sort` does by default). Objects
 * have few members, and most already arrive sorted, so an insertion sort: no allocation, where the built-in
 * sort allocates work arrays on every call (about 200 KB per service call, all garbage).
 */
function sortKeys(keys: string[]): void {
  if (keys.length > 64) {
    keys.sort();
    return;
  }
  for (let i = 1; i < keys.length; i++) {
    const key = keys[i];
    let j = i - 1;
    if (keys[j] <= key) continue;
    while (j >= 0 && keys[j] > key) {
      keys[j + 1] = keys[j];
      j--;
    }
    keys[j + 1] = key;
  }
}

/** `"key":` for a member name; the names of FHIR and rule-set members repeat, so they are cached (bounded). */
const PREFIXES = new Map<string, string>();
function memberPrefix(key: string): string {
  let prefix = PREFIXES.get(key);
  if (prefix === undefined) {
    prefix = `${JSON.stringify(key)}:`;
    if (key.length <= 64) {
      if (PREFIXES.size >= 4096) PREFIXES.clear();
      PREFIXES.set(key, prefix);
    }
  }
  return prefix;
}

export function canonicalJson(value: unknown): string {
  return append('', value);
}

export function sha256Hex(text: string | Buffer): string {
  return createHash('sha256').update(text).digest('hex');
}

export function canonicalHash(value: unknown): string {
  return sha256Hex(canonicalJson(value));
}
