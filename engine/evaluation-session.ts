/**
 * One evaluation's fact computations: each declared fact is computed at most once per evaluation
 * (memoised promise), shared by the required-fact index, the json-rules-engine almanac, card
 * rendering, explanations and other facts (ctx.fact). Dependency cycles between facts are detected
 * and reported instead of deadlocking.
 */
import type { EvaluationInput, FactContext, FactKind, FactValue } from './evaluation-types.js';
import { RecordIndex } from './record-index.js';
import type { RuleSet } from './rule-set-types.js';
import type { ValueSetRegistry } from './value-set-matcher.js';

export class FactComputationError extends Error {
  constructor(
    readonly factName: string,
    readonly kind: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`fact "${factName}" (kind ${kind}): ${message}`, options);
    this.name = 'FactComputationError';
  }
}

export interface SessionDefinitions {
  ruleSet: RuleSet;
  /** Declarations with {"param"} already substituted. */
  declarations: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  factKinds: Readonly<Record<string, FactKind>>;
  valueSets: ValueSetRegistry;
}

export class EvaluationSession {
  private readonly memo = new Map<string, Promise<FactValue>>();
  private readonly settled = new Map<string, FactValue>();
  /** The record indexed once for every fact of this evaluation. */
  private readonly index: RecordIndex;

  constructor(
    private readonly defs: SessionDefinitions,
    private readonly input: EvaluationInput,
  ) {
    this.index = new RecordIndex(input.record, input.now);
  }

  /** The value of a declared fact (computed once). */
  fact(name: string): Promise<FactValue> {
    return this.compute(name, []);
  }

  /** The context fact kinds see in this session (its `fact` computes declared facts once). */
  context(): FactContext {
    return this.contextFor([]);
  }

  /** Values computed so far, by fact name. */
  computed(): ReadonlyMap<string, FactValue> {
    return this.settled;
  }

  private contextFor(stack: readonly string[]): FactContext {
    const { ruleSet, valueSets } = this.defs;
    const { record, now, hook, context } = this.input;
    return {
      record,
      now,
      hook,
      context,
      ruleSet,
      inValueSet: (valueSetId, system, code) => valueSets.has(valueSetId, system, code),
      index: this.index,
      fact: (name) => this.compute(name, stack),
      param: (name) => {
        if (!Object.prototype.hasOwnProperty.call(ruleSet.parameters, name)) throw new Error(`unknown parameter "${name}"`);
        return ruleSet.parameters[name].value;
      },
    };
  }

  private compute(name: string, stack: readonly string[]): Promise<FactValue> {
    if (stack.includes(name)) {
      return Promise.reject(new FactComputationError(name, this.kindOf(name), `depends on itself: ${[...stack, name].join(' -> ')}`));
    }
    const existing = this.memo.get(name);
    if (existing) return existing;
    const promise = this.run(name, [...stack, name]);
    this.memo.set(name, promise);
    return promise;
  }

  private kindOf(name: string): string {
    const kind = this.defs.declarations[name]?.kind;
    return typeof kind === 'string' ? kind : '?';
  }

  private async run(name: string, stack: readonly string[]): Promise<FactValue> {
    const declaration = this.defs.declarations[name];
    if (!declaration) throw new FactComputationError(name, '?', 'is not declared in the rule set');
    const kindName = String(declaration.kind);
    const kind = this.defs.factKinds[kindName];
    if (!kind) throw new FactComputationError(name, kindName, 'unknown fact kind');
    let value: FactValue;
    try {
      value = await kind.compute(declaration as Record<string, unknown>, this.contextFor(stack));
    } catch (err) {
      if (err instanceof FactComputationError) throw err;
      throw new FactComputationError(name, kindName, err instanceof Error ? err.message : String(err), { cause: err });
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value) || !Array.isArray(value.refs)) {
      throw new FactComputationError(name, kindName, 'the fact kind returned no object with a "refs" array');
    }
    this.settled.set(name, value);
    return value;
  }
}
