/**
 * A small line chart drawn as inline SVG (no chart library, nothing loaded from elsewhere): one line
 * per series over shared x categories, y from 0 to 100 %. Series differ by colour, dash pattern and
 * marker shape, so they can be told apart without colour; every point has a tooltip (<title>), and
 * the figure carries a text description. Pages put the same numbers in a table next to it.
 */
import { h, svg, uid } from './dom.js';

export interface ChartPoint {
  /** 0..1, or null where there is nothing to plot (a gap in the line). */
  value: number | null;
  /** Tooltip / accessible text for the point. */
  title: string;
}

export interface ChartSeries {
  label: string;
  points: ChartPoint[];
}

export interface LineChartOptions {
  title: string;
  description: string;
  xLabels: string[];
  series: ChartSeries[];
}

/** Colours with at least 3:1 contrast against white (WCAG non-text contrast). */
export const SERIES_COLOURS = ['#1f5fbf', '#b3261e', '#1e7d32', '#7b1fa2', '#a35200', '#00707a', '#5d4037', '#ad1457'];
const DASHES = ['', '6 3', '2 3', '8 3 2 3'];
const MARKERS = ['circle', 'square', 'triangle', 'diamond'] as const;

const WIDTH = 1240;
const HEIGHT = 320;
const MARGIN = { top: 16, right: 48, bottom: 56, left: 52 };

function marker(kind: (typeof MARKERS)[number], x: number, y: number, colour: string): SVGElement {
  const r = 4.5;
  switch (kind) {
    case 'circle':
      return svg('circle', { cx: x, cy: y, r, fill: colour });
    case 'square':
      return svg('rect', { x: x - r, y: y - r, width: 2 * r, height: 2 * r, fill: colour });
    case 'triangle':
      return svg('polygon', { points: `${x},${y - r - 1} ${x + r + 1},${y + r} ${x - r - 1},${y + r}`, fill: colour });
    case 'diamond':
      return svg('polygon', { points: `${x},${y - r - 1} ${x + r + 1},${y} ${x},${y + r + 1} ${x - r - 1},${y}`, fill: colour });
  }
}

export function seriesStyle(index: number): { colour: string; dash: string; marker: (typeof MARKERS)[number] } {
  return {
    colour: SERIES_COLOURS[index % SERIES_COLOURS.length],
    dash: DASHES[index % DASHES.length],
    marker: MARKERS[index % MARKERS.length],
  };
}

function legendSwatch(index: number): SVGElement {
  const s = seriesStyle(index);
  return svg('svg', { width: 34, height: 14, viewBox: '0 0 34 14', 'aria-hidden': 'true', focusable: 'false' },
    svg('line', { x1: 1, y1: 7, x2: 33, y2: 7, stroke: s.colour, 'stroke-width': 2.5, 'stroke-dasharray': s.dash || null }),
    marker(s.marker, 17, 7, s.colour),
  );
}

export function lineChart(options: LineChartOptions): HTMLElement {
  const titleId = uid('chart-title');
  const descId = uid('chart-desc');
  const plotW = WIDTH - MARGIN.left - MARGIN.right;
  const plotH = HEIGHT - MARGIN.top - MARGIN.bottom;
  const n = options.xLabels.length;
  const xAt = (i: number): number => MARGIN.left + (n <= 1 ? plotW / 2 : (i * plotW) / (n - 1));
  const yAt = (v: number): number => MARGIN.top + plotH - v * plotH;

  const grid: SVGElement[] = [];
  for (const tick of [0, 0.25, 0.5, 0.75, 1]) {
    grid.push(
      svg('line', { x1: MARGIN.left, x2: WIDTH - MARGIN.right, y1: yAt(tick), y2: yAt(tick), class: tick === 0 ? 'axis' : 'gridline' }),
      svg('text', { x: MARGIN.left - 8, y: yAt(tick) + 4, 'text-anchor': 'end', class: 'tick' }, `${tick * 100}%`),
    );
  }
  const every = Math.max(1, Math.ceil(n / 12));
  options.xLabels.forEach((label, i) => {
    if (i % every !== 0 && i !== n - 1) return;
    grid.push(svg('text', { x: xAt(i), y: HEIGHT - MARGIN.bottom + 18, 'text-anchor': 'middle', class: 'tick' }, label));
  });
  grid.push(
    svg('text', { x: 14, y: MARGIN.top + plotH / 2, transform: `rotate(-90 14 ${MARGIN.top + plotH / 2})`, 'text-anchor': 'middle', class: 'axis-label' }, 'Override rate'),
    svg('text', { x: MARGIN.left + plotW / 2, y: HEIGHT - 12, 'text-anchor': 'middle', class: 'axis-label' }, 'Period start (UTC)'),
  );

  const lines = options.series.map((series, si) => {
    const style = seriesStyle(si);
    const group = svg('g', { class: 'series' });
    let run: string[] = [];
    const flush = (): void => {
      if (run.length > 1) {
        group.appendChild(svg('polyline', { points: run.join(' '), fill: 'none', stroke: style.colour, 'stroke-width': 2.5, 'stroke-dasharray': style.dash || null }));
      }
      run = [];
    };
    series.points.forEach((p, i) => {
      if (p.value === null) {
        flush();
        return;
      }
      run.push(`${xAt(i)},${yAt(p.value)}`);
    });
    flush();
    series.points.forEach((p, i) => {
      if (p.value === null) return;
      const m = marker(style.marker, xAt(i), yAt(p.value), style.colour);
      m.appendChild(svg('title', {}, `${series.label}, ${options.xLabels[i]}: ${p.title}`));
      group.appendChild(m);
    });
    return group;
  });

  const chart = svg('svg', { viewBox: `0 0 ${WIDTH} ${HEIGHT}`, role: 'img', 'aria-labelledby': `${titleId} ${descId}`, class: 'chart', preserveAspectRatio: 'xMidYMid meet' },
    svg('title', { id: titleId }, options.title),
    svg('desc', { id: descId }, options.description),
    ...grid,
    ...lines,
  );
  return h('figure', { class: 'chart-figure' },
    chart,
    h('figcaption', {},
      h('span', { class: 'chart-title' }, options.title),
      h('ul', { class: 'legend', 'aria-label': 'Legend' }, options.series.map((s, i) => h('li', {}, legendSwatch(i), ' ', s.label))),
    ),
  );
}
