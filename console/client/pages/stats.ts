/**
 * Override statistics (auditor): the override rate of each rule and rule-set version per period
 * (day, week or month, UTC), as a line chart drawn in SVG with the same numbers in a table, and, for
 * the whole range, shown/accepted/overridden counts with the override reasons given. Each period is
 * one call to GET /admin/api/stats/overrides?from&to.
 */
import { apiGet, query } from '../api.js';
import { lineChart } from '../chart.js';
import { field, h, replaceChildren, select, type Child } from '../dom.js';
import { percent } from '../format.js';
import { pageHeading, ResultRegion, type Page, type PageContext } from '../page.js';
import { listRuleSets } from '../registry.js';

export type Bucket = 'day' | 'week' | 'month';
/** Most periods one chart asks for (one API call each). */
export const MAX_PERIODS = 60;
const DAY_MS = 86_400_000;

interface StatsRow {
  ruleSetId: string;
  ruleId: string;
  ruleSetVersion: string;
  shown: number;
  accepted: number;
  overridden: number;
  overrideRate: number;
  reasons: Array<{ code: string | null; system: string | null; display: string | null; count: number }>;
}

interface StatsResponse {
  from: string;
  to: string;
  rows: StatsRow[];
}

interface Period {
  from: Date;
  to: Date;
  label: string;
}

function utcDay(iso: string): Date {
  return new Date(`${iso.slice(0, 10)}T00:00:00.000Z`);
}

function dayText(d: Date): string {
  return d.toISOString().slice(0, 10);
}

/** Periods covering [from, to) in UTC; the last one is cut at `to`. */
export function periods(from: Date, to: Date, bucket: Bucket): Period[] {
  const out: Period[] = [];
  let start = new Date(from);
  while (start < to && out.length <= MAX_PERIODS) {
    let end: Date;
    if (bucket === 'month') end = new Date(Date.UTC(start.getUTCFullYear(), start.getUTCMonth() + 1, 1));
    else end = new Date(start.getTime() + (bucket === 'week' ? 7 : 1) * DAY_MS);
    if (end > to) end = new Date(to);
    out.push({ from: start, to: end, label: bucket === 'month' ? dayText(start).slice(0, 7) : dayText(start) });
    start = end;
  }
  return out;
}

function seriesKey(r: StatsRow): string {
  return `${r.ruleId} @ ${r.ruleSetVersion}`;
}

function reasonsText(r: StatsRow): Child {
  if (r.reasons.length === 0) return h('span', { class: 'muted' }, r.overridden === 0 ? '—' : 'none given');
  return h('ul', { class: 'plain' }, r.reasons.map((x) => h('li', {}, `${x.display ?? x.code ?? 'no reason given'}: ${x.count}`)));
}

function totalsTable(rows: StatsRow[], caption: string): HTMLElement {
  return h('table', { class: 'data' },
    h('caption', {}, caption),
    h('thead', {}, h('tr', {}, ['Rule', 'Version', 'Shown', 'Accepted', 'Overridden', 'Override rate', 'Reasons given'].map((c) => h('th', { scope: 'col' }, c)))),
    h('tbody', {}, rows.map((r) => h('tr', {},
      h('th', { scope: 'row' }, h('code', {}, r.ruleId)),
      h('td', {}, r.ruleSetVersion),
      h('td', { class: 'num' }, String(r.shown)),
      h('td', { class: 'num' }, String(r.accepted)),
      h('td', { class: 'num' }, String(r.overridden)),
      h('td', { class: 'num' }, percent(r.overrideRate)),
      h('td', {}, reasonsText(r)),
    ))),
  );
}

async function render(ctx: PageContext): Promise<void> {
  const ruleSets = await listRuleSets().catch(() => []);
  // The service's own "now" (the default `to` of the stats route) anchors the default range.
  const probe = await apiGet<StatsResponse>('/stats/overrides');
  const serverNow = new Date(probe.to);
  const defaultThrough = dayText(serverNow);
  const defaultFrom = dayText(new Date(utcDay(defaultThrough).getTime() - 11 * 7 * DAY_MS));
  const p = ctx.params;

  const ruleSetSelect = select('ruleSetId', [{ value: '', label: 'All rule sets' }, ...ruleSets.map((r) => ({ value: r.id, label: r.id, selected: p.get('ruleSetId') === r.id }))]);
  const ruleInput = h('input', { type: 'text', name: 'rule', value: p.get('rule') ?? '', autocomplete: 'off', spellcheck: 'false' });
  const fromInput = h('input', { type: 'date', name: 'from', value: p.get('from') ?? defaultFrom, required: true });
  const throughInput = h('input', { type: 'date', name: 'through', value: p.get('through') ?? defaultThrough, required: true });
  const bucketSelect = select('bucket', (['day', 'week', 'month'] as Bucket[]).map((b) => ({ value: b, label: `per ${b}`, selected: (p.get('bucket') ?? 'week') === b })));
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
      const [total, ...perPeriod] = await Promise.all([
        apiGet<StatsResponse>(`/stats/overrides${query({ from: from.toISOString(), to: to.toISOString(), ...filters })}`),
        ...list.map((period) => apiGet<StatsResponse>(`/stats/overrides${query({ from: period.from.toISOString(), to: period.to.toISOString(), ...filters })}`)),
      ]);
      const keys = [...new Set(total.rows.map(seriesKey))].sort();
      const series = keys.map((key) => ({
        label: key,
        points: perPeriod.map((resp) => {
          const row = resp.rows.find((r) => seriesKey(r) === key);
          return row === undefined || row.shown === 0
            ? { value: null, title: 'no cards shown' }
            : { value: row.overrideRate, title: `${percent(row.overrideRate)} overridden (${row.overridden} of ${row.shown})` };
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
    ...pageHeading('Override statistics', 'How often clinicians override each rule\'s cards, per rule-set version over time, and the reasons they give. Cards without feedback count as shown only.'),
    form,
    results.el,
  );
  await show();
}

export const statsPage: Page = { id: 'stats', title: 'Override statistics', render };
