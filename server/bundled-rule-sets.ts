/**
 * The rule sets shipped with the service: rules/<id>/rule-set.json (the working version) and
 * rules/<id>/versions/*.json (earlier published versions), loaded and compiled by the engine at
 * start (engine/load-rule-set.ts loadRuleSetFile + engine/compile-rule-set.ts compileRuleSet).
 * A service never serves a rule set that did not validate: on first start (empty registry) any
 * problem stops the start; afterwards the registry is served and a bad file is only reported.
 */
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compileRuleSet } from '../engine/compile-rule-set.js';
import { loadRuleSetFile } from '../use-cases/load-rule-set-file.js';
import { findRuleSetFiles } from '../use-cases/rule-set-files.js';
import { RuleSetInvalidError } from '../engine/rule-set-problem.js';
import type { CompiledRuleSet } from '../use-cases/service-catalog.js';

export const RULES_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'rules');

export interface BundledRuleSetFile {
  file: string;
  compiled: CompiledRuleSet;
}

export function bundledRuleSetFiles(rulesDir = RULES_DIR): string[] {
  if (!existsSync(rulesDir)) return [];
  return findRuleSetFiles(rulesDir);
}

/** Every bundled version, compiled. Throws RuleSetInvalidError (every problem with file and JSON pointer). */
export function loadBundledRuleSetFiles(rulesDir = RULES_DIR): BundledRuleSetFile[] {
  return bundledRuleSetFiles(rulesDir).map((file) => {
    const loaded = loadRuleSetFile(file);
    if (!loaded.ruleSet) throw new RuleSetInvalidError(loaded.problems);
    return { file, compiled: compileRuleSet(loaded.ruleSet, { file }) };
  });
}

/** The working version of each bundled rule set (rules/<id>/rule-set.json), compiled. */
export function loadBundledRuleSets(rulesDir = RULES_DIR): CompiledRuleSet[] {
  return loadBundledRuleSetFiles(rulesDir)
    .filter(({ file }) => !file.includes('/versions/'))
    .map(({ compiled }) => compiled);
}
