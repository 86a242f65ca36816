/**
 * Draws the course picture (engine/course-picture-types.ts): the state of the course in words
 * first (phase, next-dose window, end-of-induction checkpoint, response, lapses), then the session
 * timeline, each symptom score against its baseline, response and remission lines, and blood pressure
 * against the rule set's thresholds. Every chart has a text summary and a data table; nothing is
 * told by colour alone (labels, dash patterns, marker shapes).
 */
import type { CoursePicture, PictureScore, PictureThreshold, PictureWindowSegment } from '../../engine/course-picture-types.js';
import { chart, dayStart, type ChartSpec } from './svg-chart.js';

type Child = Node | string | null | undefined | false | Child[];
const DAY_MS = 86_400_000;

export function h(tag: string, attrs: Record<string, string> = {}, ...children: Child[]): HTMLElement {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  const add = (c: Child): void => {
    if (c === null || c === undefined || c === false) return;
    if (Array.isArray(c)) c.forEach(add);
    else node.append(typeof c === 'string' ? document.createTextNode(c) : c);
  };
  children.forEach(add);
  return node;
}

function day(iso: string | null | undefined): string {
  return iso ? iso.slice(0, 10) : '—';
}

const STATUS_WORDS: Record<PictureWindowSegment['status'], string> = {
  'too-soon': 'too soon',
  'not-yet-due': 'not yet due',
  due: 'due',
  overdue: 'overdue',
  lapsed: 'course lapsed',
};

function comparison(t: PictureThreshold): string {
  return { greaterThan: '>', greaterThanInclusive: '≥', lessThan: '<', lessThanInclusive: '≤' }[t.operator] ?? t.operator;
}

function windowText(p: CoursePicture): string {
  const n = p.nextDose;
  if (n.segments.length === 0) return `No next-dose window: ${n.reason ?? 'none'}.`;
  return n.segments
    .map((s) => (s.to === null ? `${STATUS_WORDS[s.status]} from ${s.from}` : s.from === s.to ? `${STATUS_WORDS[s.status]} on ${s.from}` : `${STATUS_WORDS[s.status]} ${s.from} to ${s.to}`))
    .join('; ');
}

function responseText(s: PictureScore): string {
  if (s.baseline === null) return `${s.title}: no baseline score before the course start.`;
  if (s.latest === null) return `${s.title}: baseline ${s.baseline.value} on ${day(s.baseline.date)}; no later score.`;
  const change = s.changePercent === null ? '' : ` (${s.changePercent > 0 ? '+' : ''}${s.changePercent} %)`;
  const head = `${s.title}: ${s.baseline.value} on ${day(s.baseline.date)} → ${s.latest.value} on ${day(s.latest.date)}${change}`;
  const response =
    s.responseChangePercent === null
      ? 'the rule set defines no response threshold for this score'
      : `response ${s.responseReached ? 'reached' : 'not reached'} (response = change ${s.responseChangePercent.operator.startsWith('less') ? comparison(s.responseChangePercent) : '≤'} ${s.responseChangePercent.value} %)`;
  const remission =
    s.remission === null ? '' : `; remission ${s.remissionReached ? 'reached' : 'not reached'} (score ${comparison(s.remission)} ${s.remission.value})`;
  return `${head}: ${response}${remission}.`;
}

function statusList(p: CoursePicture): HTMLElement {
  const items: Array<[string, string, string]> = [];
  items.push(['phase', 'Phase', p.timing.present ? `${p.timing.phaseLabel}${p.timing.courseDay !== null ? `, course day ${p.timing.courseDay}` : ''} (${p.timing.dosesInCourse} sessions in this course)` : p.timing.text]);
  items.push(['status', 'Now', `${p.timing.statusText}${p.timing.lastDose ? ` — last session ${day(p.timing.lastDose)}${p.timing.daysSinceLast !== null ? `, ${p.timing.daysSinceLast} days ago` : ''}` : ''}`]);
  items.push(['window', 'Next dose', windowText(p)]);
  if (p.checkpoint) {
    const c = p.checkpoint;
    items.push(['checkpoint', 'End of induction', `checkpoint at ${c.doses} sessions or day ${c.days}${c.byDay ? ` (by ${c.byDay})` : ''}: ${c.reached ? 'reached' : `not yet (${c.dosesInCourse} of ${c.doses} sessions)`}`]);
  }
  for (const s of p.scores) items.push([`response-${s.fact}`, 'Response', responseText(s)]);
  items.push(['lapses', 'Lapses', p.lapses.length === 0 ? 'none' : p.lapses.map((l) => (l.to === null ? `lapsed since ${l.from} (${l.gapDays} days)` : `${l.from} to ${l.to} (${l.gapDays} days: a new course started)`)).join('; ')]);
  return h('dl', { class: 'status-list' }, items.map(([key, label, text]) => h('div', { class: 'status-item', 'data-status': key }, h('dt', {}, label), h('dd', {}, text))));
}

function range(values: number[], pad: number): [number, number] {
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  return [Math.floor(lo - pad), Math.ceil(hi + pad)];
}

function timeDomain(p: CoursePicture): [number, number] {
  const ts = [
    ...p.sessions.map((s) => dayStart(s.date)),
    ...p.scores.flatMap((s) => s.points.map((x) => dayStart(x.date))),
    ...p.bloodPressure.readings.map((r) => dayStart(r.date)),
    dayStart(p.now),
  ];
  const last = p.nextDose.segments.at(-1);
  if (last) ts.push(dayStart(last.from) + 2 * DAY_MS);
  return [Math.min(...ts) - DAY_MS, Math.max(...ts) + DAY_MS];
}

function figure(id: string, title: string, spec: ChartSpec, table: HTMLElement, note?: string): HTMLElement {
  return h('section', { class: 'panel', 'aria-labelledby': `${id}-title`, 'data-chart': id },
    h('h2', { id: `${id}-title` }, title),
    h('figure', {}, chart(spec), h('figcaption', {}, spec.summary)),
    note ? h('p', { class: 'note' }, note) : null,
    h('details', { class: 'data' }, h('summary', {}, `${title}: the data`), table),
  );
}

function table(caption: string, head: string[], rows: string[][]): HTMLElement {
  return h('table', {}, h('caption', {}, caption), h('thead', {}, h('tr', {}, head.map((c) => h('th', { scope: 'col' }, c)))), h('tbody', {}, rows.map((r) => h('tr', {}, r.map((c) => h('td', {}, c))))));
}

function timeline(p: CoursePicture, x: [number, number]): HTMLElement {
  const bands: NonNullable<ChartSpec['bands']> = [];
  if (p.schedule && p.timing.courseStart) {
    const start = dayStart(p.timing.courseStart);
    p.schedule.phases.forEach((ph, i) => {
      const next = p.schedule!.phases[i + 1];
      bands.push({ t0: start + ph.fromDay * DAY_MS, t1: next ? start + next.fromDay * DAY_MS : x[1], label: ph.id, cls: `phase phase-${i}` });
    });
  }
  for (const s of p.nextDose.segments) {
    bands.push({ t0: dayStart(s.from), t1: s.to === null ? x[1] : dayStart(s.to) + DAY_MS, label: STATUS_WORDS[s.status], cls: `window window-${s.status}` });
  }
  const vLines: NonNullable<ChartSpec['vLines']> = [{ t: dayStart(p.now), label: 'today', cls: 'now' }];
  if (p.checkpoint?.byDay) vLines.push({ t: dayStart(p.checkpoint.byDay), label: 'checkpoint', cls: 'checkpoint' });
  const doses = p.sessions.map((s) => Number.parseFloat(s.dose ?? '') || 0);
  const spec: ChartSpec = {
    summary: `${p.sessions.length} sessions recorded (${p.sessions.filter((s) => s.inCourse).length} in the current course); next dose: ${windowText(p)}`,
    x,
    y: [0, Math.max(1, ...doses) * 1.25],
    yUnit: p.sessions[0]?.dose?.replace(/^[\d.]+\s*/, '') || 'dose',
    series: [
      { points: p.sessions.filter((s) => !s.inCourse).map((s) => ({ t: dayStart(s.date), y: Number.parseFloat(s.dose ?? '') || 0, label: `${day(s.date)}: ${s.productLabel} ${s.dose ?? ''}` })), cls: 'session-old', line: false, marker: 'square' },
      { points: p.sessions.filter((s) => s.inCourse).map((s) => ({ t: dayStart(s.date), y: Number.parseFloat(s.dose ?? '') || 0, label: `${day(s.date)}: ${s.productLabel} ${s.dose ?? ''}` })), cls: 'session', line: false, marker: 'circle' },
    ],
    bands,
    vLines,
    height: 220,
  };
  const rows = p.sessions.map((s, i) => [String(i + 1), day(s.date), s.productLabel, s.dose ?? 'not recorded', s.route ?? 'not recorded', s.inCourse ? 'current' : 'earlier']);
  return figure('sessions', 'Sessions', spec, table('Every session, oldest first', ['#', 'Date', 'Product', 'Dose', 'Route', 'Course'], rows));
}

function scoreFigure(s: PictureScore, x: [number, number]): HTMLElement {
  if (s.points.length === 0) {
    return h('section', { class: 'panel', 'data-chart': `score-${s.fact}` }, h('h2', {}, s.title), h('p', {}, `No ${s.title} recorded.`));
  }
  const hLines: NonNullable<ChartSpec['hLines']> = [];
  if (s.baseline) hLines.push({ y: s.baseline.value, label: `baseline ${s.baseline.value}`, cls: 'baseline' });
  if (s.responseScore !== null && s.responseChangePercent) hLines.push({ y: s.responseScore, label: `response (${s.responseChangePercent.value} %) ${s.responseScore}`, cls: 'response' });
  if (s.remission) hLines.push({ y: s.remission.value, label: `remission ${comparison(s.remission)} ${s.remission.value}`, cls: 'remission' });
  const values = [...s.points.map((p) => p.value), ...hLines.map((l) => l.y), 0];
  const spec: ChartSpec = {
    summary: responseText(s),
    x,
    y: [0, range(values, 2)[1]],
    yUnit: 'score',
    series: [{ points: s.points.map((p) => ({ t: dayStart(p.date), y: p.value })), cls: 'score', line: true, marker: 'circle' }],
    hLines,
  };
  const note = s.remission === null ? 'The active rule-set version defines no remission threshold for this score.' : undefined;
  return figure(`score-${s.fact}`, s.title, spec, table(`${s.title}, oldest first`, ['Date', 'Score'], s.points.map((p) => [day(p.date), String(p.value)])), note);
}

function bpFigure(p: CoursePicture, x: [number, number]): HTMLElement {
  const bp = p.bloodPressure;
  const hLines = bp.thresholds.map((t) => ({ y: t.value, label: `${t.measure} ${comparison(t)} ${t.value} (${[...new Set(t.rules.map((r) => r.indicator))].join('/')})`, cls: `threshold threshold-${t.rules[0]?.indicator ?? 'info'}` }));
  const values = [...bp.readings.flatMap((r) => [r.systolic, r.diastolic]), ...hLines.map((l) => l.y)];
  const latest = bp.readings.at(-1);
  const spec: ChartSpec = {
    summary: latest ? `${bp.readings.length} blood-pressure readings; latest ${latest.systolic}/${latest.diastolic} mmHg on ${day(latest.date)}. Thresholds: ${hLines.map((l) => l.label).join('; ')}` : 'No blood-pressure reading recorded.',
    x,
    y: values.length > 0 ? range(values, 10) : [60, 200],
    yUnit: 'mmHg',
    series: [
      { points: bp.readings.map((r) => ({ t: Date.parse(r.date), y: r.systolic, label: `${day(r.date)}: systolic ${r.systolic}` })), cls: 'systolic', line: true, marker: 'diamond' },
      { points: bp.readings.map((r) => ({ t: Date.parse(r.date), y: r.diastolic, label: `${day(r.date)}: diastolic ${r.diastolic}` })), cls: 'diastolic', line: true, marker: 'square' },
    ],
    hLines,
  };
  const rows = bp.readings.map((r) => [r.date.replace('T', ' ').slice(0, 16), `${r.systolic}/${r.diastolic}`]);
  return figure('blood-pressure', 'Blood pressure', spec, table('Blood-pressure readings, oldest first', ['Date', 'mmHg'], rows));
}

export function drawCourse(p: CoursePicture, patientName: string): HTMLElement {
  const x = timeDomain(p);
  const title = `${patientName}: ${p.product ? p.product.label : 'no ketamine or esketamine course recorded'}`;
  return h('article', { class: 'course', 'aria-labelledby': 'course-title' },
    h('header', { class: 'course-head' },
      h('h1', { id: 'course-title' }, title),
      h('p', { class: 'meta' },
        p.indication ? `Indication: ${p.indication.label}. ` : '',
        p.schedule ? `Schedule: ${p.schedule.label} (${p.schedule.certainty}). ` : '',
        `Rule set ${p.ruleSet.id} ${p.ruleSet.version} · as of ${p.now.slice(0, 16).replace('T', ' ')} UTC`,
      ),
    ),
    h('section', { class: 'panel', 'aria-labelledby': 'state-title' }, h('h2', { id: 'state-title' }, 'Where the course stands'), statusList(p)),
    timeline(p, x),
    p.scores.map((s) => scoreFigure(s, x)),
    bpFigure(p, x),
    p.weights.length > 0 ? h('section', { class: 'panel', 'aria-labelledby': 'weight-title' }, h('h2', { id: 'weight-title' }, 'Weight'), table('Weights, oldest first', ['Date', 'kg'], p.weights.map((w) => [day(w.date), String(w.kg)]))) : null,
    h('p', { class: 'footnote' }, 'Advisory decision support from the same rule-set version as the cards; it does not replace clinical judgement.'),
  );
}
