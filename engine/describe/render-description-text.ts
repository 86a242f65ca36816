/** Plain-text rendering of a rule-set description (`cds-rules describe`): sections, entries, indented lines. */
import type { RuleSetDescription } from './describe-rule-set.js';

export function renderDescriptionText(description: RuleSetDescription): string {
  const out = [description.title, ...description.lines.map((l) => `  ${l}`)];
  for (const section of description.sections) {
    out.push('', section.title);
    for (const entry of section.entries) {
      out.push(`  ${entry.id}: ${entry.title}`);
      for (const line of entry.lines) out.push(`      ${'  '.repeat(line.depth)}${line.text}`);
    }
  }
  return `${out.join('\n')}\n`;
}
