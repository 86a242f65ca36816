/**
 * The difference between two versions of a rule set, from GET /admin/api/rule-sets/{id}/diff (JSON,
 * with the fixture impact on request), described in the same sentences as `cds-rules diff` and the
 * markdown rendering (engine/diff/describe-diff.ts), laid out for reading: per rule what changed
 * (thresholds, codes, card text and labels, how its concern combines cards, …) with before and after,
 * the concerns added, removed or changed (rank or merge, merged summary and indicator), and which
 * sample patients' cards change.
 */
import type { DescribedItem, Fragment } from '../../../engine/diff/describe-diff.js';
import { describeDiff } from '../../../engine/diff/describe-diff.js';
import { NO_VERSION } from '../../../engine/diff/diff-rule-sets.js';
import type { FixtureImpact } from '../../../engine/diff/fixture-impact.js';
import type { RuleSetDiff } from '../../../engine/diff/rule-set-diff-types.js';
import { apiGet, query } from '../api.js';
import { field, h, replaceChildren, select, uid, type Child } from '../dom.js';
import { hashView, indicatorBadge, plural } from '../format.js';
import { errorMessage, pageHeading, ResultRegion, type Page, type PageContext } from '../page.js';
import { listRuleSets, otherVersion, versionLabel, type RuleSetListing } from '../registry.js';
import { wordDiff } from '../word-diff.js';

const MARK_LABELS: Record<string, string> = { '+': 'Added', '-': 'Removed', '~': 'Changed' };
const MARK_CLASSES: Record<string, string> = { '+': 'added', '-': 'removed', '~': 'changed' };

function fragments(parts: Fragment[]): Child[] {
  return parts.map((f) => (f.literal ? h('code', { class: 'literal' }, f.text) : f.text));
}

function itemView(item: DescribedItem): HTMLElement {
  return h('li', { class: `diff-item diff-item--${MARK_CLASSES[item.mark]}` },
    h('span', { class: `mark mark--${MARK_CLASSES[item.mark]}` }, MARK_LABELS[item.mark]),
    ' ',
    h('span', { class: 'headline' }, fragments(item.headline)),
    item.details.length > 0 ? h('ul', { class: 'details' }, item.details.map((d) => h('li', {}, fragments(d)))) : null,
  );
}

function impactTable(impact: FixtureImpact): HTMLElement {
  const summary = h('p', {},
    `${plural(impact.fixturesRun, 'sample patient')} run with both versions: ${impact.changed.length} change their cards, ${impact.newlyFailing.length} newly fail their expectations.`,
  );
  if (impact.changed.length === 0) return h('div', {}, summary);
  const rows: Child[] = [];
  for (const f of impact.changed) {
    const changes: Child[] = [
      ...f.cardsAdded.map((c) => h('li', {}, h('span', { class: 'mark mark--added' }, 'New card'), ' ', indicatorBadge(c.indicator), ' ', c.summary, h('span', { class: 'muted' }, ` (${c.rule})`))),
      ...f.cardsRemoved.map((c) => h('li', {}, h('span', { class: 'mark mark--removed' }, 'No longer shown'), ' ', indicatorBadge(c.indicator), ' ', c.summary, h('span', { class: 'muted' }, ` (${c.rule})`))),
      ...f.cardsChanged.map((c) =>
        h('li', {}, h('span', { class: 'mark mark--changed' }, 'Changed'), ` ${c.rule}: `,
          c.fields.map((fieldName) => h('span', { class: 'before-after' }, `${fieldName} `, h('del', {}, String(c.from[fieldName])), ' → ', h('ins', {}, String(c.to[fieldName])), ' ')),
        ),
      ),
    ];
    rows.push(h('tr', {},
      h('th', { scope: 'row' }, f.fixture, h('br', {}), h('span', { class: 'muted' }, f.hook)),
      h('td', {}, h('ul', { class: 'plain' }, changes)),
      h('td', {}, f.passesTo ? 'yes' : h('strong', {}, 'no')),
    ));
  }
  return h('div', {},
    summary,
    h('table', { class: 'data' },
      h('caption', {}, 'Sample patients whose cards change'),
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Sample patient'), h('th', { scope: 'col' }, 'What the clinician would see differently'), h('th', { scope: 'col' }, 'Meets its expectations with the new version'))),
      h('tbody', {}, rows),
    ),
  );
}

const CARD_TEXT_FIELDS: Record<string, string> = { 'card.summary': 'summary', 'card.detail': 'detail', 'card.label': 'label (in merged cards)' };

function wordDiffLine(head: Child[], from: string, to: string): HTMLElement {
  return h('li', {},
    h('p', { class: 'card-text-change-head' }, head),
    h('p', { class: 'word-diff' }, wordDiff(from, to).map((c) =>
      c.kind === 'same' ? c.text : h(c.kind === 'removed' ? 'del' : 'ins', {}, h('span', { class: 'visually-hidden' }, c.kind === 'removed' ? '[removed: ' : '[added: '), c.text, h('span', { class: 'visually-hidden' }, ']')),
    )),
  );
}

/**
 * Card text whose template text changed, shown word by word (removed struck, added highlighted):
 * rules' summary, detail and label, and the merged summary of concerns that merge.
 */
function cardTextChanges(diff: RuleSetDiff): Child {
  const rows: Child[] = [];
  for (const rule of diff.rules.changed) {
    for (const f of rule.fields) {
      const name = CARD_TEXT_FIELDS[f.field];
      if (name === undefined || typeof f.from !== 'string' || typeof f.to !== 'string') continue;
      rows.push(wordDiffLine([h('code', {}, rule.ruleId), ` ${rule.title} — ${name}:`], f.from, f.to));
    }
  }
  for (const concern of diff.concerns.changed) {
    for (const f of concern.fields) {
      if (f.field !== 'mergedSummary' || typeof f.from !== 'string' || typeof f.to !== 'string') continue;
      rows.push(wordDiffLine(['concern ', h('code', {}, concern.key), ` ${concern.title ?? ''} — merged card summary:`], f.from, f.to));
    }
  }
  if (rows.length === 0) return null;
  return h('section', { class: 'diff-section', 'aria-labelledby': 'card-text-heading' },
    h('h3', { id: 'card-text-heading' }, 'Card text, word by word'),
    h('p', { class: 'hint' }, 'Removed words are struck through, added words highlighted; {{…}} are values filled in from the patient record.'),
    h('ul', { class: 'diff-items' }, rows),
  );
}

function diffView(diff: RuleSetDiff, impact: FixtureImpact | undefined): Child[] {
  const description = describeDiff(diff, undefined);
  const sections = description.sections.map((s) => {
    const id = uid('diff-section');
    return h('section', { class: 'diff-section', 'aria-labelledby': id },
      h('h3', { id }, s.title),
      h('ul', { class: 'diff-items' }, s.items.map(itemView)),
    );
  });
  return [
    h('h2', {}, `${diff.to.id}: ${diff.from.version} → ${diff.to.version}`),
    h('p', { class: 'meta' }, 'From ', diff.from.hash ? hashView(diff.from.hash) : '(no hash)', ' to ', diff.to.hash ? hashView(diff.to.hash) : '(no hash)'),
    h('p', { class: 'diff-summary' }, h('strong', {}, 'Summary: '), description.summary),
    impact !== undefined ? h('section', { class: 'diff-section', 'aria-labelledby': 'impact-heading' }, h('h3', { id: 'impact-heading' }, 'Impact on sample patients'), impactTable(impact)) : null,
    cardTextChanges(diff),
    sections,
  ];
}

async function render(ctx: PageContext): Promise<void> {
  const ruleSets = await listRuleSets();
  if (ruleSets.length === 0) {
    replaceChildren(ctx.main, ...pageHeading('Diff'), errorMessage('The registry has no rule sets yet.'));
    return;
  }
  let current: RuleSetListing = ruleSets.find((r) => r.id === ctx.params.get('ruleSet')) ?? ruleSets[0];
  const ruleSetSelect = select('ruleSet', ruleSets.map((r) => ({ value: r.id, label: `${r.title} (${r.id})`, selected: r.id === current.id })));
  const fromSelect = h('select', { name: 'from' });
  const toSelect = h('select', { name: 'to' });
  const impact = h('input', { type: 'checkbox', name: 'impact', id: uid('impact'), checked: true });
  const results = new ResultRegion('Diff result');

  const fillVersions = (): void => {
    const to = ctx.params.get('to') ?? current.versions[current.versions.length - 1]?.version;
    // A rule set with one version is compared with nothing: every rule reads as added.
    const from = ctx.params.get('from') ?? otherVersion(current, to) ?? NO_VERSION;
    replaceChildren(fromSelect,
      h('option', { value: NO_VERSION, selected: from === NO_VERSION }, 'none (a first version: everything is new)'),
      current.versions.map((v) => h('option', { value: v.version, selected: v.version === from }, versionLabel(v))));
    replaceChildren(toSelect, current.versions.map((v) => h('option', { value: v.version, selected: v.version === to }, versionLabel(v))));
  };
  ruleSetSelect.addEventListener('change', () => {
    current = ruleSets.find((r) => r.id === ruleSetSelect.value) ?? current;
    fillVersions();
  });

  const show = async (): Promise<void> => {
    if (fromSelect.value === toSelect.value) {
      results.error('Choose two different versions.');
      return;
    }
    results.loading(impact.checked ? 'Comparing, and running the sample patients with both versions…' : 'Comparing…');
    try {
      const result = await apiGet<{ diff: RuleSetDiff; impact?: FixtureImpact }>(
        `/rule-sets/${encodeURIComponent(current.id)}/diff${query({ from: fromSelect.value, to: toSelect.value, format: 'json', impact: impact.checked ? 'true' : undefined })}`,
      );
      results.show(...diffView(result.diff, result.impact));
      ctx.announce(`Diff of ${fromSelect.value} and ${toSelect.value} shown`);
      history.replaceState(null, '', `/console/diff${query({ ruleSet: current.id, from: fromSelect.value, to: toSelect.value })}`);
    } catch (err) {
      results.error((err as Error).message);
    }
  };

  const form = h('form', { class: 'diff-form', 'aria-label': 'Versions to compare', novalidate: true },
    h('div', { class: 'form-grid' },
      field('Rule set', ruleSetSelect),
      field('From version (older)', fromSelect),
      field('To version (newer)', toSelect),
      h('div', { class: 'field' }, h('span', { class: 'label-spacer', 'aria-hidden': 'true' }, '\u00a0'), h('div', { class: 'checkbox' }, impact, h('label', { for: impact.id }, 'Show which sample patients change'))),
    ),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'button primary' }, 'Compare')),
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    void show();
  });
  replaceChildren(ctx.main, ...pageHeading('Diff between versions', 'What changed between two versions of a rule set: rules, thresholds, codes, card text, and which sample patients would see different cards.'), form, results.el);
  fillVersions();
  if (ctx.params.get('from') && ctx.params.get('to')) await show();
}

export const diffPage: Page = { id: 'diff', title: 'Diff', render };
