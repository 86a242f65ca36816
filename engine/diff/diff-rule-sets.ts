/**
 * Semantic diff of two rule-set versions (pure: no I/O, no clock). Items are matched by their key
 * (rule id, parameter name, value-set id, …), never by position, and values are compared in canonical
 * JSON so key order and formatting never show up as changes. See rule-set-diff-types.ts for the shape.
 */
import { canonicalJson } from '../../lib/canonical-json.js';
import type { Concern, Parameter, Rule, RuleSet, ValueSet, ValueSetInclude } from '../rule-set-types.js';
import type {
  BaseScoreChange,
  CodeEntry,
  ConcernDiff,
  ConcernItem,
  DiffSide,
  EvidenceDiff,
  FieldChange,
  ItemChange,
  KeyedDiff,
  NamedItem,
  ParameterChange,
  ParameterDiff,
  ParameterValue,
  RuleAspect,
  RuleChange,
  RuleDiff,
  RuleSetDiff,
  ScheduleDiff,
  ServiceDiff,
  ValueSetChange,
  ValueSetDiff,
  ValueSetSystemChange,
} from './rule-set-diff-types.js';
import { ruleReferences } from './rule-references.js';
import { conditionText } from '../describe/describe-condition.js';

/** The version name that stands for "nothing before": a first version is diffed against emptyBase(it). */
export const NO_VERSION = 'none';

/**
 * What a first version is compared with: the same header (so only content shows), no rules,
 * parameters, value sets, facts, services, schedules or citations. Everything in the version is added.
 */
export function emptyBase(ruleSet: RuleSet): RuleSet {
  return {
    ...ruleSet,
    version: NO_VERSION,
    citations: {},
    valueSets: {},
    parameters: {},
    products: {},
    facts: {},
    evidence: undefined,
    concerns: undefined,
    schedules: {},
    services: [],
    rules: [],
  };
}

export interface DiffOptions {
  /** Identity hashes to show in the result (the registry knows them; files may not). */
  fromHash?: string;
  toHash?: string;
}

/** Rule fields compared one by one, and the aspect each one belongs to. */
const RULE_FIELD_ASPECTS: ReadonlyArray<readonly [string, RuleAspect]> = [
  ['conditions', 'conditions'],
  ['card.summary', 'card-text'],
  ['card.detail', 'card-text'],
  ['card.label', 'card-text'],
  ['card.indicator', 'indicator'],
  ['card.suggestions', 'card-actions'],
  ['card.selectionBehavior', 'card-actions'],
  ['card.overrideReasons', 'card-actions'],
  ['card.links', 'card-actions'],
  ['hooks', 'hooks'],
  ['citations', 'citations'],
  ['card.source', 'citations'],
  ['certainty', 'citations'],
  ['title', 'classification'],
  ['category', 'classification'],
  ['concern', 'classification'],
  ['rank', 'classification'],
];

const ASPECT_ORDER: readonly RuleAspect[] = [
  'conditions',
  'thresholds',
  'facts',
  'codes',
  'card-text',
  'indicator',
  'card-actions',
  'merging',
  'hooks',
  'citations',
  'classification',
];

/** Fields of a concern declaration compared between versions. */
const CONCERN_FIELDS = ['title', 'description', 'mode', 'mergedSummary', 'mergedIndicator'];
/** What decides how a concern's fired rules become a card (compared per rule: aspect "merging"). */
const CONCERN_SETTINGS = ['mode', 'mergedSummary', 'mergedIndicator'];

const METADATA_FIELDS = ['title', 'description', 'status', 'effectivePeriod', 'publisher', 'authors', 'approvals'];

export function diffRuleSets(from: RuleSet, to: RuleSet, options: DiffOptions = {}): RuleSetDiff {
  const parameters = diffParameters(from.parameters, to.parameters);
  const valueSets = diffValueSets(from.valueSets, to.valueSets);
  const facts = keyedDiff(from.facts, to.facts, (f) => f.description, unionKeys);
  const rules = diffRules(from, to, parameters, valueSets, facts);
  const concerns = diffConcerns(from, to);
  const evidence = diffEvidence(from, to);
  const schedules = diffSchedules(from, to);
  const services = diffServices(from, to);
  const citations = keyedDiff(from.citations, to.citations, (c) => c.source, () => ['source', 'url', 'certainty', 'note']);
  const products = keyedDiff(from.products, to.products, (p) => p.label, () => ['label', 'valueSet', 'labelStatus', 'schedule']);

  const sameClinicalContent =
    isEmptyKeyed(rules) &&
    isEmptyKeyed(concerns) &&
    isEmptyKeyed(parameters) &&
    isEmptyKeyed(valueSets) &&
    isEmptyEvidence(evidence) &&
    isEmptyKeyed(schedules) &&
    isEmptyKeyed(services) &&
    isEmptyKeyed(citations) &&
    isEmptyKeyed(products) &&
    isEmptyKeyed(facts);

  return {
    from: side(from, options.fromHash),
    to: side(to, options.toHash),
    sameClinicalContent,
    metadata: fieldChanges(from, to, METADATA_FIELDS),
    rules,
    concerns,
    parameters,
    valueSets,
    evidence,
    schedules,
    services,
    citations,
    products,
    facts,
  };
}

// ---- rules ------------------------------------------------------------------------------------

function diffRules(from: RuleSet, to: RuleSet, parameters: ParameterDiff, valueSets: ValueSetDiff, facts: KeyedDiff): RuleDiff {
  const fromRules = byKey(from.rules, (r) => r.id);
  const toRules = byKey(to.rules, (r) => r.id);
  const summary = (r: Rule, ruleSet: RuleSet) => ({
    key: r.id,
    title: r.title,
    hooks: [...r.hooks],
    indicator: r.card.indicator,
    conditionWords: conditionText(r.conditions, ruleSet),
    summary: r.card.summary,
  });
  const changedParameters = new Map(parameters.changed.map((p) => [p.name, p]));
  const changedValueSets = new Set(valueSets.changed.map((v) => v.valueSetId));
  const changedFacts = new Set(facts.changed.map((f) => f.key));

  const changed: RuleChange[] = [];
  for (const [id, before] of fromRules) {
    const after = toRules.get(id);
    if (after === undefined) continue;
    const fields = fieldChanges(before, after, RULE_FIELD_ASPECTS.map(([field]) => field));
    const aspects = new Set<RuleAspect>(fields.map((f) => aspectOf(f.field)));

    const refsBefore = ruleReferences(before, from);
    const refsAfter = ruleReferences(after, to);
    const thresholds = sortedUnion(refsBefore.parameters, refsAfter.parameters)
      .map((name) => changedParameters.get(name))
      .filter((p): p is ParameterChange => p !== undefined);
    const factNames = sortedUnion(refsBefore.facts, refsAfter.facts).filter((name) => changedFacts.has(name));
    const valueSetIds = sortedUnion(refsBefore.valueSets, refsAfter.valueSets).filter((v) => changedValueSets.has(v));
    const concernSettings = fieldChanges(concernSettingsOf(from, before.concern), concernSettingsOf(to, after.concern), CONCERN_SETTINGS);
    if (thresholds.length > 0) aspects.add('thresholds');
    if (concernSettings.length > 0) aspects.add('merging');
    if (factNames.length > 0) aspects.add('facts');
    if (valueSetIds.length > 0) aspects.add('codes');

    if (aspects.size === 0) continue;
    changed.push({
      ruleId: id,
      title: after.title,
      aspects: ASPECT_ORDER.filter((a) => aspects.has(a)),
      fields,
      ...(fields.some((f) => f.field === 'conditions')
        ? { conditionWords: { from: conditionText(before.conditions, from), to: conditionText(after.conditions, to) } }
        : {}),
      thresholds,
      facts: factNames,
      valueSets: valueSetIds,
      concernSettings,
    });
  }
  return {
    added: [...toRules.values()].filter((r) => !fromRules.has(r.id)).map((r) => summary(r, to)),
    removed: [...fromRules.values()].filter((r) => !toRules.has(r.id)).map((r) => summary(r, from)),
    changed,
  };
}

function aspectOf(field: string): RuleAspect {
  const entry = RULE_FIELD_ASPECTS.find(([f]) => f === field);
  if (entry === undefined) throw new Error(`diffRuleSets: no aspect for rule field ${field}`);
  return entry[1];
}

// ---- concerns ---------------------------------------------------------------------------------

/**
 * How a concern makes its card in a rule set: its declaration's settings, or ranking when undeclared.
 * mergedIndicator "highest" is the default, so it is left out like an absent one.
 */
function concernSettingsOf(ruleSet: RuleSet, concernId: string): Partial<Concern> {
  const concern = ruleSet.concerns?.[concernId];
  if (concern === undefined || concern.mode !== 'merge') return { mode: 'rank' };
  const mergedIndicator = concern.mergedIndicator === 'highest' ? undefined : concern.mergedIndicator;
  return { mode: 'merge', mergedSummary: concern.mergedSummary, mergedIndicator };
}

function diffConcerns(from: RuleSet, to: RuleSet): ConcernDiff {
  const before = from.concerns ?? {};
  const after = to.concerns ?? {};
  const item = (key: string, concern: Concern, usedBy: RuleSet): ConcernItem => ({
    key,
    title: concern.title,
    mode: concern.mode,
    ...(concern.mergedSummary === undefined ? {} : { mergedSummary: concern.mergedSummary }),
    ...(concern.mergedIndicator === undefined ? {} : { mergedIndicator: concern.mergedIndicator }),
    usedUndeclared: usedBy.rules.some((r) => r.concern === key),
  });
  const base = keyedDiff(before, after, (c) => c.title, () => CONCERN_FIELDS);
  return {
    added: base.added.map((n) => item(n.key, after[n.key], from)),
    removed: base.removed.map((n) => item(n.key, before[n.key], to)),
    changed: base.changed,
  };
}

// ---- parameters -------------------------------------------------------------------------------

function diffParameters(from: Record<string, Parameter>, to: Record<string, Parameter>): ParameterDiff {
  const valueOf = (p: Parameter): ParameterValue => ({
    value: p.value,
    ...(p.unit === undefined ? {} : { unit: p.unit }),
    certainty: p.certainty,
  });
  const result: ParameterDiff = { added: [], removed: [], changed: [] };
  for (const name of unionKeys(from, to)) {
    const before = from[name];
    const after = to[name];
    if (before === undefined) result.added.push({ name, description: after.description, to: valueOf(after) });
    else if (after === undefined) result.removed.push({ name, description: before.description, from: valueOf(before) });
    else {
      const fields = fieldChanges(before, after, ['value', 'unit', 'certainty', 'description', 'citations']);
      if (fields.length > 0) result.changed.push({ name, description: after.description, from: valueOf(before), to: valueOf(after), fields });
    }
  }
  return result;
}

// ---- value sets -------------------------------------------------------------------------------

function diffValueSets(from: Record<string, ValueSet>, to: Record<string, ValueSet>): ValueSetDiff {
  const result: ValueSetDiff = { added: [], removed: [], changed: [] };
  for (const id of unionKeys(from, to)) {
    const before = from[id];
    const after = to[id];
    if (before === undefined) result.added.push({ key: id, title: after.title });
    else if (after === undefined) result.removed.push({ key: id, title: before.title });
    else {
      const change = diffValueSet(id, before, after);
      if (change !== undefined) result.changed.push(change);
    }
  }
  return result;
}

function diffValueSet(id: string, before: ValueSet, after: ValueSet): ValueSetChange | undefined {
  const fields = fieldChanges(before, after, ['title', 'description', 'certainty', 'citations']);
  const beforeSystems = includesBySystem(before.include);
  const afterSystems = includesBySystem(after.include);
  const systems: ValueSetSystemChange[] = [];
  for (const system of sortedUnion(new Set(beforeSystems.keys()), new Set(afterSystems.keys()))) {
    const b = beforeSystems.get(system);
    const a = afterSystems.get(system);
    const change: ValueSetSystemChange = {
      system,
      ...(b === undefined ? {} : { fromVersion: b.version }),
      ...(a === undefined ? {} : { toVersion: a.version }),
      codesAdded: entriesOnlyIn(a?.codes, b?.codes),
      codesRemoved: entriesOnlyIn(b?.codes, a?.codes),
      prefixesAdded: entriesOnlyIn(a?.prefixes, b?.prefixes),
      prefixesRemoved: entriesOnlyIn(b?.prefixes, a?.prefixes),
      excludesAdded: [...(a?.exclude ?? [])].filter((x) => !(b?.exclude ?? []).includes(x)).sort(),
      excludesRemoved: [...(b?.exclude ?? [])].filter((x) => !(a?.exclude ?? []).includes(x)).sort(),
    };
    const anyCodeChange =
      change.fromVersion !== change.toVersion ||
      change.codesAdded.length + change.codesRemoved.length + change.prefixesAdded.length + change.prefixesRemoved.length > 0 ||
      change.excludesAdded.length + change.excludesRemoved.length > 0;
    if (anyCodeChange) systems.push(change);
  }
  // Displays or per-code certainty can change without any code being added or removed: say so.
  if (systems.length === 0 && !same(before.include, after.include)) {
    fields.push({ field: 'include (displays, groups or per-code certainty)', from: before.include, to: after.include });
  }
  if (systems.length === 0 && fields.length === 0) return undefined;
  return { valueSetId: id, title: after.title, systems, fields };
}

interface MergedInclude {
  version: string;
  codes: CodeEntry[];
  prefixes: CodeEntry[];
  exclude: string[];
}

/** A value set may list one system in several includes; merge them so codes are compared per system. */
function includesBySystem(includes: ValueSetInclude[]): Map<string, MergedInclude> {
  const merged = new Map<string, MergedInclude>();
  for (const include of includes) {
    const entry = merged.get(include.system) ?? { version: include.version, codes: [], prefixes: [], exclude: [] };
    if (!entry.version.split(', ').includes(include.version)) entry.version = `${entry.version}, ${include.version}`;
    entry.codes.push(...(include.codes ?? []).map((c) => withDisplay(c.code, c.display)));
    entry.prefixes.push(...(include.prefixes ?? []).map((p) => withDisplay(p.prefix, p.display)));
    entry.exclude.push(...(include.exclude ?? []));
    merged.set(include.system, entry);
  }
  return merged;
}

function withDisplay(code: string, display: string | undefined): CodeEntry {
  return display === undefined ? { code } : { code, display };
}

function entriesOnlyIn(these: CodeEntry[] | undefined, others: CodeEntry[] | undefined): CodeEntry[] {
  const otherCodes = new Set((others ?? []).map((e) => e.code));
  return (these ?? []).filter((e) => !otherCodes.has(e.code)).sort((x, y) => compareText(x.code, y.code));
}

// ---- evidence model ---------------------------------------------------------------------------

function diffEvidence(from: RuleSet, to: RuleSet): EvidenceDiff {
  const before = from.evidence;
  const after = to.evidence;
  const indications = keyedDiff(
    byKeyRecord(before?.indications ?? [], (i) => i.id),
    byKeyRecord(after?.indications ?? [], (i) => i.id),
    (i) => i.label,
    () => ['label', 'criteria', 'rationale', 'citations', 'certainty'],
  );
  const baseScores: BaseScoreChange[] = [];
  const beforeIndications = byKey(before?.indications ?? [], (i) => i.id);
  const afterIndications = byKey(after?.indications ?? [], (i) => i.id);
  for (const indicationId of sortedUnion(new Set(beforeIndications.keys()), new Set(afterIndications.keys()))) {
    const b = beforeIndications.get(indicationId)?.baseScore ?? {};
    const a = afterIndications.get(indicationId)?.baseScore ?? {};
    for (const productId of unionKeys(b, a)) {
      if (b[productId] !== a[productId]) {
        baseScores.push({
          indicationId,
          productId,
          ...(b[productId] === undefined ? {} : { from: b[productId] }),
          ...(a[productId] === undefined ? {} : { to: a[productId] }),
        });
      }
    }
  }
  return {
    ...((before === undefined) !== (after === undefined) ? { presence: { from: before !== undefined, to: after !== undefined } } : {}),
    indications,
    baseScores,
    modifiers: keyedDiff(
      byKeyRecord(before?.modifiers ?? [], (m) => m.id),
      byKeyRecord(after?.modifiers ?? [], (m) => m.id),
      (m) => m.text,
      () => ['appliesTo', 'when', 'delta', 'floor', 'text', 'citations', 'certainty'],
    ),
    grades: keyedDiff(
      byKeyRecord(before?.grades ?? [], (g) => g.grade),
      byKeyRecord(after?.grades ?? [], (g) => g.grade),
      (g) => g.label,
      () => ['min', 'label'],
    ),
    fields: before !== undefined && after !== undefined ? fieldChanges(before, after, ['certainty', 'citations']) : [],
  };
}

// ---- schedules and services -------------------------------------------------------------------

function diffSchedules(from: RuleSet, to: RuleSet): ScheduleDiff {
  const base = keyedDiff(from.schedules, to.schedules, (s) => s.label, () => [
    'label',
    'administrationValueSet',
    'graceDays',
    'courseGapDays',
    'inductionCheckpoint',
    'durationOfResponseDays',
    'citations',
    'certainty',
  ]);
  const changed = [];
  for (const id of unionKeys(from.schedules, to.schedules)) {
    const before = from.schedules[id];
    const after = to.schedules[id];
    if (before === undefined || after === undefined) continue;
    const phases = keyedDiff(
      byKeyRecord(before.phases, (p) => p.id),
      byKeyRecord(after.phases, (p) => p.id),
      (p) => p.label,
      () => ['label', 'fromDay', 'intervalDays', 'minIntervalDays', 'maxDosesPerWeek'],
    );
    const own = base.changed.find((c) => c.key === id);
    if (own === undefined && isEmptyKeyed(phases)) continue;
    changed.push({ key: id, title: after.label, fields: own?.fields ?? [], phases });
  }
  return { added: base.added, removed: base.removed, changed };
}

function diffServices(from: RuleSet, to: RuleSet): ServiceDiff {
  const before = byKeyRecord(from.services, (s) => s.id);
  const after = byKeyRecord(to.services, (s) => s.id);
  const base = keyedDiff(before, after, (s) => s.title, () => ['hook', 'title', 'description', 'usageRequirements']);
  const changed = [];
  for (const id of unionKeys(before, after)) {
    const b = before[id];
    const a = after[id];
    if (b === undefined || a === undefined) continue;
    const prefetchAdded = Object.keys(a.prefetch).filter((k) => !(k in b.prefetch)).sort();
    const prefetchRemoved = Object.keys(b.prefetch).filter((k) => !(k in a.prefetch)).sort();
    const prefetchChanged = Object.keys(a.prefetch)
      .filter((k) => k in b.prefetch && b.prefetch[k] !== a.prefetch[k])
      .sort()
      .map((k) => ({ key: k, from: b.prefetch[k], to: a.prefetch[k] }));
    const own = base.changed.find((c) => c.key === id);
    if (own === undefined && prefetchAdded.length + prefetchRemoved.length + prefetchChanged.length === 0) continue;
    changed.push({ key: id, title: a.title, fields: own?.fields ?? [], prefetchAdded, prefetchRemoved, prefetchChanged });
  }
  return { added: base.added, removed: base.removed, changed };
}

// ---- generic helpers --------------------------------------------------------------------------

function side(ruleSet: RuleSet, hash: string | undefined): DiffSide {
  return hash === undefined ? { id: ruleSet.id, version: ruleSet.version } : { id: ruleSet.id, version: ruleSet.version, hash };
}

/**
 * Items of two keyed collections: added, removed, and changed with the fields that differ.
 * `fieldsOf` lists the fields to compare for one key (all keys of both sides for free-form items).
 */
function keyedDiff<T extends object>(
  from: Record<string, T>,
  to: Record<string, T>,
  titleOf: (item: T) => string | undefined,
  fieldsOf: (before: T, after: T) => string[],
): KeyedDiff {
  const named = (key: string, item: T): NamedItem => {
    const title = titleOf(item);
    return title === undefined ? { key } : { key, title };
  };
  const result: KeyedDiff = { added: [], removed: [], changed: [] };
  for (const key of unionKeys(from, to)) {
    const before = from[key];
    const after = to[key];
    if (before === undefined) result.added.push(named(key, after));
    else if (after === undefined) result.removed.push(named(key, before));
    else {
      const fields = fieldChanges(before, after, fieldsOf(before, after));
      if (fields.length > 0) result.changed.push({ ...named(key, after), fields } satisfies ItemChange);
    }
  }
  return result;
}

/** Fields (dotted paths) whose canonical JSON differs. */
function fieldChanges(before: object, after: object, fields: string[]): FieldChange[] {
  const changes: FieldChange[] = [];
  for (const field of fields) {
    const a = readPath(before, field);
    const b = readPath(after, field);
    if (same(a, b)) continue;
    changes.push({ field, ...(a === undefined ? {} : { from: a }), ...(b === undefined ? {} : { to: b }) });
  }
  return changes;
}

function readPath(value: object, path: string): unknown {
  let current: unknown = value;
  for (const segment of path.split('.')) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[segment];
  }
  return current;
}

function same(a: unknown, b: unknown): boolean {
  if (a === undefined || b === undefined) return a === b;
  return canonicalJson(a) === canonicalJson(b);
}

function unionKeys(a: object, b: object): string[] {
  return sortedUnion(new Set(Object.keys(a)), new Set(Object.keys(b)));
}

function sortedUnion(a: Set<string>, b: Set<string>): string[] {
  return [...new Set([...a, ...b])].sort(compareText);
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function byKey<T>(items: T[], keyOf: (item: T) => string): Map<string, T> {
  return new Map(items.map((item) => [keyOf(item), item]));
}

function byKeyRecord<T>(items: T[], keyOf: (item: T) => string): Record<string, T> {
  return Object.fromEntries(items.map((item) => [keyOf(item), item]));
}

function isEmptyKeyed(diff: { added: unknown[]; removed: unknown[]; changed: unknown[] }): boolean {
  return diff.added.length === 0 && diff.removed.length === 0 && diff.changed.length === 0;
}

function isEmptyEvidence(diff: EvidenceDiff): boolean {
  return (
    diff.presence === undefined &&
    isEmptyKeyed(diff.indications) &&
    diff.baseScores.length === 0 &&
    isEmptyKeyed(diff.modifiers) &&
    isEmptyKeyed(diff.grades) &&
    diff.fields.length === 0
  );
}
