/**
 * Card detail markdown (GitHub-flavoured) rendered the way an EHR would, but safely:
 * 1. marked renders it with raw HTML escaped (shown as text, never as markup), images shown as links
 *    (the console loads nothing from other hosts), and links kept only for http(s) and mailto URLs;
 * 2. the result is parsed into an inert <template> and every element and attribute is checked
 *    against an allowlist before it reaches the page (defence in depth).
 * Links open in a new tab with rel="noopener noreferrer".
 */
import { Marked, type Tokens } from 'marked';

const SAFE_URL = /^(https?:|mailto:)/i;

const ALLOWED_ELEMENTS = new Set([
  'P', 'BR', 'HR', 'STRONG', 'EM', 'DEL', 'CODE', 'PRE', 'BLOCKQUOTE', 'UL', 'OL', 'LI', 'A',
  'H1', 'H2', 'H3', 'H4', 'H5', 'H6', 'TABLE', 'THEAD', 'TBODY', 'TR', 'TH', 'TD', 'INPUT', 'SPAN',
]);
const ALLOWED_ATTRIBUTES: Record<string, Set<string>> = {
  A: new Set(['href', 'title', 'rel', 'target']),
  TH: new Set(['align']),
  TD: new Set(['align']),
  OL: new Set(['start']),
  INPUT: new Set(['type', 'checked', 'disabled']),
};

export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

const markdown = new Marked({ gfm: true, breaks: false, async: false });
markdown.use({
  renderer: {
    html({ text }: Tokens.HTML | Tokens.Tag): string {
      return escapeHtml(text);
    },
    link({ href, title, tokens }: Tokens.Link): string {
      const text = this.parser.parseInline(tokens);
      if (!SAFE_URL.test(href.trim())) return text;
      const titleAttr = title ? ` title="${escapeHtml(title)}"` : '';
      return `<a href="${escapeHtml(href.trim())}"${titleAttr} target="_blank" rel="noopener noreferrer">${text}</a>`;
    },
    image({ href, text }: Tokens.Image): string {
      const label = `[image: ${escapeHtml(text || 'untitled')}]`;
      return SAFE_URL.test(href.trim()) ? `<a href="${escapeHtml(href.trim())}" target="_blank" rel="noopener noreferrer">${label}</a>` : label;
    },
  },
});

function sanitise(node: Node): void {
  for (const child of [...node.childNodes]) {
    if (child.nodeType === Node.TEXT_NODE) continue;
    if (child.nodeType !== Node.ELEMENT_NODE) {
      child.remove();
      continue;
    }
    const el = child as Element;
    if (!ALLOWED_ELEMENTS.has(el.tagName)) {
      el.replaceWith(document.createTextNode(el.textContent ?? ''));
      continue;
    }
    const allowed = ALLOWED_ATTRIBUTES[el.tagName] ?? new Set<string>();
    for (const attr of [...el.attributes]) {
      if (!allowed.has(attr.name)) el.removeAttribute(attr.name);
    }
    if (el.tagName === 'A') {
      const href = el.getAttribute('href') ?? '';
      if (!SAFE_URL.test(href)) el.removeAttribute('href');
      el.setAttribute('target', '_blank');
      el.setAttribute('rel', 'noopener noreferrer');
    }
    if (el.tagName === 'INPUT') {
      if (el.getAttribute('type') !== 'checkbox') {
        el.remove();
        continue;
      }
      el.setAttribute('disabled', '');
    }
    sanitise(el);
  }
}

/** Markdown -> a fragment of sanitised nodes. */
export function renderMarkdown(source: string): DocumentFragment {
  const html = markdown.parse(source) as string;
  const template = document.createElement('template');
  template.innerHTML = html;
  sanitise(template.content);
  return document.importNode(template.content, true);
}
