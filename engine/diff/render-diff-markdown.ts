/**
 * Markdown rendering of a rule-set diff for the review console and pull-request descriptions:
 * a heading per part of the rule set, a bullet per item, literal values (codes, JSON, template text)
 * in code spans so nothing an author wrote is interpreted as markdown.
 */
import type { DescribedItem, Fragment } from './describe-diff.js';
import { describeDiff } from './describe-diff.js';
import type { FixtureImpact } from './fixture-impact.js';
import type { RuleSetDiff } from './rule-set-diff-types.js';

const MARK_WORDS = { '+': 'added', '-': 'removed', '~': 'changed' } as const;

export function renderDiffMarkdown(diff: RuleSetDiff, impact?: FixtureImpact): string {
  const description = describeDiff(diff, impact);
  const lines = [`# ${escapeMarkdown(description.title)}`, ''];
  if (description.subtitle !== '') lines.push(escapeMarkdown(description.subtitle), '');
  lines.push(`**Summary:** ${escapeMarkdown(description.summary)}`);
  for (const section of description.sections) {
    lines.push('', `## ${escapeMarkdown(section.title)}`, '');
    for (const item of section.items) lines.push(...itemLines(item));
  }
  return `${lines.join('\n')}\n`;
}

function itemLines(item: DescribedItem): string[] {
  return [`- **${MARK_WORDS[item.mark]}** ${inline(item.headline)}`, ...item.details.map((d) => `  - ${inline(d)}`)];
}

function inline(fragments: Fragment[]): string {
  return fragments.map((f) => (f.literal === true ? codeSpan(f.text) : escapeMarkdown(f.text))).join('');
}

/** A code span that survives backticks inside the value (CommonMark: use a longer fence). */
function codeSpan(text: string): string {
  const longestRun = Math.max(0, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(longestRun + 1);
  const padded = text.startsWith('`') || text.endsWith('`') ? ` ${text} ` : text;
  return `${fence}${padded}${fence}`;
}

/** Escapes what would turn prose into markup: emphasis, code, links, HTML, and a heading or quote at the start. */
function escapeMarkdown(text: string): string {
  return text.replace(/([\\`*_[\]<])/g, '\\$1').replace(/^([#>])/, '\\$1');
}
