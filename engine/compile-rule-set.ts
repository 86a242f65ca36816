/**
 * Compiling a validated rule set into something that evaluates requests quickly and safely:
 * - the rule set is deep-copied and deep-frozen; identity = {id, version, SHA-256 of canonical JSON
 *   without "$schema"};
 * - value-set matchers are built once;
 * - every rule becomes a json-rules-engine `Rule` ({"param"} substituted), attached to ONE `Engine`
 *   per compiled rule set that serves only as the operator registry. `engine.run()` is never called:
 *   its run status lives on the instance, and overlapping runs silently skip lower-priority rules.
 *   The Rule's condition tree is compiled once into an immutable ConditionProgram whose leaves are
 *   evaluated by json-rules-engine's operators (engine/condition-program.ts): no RuleResult clone and
 *   no almanac cache hashing per evaluation, and concurrent evaluations share nothing mutable;
 * - rules are indexed by hook and by the facts they require to be present (top-level `all` leaves
 *   {"fact": X, "path": "$.present", "operator": "equal", "value": true}): those facts are computed
 *   first and rules whose required facts are absent are skipped.
 */
import { Almanac, Engine, Rule as EngineRule, type RuleProperties, type TopLevelCondition as EngineCondition } from 'json-rules-engine';
import { ConditionProgram, engineOperators, factValues } from './condition-program.js';
import type { Card } from '../cds-hooks/wire-types.js';
import { canonicalHash } from '../lib/canonical-json.js';
import { factsReadByConditions, requiredPresentFacts, substituteParams } from './conditions.js';
import { cardUuid, mergedCardUuid, suggestionUuid } from './deterministic-uuid.js';
import { EvaluationSession } from './evaluation-session.js';
import {
  CARD_EXTENSION_KEY,
  type EvaluationInput,
  type EvaluationResult,
  type ExplainedFact,
  type FactValue,
  type FiredRule,
  type OutputShape,
  type RuleSetIdentity,
} from './evaluation-types.js';
import { FACT_KINDS } from './facts/index.js';
import { customOperators } from './operators.js';
import { mergeCards, SEVERITY } from './merge-cards.js';
import { compileCardTemplate, renderCard, renderLabel, type CompiledCardTemplate, type RenderInput } from './render-card.js';
import { restrictedPathResolver } from './restricted-path.js';
import { RuleSetInvalidError } from './rule-set-problem.js';
import type { Concern, HookName, Rule, RuleSet, ServiceDefinition } from './rule-set-types.js';
import { declarationParams, validateRuleSet, type FactKinds } from './validate-rule-set.js';
import { ValueSetRegistry } from './value-set-matcher.js';

export interface CompileOptions {
  /** Fact kinds (default: engine/facts FACT_KINDS). */
  factKinds?: FactKinds;
  /** Label for problems (default "<id>@<version>"). */
  file?: string;
  /** Skip rules whose required facts are absent (default true). false only to measure the gain. */
  useRequiredFactIndex?: boolean;
}

/**
 * json-rules-engine's Rule has `evaluate(almanac)` (used by Engine.run) but its type declarations omit
 * it; this is the part we call.
 */
export type EvaluableRule = EngineRule & { evaluate(almanac: Almanac): Promise<{ result: boolean | null }> };

export interface CompiledRule {
  readonly rule: Rule;
  /** Position in the file (ties in a concern go to the earlier rule). */
  readonly position: number;
  readonly engineRule: EvaluableRule;
  /** The rule's json-rules-engine conditions compiled once (engine/condition-program.ts). */
  readonly program: ConditionProgram;
  /** Facts that must be present ($.present === true) for the rule to be able to fire. */
  readonly requiredFacts: readonly string[];
  /** Facts read by the conditions and the card templates, in first-use order. */
  readonly factsRead: readonly string[];
  readonly card: CompiledCardTemplate;
}

export type EvaluateInput = EvaluationInput & {
  /** Seed of deterministic card/suggestion uuids (the server passes the hookInstance). */
  idSeed: string;
};


function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value as Record<string, unknown>)) deepFreeze(v);
  }
  return value;
}

/** The content that is hashed: the rule set without its editor-only "$schema". */
export function ruleSetHash(ruleSet: RuleSet): string {
  const { $schema: _schema, ...content } = ruleSet;
  return canonicalHash(content);
}

/** The rules of one hook, with their required facts numbered once so filtering is cheap. */
interface HookIndex {
  readonly rules: readonly CompiledRule[];
  /** Distinct facts required by any rule of the hook. */
  readonly requiredFacts: readonly string[];
  /** Per rule (same order as rules): indexes into requiredFacts. */
  readonly requiredIndexes: ReadonlyArray<readonly number[]>;
}

const EMPTY_HOOK_INDEX: HookIndex = { rules: [], requiredFacts: [], requiredIndexes: [] };

function buildHookIndex(rules: readonly CompiledRule[]): HookIndex {
  const requiredFacts: string[] = [];
  const position = new Map<string, number>();
  const requiredIndexes = rules.map((r) =>
    r.requiredFacts.map((f) => {
      let i = position.get(f);
      if (i === undefined) {
        i = requiredFacts.push(f) - 1;
        position.set(f, i);
      }
      return i;
    }),
  );
  return { rules, requiredFacts, requiredIndexes };
}

/** Computes the hook's required facts (memoised) and keeps the rules whose required facts are present. */
async function applyIndex(index: HookIndex, session: EvaluationSession): Promise<CompiledRule[]> {
  const values = await Promise.all(index.requiredFacts.map((n) => session.fact(n)));
  const present = values.map((v) => v.present === true);
  const kept: CompiledRule[] = [];
  for (let i = 0; i < index.rules.length; i++) {
    const required = index.requiredIndexes[i];
    let ok = true;
    for (let j = 0; j < required.length && ok; j++) ok = present[required[j]];
    if (ok) kept.push(index.rules[i]);
  }
  return kept;
}

export class CompiledRuleSet {
  readonly identity: RuleSetIdentity;
  readonly ruleSet: RuleSet;
  readonly rules: readonly CompiledRule[];
  readonly valueSets: ValueSetRegistry;
  private readonly byHook: ReadonlyMap<HookName, HookIndex>;
  private readonly declarations: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  private readonly factKinds: FactKinds;
  private readonly useIndex: boolean;
  /** The operator registry: never run. */
  private readonly engine: Engine;

  constructor(ruleSet: RuleSet, factKinds: FactKinds, useIndex: boolean) {
    this.ruleSet = deepFreeze(structuredClone(ruleSet));
    this.identity = Object.freeze({ id: ruleSet.id, version: ruleSet.version, hash: ruleSetHash(ruleSet) });
    this.factKinds = factKinds;
    this.useIndex = useIndex;
    this.valueSets = new ValueSetRegistry(this.ruleSet.valueSets);

    const declarations: Record<string, Readonly<Record<string, unknown>>> = {};
    for (const [name, decl] of Object.entries(this.ruleSet.facts)) {
      const params = substituteParams(declarationParams(decl), this.ruleSet.parameters) as Record<string, unknown>;
      declarations[name] = deepFreeze({ ...params, kind: decl.kind, ...(decl.description ? { description: decl.description } : {}) });
    }
    this.declarations = Object.freeze(declarations);

    this.engine = new Engine([], { allowUndefinedFacts: true, pathResolver: restrictedPathResolver });
    for (const op of customOperators(this.valueSets)) this.engine.addOperator(op);

    // json-rules-engine priorities (>= 1) follow rank order; they never decide anything here.
    const ranks = [...new Set(this.ruleSet.rules.map((r) => r.rank ?? 0))].sort((a, b) => a - b);
    const shapeOf = (fact: string): OutputShape | undefined => factKinds[String(this.declarations[fact]?.kind)]?.output;
    this.rules = Object.freeze(
      this.ruleSet.rules.map((rule, position): CompiledRule => {
        const properties: RuleProperties = {
          name: rule.id,
          priority: ranks.indexOf(rule.rank ?? 0) + 1,
          conditions: substituteParams(rule.conditions, this.ruleSet.parameters) as EngineCondition,
          event: { type: rule.id },
        };
        const engineRule = new EngineRule(properties) as EvaluableRule;
        this.engine.addRule(engineRule);
        const card = compileCardTemplate(rule.card, shapeOf);
        const factsRead = [...new Set([...factsReadByConditions(rule.conditions), ...card.facts])];
        const program = new ConditionProgram(engineRule.conditions as never, engineOperators(this.engine));
        return Object.freeze({ rule, position, engineRule, program, requiredFacts: Object.freeze(requiredPresentFacts(rule.conditions)), factsRead: Object.freeze(factsRead), card });
      }),
    );
    const byHook = new Map<HookName, CompiledRule[]>();
    for (const r of this.rules) {
      for (const hook of r.rule.hooks) {
        if (!byHook.has(hook)) byHook.set(hook, []);
        byHook.get(hook)!.push(r);
      }
    }
    this.byHook = new Map([...byHook].map(([hook, rules]) => [hook, buildHookIndex(rules)]));
    Object.freeze(this);
  }

  get services(): readonly ServiceDefinition[] {
    return this.ruleSet.services;
  }

  service(id: string): ServiceDefinition | undefined {
    return this.ruleSet.services.find((s) => s.id === id);
  }

  rulesForHook(hook: HookName): readonly CompiledRule[] {
    return this.byHook.get(hook)?.rules ?? [];
  }

  /** True when `code` in `system` is in the named value set. */
  inValueSet(valueSetId: string, system: string | undefined, code: string | undefined): boolean {
    return this.valueSets.has(valueSetId, system, code);
  }

  /** A declared fact's declaration ({"param"} substituted, with its `kind`), or undefined. */
  factDeclaration(name: string): Readonly<Record<string, unknown>> | undefined {
    return Object.prototype.hasOwnProperty.call(this.declarations, name) ? this.declarations[name] : undefined;
  }

  /**
   * A fact session over one record, computing declared facts exactly as an evaluation computes them
   * (each fact once), without evaluating any rule: for views that draw what the cards reason over
   * (the course view, engine/course-picture.ts). `session.context()` is the context fact kinds see.
   */
  openSession(input: EvaluationInput): EvaluationSession {
    return new EvaluationSession(
      { ruleSet: this.ruleSet, declarations: this.declarations, factKinds: this.factKinds, valueSets: this.valueSets },
      input,
    );
  }

  async evaluate(input: EvaluateInput): Promise<EvaluationResult> {
    const session = new EvaluationSession(
      { ruleSet: this.ruleSet, declarations: this.declarations, factKinds: this.factKinds, valueSets: this.valueSets },
      input,
    );
    const index = this.byHook.get(input.hook) ?? EMPTY_HOOK_INDEX;
    const considered = this.useIndex ? await applyIndex(index, session) : index.rules;

    // Every fact the considered rules' conditions read, computed once (the session memoises), then each
    // rule's conditions evaluated by json-rules-engine's operators (engine/condition-program.ts).
    const conditionValues = await factValues(
      considered.flatMap((r) => r.program.facts).filter((n) => Object.prototype.hasOwnProperty.call(this.declarations, n)),
      (n) => session.fact(n),
    );
    const fired = considered.filter((r) => r.program.result(conditionValues) === true);

    // Every fact a fired rule reads, for its card and its explanation.
    const values = new Map<string, FactValue>();
    const needed = [...new Set(fired.flatMap((r) => r.factsRead))];
    const computed = await Promise.all(needed.map((n) => session.fact(n)));
    needed.forEach((n, i) => values.set(n, computed[i]));

    return this.buildResult(input, fired, considered.length, values);
  }

  private explain(rule: CompiledRule, values: ReadonlyMap<string, FactValue>): ExplainedFact[] {
    return rule.factsRead.map((name) => ({ name, kind: String(this.declarations[name].kind), value: values.get(name)! }));
  }

  /** Rank order inside a concern: highest rank, then most severe indicator, then earliest in the file. */
  private static byRank(a: CompiledRule, b: CompiledRule): number {
    return (
      (b.rule.rank ?? 0) - (a.rule.rank ?? 0) ||
      SEVERITY[b.rule.card.indicator] - SEVERITY[a.rule.card.indicator] ||
      a.position - b.position
    );
  }

  /** The concern's definition; concerns the rule set does not define rank. */
  concern(id: string): Concern {
    return this.ruleSet.concerns?.[id] ?? { title: id, mode: 'rank' };
  }

  private buildResult(input: EvaluateInput, fired: readonly CompiledRule[], considered: number, values: ReadonlyMap<string, FactValue>): EvaluationResult {
    const { hash } = this.identity;
    const byConcern = new Map<string, CompiledRule[]>();
    for (const r of fired) {
      if (!byConcern.has(r.rule.concern)) byConcern.set(r.rule.concern, []);
      byConcern.get(r.rule.concern)!.push(r);
    }
    const renderInput = (r: CompiledRule, extension: Record<string, unknown>): RenderInput => ({
      uuid: cardUuid(input.idSeed, hash, r.rule.id),
      now: input.now,
      suggestionUuid: (i) => suggestionUuid(input.idSeed, hash, r.rule.id, i),
      factValue: (name) => values.get(name),
      citations: this.ruleSet.citations,
      extension,
    });

    const cards: Array<{ card: Card; position: number }> = [];
    /** Per fired rule: the uuid of the card it went into, whether it was outranked, the concern it merged into. */
    const outcome = new Map<CompiledRule, { cardUuid: string; suppressed: boolean; mergedInto?: string }>();
    const factsOf = new Map<CompiledRule, ExplainedFact[]>(fired.map((r) => [r, this.explain(r, values)]));

    for (const [concernId, group] of byConcern) {
      const ranked = [...group].sort(CompiledRuleSet.byRank);
      const concern = this.concern(concernId);
      if (concern.mode === 'merge' && ranked.length > 1) {
        const uuid = mergedCardUuid(input.idSeed, hash, concernId);
        const contributors = ranked.map((r) => {
          const card = renderCard(r.card, renderInput(r, {}));
          // Validation requires a label in merge concerns; the title is a last resort.
          const label = renderLabel(r.card, renderInput(r, {})) ?? { text: r.rule.title, markdown: r.rule.title };
          return { card, label };
        });
        const merged: Card = {
          uuid,
          ...mergeCards(concern, contributors),
          extension: { [CARD_EXTENSION_KEY]: this.mergedExtension(concernId, concern, ranked, factsOf) },
        };
        cards.push({ card: merged, position: ranked[0].position });
        for (const r of ranked) outcome.set(r, { cardUuid: uuid, suppressed: false, mergedInto: concernId });
        continue;
      }
      const winner = ranked[0];
      const alsoFired = ranked.slice(1).map((o) => o.rule.id);
      const winnerUuid = cardUuid(input.idSeed, hash, winner.rule.id);
      const card = renderCard(winner.card, renderInput(winner, { [CARD_EXTENSION_KEY]: this.cardExtension(winner, factsOf.get(winner)!, alsoFired) }));
      cards.push({ card, position: winner.position });
      for (const r of ranked) outcome.set(r, { cardUuid: winnerUuid, suppressed: r !== winner });
    }

    const firedRules: FiredRule[] = fired.map((r) => {
      const o = outcome.get(r)!;
      const entry: FiredRule = {
        ruleId: r.rule.id,
        title: r.rule.title,
        category: r.rule.category,
        concern: r.rule.concern,
        indicator: r.rule.card.indicator,
        facts: factsOf.get(r)!,
        cardUuid: o.cardUuid,
        suppressed: o.suppressed,
      };
      if (o.mergedInto !== undefined) entry.mergedInto = o.mergedInto;
      return entry;
    });
    cards.sort((a, b) => SEVERITY[b.card.indicator] - SEVERITY[a.card.indicator] || a.position - b.position);
    return {
      ruleSet: { ...this.identity },
      hook: input.hook,
      now: input.now.toISOString(),
      cards: cards.map((c) => c.card),
      fired: firedRules,
      rulesConsidered: considered,
    };
  }

  private citationsOf(ids: readonly string[]): Array<Record<string, unknown>> {
    return ids.map((id) => {
      const c = this.ruleSet.citations[id];
      return c.url ? { id, source: c.source, url: c.url, certainty: c.certainty } : { id, source: c.source, certainty: c.certainty };
    });
  }

  private static evidenceOf(facts: readonly ExplainedFact[]): Record<string, unknown> | undefined {
    const evidenceFact = facts.find((f) => f.kind === 'evidence');
    if (!evidenceFact) return undefined;
    const v = evidenceFact.value;
    return { score: v.score ?? null, grade: v.grade ?? null, gradeLabel: v.gradeLabel ?? null, factors: v.factors ?? [] };
  }

  private cardExtension(r: CompiledRule, facts: readonly ExplainedFact[], alsoFired: string[]): Record<string, unknown> {
    const extension: Record<string, unknown> = {
      ruleSet: { ...this.identity },
      rule: { id: r.rule.id, title: r.rule.title, category: r.rule.category, concern: r.rule.concern },
    };
    const evidence = CompiledRuleSet.evidenceOf(facts);
    if (evidence) extension.evidence = evidence;
    extension.facts = facts.map((f) => ({ name: f.name, kind: f.kind, value: f.value, refs: f.value.refs }));
    extension.alsoFired = alsoFired;
    extension.citations = this.citationsOf(r.rule.citations);
    return extension;
  }

  /**
   * The explanation of a merged card: `rule` is the lead contributor (so tools that read one rule per
   * card keep working), `concern` says the card is merged, `contributors` lists every contributing rule
   * (rank order) with the names of the facts it read; `facts` holds each of those facts once, and
   * `citations` the union of the contributors' citations.
   */
  private mergedExtension(
    concernId: string,
    concern: Concern,
    ranked: readonly CompiledRule[],
    factsOf: ReadonlyMap<CompiledRule, readonly ExplainedFact[]>,
  ): Record<string, unknown> {
    const lead = ranked[0];
    const facts = new Map<string, ExplainedFact>();
    for (const r of ranked) for (const f of factsOf.get(r)!) if (!facts.has(f.name)) facts.set(f.name, f);
    const extension: Record<string, unknown> = {
      ruleSet: { ...this.identity },
      rule: { id: lead.rule.id, title: lead.rule.title, category: lead.rule.category, concern: lead.rule.concern },
      concern: { id: concernId, title: concern.title, mode: 'merge' },
      contributors: ranked.map((r) => ({
        id: r.rule.id,
        title: r.rule.title,
        category: r.rule.category,
        indicator: r.rule.card.indicator,
        label: r.rule.card.label ?? null,
        facts: factsOf.get(r)!.map((f) => f.name),
      })),
    };
    const evidence = CompiledRuleSet.evidenceOf([...facts.values()]);
    if (evidence) extension.evidence = evidence;
    extension.facts = [...facts.values()].map((f) => ({ name: f.name, kind: f.kind, value: f.value, refs: f.value.refs }));
    extension.alsoFired = [];
    extension.citations = this.citationsOf([...new Set(ranked.flatMap((r) => r.rule.citations))]);
    return extension;
  }
}

/** Validates and compiles; throws RuleSetInvalidError listing every problem. */
export function compileRuleSet(ruleSet: RuleSet, opts: CompileOptions = {}): CompiledRuleSet {
  const factKinds = opts.factKinds ?? FACT_KINDS;
  const file = opts.file ?? `${String(ruleSet?.id)}@${String(ruleSet?.version)}`;
  const problems = validateRuleSet(ruleSet, { file, factKinds });
  if (problems.length > 0) throw new RuleSetInvalidError(problems);
  return new CompiledRuleSet(ruleSet, factKinds, opts.useRequiredFactIndex ?? true);
}
