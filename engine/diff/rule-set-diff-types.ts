/**
 * The result of comparing two rule-set versions: what an informaticist or clinician reviewing a new
 * version needs to know, grouped the way the rule set is authored (rules, concerns, parameters, value
 * sets, evidence model, schedules, services, citations). Plain JSON: `cds-rules diff --json` and
 * GET /admin/api/rule-sets/{id}/diff print it as is; render-diff-text.ts and render-diff-markdown.ts
 * turn it into prose.
 */
import type { Certainty, ConcernMode, MergedIndicator } from '../rule-set-types.js';

export interface DiffSide {
  id: string;
  version: string;
  /** SHA-256 of the canonical JSON, when known (versions from the registry). */
  hash?: string;
}

/** One field that differs; `from`/`to` absent = the field was absent on that side. */
export interface FieldChange {
  field: string;
  from?: unknown;
  to?: unknown;
}

/** Something present on one side only, named by its key and title. */
export interface NamedItem {
  key: string;
  title?: string;
}

export interface ParameterValue {
  value: number | string | boolean;
  unit?: string;
  certainty: Certainty;
}

export interface ParameterChange {
  name: string;
  description: string;
  from: ParameterValue;
  to: ParameterValue;
  /** Every field that differs (value, unit, certainty, description, citations). */
  fields: FieldChange[];
}

export interface ParameterDiff {
  added: Array<{ name: string; description: string; to: ParameterValue }>;
  removed: Array<{ name: string; description: string; from: ParameterValue }>;
  changed: ParameterChange[];
}

/** The aspects of a rule a reviewer cares about, in the order they are reported. */
export type RuleAspect =
  | 'conditions'
  | 'thresholds'
  | 'facts'
  | 'codes'
  | 'card-text'
  | 'indicator'
  | 'card-actions'
  | 'merging'
  | 'hooks'
  | 'citations'
  | 'classification';

export interface RuleChange {
  ruleId: string;
  title: string;
  /** The aspects that changed, without duplicates, in RuleAspect order. */
  aspects: RuleAspect[];
  /** Fields of the rule itself that differ (conditions, card.summary, card.indicator, hooks, …). */
  fields: FieldChange[];
  /** When the conditions changed: both versions' conditions in words (engine/describe/describe-condition.ts). */
  conditionWords?: { from: string[]; to: string[] };
  /** Parameters the rule reads (directly or through its facts) whose value, unit or certainty changed. */
  thresholds: ParameterChange[];
  /** Facts the rule reads whose declaration changed. */
  facts: string[];
  /** Value sets the rule reads (through its facts) whose codes changed. */
  valueSets: string[];
  /**
   * How the rule's concern makes its card, when that changed (aspect "merging"): mode, mergedSummary,
   * mergedIndicator of the rule's concern in each version (an undeclared concern ranks).
   */
  concernSettings: FieldChange[];
}

/** A rule added or removed, with when it fires in words and its card summary. */
export type RuleSummary = NamedItem & { hooks: string[]; indicator: string; conditionWords: string[]; summary: string };

export interface RuleDiff {
  added: RuleSummary[];
  removed: RuleSummary[];
  changed: RuleChange[];
}

export interface CodeEntry {
  code: string;
  display?: string;
}

/** Code changes inside one code system of one value set. */
export interface ValueSetSystemChange {
  system: string;
  /** Code-system version on each side (absent when the system is new or gone). */
  fromVersion?: string;
  toVersion?: string;
  codesAdded: CodeEntry[];
  codesRemoved: CodeEntry[];
  prefixesAdded: CodeEntry[];
  prefixesRemoved: CodeEntry[];
  excludesAdded: string[];
  excludesRemoved: string[];
}

export interface ValueSetChange {
  valueSetId: string;
  title: string;
  systems: ValueSetSystemChange[];
  /** Non-code fields that differ (title, description, certainty, citations). */
  fields: FieldChange[];
}

export interface ValueSetDiff {
  added: NamedItem[];
  removed: NamedItem[];
  changed: ValueSetChange[];
}

/** A keyed item (indication, modifier, grade, schedule, phase, service, citation, product, fact) that changed. */
export interface ItemChange {
  key: string;
  title?: string;
  fields: FieldChange[];
}

export interface KeyedDiff {
  added: NamedItem[];
  removed: NamedItem[];
  changed: ItemChange[];
}

/** A concern declared in one version only (rule-set `concerns`), with how it makes its card. */
export interface ConcernItem extends NamedItem {
  mode: ConcernMode;
  mergedSummary?: string;
  mergedIndicator?: MergedIndicator;
  /**
   * Rules of the other version use this concern id without declaring it, so there it ranks (the
   * default): those rules' cards change between ranked and this mode (the rules' "merging" aspect).
   */
  usedUndeclared: boolean;
}

/** Concerns added, removed, or whose declaration (title, description, mode, merge settings) changed. */
export interface ConcernDiff {
  added: ConcernItem[];
  removed: ConcernItem[];
  changed: ItemChange[];
}

export interface BaseScoreChange {
  indicationId: string;
  productId: string;
  from?: number;
  to?: number;
}

export interface EvidenceDiff {
  /** True when one side has an evidence model and the other does not. */
  presence?: { from: boolean; to: boolean };
  indications: KeyedDiff;
  baseScores: BaseScoreChange[];
  modifiers: KeyedDiff;
  grades: KeyedDiff;
  /** Model-level fields (certainty, citations). */
  fields: FieldChange[];
}

export interface ScheduleChange extends ItemChange {
  phases: KeyedDiff;
}

export interface ScheduleDiff {
  added: NamedItem[];
  removed: NamedItem[];
  changed: ScheduleChange[];
}

export interface ServiceChange extends ItemChange {
  prefetchAdded: string[];
  prefetchRemoved: string[];
  prefetchChanged: Array<{ key: string; from: string; to: string }>;
}

export interface ServiceDiff {
  added: NamedItem[];
  removed: NamedItem[];
  changed: ServiceChange[];
}

export interface RuleSetDiff {
  from: DiffSide;
  to: DiffSide;
  /** True when only header fields (metadata) differ: every rule, code, threshold and text is the same. */
  sameClinicalContent: boolean;
  /** Header fields: title, description, status, effectivePeriod, publisher, authors, approvals. */
  metadata: FieldChange[];
  rules: RuleDiff;
  /** Concerns (rule-set `concerns`: how the fired rules of one concern become one card, ranked or merged). */
  concerns: ConcernDiff;
  parameters: ParameterDiff;
  valueSets: ValueSetDiff;
  evidence: EvidenceDiff;
  schedules: ScheduleDiff;
  services: ServiceDiff;
  citations: KeyedDiff;
  products: KeyedDiff;
  facts: KeyedDiff;
}
