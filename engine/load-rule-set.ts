/**
 * Loading a rule-set file from disk: read, parse (syntax errors with line and column, duplicate keys
 * detected), validate. Returns the rule set only when there is no problem at all.
 */
import { readFileSync } from 'node:fs';
import { parseJsonText } from '../lib/json-text.js';
import type { RuleSetProblem } from './rule-set-problem.js';
import type { RuleSet } from './rule-set-types.js';
import { validateRuleSet, type FactKinds } from './validate-rule-set.js';

export interface LoadedRuleSet {
  ruleSet?: RuleSet;
  problems: RuleSetProblem[];
}

/** Parses and validates rule-set JSON text; `file` labels the problems. */
export function loadRuleSetText(text: string, file: string, factKinds?: FactKinds): LoadedRuleSet {
  const parsed = parseJsonText(text);
  if (!parsed.ok) {
    const { line, column, message } = parsed.error;
    return { problems: [{ file, pointer: '', message: `JSON syntax error at line ${line}, column ${column}: ${message}` }] };
  }
  const problems = validateRuleSet(parsed.value, { file, factKinds, duplicateKeys: parsed.duplicates });
  return problems.length ? { problems } : { ruleSet: parsed.value as RuleSet, problems };
}

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
