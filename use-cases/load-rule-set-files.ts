/**
 * Every rule-set version under a folder of rule-set folders (rules/<id>/rule-set.json and
 * rules/<id>/versions/*.json), each loaded and compiled on its own: a file that does not validate is
 * listed with every problem instead of stopping the others. The service's start (server/bundled-start.ts)
 * and `cds-rules import` use it.
 */
import { existsSync } from 'node:fs';
import { compileRuleSet } from '../engine/compile-rule-set.js';
import { loadRuleSetFile } from './load-rule-set-file.js';
import { findRuleSetFiles } from './rule-set-files.js';
import { RuleSetInvalidError, type RuleSetProblem } from '../engine/rule-set-problem.js';
import type { CompiledRuleSet } from './service-catalog.js';

export interface RuleSetFileLoad {
  valid: { file: string; compiled: CompiledRuleSet }[];
  /** Files that do not validate, each with every problem (file and JSON pointer). */
  invalid: { file: string; problems: RuleSetProblem[] }[];
}

export function loadRuleSetFilesLeniently(rulesDir: string): RuleSetFileLoad {
  const load: RuleSetFileLoad = { valid: [], invalid: [] };
  if (!existsSync(rulesDir)) return load;
  for (const file of findRuleSetFiles(rulesDir)) {
    try {
      const loaded = loadRuleSetFile(file);
      if (!loaded.ruleSet) throw new RuleSetInvalidError(loaded.problems);
      load.valid.push({ file, compiled: compileRuleSet(loaded.ruleSet, { file }) });
    } catch (error) {
      if (!(error instanceof RuleSetInvalidError)) throw error;
      load.invalid.push({ file, problems: [...error.problems] });
    }
  }
  return load;
}
