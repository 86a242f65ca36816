/**
 * Rule sets and versions: every version's state, effective dates, content hash and publication; for
 * one version its approvals, lifecycle history and the lifecycle actions, and the whole version in
 * plain language (engine/describe: every rule under its id with when it fires, thresholds with values
 * and units, its card and citations with certainty; services, parameters, value sets, facts). Buttons are offered for the
 * actions the signed-in user's roles allow; the other roles' actions sit in a closed disclosure and,
 * if tried, the API refuses them and its message is shown.
 */
import { describeRuleSet, type DescribedSection } from '../../../engine/describe/describe-rule-set.js';
import type { RuleSet } from '../../../engine/rule-set-types.js';
import { apiGet, apiPost } from '../api.js';
import { field, h, replaceChildren, uid, type Child } from '../dom.js';
import { formatDate, formatInstant, hashView, plural, stateBadge } from '../format.js';
import { actionsForState, type ConsoleLifecycleAction } from '../lifecycle.js';
import { errorMessage, pageHeading, successMessage, type Page, type PageContext } from '../page.js';
import { listRuleSets, type RuleSetListing } from '../registry.js';
import { hasRole } from '../session.js';

interface VersionSummary {
  ruleSetId: string;
  version: string;
  title: string;
  hash: string;
  state: string;
  author: string;
  publishedAt: string;
  effectiveStart: string;
  effectiveEnd?: string;
}

interface LifecycleEvent {
  seq: number;
  from: string | null;
  to: string;
  actor: string;
  reason: string;
  at: string;
}

interface VersionView extends VersionSummary {
  history: LifecycleEvent[];
  content: {
    description?: string;
    publisher?: string;
    authors?: Array<{ name: string; role?: string; organization?: string }>;
    approvals?: Array<{ reviewer: string; role?: string; date: string; note?: string }>;
    rules?: Array<{ id: string }>;
    services?: Array<{ id: string; hook: string }>;
  };
}

function versionHref(ruleSetId: string, version: string): string {
  return `/console/rule-sets?ruleSet=${encodeURIComponent(ruleSetId)}&version=${encodeURIComponent(version)}`;
}

function effective(v: VersionSummary): string {
  return `${formatDate(v.effectiveStart)} – ${v.effectiveEnd ? formatDate(v.effectiveEnd) : 'open'}`;
}

function versionsTable(rs: RuleSetListing, versions: VersionSummary[], selected: string | undefined): HTMLElement {
  return h('table', { class: 'data' },
    h('caption', {}, `Versions of ${rs.id}`),
    h('thead', {}, h('tr', {},
      ['Version', 'State', 'Effective', 'Published', 'Content hash (SHA-256)'].map((c) => h('th', { scope: 'col' }, c)),
    )),
    h('tbody', {}, versions.map((v) => h('tr', { class: v.version === selected ? 'selected' : null },
      h('th', { scope: 'row' }, h('a', { href: versionHref(rs.id, v.version), 'aria-current': v.version === selected ? 'true' : null }, v.version)),
      h('td', {}, stateBadge(v.state)),
      h('td', {}, effective(v)),
      h('td', {}, `${formatInstant(v.publishedAt)} by ${v.author}`),
      h('td', {}, hashView(v.hash)),
    ))),
  );
}

function historyTable(events: LifecycleEvent[]): Child {
  if (events.length === 0) return h('p', {}, 'No lifecycle events.');
  return h('table', { class: 'data' },
    h('caption', { class: 'visually-hidden' }, 'Lifecycle history'),
    h('thead', {}, h('tr', {}, ['When', 'Change', 'By', 'Reason'].map((c) => h('th', { scope: 'col' }, c)))),
    h('tbody', {}, events.map((e) => h('tr', {},
      h('td', {}, formatInstant(e.at)),
      h('td', {}, e.from === null ? ['published as ', stateBadge(e.to)] : [stateBadge(e.from), ' → ', stateBadge(e.to)]),
      h('td', {}, e.actor),
      h('td', {}, e.reason),
    ))),
  );
}

function approvalsView(view: VersionView): Child {
  const approvals = view.content.approvals ?? [];
  if (approvals.length === 0) return h('p', {}, 'The rule set records no clinical approvals.');
  return h('table', { class: 'data' },
    h('caption', { class: 'visually-hidden' }, 'Clinical approvals recorded in the rule set'),
    h('thead', {}, h('tr', {}, ['Reviewer', 'Role', 'Date', 'Note'].map((c) => h('th', { scope: 'col' }, c)))),
    h('tbody', {}, approvals.map((a) => h('tr', {}, h('td', {}, a.reviewer), h('td', {}, a.role ?? '—'), h('td', {}, formatDate(a.date)), h('td', {}, a.note ?? '')))),
  );
}

function actionsView(ctx: PageContext, view: VersionView, rerender: () => Promise<void>): HTMLElement {
  const applicable = actionsForState(view.state);
  const mine = applicable.filter((a) => hasRole(ctx.user, a.role));
  const others = applicable.filter((a) => !hasRole(ctx.user, a.role));
  const reason = h('textarea', { name: 'reason', rows: 2, required: true, id: uid('reason') });
  const outcome = h('div', { class: 'action-outcome', 'aria-live': 'polite' });

  const run = async (a: ConsoleLifecycleAction, button: HTMLButtonElement): Promise<void> => {
    const text = reason.value.trim();
    if (text === '') {
      replaceChildren(outcome, errorMessage('Give a reason: every lifecycle action is kept in the version history with its reason.'));
      reason.focus();
      return;
    }
    button.disabled = true;
    replaceChildren(outcome, h('p', { class: 'loading' }, `${a.label}: sending…`));
    try {
      await apiPost(`/rule-sets/${encodeURIComponent(view.ruleSetId)}/versions/${encodeURIComponent(view.version)}/${a.action}`, { reason: text });
      ctx.announce(`${view.version}: ${a.label} done`);
      await rerender();
      const after = document.getElementById('action-outcome');
      if (after) replaceChildren(after, successMessage(`${a.label}: done. ${view.ruleSetId} ${view.version} history updated.`));
    } catch (err) {
      button.disabled = false;
      replaceChildren(outcome, errorMessage((err as Error).message));
    }
  };
  const button = (a: ConsoleLifecycleAction, cls: string, label: string): HTMLButtonElement => {
    const b: HTMLButtonElement = h('button', { type: 'button', class: cls, 'data-action': a.action }, label);
    b.addEventListener('click', () => void run(a, b));
    return b;
  };
  outcome.id = 'action-outcome';

  return h('section', { class: 'lifecycle-actions', 'aria-labelledby': 'actions-heading' },
    h('h3', { id: 'actions-heading' }, 'Lifecycle actions'),
    applicable.length === 0
      ? h('p', {}, `No lifecycle action applies to a version that is ${view.state}.`)
      : [
          field('Reason (kept in the version history)', reason),
          mine.length > 0
            ? h('div', { class: 'actions' }, mine.map((a) => button(a, 'button primary', a.label)))
            : h('p', {}, `Your roles (${ctx.user.roles.join(', ')}) take no action on a version that is ${view.state}; ${applicable.map((a) => `${a.label.toLowerCase()} needs the ${a.role} role`).join('; ')}.`),
          others.length > 0
            ? h('details', { class: 'other-roles' },
                h('summary', {}, `Actions for other roles (${others.map((a) => a.role).join(', ')})`),
                h('p', { class: 'hint' }, 'These need a role you do not have; the service will refuse them and say why.'),
                h('div', { class: 'actions' }, others.map((a) => button(a, 'button', `${a.label} (${a.role})`))),
              )
            : null,
        ],
    outcome,
  );
}

async function versionPanel(ctx: PageContext, ruleSetId: string, version: string, holder: HTMLElement, rerender: () => Promise<void>): Promise<void> {
  const view = await apiGet<VersionView>(`/rule-sets/${encodeURIComponent(ruleSetId)}/versions/${encodeURIComponent(version)}`);
  replaceChildren(holder,
    h('h2', { id: 'version-heading' }, `${view.ruleSetId} ${view.version} `, stateBadge(view.state)),
    h('dl', { class: 'pairs wide' },
      h('dt', {}, 'Title'), h('dd', {}, view.title),
      h('dt', {}, 'State'), h('dd', {}, view.state),
      h('dt', {}, 'Effective'), h('dd', {}, effective(view)),
      h('dt', {}, 'Content hash'), h('dd', {}, h('code', { class: 'hash-full' }, view.hash)),
      h('dt', {}, 'Published'), h('dd', {}, `${formatInstant(view.publishedAt)} by ${view.author}`),
      h('dt', {}, 'Publisher'), h('dd', {}, view.content.publisher ?? '—'),
      h('dt', {}, 'Authors'), h('dd', {}, (view.content.authors ?? []).map((a) => `${a.name}${a.role ? ` (${a.role})` : ''}`).join('; ') || '—'),
      h('dt', {}, 'Content'), h('dd', {}, `${plural(view.content.rules?.length ?? 0, 'rule')}, services: ${(view.content.services ?? []).map((s) => `${s.id} (${s.hook})`).join(', ') || '—'}`),
    ),
    actionsView(ctx, view, rerender),
    h('h3', {}, 'Clinical approvals'),
    approvalsView(view),
    h('h3', {}, 'Lifecycle history'),
    historyTable(view.history),
    contentView(view.content as unknown as RuleSet),
  );
}

/** The whole version, readable: each section in a disclosure (rules open), each entry under its id. */
function contentView(content: RuleSet): HTMLElement {
  const description = describeRuleSet(content);
  const section = (s: DescribedSection, open: boolean): HTMLElement =>
    h('details', { class: 'described-section', open: open ? true : null },
      h('summary', {}, h('h4', { class: 'inline' }, s.title)),
      h('dl', { class: 'described-entries' }, s.entries.map((entry) => [
        h('dt', { id: `entry-${entry.id}` }, h('code', {}, entry.id), ` ${entry.title}`),
        h('dd', {}, h('ul', { class: 'plain described-lines' }, entry.lines.map((line) =>
          h('li', { class: `depth-${Math.min(line.depth, 6)}` }, line.text)))),
      ])),
    );
  return h('section', { class: 'version-content', 'aria-labelledby': 'content-heading' },
    h('h3', { id: 'content-heading' }, 'What this version does'),
    h('ul', { class: 'plain' }, description.lines.map((l) => h('li', {}, l))),
    description.sections.map((s) => section(s, s.title.startsWith('Rules'))),
  );
}

async function render(ctx: PageContext): Promise<void> {
  const ruleSets = await listRuleSets();
  const wantedSet = ctx.params.get('ruleSet');
  const selectedSet = ruleSets.find((r) => r.id === wantedSet) ?? ruleSets[0];
  const selectedVersion = ctx.params.get('version') ?? (selectedSet ? selectedSet.activeVersion ?? selectedSet.versions[selectedSet.versions.length - 1]?.version : undefined);
  const sections: Child[] = [];
  for (const rs of ruleSets) {
    const versions = (await apiGet<{ versions: VersionSummary[] }>(`/rule-sets/${encodeURIComponent(rs.id)}/versions`)).versions;
    sections.push(
      h('section', { class: 'rule-set', 'aria-labelledby': `rs-${rs.id}` },
        h('h2', { id: `rs-${rs.id}` }, `${rs.title} (${rs.id})`),
        h('p', {}, rs.activeVersion ? `Active version: ${rs.activeVersion}.` : 'No version is active.'),
        versionsTable(rs, versions, rs === selectedSet ? selectedVersion : undefined),
      ),
    );
  }
  const panel = h('section', { class: 'version-panel', 'aria-labelledby': 'version-heading' });
  replaceChildren(ctx.main,
    ...pageHeading('Rule sets and versions', 'Status, effective dates, content hashes, approvals and history of every published version; lifecycle actions for your roles.'),
    ruleSets.length === 0 ? errorMessage('The registry has no rule sets yet.') : sections,
    panel,
  );
  if (selectedSet && selectedVersion) {
    const rerender = async (): Promise<void> => {
      await render(ctx);
    };
    try {
      await versionPanel(ctx, selectedSet.id, selectedVersion, panel, rerender);
    } catch (err) {
      replaceChildren(panel, errorMessage((err as Error).message));
    }
  }
}

export const ruleSetsPage: Page = { id: 'rule-sets', title: 'Rule sets', render };
