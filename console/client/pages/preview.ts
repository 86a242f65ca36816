/**
 * Card preview: a sample patient (the rule set's fixtures), a pasted FHIR Bundle or a pasted CDS Hooks
 * request, evaluated by one or two rule-set versions (drafts included) through POST /admin/api/preview;
 * the cards are drawn as an EHR shows them, side by side when two versions are compared. A merged
 * card's contributing rules are in its "Why this card" disclosure; the rules-fired table says which
 * rules were merged into which card. Cards are compared across versions by rule, a merged card by
 * its concern.
 */
import { apiGet, apiPost } from '../api.js';
import { cardView, explanationOf, isMerged, type WireCard } from '../card-view.js';
import { field, h, replaceChildren, select, uid, type Child } from '../dom.js';
import { formatInstant, hashView, indicatorBadge, plural, stateBadge } from '../format.js';
import { errorMessage, pageHeading, ResultRegion, type Page, type PageContext } from '../page.js';
import { defaultVersion, listRuleSets, otherVersion, versionLabel, type RuleSetListing } from '../registry.js';

const HOOKS = ['patient-view', 'order-select', 'order-sign', 'appointment-book'];

interface FixtureSummary {
  name: string;
  description?: string;
  hook: string;
  now: string;
  expectedCards: { rule: string; indicator: string }[];
}

interface FiredRule {
  ruleId: string;
  title: string;
  indicator: string;
  concern: string;
  suppressed: boolean;
  /** Set when the rule contributed to its concern's merged card (the concern id). */
  mergedInto?: string;
}

interface PreviewResult {
  ruleSet: { id: string; version: string; hash: string; state: string; title: string };
  hook: string;
  service: { id: string; title: string };
  now: string;
  input: { kind: string; name?: string; description?: string };
  sources: Array<{ key: string; origin: string; resourceCount: number; problem?: string }>;
  /** The previewed patient's id (the hook context's patientId). */
  patientId: string | null;
  cards: WireCard[];
  fired: FiredRule[];
  rulesConsidered: number;
}

/**
 * A SMART link to the course view on this service, launched by its demonstration launch for the
 * previewed patient (docs/course-view.md): the console plays the EHR's part.
 */
function demonstrationLaunch(result: PreviewResult): (link: { url: string; appContext?: string }) => string | undefined {
  return (link) => {
    let url: URL;
    try {
      url = new URL(link.url);
    } catch {
      return undefined;
    }
    if (url.origin !== location.origin || !url.pathname.startsWith('/course/') || result.patientId === null) return undefined;
    const params = new URLSearchParams({ patient: result.patientId, ...(link.appContext ? { appContext: link.appContext } : {}) });
    return `/course/demo?${params.toString()}`;
  };
}

type InputKind = 'fixture' | 'bundle' | 'request';

/** What a card is matched by across versions: its rule, or for a merged card its concern. */
function cardKeyOf(card: WireCard): string {
  const ex = explanationOf(card);
  if (isMerged(ex)) return `concern ${ex.concern?.id ?? ex.rule?.concern ?? card.summary}`;
  return ex?.rule?.id ?? card.summary;
}

function contributorIdsOf(card: WireCard): string {
  const ex = explanationOf(card);
  return isMerged(ex) ? ex.contributors.map((c) => c.id).join(', ') : '';
}

function shownText(f: FiredRule, concernTitles: ReadonlyMap<string, string>): string {
  if (f.suppressed) return `no — outranked in concern "${f.concern}"`;
  if (f.mergedInto !== undefined) return `yes — merged into the "${concernTitles.get(f.mergedInto) ?? f.mergedInto}" card`;
  return 'yes';
}

function firedTable(fired: FiredRule[], cards: WireCard[]): HTMLElement {
  if (fired.length === 0) return h('p', { class: 'muted' }, 'No rule fired.');
  const concernTitles = new Map<string, string>();
  for (const card of cards) {
    const concern = explanationOf(card)?.concern;
    if (concern) concernTitles.set(concern.id, concern.title);
  }
  return h('table', { class: 'data compact' },
    h('caption', { class: 'visually-hidden' }, 'Rules that fired'),
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Rule'), h('th', { scope: 'col' }, 'Indicator'), h('th', { scope: 'col' }, 'Shown'))),
    h('tbody', {}, fired.map((f) => h('tr', { 'data-rule': f.ruleId },
      h('td', {}, h('code', {}, f.ruleId), h('br', {}), h('span', { class: 'muted' }, f.title)),
      h('td', {}, indicatorBadge(f.indicator)),
      h('td', {}, shownText(f, concernTitles)),
    ))),
  );
}

function sourcesNote(result: PreviewResult): Child {
  const partial = result.sources.filter((s) => s.origin === 'failed');
  if (partial.length === 0) return null;
  return h('div', { class: 'message message--warn' },
    h('strong', {}, 'Data missing from the pasted request: '),
    h('ul', {}, partial.map((s) => h('li', {}, h('code', {}, s.key), `: ${s.problem ?? 'not available'}`))),
  );
}

function resultColumn(result: PreviewResult, label: string): HTMLElement {
  const headingId = uid('preview-col');
  return h('section', { class: 'preview-column', 'aria-labelledby': headingId, 'data-version': result.ruleSet.version },
    h('h2', { id: headingId }, `${label}: ${result.ruleSet.id} ${result.ruleSet.version} `, stateBadge(result.ruleSet.state)),
    h('p', { class: 'meta' },
      'Hash ', hashView(result.ruleSet.hash), ` · service ${result.service.id} (${result.hook}) · evaluated at ${formatInstant(result.now)} · ${plural(result.rulesConsidered, 'rule')} considered`,
    ),
    sourcesNote(result),
    h('p', { class: 'card-count' }, result.cards.length === 0 ? 'No cards: the EHR would show nothing.' : `${plural(result.cards.length, 'card')}:`),
    h('div', { class: 'card-list' }, result.cards.map((c) => cardView(c, { smartLaunchHref: demonstrationLaunch(result) }))),
    h('details', { class: 'fired' }, h('summary', {}, `Rules fired (${result.fired.length})`), firedTable(result.fired, result.cards)),
  );
}

function comparison(a: PreviewResult, b: PreviewResult): HTMLElement {
  const byKey = (r: PreviewResult): Map<string, WireCard> => new Map(r.cards.map((c) => [cardKeyOf(c), c]));
  const ca = byKey(a);
  const cb = byKey(b);
  const lines: Child[] = [];
  for (const [rule, card] of ca) {
    const other = cb.get(rule);
    if (!other) lines.push(h('li', {}, `Only ${a.ruleSet.version}: `, indicatorBadge(card.indicator), ` ${card.summary} (${rule})`));
    else {
      const contributorsA = contributorIdsOf(card);
      const contributorsB = contributorIdsOf(other);
      const what = [
        other.indicator !== card.indicator ? 'indicator' : '',
        other.summary !== card.summary ? 'summary' : '',
        other.detail !== card.detail ? 'detail' : '',
        contributorsA !== contributorsB ? 'contributing rules' : '',
      ].filter((x) => x !== '');
      if (what.length > 0) lines.push(h('li', {}, `Changed (${what.join(', ')}): ${rule}`));
    }
  }
  for (const [rule, card] of cb) {
    if (!ca.has(rule)) lines.push(h('li', {}, `Only ${b.ruleSet.version}: `, indicatorBadge(card.indicator), ` ${card.summary} (${rule})`));
  }
  return h('section', { class: 'comparison', 'aria-label': 'What differs between the two versions' },
    h('h2', {}, 'What differs'),
    lines.length === 0 ? h('p', {}, `Both versions show the same cards (by rule, indicator, summary and detail).`) : h('ul', {}, lines),
  );
}

async function render(ctx: PageContext): Promise<void> {
  const ruleSets = await listRuleSets();
  if (ruleSets.length === 0) {
    replaceChildren(ctx.main, ...pageHeading('Card preview'), errorMessage('The registry has no rule sets yet.'));
    return;
  }
  let current: RuleSetListing = ruleSets.find((r) => r.id === ctx.params.get('ruleSet')) ?? ruleSets[0];
  let fixtures: FixtureSummary[] = [];

  const ruleSetSelect = select('ruleSetId', ruleSets.map((r) => ({ value: r.id, label: `${r.title} (${r.id})`, selected: r.id === current.id })));
  const versionA = h('select', { name: 'version' });
  const compare = h('input', { type: 'checkbox', name: 'compare', id: uid('compare') });
  const versionB = h('select', { name: 'versionB', id: uid('version-b'), disabled: true });
  const kindName = uid('input-kind');
  const kindRadios = (['fixture', 'bundle', 'request'] as InputKind[]).map((kind, i) =>
    h('input', { type: 'radio', name: kindName, value: kind, id: `${kindName}-${kind}`, checked: i === 0 }),
  );
  const kindLabels: Record<InputKind, string> = { fixture: 'Sample patient', bundle: 'Paste a FHIR Bundle', request: 'Paste a CDS Hooks request' };
  const fixtureSelect = h('select', { name: 'fixture' });
  const fixtureHint = h('p', { class: 'hint', id: uid('fixture-hint') });
  fixtureSelect.setAttribute('aria-describedby', fixtureHint.id);
  const pasteArea = h('textarea', { name: 'json', rows: 10, spellcheck: 'false', class: 'code' });
  const pasteLabel = h('label', {}, 'JSON');
  const hookSelect = select('hook', HOOKS.map((hk) => ({ value: hk, label: hk })));
  const nowInput = h('input', { type: 'text', name: 'now', inputmode: 'text', placeholder: 'e.g. 2026-11-01T10:00:00Z', autocomplete: 'off' });
  const results = new ResultRegion('Preview results', 'results preview-results');
  results.show(h('p', { class: 'muted' }, 'Choose a patient and a version, then Show cards.'));

  const fillVersions = (): void => {
    const a = defaultVersion(current);
    replaceChildren(versionA, current.versions.map((v) => h('option', { value: v.version, selected: v.version === a }, versionLabel(v))));
    const b = otherVersion(current, a);
    replaceChildren(versionB, current.versions.map((v) => h('option', { value: v.version, selected: v.version === b }, versionLabel(v))));
  };
  const describeFixture = (): void => {
    const f = fixtures.find((x) => x.name === fixtureSelect.value);
    fixtureHint.textContent = f
      ? `${f.description ?? 'No description.'} Hook ${f.hook}; evaluated at ${formatInstant(f.now)}; expected: ${f.expectedCards.length === 0 ? 'no cards' : f.expectedCards.map((c) => `${c.indicator} ${c.rule}`).join(', ')}.`
      : '';
    if (f) hookSelect.value = f.hook;
  };
  const loadFixtures = async (): Promise<void> => {
    try {
      fixtures = (await apiGet<{ fixtures: FixtureSummary[] }>(`/preview/fixtures?ruleSetId=${encodeURIComponent(current.id)}`)).fixtures;
    } catch (err) {
      fixtures = [];
      results.error((err as Error).message);
    }
    replaceChildren(fixtureSelect, fixtures.length === 0 ? h('option', { value: '' }, '(this rule set has no sample patients)') : fixtures.map((f) => h('option', { value: f.name }, f.name)));
    describeFixture();
  };
  const kind = (): InputKind => (kindRadios.find((r) => r.checked)?.value ?? 'fixture') as InputKind;
  const fixtureField = field('Sample patient', fixtureSelect);
  fixtureField.appendChild(fixtureHint);
  const pasteField = h('div', { class: 'field', hidden: true }, pasteLabel, pasteArea);
  pasteArea.id = uid('paste');
  pasteLabel.setAttribute('for', pasteArea.id);
  const showKind = (): void => {
    const k = kind();
    fixtureField.hidden = k !== 'fixture';
    pasteField.hidden = k === 'fixture';
    pasteLabel.textContent = k === 'bundle' ? 'FHIR Bundle (JSON)' : 'CDS Hooks request (JSON)';
  };

  ruleSetSelect.addEventListener('change', () => {
    current = ruleSets.find((r) => r.id === ruleSetSelect.value) ?? current;
    fillVersions();
    void loadFixtures();
  });
  compare.addEventListener('change', () => {
    versionB.disabled = !compare.checked;
  });
  for (const r of kindRadios) r.addEventListener('change', showKind);
  fixtureSelect.addEventListener('change', describeFixture);

  const submit = async (): Promise<void> => {
    const k = kind();
    const base: Record<string, unknown> = { ruleSetId: current.id, hook: hookSelect.value };
    const now = nowInput.value.trim();
    if (now !== '') base.now = now;
    if (k === 'fixture') {
      if (fixtureSelect.value === '') return results.error('Choose a sample patient.');
      base.fixture = fixtureSelect.value;
    } else {
      let parsed: unknown;
      try {
        parsed = JSON.parse(pasteArea.value);
      } catch (err) {
        pasteArea.focus();
        return results.error(`The pasted text is not valid JSON: ${(err as Error).message}`);
      }
      base[k] = parsed;
    }
    const versions = compare.checked ? [versionA.value, versionB.value] : [versionA.value];
    results.loading(versions.length === 2 ? `Evaluating with ${versions[0]} and ${versions[1]}…` : `Evaluating with ${versions[0]}…`);
    try {
      const previews = await Promise.all(versions.map((version) => apiPost<PreviewResult>('/preview', { ...base, version })));
      const columns = previews.map((p, i) => resultColumn(p, previews.length === 2 ? (i === 0 ? 'A' : 'B') : 'Version'));
      const who = previews[0].input.kind === 'fixture' ? `sample patient "${previews[0].input.name}"` : `the pasted ${previews[0].input.kind}`;
      results.show(
        h('p', { class: 'result-intro' }, `Cards for ${who}, hook ${previews[0].hook}:`),
        previews.length === 2 ? comparison(previews[0], previews[1]) : null,
        h('div', { class: previews.length === 2 ? 'preview-columns two' : 'preview-columns' }, columns),
      );
      ctx.announce(previews.map((p) => `${p.ruleSet.version}: ${plural(p.cards.length, 'card')}`).join('; '));
    } catch (err) {
      results.error((err as Error).message);
    }
  };

  const form = h('form', { class: 'preview-form', 'aria-label': 'Preview settings', novalidate: true },
    field('Rule set', ruleSetSelect),
    field('Version (A)', versionA),
    h('div', { class: 'field' },
      h('div', { class: 'checkbox' }, compare, h('label', { for: compare.id }, 'Compare with a second version')),
    ),
    field('Second version (B)', versionB),
    h('fieldset', { class: 'input-kind' },
      h('legend', {}, 'Patient'),
      h('div', { class: 'radios stacked' }, kindRadios.map((r) => h('span', { class: 'radio' }, r, h('label', { for: r.id }, kindLabels[r.value as InputKind])))),
    ),
    fixtureField,
    pasteField,
    field('Hook', hookSelect),
    field('Evaluate at (optional)', nowInput, 'ISO date-time with zone. Default: the sample patient\'s time, else now.'),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'button primary' }, 'Show cards')),
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    void submit();
  });

  replaceChildren(
    ctx.main,
    ...pageHeading('Card preview', 'See the cards a rule-set version gives for a patient, as the EHR would show them. Nothing is recorded.'),
    h('div', { class: 'preview-layout' }, form, results.el),
  );
  fillVersions();
  showKind();
  await loadFixtures();
}

export const previewPage: Page = { id: 'preview', title: 'Card preview', render };
