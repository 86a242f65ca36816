/**
 * Concern merging: the cards of the fired rules of one concern in mode "merge" become one card
 * (docs/rule-format.md section 10). The contributors come in rank order (highest rank, then most
 * severe indicator, then earlier in the file); the first one leads.
 *
 *  - summary: the concern's mergedSummary with {{items}} = the contributors' labels joined by ", "
 *    and {{count}} = how many contributed (cut to 139 characters as a last resort; validation bounds it);
 *  - indicator: the most severe contributor's, raised to mergedIndicator when that is more severe;
 *  - detail: each contributor's detail under a "### <Label>" heading (first letter capitalised), in rank order;
 *  - suggestions: every contributor's suggestions (their own uuids), selectionBehavior "any";
 *  - overrideReasons: the union by (system, code), first display wins; links: the union by URL;
 *  - source: the lead contributor's.
 */
import type { Card, Coding, Link, Suggestion } from '../cds-hooks/wire-types.js';
import { MAX_SUMMARY_LENGTH, cutText } from './card-template.js';
import type { Concern } from './rule-set-types.js';

export const SEVERITY: Readonly<Record<Card['indicator'], number>> = { critical: 3, warning: 2, info: 1 };

/** Placeholders of a concern's mergedSummary. */
export const MERGED_SUMMARY_PLACEHOLDERS = ['items', 'count'] as const;

/** Separator between the labels in {{items}} (counted by validation). */
export const ITEMS_SEPARATOR = ', ';

export interface MergeContributor {
  /** The contributor's own rendered card. */
  card: Card;
  /** Its label as plain text (summary) and as markdown (detail heading). */
  label: { text: string; markdown: string };
}

/** {{items}} and {{count}} substituted into a mergedSummary (any other text as written). */
export function renderMergedSummary(template: string, labels: readonly string[]): string {
  const text = template.replace(/\{\{\s*(items|count)\s*\}\}/g, (_m, name: string) =>
    name === 'items' ? labels.join(ITEMS_SEPARATOR) : String(labels.length),
  );
  return cutText(text.replace(/\s+/g, ' ').trim(), MAX_SUMMARY_LENGTH);
}

/** A heading starts with a capital letter ("recent BP" -> "Recent BP"); the label text is otherwise unchanged. */
function capitalised(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function mostSevere(indicators: ReadonlyArray<Card['indicator']>): Card['indicator'] {
  return indicators.reduce((a, b) => (SEVERITY[b] > SEVERITY[a] ? b : a));
}

/** The merged card (without uuid and extension, which the caller owns). */
export function mergeCards(concern: Concern, contributors: readonly MergeContributor[]): Omit<Card, 'uuid' | 'extension'> {
  if (contributors.length === 0) throw new Error('mergeCards: no contributors');
  const lead = contributors[0].card;
  let indicator = mostSevere(contributors.map((c) => c.card.indicator));
  const floor = concern.mergedIndicator;
  if (floor && floor !== 'highest' && SEVERITY[floor] > SEVERITY[indicator]) indicator = floor;

  const card: Omit<Card, 'uuid' | 'extension'> = {
    summary: renderMergedSummary(concern.mergedSummary ?? '{{items}}', contributors.map((c) => c.label.text)),
    detail: contributors.map((c) => `### ${capitalised(c.label.markdown)}\n\n${c.card.detail ?? ''}`.trimEnd()).join('\n\n'),
    indicator,
    source: structuredClone(lead.source),
  };

  const suggestions: Suggestion[] = contributors.flatMap((c) => structuredClone(c.card.suggestions ?? []));
  if (suggestions.length > 0) {
    card.suggestions = suggestions;
    card.selectionBehavior = 'any';
  }

  const reasons = new Map<string, Coding>();
  for (const c of contributors) {
    for (const r of c.card.overrideReasons ?? []) {
      const key = `${r.system ?? ''}\u0000${r.code ?? ''}`;
      if (!reasons.has(key)) reasons.set(key, structuredClone(r));
    }
  }
  if (reasons.size > 0) card.overrideReasons = [...reasons.values()];

  const links = new Map<string, Link>();
  for (const c of contributors) for (const l of c.card.links ?? []) if (!links.has(l.url)) links.set(l.url, structuredClone(l));
  if (links.size > 0) card.links = [...links.values()];
  return card;
}
