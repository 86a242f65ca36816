/**
 * The rule sets shipped in rules/<name>/rule-set.json, loaded and compiled by the engine at start
 * (engine/load-rule-set.ts loadRuleSetFile + engine/compile-rule-set.ts compileRuleSet).
 * Any problem stops the start: a service never runs on a rule set that did not validate.
 */
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compileRuleSet } from '../engine/compile-rule-set.js';
import { loadRuleSetFile } from '../engine/load-rule-set.js';
import { RULE_SET_FILE } from '../engine/rule-set-files.js';
import { RuleSetInvalidError } from '../engine/rule-set-problem.js';
import type { CompiledRuleSet } from './service-catalog.js';

export const RULES_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'rules');

export function bundledRuleSetFiles(rulesDir = RULES_DIR): string[] {
  if (!existsSync(rulesDir)) return [];
  return readdirSync(rulesDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => join(rulesDir, entry.name, RULE_SET_FILE))
    .filter((file) => existsSync(file))
    .sort();
}

/** Throws RuleSetInvalidError (every problem with file and JSON pointer) for an invalid rule set. */
export function loadBundledRuleSets(rulesDir = RULES_DIR): CompiledRuleSet[] {
  const compiled: CompiledRuleSet[] = [];
  for (const file of bundledRuleSetFiles(rulesDir)) {
    const loaded = loadRuleSetFile(file);
    if (!loaded.ruleSet) throw new RuleSetInvalidError(loaded.problems);
    compiled.push(compileRuleSet(loaded.ruleSet, { file }));
  }
  return compiled;
}
