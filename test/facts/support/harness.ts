/**
 * Computes declared facts the way the engine does: the core's CompiledRuleSet (frozen rule set,
 * value-set registry), {"param"} substitution and EvaluationSession (memoised ctx.fact), over a
 * PatientRecord built from a compact fixture. Every value a test reads is checked against its kind's
 * output shape (types, enums, maxLength, no undeclared or missing fields).
 */
import { CompiledRuleSet } from '../../../engine/compile-rule-set.js';
import { substituteParams } from '../../../engine/conditions.js';
import { EvaluationSession } from '../../../engine/evaluation-session.js';
import type { FactContext, FactValue, OutputShape } from '../../../engine/evaluation-types.js';
import { FACT_KINDS } from '../../../engine/facts/index.js';
import type { CompactFixture } from '../../../engine/fixtures/compact-types.js';
import { fixtureContext } from '../../../engine/fixtures/compact-fhir.js';
import type { HookName, RuleSet } from '../../../engine/rule-set-types.js';
import { declarationParams } from '../../../engine/validate-rule-set.js';
import { factsRuleSet } from './facts-rule-set.js';
import { fixtureToPatientRecord } from '../../../use-cases/fixture-converter.js';

/** The pinned evaluation instant of the fact tests. */
export const NOW = new Date('2026-11-01T12:00:00Z');

export const PATIENT = { id: 'pat-1', gender: 'female' as const, birthDate: '1981-06-15' };

const compiledCache = new WeakMap<RuleSet, CompiledRuleSet>();
const defaultRuleSet = factsRuleSet();

function compiled(ruleSet: RuleSet): CompiledRuleSet {
  let c = compiledCache.get(ruleSet);
  if (!c) {
    c = new CompiledRuleSet(ruleSet, FACT_KINDS, true);
    compiledCache.set(ruleSet, c);
  }
  return c;
}

export interface FactOptions {
  hook?: HookName;
  now?: Date;
  ruleSet?: RuleSet;
}

export type FactReader = (name: string) => Promise<FactValue>;

/** A reader of declared facts for one fixture (one evaluation). */
export function factsFor(fixture: CompactFixture, opts: FactOptions = {}): FactReader {
  const hook = opts.hook ?? fixture.hook ?? 'order-select';
  const c = compiled(opts.ruleSet ?? defaultRuleSet);
  const declarations: Record<string, Record<string, unknown>> = {};
  for (const [name, decl] of Object.entries(c.ruleSet.facts)) {
    const params = substituteParams(declarationParams(decl), c.ruleSet.parameters) as Record<string, unknown>;
    declarations[name] = { ...params, kind: decl.kind };
  }
  const session = new EvaluationSession(
    { ruleSet: c.ruleSet, declarations, factKinds: FACT_KINDS, valueSets: c.valueSets },
    {
      hook,
      context: fixtureContext(fixture, hook),
      record: fixtureToPatientRecord(fixture, hook),
      now: opts.now ?? NOW,
    },
  );
  return async (name: string) => {
    const value = await session.fact(name);
    for (const [computedName, computedValue] of session.computed()) {
      const kind = FACT_KINDS[String(declarations[computedName].kind)];
      const problems = shapeProblems(computedValue, kind.output, `${computedName}`, true);
      if (problems.length > 0) throw new Error(`fact "${computedName}" does not match its output shape:\n${problems.join('\n')}`);
    }
    return value;
  };
}

/**
 * A FactContext over the same session (for helpers that take a context, e.g. evaluateConditions):
 * built exactly as the core's EvaluationSession builds it, with ctx.fact reading through the session.
 */
export function contextFor(fixture: CompactFixture, opts: FactOptions = {}): FactContext {
  const hook = opts.hook ?? fixture.hook ?? 'order-select';
  const c = compiled(opts.ruleSet ?? defaultRuleSet);
  const read = factsFor(fixture, opts);
  return {
    record: fixtureToPatientRecord(fixture, hook),
    now: opts.now ?? NOW,
    hook,
    context: fixtureContext(fixture, hook),
    ruleSet: c.ruleSet,
    inValueSet: (id, system, code) => c.valueSets.has(id, system, code),
    fact: read,
    param: (name) => {
      if (!Object.prototype.hasOwnProperty.call(c.ruleSet.parameters, name)) throw new Error(`unknown parameter "${name}"`);
      return c.ruleSet.parameters[name].value;
    },
  };
}

/** One fact of a fixture. */
export function fact(fixture: CompactFixture, name: string, opts: FactOptions = {}): Promise<FactValue> {
  return factsFor(fixture, opts)(name);
}

/** A fixture with the default patient. */
export function fixture(partial: Omit<CompactFixture, 'name' | 'patient'> & { name?: string; patient?: CompactFixture['patient'] }): CompactFixture {
  return { name: partial.name ?? 'fact test', patient: partial.patient ?? PATIENT, ...partial };
}

function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

/** Where a value breaks its output shape (empty when it conforms). */
export function shapeProblems(value: unknown, shape: OutputShape, path: string, root = false): string[] {
  const types = Array.isArray(shape.type) ? shape.type : [shape.type];
  const actual = typeOf(value);
  const ok = types.includes(actual as never) || (actual === 'integer' && types.includes('number'));
  if (!ok) return [`${path}: expected ${types.join('|')}, got ${actual} (${JSON.stringify(value)})`];
  const problems: string[] = [];
  if (typeof value === 'string') {
    if (typeof shape.maxLength !== 'number') problems.push(`${path}: string without maxLength in the shape`);
    else if (value.length > shape.maxLength) problems.push(`${path}: ${value.length} characters > maxLength ${shape.maxLength}`);
  }
  if (shape.enum && !shape.enum.includes(value)) problems.push(`${path}: ${JSON.stringify(value)} not in enum ${JSON.stringify(shape.enum)}`);
  if (actual === 'array' && shape.items) {
    (value as unknown[]).forEach((item, i) => problems.push(...shapeProblems(item, shape.items!, `${path}[${i}]`)));
  }
  if (actual === 'object' && shape.properties) {
    const record = value as Record<string, unknown>;
    for (const key of Object.keys(record)) {
      if (!(key in shape.properties) && !(root && key === 'refs')) problems.push(`${path}.${key}: not declared in the output shape`);
    }
    for (const [key, child] of Object.entries(shape.properties)) {
      if (!(key in record)) problems.push(`${path}.${key}: declared but missing`);
      else problems.push(...shapeProblems(record[key], child, `${path}.${key}`));
    }
  }
  return problems;
}
