/**
 * The authored rule-set format (JSON), as TypeScript types. The JSON Schema in
 * engine/rule-set.schema.json is the normative definition; docs/rule-format.md explains it.
 * Everything clinical (codes, thresholds, schedules, evidence grades, card text) lives in a
 * rule set; TypeScript only supplies generic fact kinds, operators and rendering.
 */

export type RuleSetStatus = 'draft' | 'active' | 'retired';
export type Certainty = 'sourced' | 'judgement' | 'unverified';
export type RuleCategory =
  | 'indication'
  | 'contraindication'
  | 'interaction'
  | 'monitoring'
  | 'maintenance'
  | 'dosing'
  | 'evidence'
  | 'safety';
export type HookName = 'patient-view' | 'order-select' | 'order-sign' | 'appointment-book';

export interface Person {
  name: string;
  role?: string;
  organization?: string;
}

export interface Approval {
  reviewer: string;
  role?: string;
  date: string; // ISO date
  note?: string;
}

export interface Citation {
  /** Human-readable reference: document, section, version, date. */
  source: string;
  url?: string;
  certainty: Certainty;
  note?: string;
}

/** One code system's part of a value set. */
export interface ValueSetInclude {
  /** Canonical code system URL, e.g. http://hl7.org/fhir/sid/icd-10-cm, http://snomed.info/sct,
   * http://www.nlm.nih.gov/research/umls/rxnorm, http://hl7.org/fhir/sid/ndc, http://loinc.org */
  system: string;
  /** Code system version the codes were checked against, e.g. "FY2026", "2025-10". */
  version: string;
  /** Exact codes (with optional display). `group` names the agent a code belongs to (e.g. the
   * ingredient "sertraline" for every sertraline product code): facts that count distinct agents
   * (antidepressantTrials) treat codes with the same group as one agent. */
  codes?: { code: string; display?: string; group?: string; certainty?: Certainty }[];
  /** Code prefixes, e.g. "I71" matches I71.0 … I71.9 (ICD-10-CM families; NDC product prefixes).
   * `group` as for codes. */
  prefixes?: { prefix: string; display?: string; group?: string; certainty?: Certainty }[];
  /** Codes or prefixes removed from the matches above (e.g. F32.8 from F32). */
  exclude?: string[];
}

export interface ValueSet {
  title: string;
  description?: string;
  certainty: Certainty;
  citations: string[];
  include: ValueSetInclude[];
}

/** A named threshold or setting, referenced from rules as {"param": "<name>"}. */
export interface Parameter {
  value: number | string | boolean;
  unit?: string;
  description: string;
  certainty: Certainty;
  citations: string[];
}

/** A product the rule set recognises in draft orders and administration history. */
export interface Product {
  label: string;
  /** Value set of codes (RxNorm at any level, NDC) that identify the product. */
  valueSet: string;
  /** Regulatory status per indication id, e.g. {"trd": "on-label"}; missing = off-label. */
  labelStatus?: Record<string, 'on-label' | 'off-label'>;
  /** Maintenance schedule id (in `schedules`). */
  schedule?: string;
}

/** A declared fact: an instance of a built-in fact kind with its parameters. */
export interface FactDeclaration {
  kind: string;
  description?: string;
  [param: string]: unknown;
}

/** json-rules-engine condition, with {"param": name} allowed wherever a value is. */
export type ConditionValue = unknown | { param: string };

export interface LeafCondition {
  fact: string;
  path?: string;
  operator: string;
  value: ConditionValue;
  params?: Record<string, unknown>;
}

export type Condition =
  | LeafCondition
  | { all: Condition[] }
  | { any: Condition[] }
  | { not: Condition };

export type TopLevelCondition = { all: Condition[] } | { any: Condition[] } | { not: Condition };

export interface Indication {
  id: string;
  label: string;
  /** When the record supports this indication. */
  criteria: TopLevelCondition;
  /** Base evidence score per product id (knowledge brief section 6). */
  baseScore: Record<string, number>;
  /** Short phrase explaining the base score, shown as the first evidence factor. */
  rationale: string;
  /**
   * Tie-break between indications with the same base score when the model's tieBreak is "priority":
   * higher wins. Every indication needs a distinct priority then.
   */
  priority?: number;
  citations: string[];
  certainty: Certainty;
}

export interface EvidenceModifier {
  id: string;
  /** Indication ids this modifier applies to (empty = all). */
  appliesTo: string[];
  when: TopLevelCondition;
  delta: number;
  /** Lowest score this modifier may produce. */
  floor?: number;
  text: string;
  citations: string[];
  certainty: Certainty;
}

export interface EvidenceGrade {
  /** Lowest score (inclusive) for this grade; grades are checked from highest min down. */
  min: number;
  grade: string;
  label: string;
}

export interface EvidenceModel {
  /** Indications in order of precedence; the highest-scoring supported one for the product wins. */
  indications: Indication[];
  modifiers: EvidenceModifier[];
  /**
   * How indications with the same base score are ordered: "list-order" (default; the earlier one in
   * `indications` wins, as rule sets written before this option did) or "priority" (each indication's
   * declared `priority`, so that no tie is ever decided by where an entry sits in the list).
   */
  tieBreak?: 'list-order' | 'priority';
  grades: EvidenceGrade[];
  certainty: Certainty;
  citations: string[];
}

export interface SchedulePhase {
  id: string;
  label: string;
  /** Phase starts this many days after the first dose of the course. */
  fromDay: number;
  /** Expected interval between doses in this phase (days). */
  intervalDays: number;
  /** Fewer days than this since the last dose is "too soon". */
  minIntervalDays: number;
  /** More doses than this in any 7-day window exceeds every studied schedule. */
  maxDosesPerWeek: number;
}

export interface Schedule {
  label: string;
  /** Value set identifying administrations (MedicationAdministration, Procedure) of the product. */
  administrationValueSet: string;
  phases: SchedulePhase[];
  /** Days after the due date before "due" becomes "overdue". */
  graceDays: number;
  /** A gap longer than this ends the course: the next dose starts a new induction. */
  courseGapDays: number;
  /** End-of-induction checkpoint: whichever comes first. */
  inductionCheckpoint: { doses: number; days: number };
  /** Typical duration of response after the last dose, per indication id (population medians). */
  durationOfResponseDays?: Record<string, number>;
  /**
   * False when the schedule has no labelled interval to be due or overdue against (e.g. off-label IV
   * ketamine): the maintenanceTiming status is then never due/overdue and appointments never late.
   * Default true.
   */
  tracksDue?: boolean;
  citations: string[];
  certainty: Certainty;
}

export interface ServiceDefinition {
  id: string;
  hook: HookName;
  title: string;
  description: string;
  usageRequirements?: string;
  /** Prefetch templates using 2.0 tokens only ({{context.x}} root-level, {{userPractitionerId}}…). */
  prefetch: Record<string, string>;
}

export interface CardTemplateSuggestion {
  label: string;
  isRecommended?: boolean;
  actions?: { type: 'create' | 'update' | 'delete'; description: string; resource?: unknown; resourceId?: string }[];
}

export interface CardTemplateLink {
  label: string;
  /**
   * Absolute URL; a `smart` link may instead give a path relative to the service's public base URL
   * (e.g. "course/"), which the service resolves against PUBLIC_BASE_URL when it sends the card.
   */
  url: string;
  type: 'absolute' | 'smart';
  /** Template ({{fact.path}} variables, values as recorded); only on `smart` links. */
  appContext?: string;
}

export interface CardTemplate {
  indicator: 'info' | 'warning' | 'critical';
  /** Short noun phrase naming what the card is about (template, bounded like a summary), e.g.
   * "recent BP". Required for rules of a `merge` concern: the merged card lists the labels. */
  label?: string;
  /** Mustache-style template, {{fact.path}} variables only; must render under 140 characters. */
  summary: string;
  /** GitHub-flavoured markdown template. */
  detail: string;
  /** Citation ids shown as the card's source (first one is source.label/url). */
  source: string[];
  suggestions?: CardTemplateSuggestion[];
  selectionBehavior?: 'at-most-one' | 'any';
  overrideReasons?: { code: string; system?: string; display: string }[];
  links?: CardTemplateLink[];
}

export type ConcernMode = 'rank' | 'merge';

/** Indicator of a merged card: "highest" (the most severe contributor) or at least the one named. */
export type MergedIndicator = 'highest' | 'info' | 'warning' | 'critical';

/**
 * How the fired rules of one concern become one card. Concerns that rules name but `concerns` does
 * not define use mode "rank".
 */
export interface Concern {
  title: string;
  description?: string;
  /** "rank": the highest-ranked fired rule's card; "merge": one card to which every fired rule contributes. */
  mode: ConcernMode;
  /** merge: summary of the merged card, with {{items}} (the contributors' labels, joined by ", ")
   * and {{count}} (how many contributed). Required in merge mode. */
  mergedSummary?: string;
  /** merge: indicator of the merged card (default "highest"); a named indicator only ever raises it. */
  mergedIndicator?: MergedIndicator;
}

export interface Rule {
  id: string;
  title: string;
  category: RuleCategory;
  hooks: HookName[];
  /** Rules of one concern give one card: ranked (the highest-ranked fired rule's card) or merged, as
   * the rule set's `concerns` entry says (default rank). */
  concern: string;
  /** Rank inside the concern; higher wins. */
  rank?: number;
  conditions: TopLevelCondition;
  card: CardTemplate;
  citations: string[];
  certainty: Certainty;
}

export interface RuleSet {
  $schema?: string;
  id: string;
  version: string;
  status: RuleSetStatus;
  effectivePeriod: { start: string; end?: string };
  title: string;
  description: string;
  publisher: string;
  authors: Person[];
  approvals: Approval[];
  citations: Record<string, Citation>;
  valueSets: Record<string, ValueSet>;
  parameters: Record<string, Parameter>;
  products: Record<string, Product>;
  facts: Record<string, FactDeclaration>;
  evidence?: EvidenceModel;
  /** How each concern's fired rules become one card (optional; undefined concerns rank). */
  concerns?: Record<string, Concern>;
  schedules: Record<string, Schedule>;
  services: ServiceDefinition[];
  rules: Rule[];
}
