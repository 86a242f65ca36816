/**
 * Authored conditions compiled once into an immutable program that json-rules-engine's own parts
 * evaluate without its per-evaluation overhead.
 *
 * json-rules-engine's `Rule.evaluate(almanac)` deep-copies the rule's conditions into a RuleResult,
 * hashes fact params for the almanac cache and chains a promise per leaf. Our conditions never use
 * fact params, condition references or condition priorities (validation refuses them), so every leaf
 * of a rule is evaluated on every evaluation (json-rules-engine evaluates one priority set with
 * Promise.all, without short-circuit), facts come from the evaluation session (computed once), and the
 * only thing json-rules-engine decides is each leaf's comparison. So the program:
 * - walks the json-rules-engine `Condition` tree the `Rule` built (so the same constructor checks run);
 * - resolves each leaf's `Operator` (decorators included) from the engine's operator map once, at
 *   compile time;
 * - compiles the tree into plain nested closures (no tree walk, no switch per node per evaluation);
 * - per evaluation, awaits the facts the conditions read (all at once, from the session) and then
 *   calls the compiled function synchronously: `all` = every, `any` = some, `not` = negation, leaf =
 *   `operator.evaluate(factValue at path, value or {fact, path} value)`, with the almanac's exact
 *   semantics for paths (the restricted path resolver on object values, the value itself otherwise).
 *
 * A program holds no per-evaluation state, so overlapping evaluations share nothing mutable.
 * test/engine/condition-program.property.test.ts proves, on generated conditions and facts, that the
 * program decides exactly as json-rules-engine's own Engine.run does.
 */
import type { Engine } from 'json-rules-engine';
import type { FactValue } from './evaluation-types.js';
import { restrictedPathResolver } from './restricted-path.js';

/** The parts of a json-rules-engine Condition instance the program reads. */
interface EngineConditionNode {
  all?: EngineConditionNode[];
  any?: EngineConditionNode[];
  not?: EngineConditionNode;
  fact?: string;
  path?: string;
  operator?: string;
  value?: unknown;
  params?: unknown;
  condition?: unknown;
}

/** A compiled condition: the facts' values in, json-rules-engine's result for that condition out. */
type Compiled = (values: ReadonlyMap<string, FactValue>) => unknown;

/** A json-rules-engine Operator (its types omit `evaluate`: validator, then callback). */
interface Operator {
  evaluate(factValue: unknown, jsonValue: unknown): unknown;
}

/** The operator map of an Engine (json-rules-engine's types omit it). */
interface OperatorMapLike {
  get(name: string): Operator | null;
}

export function engineOperators(engine: Engine): OperatorMapLike {
  return (engine as unknown as { operators: OperatorMapLike }).operators;
}

function hasOwn(value: object, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(value, key);
}

function isFactReference(value: unknown): value is { fact: string; path?: string } {
  return value !== null && typeof value === 'object' && hasOwn(value, 'fact');
}

/** The almanac's factValue(fact, {}, path) on an already computed value. */
function atPath(value: unknown, path: string | undefined): unknown {
  if (!path) return value;
  return value !== null && value !== undefined && typeof value === 'object' ? restrictedPathResolver(value, path) : value;
}

/** A leaf: `operator.evaluate(factValue at path, value or {fact, path} value)`, the operator resolved once. */
function compileLeaf(c: EngineConditionNode, operators: OperatorMapLike, use: (name: string) => void): Compiled {
  if (hasOwn(c, 'condition') || (c.params !== undefined && c.params !== null && Object.keys(c.params).length > 0)) {
    // Refused by rule-set validation; never silently evaluated differently from json-rules-engine.
    throw new Error('condition references and fact params are not supported');
  }
  const fact = String(c.fact);
  const path = c.path;
  use(fact);
  const operatorName = String(c.operator);
  const op = operators.get(operatorName);
  // json-rules-engine rejects an unknown operator when the leaf is evaluated, not when the rule is built.
  if (!op) {
    return () => {
      throw new Error(`Unknown operator: ${operatorName}`);
    };
  }
  if (isFactReference(c.value)) {
    const valueFact = String(c.value.fact);
    const valuePath = c.value.path;
    use(valueFact);
    return (values) => op.evaluate(atPath(values.get(fact), path), atPath(values.get(valueFact), valuePath));
  }
  const value = c.value;
  if (!path) return (values) => op.evaluate(values.get(fact), value);
  return (values) => op.evaluate(atPath(values.get(fact), path), value);
}

/**
 * evaluateCondition() of json-rules-engine's Rule.evaluate for a node below the top: boolean nodes give
 * true/false (their all/any/not result === true), leaves the operator's raw result.
 */
function compileCondition(c: EngineConditionNode, operators: OperatorMapLike, use: (name: string) => void): Compiled {
  if (hasOwn(c, 'any') || hasOwn(c, 'all') || hasOwn(c, 'not')) {
    const combined = compileBoolean(c, operators, use);
    return (values) => combined(values) === true;
  }
  return compileLeaf(c, operators, use);
}

/**
 * all()/any()/not() of json-rules-engine's Rule.evaluate (prioritizeAndRun): no children is true; one
 * child is that child's result as is (a leaf's raw operator result); several children are all evaluated
 * (one priority set, Promise.all, no short-circuit: a throwing child throws either way) and combined
 * with every/some over `=== true`; `not` negates its child's result.
 */
function compileBoolean(c: EngineConditionNode, operators: OperatorMapLike, use: (name: string) => void): Compiled {
  if (hasOwn(c, 'any') || hasOwn(c, 'all')) {
    const isAll = !hasOwn(c, 'any');
    const children = ((isAll ? c.all : c.any) as EngineConditionNode[]).map((child) => compileCondition(child, operators, use));
    if (children.length === 0) return () => true;
    if (children.length === 1) return children[0];
    const count = children.length;
    return isAll
      ? (values) => {
          let every = true;
          for (let i = 0; i < count; i++) if (children[i](values) !== true) every = false;
          return every;
        }
      : (values) => {
          let some = false;
          for (let i = 0; i < count; i++) if (children[i](values) === true) some = true;
          return some;
        };
  }
  if (hasOwn(c, 'not')) {
    const child = compileCondition(c.not as EngineConditionNode, operators, use);
    return (values) => !child(values);
  }
  return compileLeaf(c, operators, use);
}

export class ConditionProgram {
  /** Facts read by the conditions (leaf facts and {"fact"} values), in first-use order. */
  readonly facts: readonly string[];
  private readonly run: Compiled;

  constructor(condition: EngineConditionNode, operators: OperatorMapLike) {
    const facts: string[] = [];
    const use = (name: string): void => {
      if (!facts.includes(name)) facts.push(name);
    };
    this.run = compileBoolean(condition, operators, use);
    this.facts = Object.freeze(facts);
    Object.freeze(this);
  }

  /**
   * The top-level result as json-rules-engine's Rule.evaluate computes it (a boolean, or a leaf's raw
   * operator result when an `all`/`any` has a single leaf); `values` holds every name in `facts`.
   */
  result(values: ReadonlyMap<string, FactValue>): unknown {
    return this.run(values);
  }
}

/** Computes the facts a set of programs read (at once, memoised by the session) into a map. */
export async function factValues(names: Iterable<string>, fact: (name: string) => Promise<FactValue>): Promise<Map<string, FactValue>> {
  const list = [...new Set(names)];
  const computed = await Promise.all(list.map((n) => fact(n)));
  const values = new Map<string, FactValue>();
  list.forEach((n, i) => values.set(n, computed[i]));
  return values;
}
