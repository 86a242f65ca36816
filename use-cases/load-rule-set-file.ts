/**
 * Loading a rule-set file from disk: read it, then parse and validate the text
 * (engine/rule-set-text.ts). Returns the rule set only when there is no problem at all.
 */
import { readFileSync } from 'node:fs';
import { loadRuleSetText, type LoadedRuleSet } from '../engine/rule-set-text.js';
import type { FactKinds } from '../engine/validate-rule-set.js';

export type { LoadedRuleSet };

export function loadRuleSetFile(path: string, opts: { factKinds?: FactKinds } = {}): LoadedRuleSet {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'file not found' : code === 'EISDIR' ? 'is a directory, not a file' : (err as Error).message;
    return { problems: [{ file: path, pointer: '', message: `cannot read rule set: ${reason}` }] };
  }
  return loadRuleSetText(text, path, opts.factKinds);
}
