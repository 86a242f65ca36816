/**
 * What the `test` and `coverage` commands share: find rule-set folders, load and compile each main
 * rule set, load its fixtures, run them, compute coverage.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { compileRuleSet, type CompiledRuleSet } from '../engine/compile-rule-set.js';
import { computeCoverage, type CoverageReport } from '../engine/fixtures/coverage.js';
import { loadFixtures, type FixtureLoadError } from '../use-cases/load-fixtures.js';
import { runFixtures, type FixtureOutcome } from '../engine/fixtures/run-fixtures.js';
import { loadRuleSetFile } from '../use-cases/load-rule-set-file.js';
import { findRuleSetFolders, type RuleSetFolder } from '../use-cases/rule-set-files.js';
import type { RuleSetProblem } from '../engine/rule-set-problem.js';
import { CliUsageError } from './cli-types.js';
import { COMPACT_FHIR_CONVERTER } from '../use-cases/fixture-converter.js';

/** rules/ in the current directory, else the repository's own rules/. */
export function defaultRulesPath(): string {
  if (existsSync('rules')) return 'rules';
  return fileURLToPath(new URL('../rules', import.meta.url));
}

export function ruleSetFoldersAt(path: string | undefined): RuleSetFolder[] {
  try {
    return findRuleSetFolders(path ?? defaultRulesPath());
  } catch (err) {
    throw new CliUsageError((err as Error).message);
  }
}

export interface FolderRun {
  folder: RuleSetFolder;
  problems: RuleSetProblem[];
  compiled?: CompiledRuleSet;
  fixtureErrors: FixtureLoadError[];
  outcomes: FixtureOutcome[];
  coverage?: CoverageReport;
}

export async function runFolder(folder: RuleSetFolder): Promise<FolderRun> {
  const loaded = loadRuleSetFile(folder.main);
  const { fixtures, errors } = loadFixtures(folder.fixturesDir);
  if (!loaded.ruleSet) return { folder, problems: loaded.problems, fixtureErrors: errors, outcomes: [] };
  const compiled = compileRuleSet(loaded.ruleSet, { file: folder.main });
  const outcomes = await runFixtures(compiled, fixtures, COMPACT_FHIR_CONVERTER);
  return { folder, problems: [], compiled, fixtureErrors: errors, outcomes, coverage: computeCoverage(compiled.ruleSet.rules, outcomes) };
}
