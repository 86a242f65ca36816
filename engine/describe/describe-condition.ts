/**
 * A rule's conditions in plain language: "all of these hold: the order is present; bp's systolic is at
 * least 180 mmHg (parameter bp-systolic-stop)". Every fact is named by its id (the fact's declaration,
 * with its description, is listed under Facts), every operator in words, every {"param": name} as its
 * value with its unit and the parameter's name. No JSON: values are written as words, numbers and
 * quoted text. Shared by `cds-rules describe`, the console's version page and the diff.
 */
import type { Condition, Parameter, RuleSet } from '../rule-set-types.js';

/** One line of a described condition; `depth` is its nesting under all / any / not. */
export interface ConditionLine {
  depth: number;
  text: string;
}

/** UCUM units as words (anything else is shown as written). */
const UNIT_WORDS: Record<string, string> = {
  d: 'days',
  wk: 'weeks',
  '/wk': 'per week',
  mo: 'months',
  a: 'years',
  h: 'hours',
  min: 'minutes',
  'mm[Hg]': 'mmHg',
  '{score}': 'points',
  '%': '%',
};

export function unitWords(unit: string | undefined): string {
  if (unit === undefined) return '';
  return UNIT_WORDS[unit] ?? unit;
}

export function parameterValueWords(parameter: Parameter): string {
  const unit = unitWords(parameter.unit);
  const value = valueWords(parameter.value);
  if (unit === '') return value;
  return unit === '%' ? `${value}%` : `${value} ${unit}`;
}

const OPERATOR_WORDS: Record<string, string> = {
  equal: 'is',
  notEqual: 'is not',
  lessThan: 'is less than',
  lessThanInclusive: 'is at most',
  greaterThan: 'is more than',
  greaterThanInclusive: 'is at least',
  in: 'is one of',
  notIn: 'is none of',
  contains: 'contains',
  doesNotContain: 'does not contain',
  withinDays: 'is within the last',
  olderThanDays: 'is absent or older than',
};

/** "systolic", "appointment status", "score change percent": a JSON path as words. */
function pathWords(path: string | undefined): string {
  if (path === undefined || path === '$') return '';
  return path
    .replace(/^\$\.?/, '')
    .split('.')
    .map((part) => part.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase())
    .join(' ');
}

function valueWords(value: unknown): string {
  if (typeof value === 'string') return `"${value}"`;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value === null || value === undefined) return 'nothing';
  if (Array.isArray(value)) {
    const items = value.map(valueWords);
    return items.length <= 1 ? items.join('') : `${items.slice(0, -1).join(', ')} or ${items[items.length - 1]}`;
  }
  // An object value (rare): its members as "name value" pairs, never raw JSON.
  return Object.entries(value as Record<string, unknown>)
    .map(([k, v]) => `${k} ${valueWords(v)}`)
    .join(', ');
}

function isParamRef(value: unknown): value is { param: string } {
  return value !== null && typeof value === 'object' && !Array.isArray(value) && typeof (value as { param?: unknown }).param === 'string';
}

/** The value a condition compares with, in words: a parameter as "180 mmHg (parameter bp-systolic-stop)". */
function comparedWith(value: unknown, ruleSet: RuleSet): string {
  if (!isParamRef(value)) return valueWords(value);
  const parameter = ruleSet.parameters?.[value.param];
  if (parameter === undefined) return `parameter ${value.param} (not declared)`;
  return `${parameterValueWords(parameter)} (parameter ${value.param})`;
}

function leafWords(leaf: { fact: string; path?: string; operator: string; value: unknown; params?: Record<string, unknown> }, ruleSet: RuleSet): string {
  const path = pathWords(leaf.path);
  const subject = path === '' ? leaf.fact : `${leaf.fact}'s ${path}`;
  const last = path.split(' ').at(-1);
  // "aneurysm is present" / "aneurysm is not present" for the common boolean flags.
  if ((leaf.operator === 'equal' || leaf.operator === 'notEqual') && typeof leaf.value === 'boolean' && path !== '' && !path.includes(' ')) {
    const positive = (leaf.operator === 'equal') === leaf.value;
    if (last === 'present') return `${leaf.fact} is ${positive ? 'present' : 'absent'}`;
    return `${leaf.fact} is ${positive ? '' : 'not '}${path}`;
  }
  if (leaf.operator === 'exists') return `${subject} is ${leaf.value === false ? 'not recorded' : 'recorded'}`;
  if (leaf.operator === 'inValueSet') {
    const id = String(leaf.value);
    const title = ruleSet.valueSets?.[id]?.title;
    return `${subject} has a code in value set ${id}${title === undefined ? '' : ` (${title})`}`;
  }
  const words = OPERATOR_WORDS[leaf.operator] ?? `(operator ${leaf.operator})`;
  const days = leaf.operator === 'withinDays' || leaf.operator === 'olderThanDays' ? (isParamRef(leaf.value) ? '' : ' days') : '';
  return `${subject} ${words} ${comparedWith(leaf.value, ruleSet)}${days}`;
}

/** The condition as indented lines, e.g. [{0, "all of these hold:"}, {1, "bp is present"}, …]. */
export function describeCondition(condition: Condition, ruleSet: RuleSet, depth = 0): ConditionLine[] {
  if ('all' in condition) {
    return [{ depth, text: 'all of these hold:' }, ...condition.all.flatMap((c) => describeCondition(c, ruleSet, depth + 1))];
  }
  if ('any' in condition) {
    return [{ depth, text: 'at least one of these holds:' }, ...condition.any.flatMap((c) => describeCondition(c, ruleSet, depth + 1))];
  }
  if ('not' in condition) {
    const inner = describeCondition(condition.not, ruleSet, depth + 1);
    if (inner.length === 1) return [{ depth, text: `not: ${inner[0].text}` }];
    return [{ depth, text: 'this does not hold:' }, ...inner];
  }
  return [{ depth, text: leafWords(condition, ruleSet) }];
}

/** The condition as plain text lines, indented two spaces per level. */
export function conditionText(condition: Condition, ruleSet: RuleSet, indent = ''): string[] {
  return describeCondition(condition, ruleSet).map((line) => `${indent}${'  '.repeat(line.depth)}${line.text}`);
}
