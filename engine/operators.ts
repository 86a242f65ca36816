/**
 * The custom json-rules-engine operators rules may use besides the built-ins (equal, notEqual,
 * lessThan, lessThanInclusive, greaterThan, greaterThanInclusive, in, notIn, contains, doesNotContain
 * and the decorators someFact, someValue, everyFact, everyValue, swap, not). Documented in
 * docs/rule-format.md.
 */
import { Operator } from 'json-rules-engine';
import type { ValueSetRegistry } from './value-set-matcher.js';

export const CUSTOM_OPERATOR_NAMES = ['inValueSet', 'withinDays', 'olderThanDays', 'exists'] as const;

interface Coded {
  system?: unknown;
  code?: unknown;
}

function codeInValueSet(registry: ValueSetRegistry, valueSetId: string, item: unknown): boolean {
  if (typeof item === 'string') return registry.has(valueSetId, undefined, item);
  if (item !== null && typeof item === 'object' && !Array.isArray(item)) {
    const { system, code } = item as Coded;
    if (typeof code !== 'string') return false;
    return registry.has(valueSetId, typeof system === 'string' ? system : undefined, code);
  }
  return false;
}

/**
 * inValueSet — fact value: a code string, {system, code}, or an array of either; value: a value-set id.
 * True when the code (any code of the array) is in the value set.
 */
export function inValueSetOperator(registry: ValueSetRegistry): Operator<unknown, string> {
  return new Operator<unknown, string>('inValueSet', (factValue, valueSetId) => {
    if (Array.isArray(factValue)) return factValue.some((item) => codeInValueSet(registry, valueSetId, item));
    return codeInValueSet(registry, valueSetId, factValue);
  });
}

/** withinDays — fact value: an age in days; true when it is a number and <= N. */
export const withinDaysOperator = new Operator<unknown, number>(
  'withinDays',
  (age, days) => typeof age === 'number' && Number.isFinite(age) && age <= days,
);

/**
 * olderThanDays — fact value: an age in days; true when there is none (null/undefined) or it is > N:
 * "no X in the last N days".
 */
export const olderThanDaysOperator = new Operator<unknown, number>(
  'olderThanDays',
  (age, days) => age === null || age === undefined || (typeof age === 'number' && age > days),
);

/** exists — value true: the fact value is not null/undefined; value false: it is. */
export const existsOperator = new Operator<unknown, boolean>('exists', (factValue, expected) =>
  expected === false ? factValue === null || factValue === undefined : factValue !== null && factValue !== undefined,
);

export function customOperators(registry: ValueSetRegistry): Operator[] {
  return [inValueSetOperator(registry), withinDaysOperator, olderThanDaysOperator, existsOperator] as Operator[];
}
