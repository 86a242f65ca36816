/** Small display helpers shared by the pages. */
import { h, svg } from './dom.js';

export type Indicator = 'info' | 'warning' | 'critical';
export const INDICATOR_LABELS: Record<Indicator, string> = { critical: 'Critical', warning: 'Warning', info: 'Info' };

/** "2026-11-01T10:00:00.000Z" -> "2026-11-01 10:00 UTC" (UTC everywhere: audit times must not shift). */
export function formatInstant(iso: string | undefined | null): string {
  if (!iso) return '—';
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return iso;
  const d = new Date(t).toISOString();
  return `${d.slice(0, 10)} ${d.slice(11, 16)} UTC`;
}

export function formatDate(iso: string | undefined | null): string {
  return iso ? iso.slice(0, 10) : '—';
}

export function shortHash(hash: string): string {
  return hash.length > 12 ? `${hash.slice(0, 12)}…` : hash;
}

/** A hash shown short, full value in a visually hidden span for screen readers and copy. */
export function hashView(hash: string): HTMLElement {
  return h('code', { class: 'hash', title: hash }, shortHash(hash), h('span', { class: 'visually-hidden' }, ` (full: ${hash})`));
}

export function percent(rate: number): string {
  return `${(rate * 100).toFixed(rate > 0 && rate < 0.1 ? 1 : 0)}%`;
}

/** Indicator icon: octagon (critical), triangle (warning), circle (info); shape as well as colour. */
export function indicatorIcon(indicator: string): SVGElement {
  const shape =
    indicator === 'critical'
      ? svg('polygon', { points: '5,0 11,0 16,5 16,11 11,16 5,16 0,11 0,5', class: 'icon-shape' })
      : indicator === 'warning'
        ? svg('polygon', { points: '8,0 16,15 0,15', class: 'icon-shape' })
        : svg('circle', { cx: 8, cy: 8, r: 8, class: 'icon-shape' });
  const mark =
    indicator === 'info'
      ? [svg('rect', { x: 7, y: 7, width: 2, height: 6, class: 'icon-mark' }), svg('rect', { x: 7, y: 3, width: 2, height: 2, class: 'icon-mark' })]
      : [svg('rect', { x: 7, y: 4, width: 2, height: 6, class: 'icon-mark' }), svg('rect', { x: 7, y: 11, width: 2, height: 2, class: 'icon-mark' })];
  return svg('svg', { viewBox: '0 0 16 16', width: 16, height: 16, 'aria-hidden': 'true', focusable: 'false', class: 'indicator-icon' }, shape, ...mark);
}

/** Icon + text label, coloured by indicator: never colour alone. */
export function indicatorBadge(indicator: string): HTMLElement {
  const label = INDICATOR_LABELS[indicator as Indicator] ?? indicator;
  return h('span', { class: `indicator indicator--${indicator}` }, indicatorIcon(indicator), h('span', {}, label));
}

export function stateBadge(state: string): HTMLElement {
  return h('span', { class: `state state--${state}` }, state);
}

export function certaintyTag(certainty: string): HTMLElement {
  return h('span', { class: `certainty certainty--${certainty}`, title: `certainty: ${certainty}` }, certainty);
}

/** A compact, readable rendering of a JSON value (for diffs and facts). */
export function jsonText(value: unknown): string {
  if (value === undefined) return '(absent)';
  if (typeof value === 'string') return value;
  return JSON.stringify(value, null, 2);
}

export function plural(n: number, noun: string, pluralNoun = `${noun}s`): string {
  return `${n} ${n === 1 ? noun : pluralNoun}`;
}
