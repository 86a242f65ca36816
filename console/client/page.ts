/** What every console page gets from the shell. */
import { h, replaceChildren, type Child } from './dom.js';
import type { WhoAmI } from './session.js';

export interface PageContext {
  main: HTMLElement;
  user: WhoAmI;
  /** The path below /console (e.g. ["decisions", "12"]). */
  path: string[];
  params: URLSearchParams;
  /** Says something through the page-wide polite live region. */
  announce(message: string): void;
}

export interface Page {
  id: string;
  title: string;
  render(ctx: PageContext): Promise<void>;
}

/** A live region for one async result: polite, busy while loading, errors as role=alert. */
export class ResultRegion {
  readonly el: HTMLElement;
  constructor(label: string, className = 'results') {
    this.el = h('section', { class: className, 'aria-live': 'polite', 'aria-label': label });
  }
  loading(message = 'Loading…'): void {
    this.el.setAttribute('aria-busy', 'true');
    replaceChildren(this.el, h('p', { class: 'loading' }, message));
  }
  show(...children: Child[]): void {
    this.el.removeAttribute('aria-busy');
    replaceChildren(this.el, ...children);
  }
  error(message: string): void {
    this.el.removeAttribute('aria-busy');
    replaceChildren(this.el, errorMessage(message));
  }
}

export function errorMessage(message: string): HTMLElement {
  return h('div', { class: 'message message--error', role: 'alert' }, h('strong', {}, 'Refused or failed: '), message);
}

export function successMessage(message: string): HTMLElement {
  return h('div', { class: 'message message--ok', role: 'status' }, message);
}

export function pageHeading(title: string, intro?: string): Child[] {
  return [h('h1', {}, title), intro ? h('p', { class: 'intro' }, intro) : null];
}
