/**
 * Evaluating authored json-rules-engine conditions from inside a fact kind (the evidence model's
 * indication criteria and modifier `when`s). Uses json-rules-engine itself, with the engine's custom
 * operators (engine/operators.ts), its restricted path resolver (engine/restricted-path.ts) and
 * ctx.fact as the only fact source, so a condition means the same here as in a rule.
 * Engine.run() is never called (it keeps run state on the instance): each condition is compiled once
 * into a ConditionProgram (engine/condition-program.ts) evaluated by json-rules-engine's operators.
 */
import { Engine, Rule, type TopLevelCondition as EngineCondition } from 'json-rules-engine';
import { ConditionProgram, engineOperators, factValues } from '../condition-program.js';
import type { FactContext } from '../evaluation-types.js';
import { customOperators } from '../operators.js';
import { restrictedPathResolver } from '../restricted-path.js';
import type { Condition, RuleSet, TopLevelCondition } from '../rule-set-types.js';
import { ValueSetRegistry } from '../value-set-matcher.js';
import { isParamReference } from './support/params.js';

const registries = new WeakMap<RuleSet, ValueSetRegistry>();

function registryFor(ruleSet: RuleSet): ValueSetRegistry {
  let registry = registries.get(ruleSet);
  if (!registry) {
    registry = new ValueSetRegistry(ruleSet.valueSets ?? {});
    registries.set(ruleSet, registry);
  }
  return registry;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function visit(condition: unknown, leaf: (c: Record<string, unknown>) => void): void {
  if (!isObject(condition)) return;
  if (Array.isArray(condition.all)) for (const c of condition.all) visit(c, leaf);
  else if (Array.isArray(condition.any)) for (const c of condition.any) visit(c, leaf);
  else if (isObject(condition.not)) visit(condition.not, leaf);
  else leaf(condition);
}

/** The names of the facts a condition reads (its leaves' `fact`, and `value: {fact}` comparisons). */
export function conditionFacts(condition: Condition | TopLevelCondition): string[] {
  const names = new Set<string>();
  visit(condition, (leaf) => {
    if (typeof leaf.fact === 'string') names.add(leaf.fact);
    if (isObject(leaf.value) && typeof leaf.value.fact === 'string') names.add(leaf.value.fact);
  });
  return [...names];
}

/** A copy of the condition with every leaf `value: {"param": name}` replaced by the parameter's value. */
export function resolveConditionParams<T extends Condition | TopLevelCondition>(condition: T, ctx: FactContext): T {
  const copy = (c: unknown): unknown => {
    if (!isObject(c)) return c;
    if (Array.isArray(c.all)) return { ...c, all: c.all.map(copy) };
    if (Array.isArray(c.any)) return { ...c, any: c.any.map(copy) };
    if (isObject(c.not)) return { ...c, not: copy(c.not) };
    return isParamReference(c.value) ? { ...c, value: ctx.param(c.value.param) } : { ...c };
  };
  return copy(condition) as T;
}

interface CompiledCondition {
  readonly program: ConditionProgram;
  readonly facts: readonly string[];
}

/**
 * Compiled conditions, cached per condition object (authored conditions of a deep-frozen, compiled rule
 * set) and per rule set (whose parameters and value sets they use). Unfrozen conditions (tests, tools
 * building rule sets on the fly) are compiled on every call.
 */
const compiledCache = new WeakMap<object, WeakMap<RuleSet, CompiledCondition>>();
const operatorEngines = new WeakMap<RuleSet, Engine>();

function operatorEngine(ruleSet: RuleSet): Engine {
  let engine = operatorEngines.get(ruleSet);
  if (!engine) {
    engine = new Engine([], { allowUndefinedFacts: false, pathResolver: restrictedPathResolver });
    for (const operator of customOperators(registryFor(ruleSet))) engine.addOperator(operator);
    if (Object.isFrozen(ruleSet)) operatorEngines.set(ruleSet, engine);
  }
  return engine;
}

function compileCondition(condition: TopLevelCondition, ctx: FactContext): CompiledCondition {
  const cacheable = Object.isFrozen(condition) && Object.isFrozen(ctx.ruleSet);
  const perRuleSet = cacheable ? compiledCache.get(condition) : undefined;
  const cached = perRuleSet?.get(ctx.ruleSet);
  if (cached) return cached;
  // A json-rules-engine Rule builds (and checks) the Condition tree; the program evaluates it with the engine's operators.
  const rule = new Rule({ conditions: resolveConditionParams(condition, ctx) as unknown as EngineCondition, event: { type: 'held' } });
  const compiled: CompiledCondition = {
    program: new ConditionProgram(rule.conditions as never, engineOperators(operatorEngine(ctx.ruleSet))),
    facts: conditionFacts(condition),
  };
  if (cacheable) {
    const map = perRuleSet ?? new WeakMap<RuleSet, CompiledCondition>();
    map.set(ctx.ruleSet, compiled);
    if (!perRuleSet) compiledCache.set(condition, map);
  }
  return compiled;
}

/**
 * Evaluates several named conditions; returns name -> held (json-rules-engine's Engine.run() semantics:
 * a rule's event fires when its result is truthy). Facts are read through ctx.fact (computed once per
 * evaluation by the engine core).
 */
export async function evaluateNamedConditions(
  conditions: Readonly<Record<string, TopLevelCondition>>,
  ctx: FactContext,
): Promise<Record<string, boolean>> {
  const names = Object.keys(conditions);
  const out: Record<string, boolean> = {};
  if (names.length === 0) return out;
  const compiled = names.map((name) => compileCondition(conditions[name], ctx));
  const values = await factValues(
    compiled.flatMap((c) => c.facts),
    (name) => ctx.fact(name),
  );
  names.forEach((name, i) => {
    out[name] = Boolean(compiled[i].program.result(values));
  });
  return out;
}

/** True when the condition holds. */
export async function evaluateConditions(condition: TopLevelCondition, ctx: FactContext): Promise<boolean> {
  const result = await evaluateNamedConditions({ condition }, ctx);
  return result.condition;
}
