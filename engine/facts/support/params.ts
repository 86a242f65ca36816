/**
 * Reading a fact declaration's parameters. A parameter may be written literally or as
 * {"param": "<name>"}, meaning the rule-set parameter of that name (its `value`). Every reader says
 * which fact and which parameter was wrong, so a bad declaration gets a clear error.
 */
import type { FactContext } from '../../evaluation-types.js';

export type Declaration = Record<string, unknown>;

/** True for {"param": "<name>"} (and nothing else on the object). */
export function isParamReference(value: unknown): value is { param: string } {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    typeof (value as { param?: unknown }).param === 'string' &&
    Object.keys(value).length === 1
  );
}

/** Resolves a declaration value: {"param": name} -> the rule-set parameter's value; anything else as is. */
export function paramValue(value: unknown, ctx: FactContext): unknown {
  return isParamReference(value) ? ctx.param(value.param) : value;
}

/** "fact \"bp\" (bloodPressure)" when the declaration is one of the rule set's facts, else the kind. */
export function describeDeclaration(decl: Declaration, ctx: FactContext): string {
  for (const [name, declared] of Object.entries(ctx.ruleSet.facts ?? {})) {
    if (declared === decl) return `fact "${name}" (${String(decl.kind)})`;
  }
  return `${String(decl.kind)} fact`;
}

/** Error thrown for a declaration whose parameters cannot be used. */
export class FactParameterError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FactParameterError';
  }
}

function fail(decl: Declaration, ctx: FactContext, name: string, problem: string): never {
  const raw = decl[name];
  const via = isParamReference(raw) ? ` (via rule-set parameter "${raw.param}")` : '';
  throw new FactParameterError(`${describeDeclaration(decl, ctx)}: parameter "${name}"${via} ${problem}`);
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return `a ${typeof value}`;
}

export function optionalString(decl: Declaration, name: string, ctx: FactContext): string | undefined {
  const value = paramValue(decl[name], ctx);
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value === '') fail(decl, ctx, name, `must be a non-empty string, got ${typeName(value)}`);
  return value;
}

export function requiredString(decl: Declaration, name: string, ctx: FactContext): string {
  const value = optionalString(decl, name, ctx);
  if (value === undefined) fail(decl, ctx, name, 'is required');
  return value;
}

export function optionalNumber(decl: Declaration, name: string, ctx: FactContext): number | undefined {
  const value = paramValue(decl[name], ctx);
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value)) fail(decl, ctx, name, `must be a number, got ${typeName(value)}`);
  return value;
}

export function requiredNumber(decl: Declaration, name: string, ctx: FactContext): number {
  const value = optionalNumber(decl, name, ctx);
  if (value === undefined) fail(decl, ctx, name, 'is required');
  return value;
}

/** A string parameter restricted to `allowed`; `fallback` when absent. */
export function enumString<T extends string>(
  decl: Declaration,
  name: string,
  ctx: FactContext,
  allowed: readonly T[],
  fallback: T,
): T {
  const value = optionalString(decl, name, ctx);
  if (value === undefined) return fallback;
  if (!(allowed as readonly string[]).includes(value)) fail(decl, ctx, name, `must be one of ${allowed.join(', ')}, got "${value}"`);
  return value as T;
}

/** A list of strings (each item may itself be a {"param"} reference); `undefined` when absent. */
export function optionalStringList(decl: Declaration, name: string, ctx: FactContext): string[] | undefined {
  const value = paramValue(decl[name], ctx);
  if (value === undefined) return undefined;
  if (!Array.isArray(value)) fail(decl, ctx, name, `must be a list of strings, got ${typeName(value)}`);
  return value.map((item, i) => {
    const v = paramValue(item, ctx);
    if (typeof v !== 'string' || v === '') fail(decl, ctx, name, `item ${i} must be a non-empty string, got ${typeName(v)}`);
    return v;
  });
}

/** An object of name -> string (e.g. route name -> value set id). */
export function requiredStringMap(decl: Declaration, name: string, ctx: FactContext): Record<string, string> {
  const value = decl[name];
  if (value === undefined) fail(decl, ctx, name, 'is required');
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    fail(decl, ctx, name, `must be an object of name -> string, got ${typeName(value)}`);
  }
  const out: Record<string, string> = {};
  for (const [key, raw] of Object.entries(value)) {
    const v = paramValue(raw, ctx);
    if (typeof v !== 'string' || v === '') fail(decl, ctx, `${name}.${key}`, `must be a non-empty string, got ${typeName(v)}`);
    out[key] = v;
  }
  return out;
}

/** A value-set id parameter: required, and the value set must exist in the rule set. */
export function valueSetParam(decl: Declaration, name: string, ctx: FactContext): string {
  const id = requiredString(decl, name, ctx);
  checkValueSet(decl, name, id, ctx);
  return id;
}

export function optionalValueSetParam(decl: Declaration, name: string, ctx: FactContext): string | undefined {
  const id = optionalString(decl, name, ctx);
  if (id !== undefined) checkValueSet(decl, name, id, ctx);
  return id;
}

function checkValueSet(decl: Declaration, name: string, id: string, ctx: FactContext): void {
  if (!Object.prototype.hasOwnProperty.call(ctx.ruleSet.valueSets ?? {}, id)) {
    fail(decl, ctx, name, `names value set "${id}", which the rule set does not define`);
  }
}

/** The name of another declared fact (e.g. orderFact); it must be declared and of one of `kinds`. */
export function optionalFactName(decl: Declaration, name: string, ctx: FactContext, kinds: readonly string[]): string | undefined {
  const factName = optionalString(decl, name, ctx);
  if (factName === undefined) return undefined;
  const declared = Object.prototype.hasOwnProperty.call(ctx.ruleSet.facts ?? {}, factName)
    ? ctx.ruleSet.facts[factName]
    : undefined;
  if (!declared) fail(decl, ctx, name, `names fact "${factName}", which the rule set does not declare`);
  if (!kinds.includes(declared.kind)) {
    fail(decl, ctx, name, `names fact "${factName}" of kind ${declared.kind}; expected ${kinds.join(' or ')}`);
  }
  return factName;
}

// ---- JSON Schema pieces for paramsSchema ------------------------------------------------------

/** {"param": "<rule-set parameter name>"} */
export const PARAM_REFERENCE_SCHEMA = Object.freeze({
  type: 'object',
  description: 'A rule-set parameter: {"param": "<name>"}',
  properties: { param: { type: 'string', minLength: 1 } },
  required: ['param'],
  additionalProperties: false,
});

export function valueSetSchema(description: string): Record<string, unknown> {
  return { type: 'string', minLength: 1, description: `Value set id. ${description}` };
}

export function numberOrParamSchema(description: string, minimum = 0): Record<string, unknown> {
  return { description, anyOf: [{ type: 'number', minimum }, PARAM_REFERENCE_SCHEMA] };
}

export function stringOrParamSchema(description: string, values?: readonly string[]): Record<string, unknown> {
  const literal: Record<string, unknown> = values ? { type: 'string', enum: [...values] } : { type: 'string', minLength: 1 };
  return { description, anyOf: [literal, PARAM_REFERENCE_SCHEMA] };
}

/**
 * A kind's paramsSchema: its own properties plus the always-allowed `kind` and `description`;
 * additionalProperties false, so a misspelt parameter is an error.
 */
export function paramsSchema(
  kind: string,
  properties: Record<string, Record<string, unknown>>,
  required: string[] = [],
): Record<string, unknown> {
  return {
    type: 'object',
    properties: {
      kind: { type: 'string', const: kind, description: 'The fact kind.' },
      description: { type: 'string', description: 'What this declared fact is for (shown in docs and explanations).' },
      ...properties,
    },
    required,
    additionalProperties: false,
  };
}
