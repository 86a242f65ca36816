/**
 * Plain-text rendering of a rule-set diff for terminals (`cds-rules diff`) and e-mails:
 * one section per part of the rule set, `+` added, `-` removed, `~` changed, details indented.
 */
import type { DescribedItem, Fragment } from './describe-diff.js';
import { describeDiff } from './describe-diff.js';
import type { FixtureImpact } from './fixture-impact.js';
import type { RuleSetDiff } from './rule-set-diff-types.js';

export function renderDiffText(diff: RuleSetDiff, impact?: FixtureImpact): string {
  const description = describeDiff(diff, impact);
  const lines = [description.title];
  if (description.subtitle !== '') lines.push(description.subtitle);
  lines.push(description.summary);
  for (const section of description.sections) {
    lines.push('', section.title);
    for (const item of section.items) lines.push(...itemLines(item));
  }
  return `${lines.join('\n')}\n`;
}

function itemLines(item: DescribedItem): string[] {
  return [`  ${item.mark} ${plain(item.headline)}`, ...item.details.map((d) => `      ${plain(d)}`)];
}

function plain(fragments: Fragment[]): string {
  return fragments.map((f) => f.text).join('');
}
