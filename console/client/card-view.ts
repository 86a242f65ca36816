/**
 * One CDS Hooks card drawn the way an EHR shows it (indicator colour + icon + text label, summary,
 * detail as sanitised markdown, source with its link, suggestions as buttons, links, override
 * reasons), with its explanation (the card extension) one click away in a disclosure: rule, rule-set
 * version and hash, evidence score and factors, facts with their FHIR references, citations with
 * their certainty tags. A merged card (a concern in merge mode) lists every contributing rule with its
 * indicator and the facts it read.
 */
import { h, uid, type Child } from './dom.js';
import { certaintyTag, hashView, indicatorBadge, jsonText } from './format.js';
import { renderMarkdown } from './markdown.js';

/** Must equal engine/evaluation-types.ts CARD_EXTENSION_KEY (test/console checks they agree). */
export const CARD_EXTENSION_KEY = 'org.ketamine-cds.explanation';

export interface WireCard {
  uuid?: string;
  summary: string;
  detail?: string;
  indicator: string;
  source: { label: string; url?: string; icon?: string; topic?: { code: string; system?: string; display?: string } };
  suggestions?: Array<{ label: string; uuid?: string; isRecommended?: boolean; actions?: Array<{ type: string; description: string; resourceId?: string; resource?: unknown }> }>;
  selectionBehavior?: string;
  overrideReasons?: Array<{ code: string; system?: string; display?: string }>;
  links?: Array<{ label: string; url: string; type: string; appContext?: string }>;
  extension?: Record<string, unknown>;
}

/** A rule that contributed to a merged card (docs/rule-format.md section 16): its facts are named, their values are in `facts`. */
export interface CardContributor {
  id: string;
  title: string;
  category: string;
  indicator: string;
  label: string | null;
  facts: string[];
}

export interface CardExplanation {
  ruleSet?: { id: string; version: string; hash: string };
  /** The rule that produced the card; of a merged card, its first (highest-ranked) contributor. */
  rule?: { id: string; title: string; category: string; concern: string };
  /** Merged cards only: the concern whose fired rules the card combines. */
  concern?: { id: string; title: string; mode: string };
  /** Merged cards only: every contributing rule, in rank order. */
  contributors?: CardContributor[];
  evidence?: { score: number | null; grade: string | null; gradeLabel: string | null; factors: Array<{ text: string; delta: number; modifier: string | null }> };
  facts?: Array<{ name: string; kind: string; value: Record<string, unknown>; refs: string[] }>;
  alsoFired?: string[];
  citations?: Array<{ id: string; source: string; url?: string; certainty: string }>;
}

const SAFE_LINK = /^https?:\/\//i;

function externalLink(url: string, label: string): Child {
  return SAFE_LINK.test(url) ? h('a', { href: url, target: '_blank', rel: 'noopener noreferrer' }, label) : h('span', {}, label);
}

export function explanationOf(card: WireCard): CardExplanation | undefined {
  const ext = card.extension?.[CARD_EXTENSION_KEY];
  return ext !== null && typeof ext === 'object' ? (ext as CardExplanation) : undefined;
}

function factValueView(value: Record<string, unknown>): HTMLElement {
  const rows: Child[] = [];
  for (const [key, v] of Object.entries(value)) {
    if (key === 'refs') continue;
    const simple = v === null || ['string', 'number', 'boolean'].includes(typeof v);
    rows.push(h('dt', {}, key), h('dd', {}, simple ? String(v) : h('pre', { class: 'json' }, jsonText(v))));
  }
  return h('dl', { class: 'fact-values' }, rows);
}

function refsView(refs: string[]): Child {
  if (refs.length === 0) return h('p', { class: 'muted' }, 'No FHIR resources (derived from absence or the hook context).');
  return h('ul', { class: 'refs', 'aria-label': 'FHIR references' }, refs.map((r) => h('li', {}, h('code', {}, r))));
}

type ExplainedFact = NonNullable<CardExplanation['facts']>[number];

function factsView(facts: ExplainedFact[]): HTMLElement {
  return h('ul', { class: 'facts' }, facts.map((f) =>
    h('li', {},
      h('details', {},
        h('summary', {}, h('code', {}, f.name), ` (${f.kind})`, ` — ${f.refs.length} FHIR reference${f.refs.length === 1 ? '' : 's'}`),
        refsView(f.refs),
        factValueView(f.value),
      ),
    ),
  ));
}

/** True for a merged card: its explanation lists the contributing rules. */
export function isMerged(ex: CardExplanation | undefined): ex is CardExplanation & { contributors: CardContributor[] } {
  return Array.isArray(ex?.contributors) && ex.contributors.length > 0;
}

/** Every contributing rule of a merged card, in rank order, each with its indicator and its facts. */
function contributorsView(ex: CardExplanation & { contributors: CardContributor[] }): Child[] {
  const factsByName = new Map((ex.facts ?? []).map((f) => [f.name, f]));
  return [
    h('h4', {}, `Contributing rules (${ex.contributors.length})`),
    h('ol', { class: 'contributors' }, ex.contributors.map((c) => {
      const facts = c.facts.map((name) => factsByName.get(name)).filter((f): f is ExplainedFact => f !== undefined);
      return h('li', { class: 'contributor', 'data-rule': c.id },
        h('p', { class: 'contributor-head' }, indicatorBadge(c.indicator), ' ', h('code', {}, c.id), ` — ${c.title}`, h('span', { class: 'muted' }, ` (${c.category})`)),
        facts.length > 0 ? factsView(facts) : h('p', { class: 'muted' }, 'No facts recorded.'),
      );
    })),
  ];
}

export function explanationView(ex: CardExplanation): HTMLElement {
  const parts: Child[] = [];
  if (isMerged(ex)) {
    parts.push(
      h('dl', { class: 'pairs' },
        h('dt', {}, 'Concern'), h('dd', {}, `${ex.concern?.title ?? ex.rule?.concern ?? ''} `, h('code', {}, ex.concern?.id ?? ''), ' — one card merging every rule of the concern that fired'),
        ex.ruleSet ? [h('dt', {}, 'Rule set'), h('dd', {}, `${ex.ruleSet.id} ${ex.ruleSet.version} `, hashView(ex.ruleSet.hash))] : null,
      ),
      ...contributorsView(ex),
    );
  } else if (ex.rule) {
    parts.push(
      h('dl', { class: 'pairs' },
        h('dt', {}, 'Rule'), h('dd', {}, h('code', {}, ex.rule.id), ` — ${ex.rule.title}`),
        h('dt', {}, 'Category'), h('dd', {}, ex.rule.category),
        h('dt', {}, 'Concern'), h('dd', {}, ex.rule.concern),
        ex.ruleSet ? [h('dt', {}, 'Rule set'), h('dd', {}, `${ex.ruleSet.id} ${ex.ruleSet.version} `, hashView(ex.ruleSet.hash))] : null,
        ex.alsoFired && ex.alsoFired.length > 0 ? [h('dt', {}, 'Also fired (same concern, not shown)'), h('dd', {}, ex.alsoFired.join(', '))] : null,
      ),
    );
  }
  if (ex.evidence) {
    const e = ex.evidence;
    parts.push(
      h('h4', {}, 'Evidence'),
      h('p', { class: 'evidence-score' }, `Score ${e.score ?? '—'}`, e.grade ? ` · grade ${e.grade}` : '', e.gradeLabel ? ` (${e.gradeLabel})` : ''),
      e.factors.length > 0
        ? h('table', { class: 'data compact' },
            h('caption', { class: 'visually-hidden' }, 'Evidence factors'),
            h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Factor'), h('th', { scope: 'col' }, 'Score change'))),
            h('tbody', {}, e.factors.map((f) => h('tr', {}, h('td', {}, f.text), h('td', { class: 'num' }, f.modifier === null ? `base ${f.delta}` : f.delta > 0 ? `+${f.delta}` : String(f.delta))))),
          )
        : null,
    );
  }
  // A merged card's facts are listed under each contributing rule above.
  if (!isMerged(ex) && ex.facts && ex.facts.length > 0) parts.push(h('h4', {}, 'Facts'), factsView(ex.facts));
  if (ex.citations && ex.citations.length > 0) {
    parts.push(
      h('h4', {}, 'Citations'),
      h('ul', { class: 'citations' }, ex.citations.map((c) =>
        h('li', {}, certaintyTag(c.certainty), ' ', c.url ? externalLink(c.url, c.source) : c.source, h('span', { class: 'muted' }, ` [${c.id}]`)),
      )),
    );
  }
  return h('div', { class: 'explanation-body' }, parts);
}

export interface CardViewOptions {
  /** Called when a suggestion button is pressed (preview: describes what the EHR would do). */
  onSuggestion?: (card: WireCard, index: number) => void;
  /**
   * Where a SMART link can be launched without an EHR (preview: the course view's demonstration launch
   * with the previewed patient), or undefined: the link is then shown as the EHR would open it.
   */
  smartLaunchHref?: (link: NonNullable<WireCard['links']>[number]) => string | undefined;
  headingLevel?: 'h3' | 'h4';
}

/** " (SMART app)", and where the console can play the EHR, a link that launches it for the previewed patient. */
function smartLaunch(link: NonNullable<WireCard['links']>[number], options: CardViewOptions): Child {
  const href = options.smartLaunchHref?.(link);
  if (href === undefined) return h('span', { class: 'muted' }, ' (SMART app)');
  return [h('span', { class: 'muted' }, ' (SMART app) — '), h('a', { href, target: '_blank', rel: 'noopener', class: 'smart-launch' }, 'launch it for this patient (demonstration)')];
}

export function cardView(card: WireCard, options: CardViewOptions = {}): HTMLElement {
  const summaryId = uid('card-summary');
  const ex = explanationOf(card);
  const heading = h(options.headingLevel ?? 'h3', { class: 'card-summary', id: summaryId }, card.summary);
  const parts: Child[] = [h('div', { class: 'card-head' }, indicatorBadge(card.indicator), heading)];
  if (card.detail) parts.push(h('div', { class: 'card-detail markdown' }, renderMarkdown(card.detail)));
  parts.push(
    h('p', { class: 'card-source' }, 'Source: ', card.source.url ? externalLink(card.source.url, card.source.label) : card.source.label),
  );
  if (card.suggestions && card.suggestions.length > 0) {
    const outcome = h('div', { class: 'suggestion-outcome', role: 'status', 'aria-live': 'polite' });
    parts.push(
      h('div', { class: 'card-suggestions', role: 'group', 'aria-label': `Suggestions${card.selectionBehavior ? ` (choose ${card.selectionBehavior === 'at-most-one' ? 'at most one' : 'any'})` : ''}` },
        card.suggestions.map((s, i) =>
          h('button', {
            type: 'button',
            class: s.isRecommended ? 'button suggestion recommended' : 'button suggestion',
            onclick: () => {
              outcome.textContent =
                `Preview only — an EHR would: ` +
                ((s.actions ?? []).map((a) => `${a.type} ${a.description}`).join('; ') || `record "${s.label}"`);
              options.onSuggestion?.(card, i);
            },
          }, s.label, s.isRecommended ? h('span', { class: 'recommended-tag' }, ' (recommended)') : null),
        ),
      ),
      outcome,
    );
  }
  if (card.links && card.links.length > 0) {
    parts.push(
      h('ul', { class: 'card-links', 'aria-label': 'Links' }, card.links.map((l) =>
        h('li', {}, externalLink(l.url, l.label), l.type === 'smart' ? smartLaunch(l, options) : null),
      )),
    );
  }
  if (card.overrideReasons && card.overrideReasons.length > 0) {
    const selectId = uid('override');
    parts.push(
      h('div', { class: 'card-override field inline' },
        h('label', { for: selectId }, 'Override reason'),
        h('select', { id: selectId },
          h('option', { value: '' }, 'Choose a reason…'),
          card.overrideReasons.map((r) => h('option', { value: r.code }, r.display ?? r.code)),
        ),
      ),
    );
  }
  if (ex) {
    parts.push(
      h('details', { class: 'explanation' },
        h('summary', {}, 'Why this card: explanation', ex.evidence ? ' and evidence' : '', isMerged(ex) ? `, ${ex.contributors.length} contributing rules` : ''),
        explanationView(ex),
      ),
    );
  }
  return h('article', { class: `cds-card cds-card--${card.indicator}`, 'aria-labelledby': summaryId, 'data-indicator': card.indicator }, parts);
}
