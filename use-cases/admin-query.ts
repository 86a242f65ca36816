/**
 * Reading admin request parameters (query string, path, small JSON bodies): each reader either
 * returns a checked value or throws a 400 AdminError naming the parameter and what it must be.
 */
import type { DecisionFilter } from '../store/store.js';
import { badRequest } from './admin-error.js';

export type Params = Record<string, unknown>;

const INDICATORS = ['info', 'warning', 'critical'] as const;
const OUTCOMES = ['accepted', 'overridden', 'none'] as const;
/** ISO 8601 instant with a time and a zone (Z or ±hh:mm), or a plain date (midnight UTC). */
const INSTANT = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2}))?$/;
const SEMVER_LIKE = /^[0-9A-Za-z.+-]{1,100}$/;
const MAX_TEXT = 200;

export function optionalText(params: Params, name: string, maxLength = MAX_TEXT): string | undefined {
  const value = params[name];
  if (value === undefined) return undefined;
  if (Array.isArray(value)) throw badRequest(name, 'must be given once');
  if (typeof value !== 'string') throw badRequest(name, 'must be a string');
  if (value === '') throw badRequest(name, 'must not be empty');
  if (value.length > maxLength) throw badRequest(name, `must be at most ${maxLength} characters`);
  return value;
}

export function requiredText(params: Params, name: string, maxLength = MAX_TEXT): string {
  const value = optionalText(params, name, maxLength);
  if (value === undefined) throw badRequest(name, 'is required');
  return value;
}

export function optionalVersion(params: Params, name: string): string | undefined {
  const value = optionalText(params, name, 100);
  if (value !== undefined && !SEMVER_LIKE.test(value)) throw badRequest(name, `${JSON.stringify(value)} is not a version (e.g. 1.1.0)`);
  return value;
}

export function requiredVersion(params: Params, name: string): string {
  const value = optionalVersion(params, name);
  if (value === undefined) throw badRequest(name, 'is required (a version, e.g. 1.1.0)');
  return value;
}

export function optionalInstant(params: Params, name: string): string | undefined {
  const value = optionalText(params, name, 40);
  if (value === undefined) return undefined;
  if (!INSTANT.test(value) || Number.isNaN(Date.parse(value))) {
    throw badRequest(name, `${JSON.stringify(value)} is not an ISO 8601 date or instant (e.g. 2026-03-01 or 2026-03-01T08:00:00Z)`);
  }
  return new Date(Date.parse(value)).toISOString();
}

export function optionalInteger(params: Params, name: string, min: number, max: number): number | undefined {
  const value = optionalText(params, name, 20);
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value)) throw badRequest(name, `must be a whole number, got ${JSON.stringify(value)}`);
  const n = Number(value);
  if (n < min || n > max) throw badRequest(name, `must be between ${min} and ${max}, got ${n}`);
  return n;
}

export function optionalChoice<T extends string>(params: Params, name: string, choices: readonly T[]): T | undefined {
  const value = optionalText(params, name, 40);
  if (value === undefined) return undefined;
  if (!(choices as readonly string[]).includes(value)) throw badRequest(name, `must be one of ${choices.join(', ')}, got ${JSON.stringify(value)}`);
  return value as T;
}

export function optionalBoolean(params: Params, name: string): boolean | undefined {
  const value = optionalChoice(params, name, ['true', 'false', '1', '0'] as const);
  return value === undefined ? undefined : value === 'true' || value === '1';
}

/** A decision seq path parameter. */
export function decisionSeq(params: Params): number {
  const value = params.seq;
  if (typeof value !== 'string' || !/^[1-9]\d{0,15}$/.test(value)) {
    throw badRequest('seq', `must be a decision number (a positive whole number), got ${JSON.stringify(value)}`);
  }
  return Number(value);
}

/**
 * The decision filters shared by the decision list, feedback, and export:
 * from, to (ISO instants; from inclusive, to exclusive), service, rule, version, indicator, outcome,
 * afterSeq, limit.
 */
export function decisionFilter(params: Params, maxLimit: number): DecisionFilter {
  const filter: DecisionFilter = {};
  const from = optionalInstant(params, 'from');
  const to = optionalInstant(params, 'to');
  if (from !== undefined && to !== undefined && Date.parse(to) <= Date.parse(from)) throw badRequest('to', 'must be after from');
  const serviceId = optionalText(params, 'service');
  const ruleId = optionalText(params, 'rule');
  const ruleSetVersion = optionalVersion(params, 'version');
  const indicator = optionalChoice(params, 'indicator', INDICATORS);
  const outcome = optionalChoice(params, 'outcome', OUTCOMES);
  const afterSeq = optionalInteger(params, 'afterSeq', 0, Number.MAX_SAFE_INTEGER);
  const limit = optionalInteger(params, 'limit', 1, maxLimit);
  if (from !== undefined) filter.from = from;
  if (to !== undefined) filter.to = to;
  if (serviceId !== undefined) filter.serviceId = serviceId;
  if (ruleId !== undefined) filter.ruleId = ruleId;
  if (ruleSetVersion !== undefined) filter.ruleSetVersion = ruleSetVersion;
  if (indicator !== undefined) filter.indicator = indicator;
  if (outcome !== undefined) filter.outcome = outcome;
  if (afterSeq !== undefined) filter.afterSeq = afterSeq;
  if (limit !== undefined) filter.limit = limit;
  return filter;
}

export const DECISION_FILTER_PARAMS = ['from', 'to', 'service', 'rule', 'version', 'indicator', 'outcome', 'afterSeq', 'limit'] as const;

/** Refuses parameters the route does not know (a misspelt filter must not silently widen an export). */
export function onlyKnownParams(params: Params, known: readonly string[]): void {
  for (const name of Object.keys(params)) {
    if (!known.includes(name)) throw badRequest(name, `unknown parameter (known: ${known.join(', ') || 'none'})`);
  }
}
