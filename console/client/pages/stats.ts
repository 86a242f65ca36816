/**
 * Override statistics (auditor): the override rate of each rule and rule-set version per period
 * (day, week or month, UTC), as a line chart drawn in SVG with the same numbers in a table, and, for
 * the whole range, shown / with feedback / without feedback / accepted / overridden with the override
 * reasons given. One call to GET /admin/api/stats/overrides?from&to&bucket gives the whole range and
 * its periods. The override rate is overridden / cards that got feedback: a rule whose cards got no
 * feedback has no rate (shown as "no feedback", never 0 %). The default range and period are the
 * API's (the last 12 weeks, weekly).
 */
import { apiGet, query } from '../api.js';
import { lineChart } from '../chart.js';
import { field, h, replaceChildren, select, type Child } from '../dom.js';
import { percent } from '../format.js';
import { pageHeading, ResultRegion, type Page, type PageContext } from '../page.js';
import { listRuleSets } from '../registry.js';
import { BUCKETS, MAX_PERIODS, periods, type Bucket } from '../../../lib/time-periods.js';

export { periods };
const DAY_MS = 86_400_000;

interface StatsRow {
  ruleSetId: string;
  ruleId: string;
  ruleSetVersion: string;
  shown: number;
  accepted: number;
  overridden: number;
  withFeedback: number;
  withoutFeedback: number;
  overrideRate: number | null;
  reasons: Array<{ code: string | null; system: string | null; display: string | null; count: number }>;
}

interface StatsResponse {
  from: string;
  to: string;
  bucket: Bucket;
  rows: StatsRow[];
  periods: { from: string; to: string; label: string; rows: StatsRow[] }[];
}

function utcDay(iso: string): Date {
  return new Date(`${iso.slice(0, 10)}T00:00:00.000Z`);
}

function dayText(d: Date): string {
  return d.toISOString().slice(0, 10);
}

function seriesKey(r: StatsRow): string {
  return `${r.ruleId} @ ${r.ruleSetId} ${r.ruleSetVersion}`;
}

function rateText(r: StatsRow): string {
  return r.overrideRate === null ? 'no feedback' : percent(r.overrideRate);
}

function reasonsText(r: StatsRow): Child {
  if (r.reasons.length === 0) return h('span', { class: 'muted' }, r.overridden === 0 ? '—' : 'none given');
  return h('ul', { class: 'plain' }, r.reasons.map((x) => h('li', {}, `${x.display ?? x.code ?? 'no reason given'}: ${x.count}`)));
}

function totalsTable(rows: StatsRow[], caption: string): HTMLElement {
  return h('table', { class: 'data' },
    h('caption', {}, caption),
    h('thead', {}, h('tr', {}, ['Rule', 'Rule set and version', 'Shown', 'With feedback', 'Without feedback', 'Accepted', 'Overridden', 'Override rate (of cards with feedback)', 'Reasons given'].map((c) => h('th', { scope: 'col' }, c)))),
    h('tbody', {}, rows.map((r) => h('tr', {},
      h('th', { scope: 'row' }, h('code', {}, r.ruleId)),
      h('td', {}, `${r.ruleSetId} ${r.ruleSetVersion}`),
      h('td', { class: 'num' }, String(r.shown)),
      h('td', { class: 'num' }, String(r.withFeedback)),
      h('td', { class: 'num' }, String(r.withoutFeedback)),
      h('td', { class: 'num' }, String(r.accepted)),
      h('td', { class: 'num' }, String(r.overridden)),
      h('td', { class: 'num' }, rateText(r)),
      h('td', {}, reasonsText(r)),
    ))),
  );
}

async function render(ctx: PageContext): Promise<void> {
  const ruleSets = await listRuleSets().catch(() => []);
  // The API's defaults (its own "now", the last 12 weeks, weekly) are the page's defaults.
  const probe = await apiGet<StatsResponse>('/stats/overrides');
  const defaultThrough = dayText(new Date(probe.to));
  const defaultFrom = dayText(new Date(Date.parse(probe.from) + DAY_MS - 1));
  const p = ctx.params;

  const ruleSetSelect = select('ruleSetId', [{ value: '', label: 'All rule sets' }, ...ruleSets.map((r) => ({ value: r.id, label: r.id, selected: p.get('ruleSetId') === r.id }))]);
  const ruleInput = h('input', { type: 'text', name: 'rule', value: p.get('rule') ?? '', autocomplete: 'off', spellcheck: 'false' });
  const fromInput = h('input', { type: 'date', name: 'from', value: p.get('from') ?? defaultFrom, required: true });
  const throughInput = h('input', { type: 'date', name: 'through', value: p.get('through') ?? defaultThrough, required: true });
  const bucketSelect = select('bucket', BUCKETS.map((b) => ({ value: b, label: `per ${b}`, selected: (p.get('bucket') ?? probe.bucket) === b })));
  const results = new ResultRegion('Override statistics');

  const show = async (): Promise<void> => {
    if (!fromInput.value || !throughInput.value) return results.error('Give both dates.');
    const from = utcDay(fromInput.value);
    const to = new Date(utcDay(throughInput.value).getTime() + DAY_MS);
    if (to <= from) return results.error('"Through" must not be before "From".');
    const bucket = bucketSelect.value as Bucket;
    const list = periods(from, to, bucket);
    if (list.length > MAX_PERIODS) return results.error(`That is more than ${MAX_PERIODS} periods; choose a longer period or a shorter range.`);
    const filters = { ruleSetId: ruleSetSelect.value || undefined, rule: ruleInput.value.trim() || undefined };
    results.loading(`Loading ${list.length} periods…`);
    try {
      const total = await apiGet<StatsResponse>(`/stats/overrides${query({ from: from.toISOString(), to: to.toISOString(), bucket, ...filters })}`);
      const perPeriod = total.periods;
      const keys = [...new Set(total.rows.map(seriesKey))].sort();
      const series = keys.map((key) => ({
        label: key,
        points: perPeriod.map((resp) => {
          const row = resp.rows.find((r) => seriesKey(r) === key);
          if (row === undefined || row.shown === 0) return { value: null, title: 'no cards shown' };
          if (row.overrideRate === null) return { value: null, title: `no feedback on ${row.shown} card(s) shown` };
          return { value: row.overrideRate, title: `${percent(row.overrideRate)} overridden (${row.overridden} of ${row.withFeedback} with feedback; ${row.withoutFeedback} without)` };
        }),
      }));
      const xLabels = list.map((x) => x.label);
      const content: Child[] = [];
      if (keys.length === 0) {
        content.push(h('p', {}, 'No card was shown in this range.'));
      } else {
        content.push(
          lineChart({
            title: `Override rate per ${bucket}, ${dayText(from)} to ${throughInput.value}`,
            description: series
              .map((s) => `${s.label}: ${s.points.map((pt, i) => (pt.value === null ? null : `${xLabels[i]} ${percent(pt.value)}`)).filter((t) => t !== null).join(', ') || 'no data'}`)
              .join('. '),
            xLabels,
            series,
          }),
          h('details', { class: 'chart-data' },
            h('summary', {}, 'Chart data as a table'),
            h('table', { class: 'data compact' },
              h('caption', { class: 'visually-hidden' }, `Override rate per ${bucket}`),
              h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Rule @ version'), xLabels.map((l) => h('th', { scope: 'col' }, l)))),
              h('tbody', {}, series.map((s) => h('tr', {}, h('th', { scope: 'row' }, s.label), s.points.map((pt) => h('td', { class: 'num' }, pt.value === null ? '—' : percent(pt.value)))))),
            ),
          ),
          totalsTable(total.rows, `Whole range: ${dayText(from)} to ${throughInput.value} (UTC)`),
        );
      }
      results.show(...content);
      ctx.announce(`Override statistics for ${keys.length} rule versions shown`);
      history.replaceState(null, '', `/console/stats${query({ from: fromInput.value, through: throughInput.value, bucket, ...filters })}`);
    } catch (err) {
      results.error((err as Error).message);
    }
  };

  const form = h('form', { class: 'stats-form', 'aria-label': 'Statistics range', novalidate: true },
    h('div', { class: 'form-grid' },
      field('From (UTC date)', fromInput),
      field('To (UTC date, inclusive)', throughInput),
      field('Period', bucketSelect),
      field('Rule set', ruleSetSelect),
      field('Rule id (optional)', ruleInput),
    ),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'button primary' }, 'Show statistics')),
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    void show();
  });
  replaceChildren(ctx.main,
    ...pageHeading('Override statistics', 'How often clinicians override each rule\'s cards, per rule set and version over time, and the reasons they give. The rate is overridden / cards that got feedback; cards without feedback are counted apart, and no feedback means no rate.'),
    form,
    results.el,
  );
  await show();
}

export const statsPage: Page = { id: 'stats', title: 'Override statistics', render };
