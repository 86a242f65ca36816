/**
 * The decision log (auditor): filters (time, service, rule, version, indicator, outcome) as a plain GET
 * form so a filtered view has its own URL (filters only, never a token or patient data), the list
 * from GET /admin/api/decisions with paging, CSV/NDJSON export of the filtered log, chain
 * verification, and one decision's page (/console/decisions/<seq>): facts, rules fired (with the
 * merged card each contributed to), cards (a merged card with its contributing rules), feedback, and
 * replay.
 */
import { apiGet, apiGetBlob, apiPost, query } from '../api.js';
import { field, h, replaceChildren, select, type Child } from '../dom.js';
import { formatInstant, hashView, indicatorBadge, jsonText, plural } from '../format.js';
import { errorMessage, pageHeading, ResultRegion, successMessage, type Page, type PageContext } from '../page.js';
import { listRuleSets } from '../registry.js';

export const DECISION_FILTERS = ['from', 'to', 'service', 'rule', 'version', 'indicator', 'outcome'] as const;
const PAGE_SIZE = 50;

interface FeedbackItem {
  serviceId: string;
  outcome: 'accepted' | 'overridden';
  acceptedSuggestions: string[];
  overrideReasonCode?: string;
  overrideReasonDisplay?: string;
  userComment?: string;
  outcomeTimestamp: string;
  receivedAt: string;
}

interface DecisionCardView {
  uuid: string;
  ruleId: string;
  indicator: string;
  summary: string;
  /** Merged cards only: every contributing rule, in rank order (the first is ruleId). */
  ruleIds?: string[];
  feedback: FeedbackItem[];
}

interface FiredRule {
  ruleId: string;
  title: string;
  category: string;
  concern: string;
  indicator: string;
  suppressed: boolean;
  cardUuid?: string;
  /** Set when the rule contributed to its concern's merged card (the concern id). */
  mergedInto?: string;
  facts: Array<{ name: string; kind: string; value: Record<string, unknown> & { refs?: string[] } }>;
}

interface DecisionView {
  seq: number;
  at: string;
  serviceId: string;
  hook: string;
  hookInstance: string;
  clientIss?: string;
  tenant?: string;
  ruleSetId: string;
  ruleSetVersion: string;
  ruleSetHash: string;
  evaluationNow: string;
  inputFingerprint: string;
  fired?: FiredRule[];
  cards: DecisionCardView[];
  latencyMs: number;
  status: number;
  snapshotAvailable: boolean;
  snapshotExpiresAt?: string;
  prevHash: string;
  hash: string;
}

interface Verification {
  ok: boolean;
  message: string;
  breaks: Array<{ record: string; id: string; kind: string; field?: string; detail: string }>;
}

function feedbackText(f: FeedbackItem): string {
  if (f.outcome === 'accepted') return `accepted${f.acceptedSuggestions.length > 0 ? ` (${plural(f.acceptedSuggestions.length, 'suggestion')})` : ''}`;
  const reason = f.overrideReasonDisplay ?? f.overrideReasonCode;
  return `overridden${reason ? `: ${reason}` : ' (no reason given)'}${f.userComment ? ` — “${f.userComment}”` : ''}`;
}

function latestFeedback(card: DecisionCardView): string {
  const last = card.feedback[card.feedback.length - 1];
  return last === undefined ? 'no feedback' : feedbackText(last);
}

function chainSection(): HTMLElement {
  const region = new ResultRegion('Chain verification result', 'chain-result');
  const button = h('button', { type: 'button', class: 'button' }, 'Verify the audit record');
  button.addEventListener('click', () => {
    region.loading('Verifying every record of the decision, lifecycle and feedback chains…');
    apiGet<Verification>('/audit/verify')
      .then((v) => {
        region.show(
          h('p', { class: v.ok ? 'message message--ok' : 'message message--error', role: v.ok ? null : 'alert' },
            h('strong', {}, v.ok ? 'Intact. ' : 'Broken. '), v.message),
          v.breaks.length > 0
            ? h('ul', { class: 'plain' }, v.breaks.map((b) => h('li', {}, h('strong', {}, `${b.record} ${b.id}: ${b.kind}${b.field ? ` (field ${b.field})` : ''}`), ` — ${b.detail}`)))
            : null,
        );
      })
      .catch((err: Error) => region.error(err.message));
  });
  return h('section', { class: 'chain', 'aria-labelledby': 'chain-heading' },
    h('h2', { id: 'chain-heading' }, 'Audit record'),
    h('p', {}, 'Decisions, feedback and every lifecycle event (with each publication) are hash-chained; verification re-computes every chain, checks every published version and every signed checkpoint, and lists every break.'),
    button,
    region.el,
  );
}

function exportButtons(filters: Record<string, string>): HTMLElement {
  const status = h('span', { class: 'export-status', 'aria-live': 'polite' });
  const download = async (format: 'csv' | 'ndjson'): Promise<void> => {
    status.textContent = `Preparing ${format.toUpperCase()}…`;
    try {
      const blob = await apiGetBlob(`/export${query({ format, ...filters })}`);
      const url = URL.createObjectURL(blob);
      const a = h('a', { href: url, download: `decisions.${format}`, class: 'visually-hidden' }, 'download');
      document.body.appendChild(a);
      a.click();
      a.remove();
      window.setTimeout(() => URL.revokeObjectURL(url), 10_000);
      status.textContent = `decisions.${format} downloaded.`;
    } catch (err) {
      status.textContent = (err as Error).message;
    }
  };
  return h('div', { class: 'actions' },
    h('button', { type: 'button', class: 'button', onclick: () => void download('csv') }, 'Export CSV'),
    h('button', { type: 'button', class: 'button', onclick: () => void download('ndjson') }, 'Export NDJSON'),
    status,
  );
}

async function filterForm(ctx: PageContext): Promise<HTMLFormElement> {
  const ruleSets = await listRuleSets().catch(() => []);
  const versions = [...new Set(ruleSets.flatMap((r) => r.versions.map((v) => v.version)))];
  const rules = new Set<string>();
  const services = new Set<string>();
  for (const rs of ruleSets) {
    const version = rs.activeVersion ?? rs.versions[rs.versions.length - 1]?.version;
    if (version === undefined) continue;
    const view = await apiGet<{ content: { rules: Array<{ id: string }>; services: Array<{ id: string }> } }>(
      `/rule-sets/${encodeURIComponent(rs.id)}/versions/${encodeURIComponent(version)}`,
    ).catch(() => undefined);
    for (const r of view?.content.rules ?? []) rules.add(r.id);
    for (const s of view?.content.services ?? []) services.add(s.id);
  }
  const p = ctx.params;
  const choice = (name: string, values: string[], anyLabel: string): HTMLSelectElement =>
    select(name, [{ value: '', label: anyLabel }, ...values.map((v) => ({ value: v, label: v, selected: p.get(name) === v }))]);
  const dateInput = (name: string): HTMLInputElement => h('input', { type: 'date', name, value: p.get(name) ?? '' });
  const form = h('form', { method: 'get', action: '/console/decisions', class: 'filters', 'aria-label': 'Decision filters' },
    h('div', { class: 'form-grid' },
      field('From (UTC date, inclusive)', dateInput('from')),
      field('To (UTC date, exclusive)', dateInput('to')),
      field('Service', choice('service', [...services].sort(), 'Any service')),
      field('Rule', choice('rule', [...rules].sort(), 'Any rule')),
      field('Rule-set version', choice('version', versions, 'Any version')),
      field('Indicator', choice('indicator', ['critical', 'warning', 'info'], 'Any indicator')),
      field('Feedback outcome', select('outcome', [
        { value: '', label: 'Any outcome' },
        ...[['accepted', 'Accepted'], ['overridden', 'Overridden'], ['none', 'No feedback']].map(([v, l]) => ({ value: v, label: l, selected: p.get('outcome') === v })),
      ])),
    ),
    h('div', { class: 'actions' },
      h('button', { type: 'submit', class: 'button primary' }, 'Apply filters'),
      h('a', { href: '/console/decisions', class: 'button' }, 'Clear'),
    ),
  );
  // Only the filters that are set go into the URL.
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const values: Record<string, string> = {};
    for (const [k, v] of new FormData(form).entries()) if (typeof v === 'string' && v !== '') values[k] = v;
    location.assign(`/console/decisions${query(values)}`);
  });
  return form;
}

function decisionsTable(decisions: DecisionView[]): HTMLElement {
  if (decisions.length === 0) return h('p', {}, 'No decision matches these filters.');
  return h('table', { class: 'data decisions' },
    h('caption', {}, `Decisions (${decisions.length} shown)`),
    h('thead', {}, h('tr', {}, ['Seq', 'Time (UTC)', 'Service', 'Version', 'Cards and their latest feedback', 'Status'].map((c) => h('th', { scope: 'col' }, c)))),
    h('tbody', {}, decisions.map((d) => h('tr', {},
      h('th', { scope: 'row' }, h('a', { href: `/console/decisions/${d.seq}`, 'aria-label': `Decision ${d.seq}` }, String(d.seq))),
      h('td', {}, formatInstant(d.at)),
      h('td', {}, d.serviceId, h('br', {}), h('span', { class: 'muted' }, d.hook)),
      h('td', {}, `${d.ruleSetVersion}`),
      h('td', {}, d.cards.length === 0
        ? h('span', { class: 'muted' }, 'no cards')
        : h('ul', { class: 'plain' }, d.cards.map((c) => h('li', {},
            indicatorBadge(c.indicator), ' ', c.summary, ' ',
            h('span', { class: `feedback feedback--${c.feedback.length === 0 ? 'none' : c.feedback[c.feedback.length - 1].outcome}` }, latestFeedback(c)),
          )))),
      h('td', { class: 'num' }, String(d.status)),
    ))),
  );
}

async function renderList(ctx: PageContext): Promise<void> {
  const filters: Record<string, string> = {};
  for (const name of DECISION_FILTERS) {
    const v = ctx.params.get(name);
    if (v) filters[name] = v;
  }
  const afterSeq = ctx.params.get('afterSeq') ?? undefined;
  const results = new ResultRegion('Decisions');
  replaceChildren(ctx.main,
    ...pageHeading('Decision log', 'What the service decided: every call, the rule-set version used, the cards shown and the feedback they received.'),
    await filterForm(ctx),
    results.el,
    chainSection(),
  );
  results.loading('Loading decisions…');
  try {
    const page = await apiGet<{ decisions: DecisionView[]; nextAfterSeq?: number }>(`/decisions${query({ ...filters, limit: PAGE_SIZE, afterSeq })}`);
    results.show(
      exportButtons(filters),
      decisionsTable(page.decisions),
      page.nextAfterSeq !== undefined
        ? h('p', {}, h('a', { href: `/console/decisions${query({ ...filters, afterSeq: page.nextAfterSeq })}`, class: 'button' }, 'Next page'))
        : null,
    );
    ctx.announce(`${plural(page.decisions.length, 'decision')} shown`);
  } catch (err) {
    results.error((err as Error).message);
  }
}

function factList(facts: FiredRule['facts']): Child {
  if (facts.length === 0) return h('p', { class: 'muted' }, 'No facts recorded.');
  return h('ul', { class: 'facts' }, facts.map((f) =>
    h('li', {},
      h('details', {},
        h('summary', {}, h('code', {}, f.name), ` (${f.kind})`),
        h('p', {}, 'FHIR references: ', (f.value.refs ?? []).length === 0 ? 'none' : (f.value.refs ?? []).map((r, i) => [i > 0 ? ', ' : '', h('code', {}, r)])),
        h('pre', { class: 'json' }, jsonText(f.value)),
      ),
    ),
  ));
}

/**
 * The rules credited with a card: a merged card's contributors (recorded as ruleIds; for records made
 * before ruleIds existed, the fired rules merged into the card), else the card's one rule.
 */
function creditedRules(card: DecisionCardView, fired: readonly FiredRule[]): string[] {
  if (card.ruleIds !== undefined && card.ruleIds.length > 0) return card.ruleIds;
  const merged = fired.filter((f) => f.mergedInto !== undefined && f.cardUuid === card.uuid).map((f) => f.ruleId);
  return merged.length > 0 ? [card.ruleId, ...merged.filter((id) => id !== card.ruleId)] : [card.ruleId];
}

/** The card's rule, or a merged card's contributing rules each with its indicator. */
function cardRulesView(card: DecisionCardView, fired: readonly FiredRule[]): Child {
  const ids = creditedRules(card, fired);
  if (ids.length === 1) return h('code', {}, ids[0]);
  const concern = fired.find((f) => f.cardUuid === card.uuid && f.mergedInto !== undefined)?.mergedInto;
  return h('div', { class: 'card-rules' },
    h('p', { class: 'muted' }, `Merged card${concern === undefined ? '' : ` of concern "${concern}"`}: ${ids.length} contributing rules`),
    h('ul', { class: 'plain contributors' }, ids.map((id) => {
      const rule = fired.find((f) => f.ruleId === id);
      return h('li', { 'data-rule': id }, rule ? indicatorBadge(rule.indicator) : null, ' ', h('code', {}, id));
    })),
  );
}

function firedNote(f: FiredRule): Child {
  if (f.suppressed) return h('span', { class: 'muted' }, ` (outranked in concern "${f.concern}")`);
  if (f.mergedInto !== undefined) return h('span', { class: 'muted merged-into' }, ` (merged into the "${f.mergedInto}" card)`);
  return null;
}

async function renderOne(ctx: PageContext, seqText: string): Promise<void> {
  const seq = Number(seqText);
  if (!Number.isInteger(seq) || seq < 1) {
    replaceChildren(ctx.main, h('h1', {}, 'Decision'), errorMessage(`"${seqText}" is not a decision number.`));
    return;
  }
  const { decision: d } = await apiGet<{ decision: DecisionView }>(`/decisions/${seq}`);
  const replayRegion = new ResultRegion('Replay result');
  const replay = h('button', { type: 'button', class: 'button' }, 'Replay this decision');
  replay.addEventListener('click', () => {
    replayRegion.loading('Replaying with the recorded input and rule-set version…');
    apiPost<{ outcome: string; summary: string[] }>(`/decisions/${seq}/replay`, {})
      .then((r) => replayRegion.show(successMessage(`${r.outcome}: ${r.summary.join(' ')}`)))
      .catch((err: Error) => replayRegion.error(err.message));
  });
  replaceChildren(ctx.main,
    h('p', {}, h('a', { href: '/console/decisions' }, '← Decision log')),
    h('h1', {}, `Decision ${d.seq}`),
    h('dl', { class: 'pairs wide' },
      h('dt', {}, 'Time'), h('dd', {}, formatInstant(d.at)),
      h('dt', {}, 'Service'), h('dd', {}, `${d.serviceId} (${d.hook})`),
      h('dt', {}, 'Hook instance'), h('dd', {}, h('code', {}, d.hookInstance)),
      h('dt', {}, 'Client'), h('dd', {}, d.clientIss ?? '— (open mode)'),
      h('dt', {}, 'Rule set'), h('dd', {}, `${d.ruleSetId} ${d.ruleSetVersion} `, hashView(d.ruleSetHash)),
      h('dt', {}, 'Evaluated at'), h('dd', {}, formatInstant(d.evaluationNow)),
      h('dt', {}, 'HTTP status, latency'), h('dd', {}, `${d.status}, ${d.latencyMs} ms`),
      h('dt', {}, 'Input fingerprint'), h('dd', {}, hashView(d.inputFingerprint)),
      h('dt', {}, 'Chain'), h('dd', {}, 'previous ', hashView(d.prevHash), ', this ', hashView(d.hash)),
      h('dt', {}, 'Input snapshot'), h('dd', {}, d.snapshotAvailable ? `kept${d.snapshotExpiresAt ? ` until ${formatInstant(d.snapshotExpiresAt)}` : ''}` : 'not kept'),
    ),
    h('section', { 'aria-labelledby': 'cards-heading' },
      h('h2', { id: 'cards-heading' }, `Cards (${d.cards.length})`),
      d.cards.length === 0 ? h('p', {}, 'No cards were returned.') : h('table', { class: 'data' },
        h('caption', { class: 'visually-hidden' }, 'Cards and their feedback'),
        h('thead', {}, h('tr', {}, ['Card', 'Rule', 'Feedback'].map((c) => h('th', { scope: 'col' }, c)))),
        h('tbody', {}, d.cards.map((c) => h('tr', { 'data-card': c.uuid },
          h('td', {}, indicatorBadge(c.indicator), ' ', c.summary, h('br', {}), h('code', { class: 'muted' }, c.uuid)),
          h('td', {}, cardRulesView(c, d.fired ?? [])),
          h('td', {}, c.feedback.length === 0 ? 'none' : h('ul', { class: 'plain' }, c.feedback.map((f) => h('li', {}, `${formatInstant(f.outcomeTimestamp)}: ${feedbackText(f)}`)))),
        ))),
      ),
    ),
    h('section', { 'aria-labelledby': 'fired-heading' },
      h('h2', { id: 'fired-heading' }, `Rules fired and the facts they read (${d.fired?.length ?? 0})`),
      h('ul', { class: 'fired-list' }, (d.fired ?? []).map((f) =>
        h('li', { 'data-rule': f.ruleId },
          h('h3', {}, indicatorBadge(f.indicator), ' ', h('code', {}, f.ruleId), ` ${f.title}`, firedNote(f)),
          factList(f.facts),
        ),
      )),
    ),
    h('section', { 'aria-labelledby': 'replay-heading' },
      h('h2', { id: 'replay-heading' }, 'Replay'),
      h('p', {}, 'Re-evaluates the recorded input snapshot with the recorded rule-set version and compares the cards.'),
      replay,
      replayRegion.el,
    ),
  );
  document.title = `Decision ${d.seq} — CDS console`;
}

async function render(ctx: PageContext): Promise<void> {
  if (ctx.path.length >= 2) return renderOne(ctx, ctx.path[1]);
  return renderList(ctx);
}

export const decisionsPage: Page = { id: 'decisions', title: 'Decision log', render };
