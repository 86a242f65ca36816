/**
 * Evaluating authored json-rules-engine conditions from inside a fact kind (the evidence model's
 * indication criteria and modifier `when`s). Uses json-rules-engine itself, with the engine's custom
 * operators (engine/operators.ts), its restricted path resolver (engine/restricted-path.ts) and
 * ctx.fact as the only fact source, so a condition means the same here as in a rule.
 * A fresh Engine per call: json-rules-engine keeps run state on the instance, so one must never be
 * shared between evaluations.
 */
import { Engine, type TopLevelCondition as EngineCondition } from 'json-rules-engine';
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

/**
 * Evaluates several named conditions in one json-rules-engine run; returns name -> held.
 * Facts are read through ctx.fact (computed once per evaluation by the engine core).
 */
export async function evaluateNamedConditions(
  conditions: Readonly<Record<string, TopLevelCondition>>,
  ctx: FactContext,
): Promise<Record<string, boolean>> {
  const names = Object.keys(conditions);
  const out: Record<string, boolean> = {};
  if (names.length === 0) return out;
  const engine = new Engine([], { allowUndefinedFacts: false, pathResolver: restrictedPathResolver });
  for (const operator of customOperators(registryFor(ctx.ruleSet))) engine.addOperator(operator);
  const facts = new Set<string>();
  for (const name of names) for (const f of conditionFacts(conditions[name])) facts.add(f);
  for (const fact of facts) engine.addFact(fact, () => ctx.fact(fact), { cache: true });
  for (const name of names) {
    out[name] = false;
    engine.addRule({
      name,
      conditions: resolveConditionParams(conditions[name], ctx) as unknown as EngineCondition,
      event: { type: 'held', params: { name } },
    });
  }
  const result = await engine.run();
  for (const r of result.results) out[r.name] = true;
  return out;
}

/** True when the condition holds. */
export async function evaluateConditions(condition: TopLevelCondition, ctx: FactContext): Promise<boolean> {
  const result = await evaluateNamedConditions({ condition }, ctx);
  return result.condition;
}
