/**
 * Turns a RuleSetDiff into sections of plain sentences a clinician can read ("threshold
 * bp-systolic-max: 160 mmHg -> 150 mmHg"). The text and markdown renderers only lay these out, so
 * both say exactly the same thing.
 */
import { canonicalJson } from '../../lib/canonical-json.js';
import type { FixtureImpact } from './fixture-impact.js';
import { unitWords } from '../describe/describe-condition.js';
import type {
  CodeEntry,
  ConcernItem,
  FieldChange,
  KeyedDiff,
  NamedItem,
  ParameterChange,
  ParameterValue,
  RuleSetDiff,
  RuleSummary,
} from './rule-set-diff-types.js';

export type ChangeMark = '+' | '-' | '~';

/** A fragment of a line: prose, or a literal value (code, JSON, template text) shown verbatim. */
export interface Fragment {
  text: string;
  literal?: boolean;
}

export interface DescribedItem {
  mark: ChangeMark;
  headline: Fragment[];
  details: Fragment[][];
}

export interface DescribedSection {
  title: string;
  items: DescribedItem[];
}

export interface DiffDescription {
  title: string;
  subtitle: string;
  summary: string;
  sections: DescribedSection[];
}

const ASPECT_LABELS: Record<string, string> = {
  conditions: 'conditions',
  thresholds: 'thresholds',
  facts: 'facts read',
  codes: 'codes in value sets read',
  'card-text': 'card text',
  indicator: 'indicator',
  'card-actions': 'card suggestions/links/override reasons',
  merging: 'how its concern combines cards (rank or merge)',
  hooks: 'hooks',
  citations: 'citations',
  classification: 'title/category/concern/rank',
};

export function describeDiff(diff: RuleSetDiff, impact?: FixtureImpact): DiffDescription {
  const sections: DescribedSection[] = [];
  const push = (title: string, items: DescribedItem[]) => {
    if (items.length > 0) sections.push({ title, items });
  };

  push('Header', diff.metadata.map((c) => fieldItem(c)));

  push('Rules', [
    ...diff.rules.added.map((r) => item('+', [lit(r.key), txt(` ${r.title ?? ''} (${r.indicator}; hooks ${r.hooks.join(', ')})`)], ruleSummaryDetails(r))),
    ...diff.rules.removed.map((r) => item('-', [lit(r.key), txt(` ${r.title ?? ''} (${r.indicator}; hooks ${r.hooks.join(', ')})`)], ruleSummaryDetails(r))),
    ...diff.rules.changed.map((r) =>
      item(
        '~',
        [lit(r.ruleId), txt(` ${r.title}: changed ${r.aspects.map((a) => ASPECT_LABELS[a]).join(', ')}`)],
        [
          ...r.thresholds.map((p) => [txt('threshold '), ...parameterChangeFragments(p)]),
          ...conditionChangeLines(r.conditionWords),
          ...r.fields.filter((f) => f.field !== 'conditions' || r.conditionWords === undefined).map((f) => fieldFragments(f)),
          ...r.concernSettings.map((f) => [txt('concern '), ...fieldFragments(f)]),
          ...(r.facts.length > 0 ? [[txt('reads facts whose declaration changed: '), lit(r.facts.join(', '))]] : []),
          ...(r.valueSets.length > 0 ? [[txt('reads value sets whose codes changed: '), lit(r.valueSets.join(', '))]] : []),
        ],
      ),
    ),
  ]);

  push('Concerns (how fired rules become cards)', [
    ...diff.concerns.added.map((c) => concernItem('+', c, `its rules ranked in ${diff.from.version}, where the concern was not declared`)),
    ...diff.concerns.removed.map((c) => concernItem('-', c, `its rules rank in ${diff.to.version}, where the concern is not declared`)),
    ...diff.concerns.changed.map((c) => item('~', [txt('concern '), lit(c.key), txt(c.title === undefined ? '' : ` ${c.title}`)], c.fields.map(fieldFragments))),
  ]);

  push('Parameters (thresholds and settings)', [
    ...diff.parameters.added.map((p) =>
      item('+', [lit(p.name), txt(' = '), lit(parameterValueText(p.to)), txt(` [${p.to.certainty}]: ${p.description}`)]),
    ),
    ...diff.parameters.removed.map((p) =>
      item('-', [lit(p.name), txt(' was '), lit(parameterValueText(p.from)), txt(`: ${p.description}`)]),
    ),
    ...diff.parameters.changed.map((p) =>
      item('~', parameterChangeFragments(p), p.fields.filter((f) => !['value', 'unit', 'certainty'].includes(f.field)).map(fieldFragments)),
    ),
  ]);

  push('Value sets (codes)', [
    ...diff.valueSets.added.map((v) => namedItem('+', v)),
    ...diff.valueSets.removed.map((v) => namedItem('-', v)),
    ...diff.valueSets.changed.map((v) =>
      item(
        '~',
        [lit(v.valueSetId), txt(` ${v.title}`)],
        [
          ...v.systems.flatMap((s) => [
            [
              txt('system '),
              lit(s.system),
              txt(s.fromVersion === s.toVersion ? ` (version ${s.toVersion})` : ` (version ${s.fromVersion ?? 'none'} -> ${s.toVersion ?? 'none'})`),
            ],
            ...s.codesAdded.map((c) => codeLine('+ code ', c)),
            ...s.codesRemoved.map((c) => codeLine('- code ', c)),
            ...s.prefixesAdded.map((c) => codeLine('+ prefix ', c)),
            ...s.prefixesRemoved.map((c) => codeLine('- prefix ', c)),
            ...s.excludesAdded.map((c) => [txt('+ excluded '), lit(c)]),
            ...s.excludesRemoved.map((c) => [txt('- no longer excluded '), lit(c)]),
          ]),
          ...v.fields.map(fieldFragments),
        ],
      ),
    ),
  ]);

  const evidenceItems: DescribedItem[] = [];
  if (diff.evidence.presence !== undefined) {
    evidenceItems.push(item(diff.evidence.presence.to ? '+' : '-', [txt(diff.evidence.presence.to ? 'evidence model added' : 'evidence model removed')]));
  }
  evidenceItems.push(
    ...diff.evidence.baseScores.map((b) =>
      item('~', [
        txt('base score for indication '),
        lit(b.indicationId),
        txt(', product '),
        lit(b.productId),
        txt(': '),
        lit(String(b.from ?? 'none')),
        txt(' -> '),
        lit(String(b.to ?? 'none')),
      ]),
    ),
    ...keyedItems('indication', diff.evidence.indications),
    ...keyedItems('modifier', diff.evidence.modifiers),
    ...keyedItems('grade', diff.evidence.grades),
    ...diff.evidence.fields.map((f) => fieldItem(f)),
  );
  push('Evidence model', evidenceItems);

  push('Schedules', [
    ...diff.schedules.added.map((s) => namedItem('+', s)),
    ...diff.schedules.removed.map((s) => namedItem('-', s)),
    ...diff.schedules.changed.map((s) =>
      item(
        '~',
        [lit(s.key), txt(` ${s.title ?? ''}`)],
        [
          ...s.fields.map(fieldFragments),
          ...s.phases.added.map((p) => [txt('+ phase '), lit(p.key), txt(` ${p.title ?? ''}`)]),
          ...s.phases.removed.map((p) => [txt('- phase '), lit(p.key), txt(` ${p.title ?? ''}`)]),
          ...s.phases.changed.flatMap((p) => p.fields.map((f) => [txt('phase '), lit(p.key), txt(' '), ...fieldFragments(f)])),
        ],
      ),
    ),
  ]);

  push('Services and prefetch', [
    ...diff.services.added.map((s) => namedItem('+', s)),
    ...diff.services.removed.map((s) => namedItem('-', s)),
    ...diff.services.changed.map((s) =>
      item(
        '~',
        [lit(s.key), txt(` ${s.title ?? ''}`)],
        [
          ...s.fields.map(fieldFragments),
          ...s.prefetchAdded.map((k) => [txt('+ prefetch '), lit(k)]),
          ...s.prefetchRemoved.map((k) => [txt('- prefetch '), lit(k)]),
          ...s.prefetchChanged.map((p) => [txt('prefetch '), lit(p.key), txt(': '), lit(p.from), txt(' -> '), lit(p.to)]),
        ],
      ),
    ),
  ]);

  push('Citations', keyedItems('citation', diff.citations));
  push('Products', keyedItems('product', diff.products));
  push('Facts', keyedItems('fact', diff.facts));
  if (impact !== undefined) sections.push(describeImpact(impact));

  return {
    title: `Rule set ${diff.to.id}: ${diff.from.version} -> ${diff.to.version}`,
    subtitle:
      diff.from.hash !== undefined || diff.to.hash !== undefined
        ? `hash ${shortHash(diff.from.hash)} -> ${shortHash(diff.to.hash)}`
        : diff.from.id === diff.to.id
          ? ''
          : `(comparing rule set ${diff.from.id} with ${diff.to.id})`,
    summary: summarise(diff),
    sections,
  };
}

/** Fixtures whose cards change between the versions (always present when asked for, even if empty). */
export function describeImpact(impact: FixtureImpact): DescribedSection {
  const items: DescribedItem[] = [
    item('~', [
      txt(
        `${impact.fixturesRun} fixture(s) run with both versions; ${impact.changed.length} change their cards; ` +
          `${impact.newlyFailing.length} newly fail their expectations`,
      ),
    ]),
    ...impact.changed.map((f) =>
      item(
        '~',
        [lit(f.fixture), txt(` (${f.hook})${f.passesTo ? '' : ' - no longer meets its expectations'}`)],
        [
          ...f.cardsAdded.map((c) => [txt('+ card '), lit(c.rule), txt(` ${c.indicator}: `), lit(c.summary)]),
          ...f.cardsRemoved.map((c) => [txt('- card '), lit(c.rule), txt(` ${c.indicator}: `), lit(c.summary)]),
          ...f.cardsChanged.flatMap((c) =>
            c.fields.map((field) => [txt('card '), lit(c.rule), txt(` ${field}: `), lit(c.from[field]), txt(' -> '), lit(c.to[field])]),
          ),
        ],
      ),
    ),
    ...impact.notRun.map((n) => item('-', [txt('not run: '), lit(n.fixture), txt(` with ${n.version}: ${n.reason}`)])),
    ...impact.loadErrors.map((e) => item('-', [txt('unreadable fixture '), lit(e.file), txt(`: ${e.message}`)])),
  ];
  return { title: 'Impact on fixtures', items };
}

export function summarise(diff: RuleSetDiff): string {
  if (diff.sameClinicalContent && diff.metadata.length === 0) return 'No differences.';
  const parts = [
    counts('rule', diff.rules),
    counts('concern', diff.concerns),
    counts('parameter', diff.parameters),
    counts('value set', diff.valueSets),
    counts('schedule', diff.schedules),
    counts('service', diff.services),
    counts('citation', diff.citations),
    counts('product', diff.products),
    counts('fact', diff.facts),
  ].filter((p) => p !== '');
  const evidence =
    diff.evidence.baseScores.length +
    diff.evidence.indications.changed.length + diff.evidence.indications.added.length + diff.evidence.indications.removed.length +
    diff.evidence.modifiers.changed.length + diff.evidence.modifiers.added.length + diff.evidence.modifiers.removed.length +
    diff.evidence.grades.changed.length + diff.evidence.grades.added.length + diff.evidence.grades.removed.length +
    diff.evidence.fields.length + (diff.evidence.presence === undefined ? 0 : 1);
  if (evidence > 0) parts.push(`${evidence} evidence-model change${evidence === 1 ? '' : 's'}`);
  if (diff.sameClinicalContent) parts.push('clinical content identical (header fields only)');
  return `${parts.join('; ')}.`;
}

function counts(noun: string, d: { added: unknown[]; removed: unknown[]; changed: unknown[] }): string {
  const bits = [
    d.added.length > 0 ? `${d.added.length} added` : '',
    d.removed.length > 0 ? `${d.removed.length} removed` : '',
    d.changed.length > 0 ? `${d.changed.length} changed` : '',
  ].filter((b) => b !== '');
  return bits.length === 0 ? '' : `${noun}s: ${bits.join(', ')}`;
}

function keyedItems(noun: string, d: KeyedDiff): DescribedItem[] {
  return [
    ...d.added.map((n) => item('+', [txt(`${noun} `), lit(n.key), txt(n.title === undefined ? '' : ` ${n.title}`)])),
    ...d.removed.map((n) => item('-', [txt(`${noun} `), lit(n.key), txt(n.title === undefined ? '' : ` ${n.title}`)])),
    ...d.changed.map((c) => item('~', [txt(`${noun} `), lit(c.key), txt(c.title === undefined ? '' : ` ${c.title}`)], c.fields.map(fieldFragments))),
  ];
}

/** "concern pre-session Before the session (merge: summary "Before the session: {{items}}", indicator at least warning)". */
function concernItem(mark: ChangeMark, c: ConcernItem, undeclaredNote: string): DescribedItem {
  const headline: Fragment[] = [txt('concern '), lit(c.key), txt(`${c.title === undefined ? '' : ` ${c.title}`} (${c.mode}`)];
  if (c.mergedSummary !== undefined) headline.push(txt(': summary '), lit(valueText(c.mergedSummary)));
  if (c.mergedIndicator !== undefined) headline.push(txt(`, indicator ${c.mergedIndicator === 'highest' ? 'the highest' : `at least ${c.mergedIndicator}`}`));
  headline.push(txt(')'));
  return item(mark, headline, c.usedUndeclared ? [[txt(undeclaredNote)]] : []);
}

/** An added or removed rule: when it fires, in words, and its card summary (older diffs may lack them). */
function ruleSummaryDetails(r: RuleSummary): Fragment[][] {
  return [
    ...(r.conditionWords ?? []).map((line, i) => [txt(i === 0 ? `fires when ${line}` : `  ${line}`)]),
    ...(r.summary === undefined ? [] : [[txt('card: '), lit(r.summary)]]),
  ];
}

/** Changed conditions in the same words as `cds-rules describe`: before, then after. */
function conditionChangeLines(words: { from: string[]; to: string[] } | undefined): Fragment[][] {
  if (words === undefined) return [];
  return [
    [txt('conditions before:')],
    ...words.from.map((line) => [txt(`  ${line}`)]),
    [txt('conditions after:')],
    ...words.to.map((line) => [txt(`  ${line}`)]),
  ];
}

function parameterChangeFragments(p: ParameterChange): Fragment[] {
  const fragments: Fragment[] = [lit(p.name), txt(': '), lit(parameterValueText(p.from)), txt(' -> '), lit(parameterValueText(p.to))];
  if (p.from.certainty !== p.to.certainty) fragments.push(txt(` (certainty ${p.from.certainty} -> ${p.to.certainty})`));
  fragments.push(txt(` (${p.description})`));
  return fragments;
}

function parameterValueText(v: ParameterValue): string {
  const unit = unitWords(v.unit);
  return unit === '' ? String(v.value) : unit === '%' ? `${v.value}%` : `${v.value} ${unit}`;
}

function codeLine(prefix: string, c: CodeEntry): Fragment[] {
  return c.display === undefined ? [txt(prefix), lit(c.code)] : [txt(prefix), lit(c.code), txt(` ${c.display}`)];
}

function fieldItem(change: FieldChange): DescribedItem {
  return item('~', fieldFragments(change));
}

function fieldFragments(change: FieldChange): Fragment[] {
  return [txt(`${change.field}: `), lit(valueText(change.from)), txt(' -> '), lit(valueText(change.to))];
}

function valueText(value: unknown): string {
  if (value === undefined) return '(none)';
  if (typeof value === 'string') return JSON.stringify(value);
  return canonicalJson(value);
}

function namedItem(mark: ChangeMark, n: NamedItem): DescribedItem {
  return item(mark, [lit(n.key), txt(n.title === undefined ? '' : ` ${n.title}`)]);
}

function item(mark: ChangeMark, headline: Fragment[], details: Fragment[][] = []): DescribedItem {
  return { mark, headline, details };
}

function txt(text: string): Fragment {
  return { text };
}

function lit(text: string): Fragment {
  return { text, literal: true };
}

function shortHash(hash: string | undefined): string {
  return hash === undefined ? '(unknown)' : hash.slice(0, 12);
}
