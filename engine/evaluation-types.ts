/**
 * Contracts between the request path and the engine: what goes into one evaluation, what comes
 * out, and what a fact kind (a pure function over the patient record) looks like.
 */
import type { PatientRecord } from '../fhir/patient-record.js';
import type { RecordIndex } from './record-index.js';
import type { Card } from '../cds-hooks/wire-types.js';
import type { HookName, RuleCategory, RuleSet } from './rule-set-types.js';

/** The reverse-domain key of the card extension that explains every card (documented in docs/rule-format.md). */
export const CARD_EXTENSION_KEY = 'org.ketamine-cds.explanation';

/** Identity of one rule-set version: id + semver + SHA-256 of its canonical JSON. */
export interface RuleSetIdentity {
  id: string;
  version: string;
  hash: string;
}

export interface EvaluationInput {
  hook: HookName;
  /** The hook context as sent (already validated). */
  context: Record<string, unknown>;
  record: PatientRecord;
  /** Evaluation instant; an input so that tests and replay are deterministic. */
  now: Date;
}

/** Every fact value is a JSON object; `refs` lists the FHIR references (Type/id) it came from. */
export interface FactValue {
  refs: string[];
  [field: string]: unknown;
}

/** A fact as it appears in an explanation: its declared name, kind and the value used. */
export interface ExplainedFact {
  name: string;
  kind: string;
  value: FactValue;
}

export interface FiredRule {
  ruleId: string;
  title: string;
  category: RuleCategory;
  concern: string;
  indicator: Card['indicator'];
  /** The facts the rule's conditions and card template read, with their values and references. */
  facts: ExplainedFact[];
  /** uuid of the card this rule produced, or of the card that outranked it in its concern. */
  cardUuid: string;
  /** True when another rule of the same concern ranked higher and its card was shown instead. */
  suppressed: boolean;
  /**
   * Set when the rule contributed to a merged card (a concern in mode "merge" with two or more fired
   * rules): the concern id. The rule's text is part of that card (cardUuid), not a card of its own.
   */
  mergedInto?: string;
}

export interface EvaluationResult {
  ruleSet: RuleSetIdentity;
  hook: HookName;
  now: string;
  cards: Card[];
  fired: FiredRule[];
  /** Rules considered after indexing (hook, product, required facts), for performance insight. */
  rulesConsidered: number;
}

/** What a fact kind sees when it computes. */
export interface FactContext {
  record: PatientRecord;
  now: Date;
  hook: HookName;
  context: Record<string, unknown>;
  ruleSet: RuleSet;
  /** True when `code` in `system` is in the named value set (exact codes, prefixes, excludes). */
  inValueSet(valueSetId: string, system: string | undefined, code: string | undefined): boolean;
  /** The value of another declared fact (computed once per evaluation). */
  fact(name: string): Promise<FactValue>;
  /** A rule-set parameter's value (declarations may say {"param": name}). */
  param(name: string): number | string | boolean;
  /**
   * The record indexed once per evaluation (engine/record-index.ts), shared by every fact of the
   * evaluation. Absent in hand-built contexts: the fact helpers then build their entries directly.
   */
  index?: RecordIndex;
}

/** A subset of JSON Schema describing a fact kind's output: used to check paths and templates. */
export interface OutputShape {
  type: 'object' | 'array' | 'string' | 'number' | 'integer' | 'boolean' | 'null' | Array<'string' | 'number' | 'integer' | 'boolean' | 'null' | 'object'>;
  description?: string;
  properties?: Record<string, OutputShape>;
  items?: OutputShape;
  /** Strings are cut to this length when rendered; used to bound card summary length. */
  maxLength?: number;
  /**
   * A FHIR date/dateTime string. Card text shows it for people (engine/facts/support/dates.ts
   * displayDate): "date" = YYYY-MM-DD, with the time only for same-day instants; "date-time" = with
   * the time (scheduled times). Conditions and FHIR resources see the value as recorded.
   */
  format?: 'date' | 'date-time';
  enum?: unknown[];
}

export interface FactKind {
  kind: string;
  description: string;
  /** JSON Schema for the declaration's parameters (everything except `kind` and `description`). */
  paramsSchema: Record<string, unknown>;
  output: OutputShape;
  compute(declaration: Record<string, unknown>, ctx: FactContext): FactValue | Promise<FactValue>;
}
