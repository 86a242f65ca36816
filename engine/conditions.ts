/**
 * Walking authored conditions: visiting leaves (with their JSON pointers), substituting
 * {"param": name} references, and finding the facts a rule requires to be present (for indexing).
 */
import { childPointer } from '../lib/json-pointer.js';
import type { Parameter } from './rule-set-types.js';

export interface LeafVisit {
  leaf: Record<string, unknown>;
  pointer: string;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Visits every leaf condition (an object with `fact`) below `condition`, defensively. */
export function visitLeaves(condition: unknown, ptr: string, visit: (v: LeafVisit) => void): void {
  if (!isRecord(condition)) return;
  for (const op of ['all', 'any'] as const) {
    if (Object.prototype.hasOwnProperty.call(condition, op)) {
      const list = condition[op];
      if (Array.isArray(list)) list.forEach((c, i) => visitLeaves(c, childPointer(ptr, op, i), visit));
      return;
    }
  }
  if (Object.prototype.hasOwnProperty.call(condition, 'not')) {
    visitLeaves(condition.not, childPointer(ptr, 'not'), visit);
    return;
  }
  if (Object.prototype.hasOwnProperty.call(condition, 'fact')) visit({ leaf: condition, pointer: ptr });
}

/** True for {"param": "<name>"} (exactly one key). */
export function isParamRef(v: unknown): v is { param: string } {
  return isRecord(v) && Object.keys(v).length === 1 && typeof v.param === 'string';
}

/** True for a json-rules-engine fact reference used as a condition value: {"fact": name, "path"?: …}. */
export function isFactRef(v: unknown): v is { fact: string; path?: string } {
  return isRecord(v) && typeof v.fact === 'string' && Object.keys(v).every((k) => k === 'fact' || k === 'path');
}

/** Every {"param"} reference inside a JSON value, with its pointer. */
export function findParamRefs(value: unknown, ptr: string, out: Array<{ name: string; pointer: string }> = []): Array<{ name: string; pointer: string }> {
  if (isParamRef(value)) out.push({ name: value.param, pointer: ptr });
  else if (Array.isArray(value)) value.forEach((v, i) => findParamRefs(v, childPointer(ptr, i), out));
  else if (isRecord(value)) for (const [k, v] of Object.entries(value)) findParamRefs(v, childPointer(ptr, k), out);
  return out;
}

/**
 * Replaces every {"param": name} inside a JSON value by parameters[name].value (deep copy).
 * Unknown names are left as they are (validation reports them).
 */
export function substituteParams(value: unknown, parameters: Readonly<Record<string, Parameter>>): unknown {
  if (isParamRef(value)) {
    return Object.prototype.hasOwnProperty.call(parameters, value.param) ? parameters[value.param].value : value;
  }
  if (Array.isArray(value)) return value.map((v) => substituteParams(v, parameters));
  if (isRecord(value)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = substituteParams(v, parameters);
    return out;
  }
  return value;
}

/**
 * Facts a rule needs to be present before it can fire: top-level `all` leaves of the exact form
 * {"fact": X, "path": "$.present", "operator": "equal", "value": true}.
 */
export function requiredPresentFacts(conditions: unknown): string[] {
  if (!isRecord(conditions) || !Array.isArray(conditions.all)) return [];
  const names: string[] = [];
  for (const c of conditions.all) {
    if (isRecord(c) && typeof c.fact === 'string' && c.path === '$.present' && c.operator === 'equal' && c.value === true) {
      if (!names.includes(c.fact)) names.push(c.fact);
    }
  }
  return names;
}

/** Names of all facts a condition tree reads (leaf facts and {"fact"} values). */
export function factsReadByConditions(conditions: unknown): string[] {
  const names = new Set<string>();
  visitLeaves(conditions, '', ({ leaf }) => {
    if (typeof leaf.fact === 'string') names.add(leaf.fact);
    if (isFactRef(leaf.value)) names.add(leaf.value.fact);
  });
  return [...names];
}
