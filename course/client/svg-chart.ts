/**
 * A small SVG time chart (no library): points and lines over dates, horizontal threshold lines,
 * vertical markers and shaded bands. Colours come from the stylesheet (classes), every line and band
 * is also told apart by dash pattern or label, and the figure carries a text summary (role="img"
 * with aria-label); callers put the data in a table next to it.
 */
const SVG = 'http://www.w3.org/2000/svg';
const DAY_MS = 86_400_000;

export interface ChartPoint {
  t: number;
  y: number;
  label?: string;
}

export interface ChartSpec {
  summary: string;
  x: [number, number];
  y: [number, number];
  yUnit: string;
  series: Array<{ points: ChartPoint[]; cls: string; line: boolean; marker: 'circle' | 'square' | 'diamond' }>;
  hLines?: Array<{ y: number; label: string; cls: string }>;
  vLines?: Array<{ t: number; label: string; cls: string }>;
  bands?: Array<{ t0: number; t1: number; label: string; cls: string }>;
  height?: number;
}

function el(name: string, attrs: Record<string, string | number>, ...children: Array<SVGElement | string>): SVGElement {
  const node = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  for (const c of children) node.append(typeof c === 'string' ? document.createTextNode(c) : c);
  return node;
}

export function dayStart(iso: string): number {
  return Date.parse(`${iso.slice(0, 10)}T00:00:00Z`);
}

function shortDate(t: number): string {
  return new Date(t).toISOString().slice(5, 10);
}

export function chart(spec: ChartSpec): SVGElement {
  const W = 720;
  const H = spec.height ?? 260;
  const left = 44;
  const right = 12;
  const top = 16;
  const bottom = 34;
  const [x0, x1] = spec.x[1] > spec.x[0] ? spec.x : [spec.x[0] - DAY_MS, spec.x[0] + DAY_MS];
  const [y0, y1] = spec.y[1] > spec.y[0] ? spec.y : [spec.y[0] - 1, spec.y[0] + 1];
  const sx = (t: number): number => left + ((t - x0) / (x1 - x0)) * (W - left - right);
  const sy = (y: number): number => top + (1 - (y - y0) / (y1 - y0)) * (H - top - bottom);
  const svg = el('svg', { viewBox: `0 0 ${W} ${H}`, class: 'chart', role: 'img', 'aria-label': spec.summary, preserveAspectRatio: 'xMinYMin meet' });

  for (const b of spec.bands ?? []) {
    const a = Math.max(sx(b.t0), left);
    const z = Math.min(sx(b.t1), W - right);
    if (z <= a) continue;
    svg.append(el('rect', { x: a, y: top, width: z - a, height: H - top - bottom, class: `band ${b.cls}` }, el('title', {}, b.label)));
    // A label only where it fits; every band also has its title (and the caption says it in words).
    if (z - a >= b.label.length * 6.5 + 6) svg.append(el('text', { x: a + 3, y: top + (b.cls.startsWith('window') ? 25 : 11), class: 'band-label' }, b.label));
  }
  // Axes and grid.
  const ticks = 5;
  for (let i = 0; i <= ticks; i++) {
    const y = y0 + ((y1 - y0) * i) / ticks;
    svg.append(el('line', { x1: left, x2: W - right, y1: sy(y), y2: sy(y), class: 'grid' }));
    svg.append(el('text', { x: left - 6, y: sy(y) + 4, class: 'tick', 'text-anchor': 'end' }, String(Math.round(y))));
  }
  const days = (x1 - x0) / DAY_MS;
  const step = Math.max(1, Math.ceil(days / 8));
  for (let t = dayStart(new Date(x0).toISOString()); t <= x1; t += step * DAY_MS) {
    if (t < x0) continue;
    svg.append(el('line', { x1: sx(t), x2: sx(t), y1: H - bottom, y2: H - bottom + 4, class: 'axis' }));
    svg.append(el('text', { x: sx(t), y: H - bottom + 16, class: 'tick', 'text-anchor': 'middle' }, shortDate(t)));
  }
  svg.append(el('line', { x1: left, x2: W - right, y1: H - bottom, y2: H - bottom, class: 'axis' }));
  svg.append(el('text', { x: 4, y: 11, class: 'tick' }, spec.yUnit));

  for (const h of spec.hLines ?? []) {
    if (h.y < y0 || h.y > y1) continue;
    svg.append(el('line', { x1: left, x2: W - right, y1: sy(h.y), y2: sy(h.y), class: `hline ${h.cls}` }, el('title', {}, h.label)));
    svg.append(el('text', { x: W - right - 2, y: sy(h.y) - 4, class: `hline-label ${h.cls}`, 'text-anchor': 'end' }, h.label));
  }
  (spec.vLines ?? []).forEach((v, i) => {
    if (v.t < x0 || v.t > x1) return;
    const x = sx(v.t);
    const nearRight = x > W - right - 80;
    svg.append(el('line', { x1: x, x2: x, y1: top, y2: H - bottom, class: `vline ${v.cls}` }, el('title', {}, v.label)));
    // Markers close together: each label on its own line.
    svg.append(el('text', { x: nearRight ? x - 3 : x + 3, y: H - bottom - 6 - i * 14, class: `vline-label ${v.cls}`, 'text-anchor': nearRight ? 'end' : 'start' }, v.label));
  });
  for (const s of spec.series) {
    if (s.line && s.points.length > 1) {
      svg.append(el('polyline', { points: s.points.map((p) => `${sx(p.t)},${sy(p.y)}`).join(' '), class: `series ${s.cls}` }));
    }
    for (const p of s.points) {
      const cx = sx(p.t);
      const cy = sy(p.y);
      const title = el('title', {}, p.label ?? `${shortDate(p.t)}: ${p.y}`);
      if (s.marker === 'circle') svg.append(el('circle', { cx, cy, r: 5, class: `marker ${s.cls}` }, title));
      else if (s.marker === 'square') svg.append(el('rect', { x: cx - 4.5, y: cy - 4.5, width: 9, height: 9, class: `marker ${s.cls}` }, title));
      else svg.append(el('polygon', { points: `${cx},${cy - 6} ${cx + 6},${cy} ${cx},${cy + 6} ${cx - 6},${cy}`, class: `marker ${s.cls}` }, title));
    }
  }
  return svg;
}
