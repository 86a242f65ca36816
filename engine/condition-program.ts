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
 * - per evaluation, awaits the facts the conditions read (all at once, from the session) and then
 *   evaluates the tree synchronously: `all` = every, `any` = some, `not` = negation, leaf =
 *   `operator.evaluate(factValue at path, value or {fact, path} value)`, with the almanac's exact
 *   semantics for paths (the restricted path resolver on object values, the value itself otherwise).
 *
 * A program holds no per-evaluation state, so overlapping evaluations share nothing mutable.
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

type Node =
  | { kind: 'all' | 'any'; children: Node[] }
  | { kind: 'not'; child: Node }
  | { kind: 'leaf'; fact: string; path: string | undefined; operator: string; op: Operator | null; value: unknown; valueFact: { fact: string; path: string | undefined } | undefined };

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

export class ConditionProgram {
  /** Facts read by the conditions (leaf facts and {"fact"} values), in first-use order. */
  readonly facts: readonly string[];
  private readonly root: Node;

  constructor(condition: EngineConditionNode, operators: OperatorMapLike) {
    const facts: string[] = [];
    const use = (name: string): void => {
      if (!facts.includes(name)) facts.push(name);
    };
    const build = (c: EngineConditionNode): Node => {
      if (hasOwn(c, 'any')) return { kind: 'any', children: (c.any as EngineConditionNode[]).map(build) };
      if (hasOwn(c, 'all')) return { kind: 'all', children: (c.all as EngineConditionNode[]).map(build) };
      if (hasOwn(c, 'not')) return { kind: 'not', child: build(c.not as EngineConditionNode) };
      if (hasOwn(c, 'condition') || (c.params !== undefined && c.params !== null && Object.keys(c.params).length > 0)) {
        // Refused by rule-set validation; never silently evaluated differently from json-rules-engine.
        throw new Error('condition references and fact params are not supported');
      }
      const fact = String(c.fact);
      use(fact);
      const valueFact = isFactReference(c.value) ? { fact: String(c.value.fact), path: c.value.path } : undefined;
      if (valueFact) use(valueFact.fact);
      const operator = String(c.operator);
      return { kind: 'leaf', fact, path: c.path, operator, op: operators.get(operator), value: c.value, valueFact };
    };
    this.root = build(condition);
    this.facts = Object.freeze(facts);
  }

  /**
   * The top-level result as json-rules-engine's Rule.evaluate computes it (a boolean, or a leaf's raw
   * operator result when an `all`/`any` has a single leaf); `values` holds every name in `facts`.
   */
  result(values: ReadonlyMap<string, FactValue>): unknown {
    return ConditionProgram.combine(this.root, values);
  }

  /** all()/any()/not() of json-rules-engine's Rule.evaluate. */
  private static combine(node: Node, values: ReadonlyMap<string, FactValue>): unknown {
    switch (node.kind) {
      case 'all':
      case 'any': {
        if (node.children.length === 0) return true;
        if (node.children.length === 1) return ConditionProgram.condition(node.children[0], values);
        // Every child is evaluated (json-rules-engine evaluates one priority set with Promise.all).
        let every = true;
        let some = false;
        for (const child of node.children) {
          if (ConditionProgram.condition(child, values) === true) some = true;
          else every = false;
        }
        return node.kind === 'all' ? every : some;
      }
      case 'not':
        return !ConditionProgram.condition(node.child, values);
      case 'leaf':
        return ConditionProgram.condition(node, values);
    }
  }

  /** evaluateCondition() of json-rules-engine's Rule.evaluate: boolean nodes give true/false, leaves the operator's result. */
  private static condition(node: Node, values: ReadonlyMap<string, FactValue>): unknown {
    if (node.kind !== 'leaf') return ConditionProgram.combine(node, values) === true;
    if (!node.op) throw new Error(`Unknown operator: ${node.operator}`);
    const right = node.valueFact ? atPath(values.get(node.valueFact.fact), node.valueFact.path) : node.value;
    const left = atPath(values.get(node.fact), node.path);
    return node.op.evaluate(left, right);
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
