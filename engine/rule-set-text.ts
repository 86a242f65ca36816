/**
 * Rule-set JSON text to a rule set: parse (syntax errors with line and column, duplicate keys detected),
 * then validate. Returns the rule set only when there is no problem at all. Reading the file is the
 * caller's (use-cases/load-rule-set-file.ts): the engine does no I/O.
 */
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
