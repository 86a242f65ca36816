/**
 * WCAG 2.x AA text contrast, measured in the page: for every element with its own visible text, the
 * contrast ratio between its computed colour and the first opaque background behind it (walking up
 * the ancestors) must be at least 4.5:1, or 3:1 for large text (>= 24px, or >= 18.66px bold).
 * Disabled controls are exempt (WCAG 1.4.3). Returns the failures, described.
 *
 * The check is plain JavaScript text: a function handed to page.evaluate from a tsx-compiled file
 * would carry esbuild's __name helper, which the page does not have.
 */
import type { Page } from 'playwright-core';

const CONTRAST_SCRIPT = String.raw`(() => {
  const parse = (c) => {
    const m = /rgba?\(([^)]+)\)/.exec(c);
    if (!m) return [0, 0, 0, 0];
    const parts = m[1].split(/[ ,/]+/).filter((p) => p !== '').map(Number);
    return [parts[0], parts[1], parts[2], parts.length > 3 ? parts[3] : 1];
  };
  const luminance = (rgb) => {
    const ch = rgb.slice(0, 3).map((v) => {
      const s = v / 255;
      return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * ch[0] + 0.7152 * ch[1] + 0.0722 * ch[2];
  };
  const background = (el) => {
    for (let e = el; e !== null; e = e.parentElement) {
      const bg = parse(getComputedStyle(e).backgroundColor);
      if (bg[3] >= 0.99) return bg;
    }
    return [255, 255, 255, 1];
  };
  const failures = [];
  for (const el of document.querySelectorAll('body *')) {
    if (!(el instanceof HTMLElement) || el.closest('[hidden], .visually-hidden, svg, option')) continue;
    const ownText = [...el.childNodes].some((n) => n.nodeType === Node.TEXT_NODE && (n.textContent || '').trim() !== '');
    if (!ownText) continue;
    const rect = el.getBoundingClientRect();
    if (rect.width === 0 || rect.height === 0) continue;
    if (el.disabled || el.closest(':disabled')) continue;
    const style = getComputedStyle(el);
    if (style.visibility === 'hidden') continue;
    const fg = parse(style.color);
    const bg = background(el);
    const blended = [0, 1, 2].map((i) => fg[i] * fg[3] + bg[i] * (1 - fg[3]));
    const lums = [luminance(blended), luminance(bg)].sort((a, b) => b - a);
    const ratio = (lums[0] + 0.05) / (lums[1] + 0.05);
    const size = parseFloat(style.fontSize);
    const bold = Number(style.fontWeight) >= 700;
    const needed = size >= 24 || (bold && size >= 18.66) ? 3 : 4.5;
    if (ratio + 0.005 < needed) {
      failures.push(ratio.toFixed(2) + ':1 < ' + needed + ':1 for "' + (el.textContent || '').trim().slice(0, 40) + '" (' + el.tagName.toLowerCase() + '.' + el.className + ')');
    }
  }
  return failures;
})()`;

export async function contrastFailures(page: Page): Promise<string[]> {
  return (await page.evaluate(CONTRAST_SCRIPT)) as string[];
}
