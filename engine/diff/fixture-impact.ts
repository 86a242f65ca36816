/**
 * The impact of a rule-set change on its fixtures: every fixture (the union of the fixture folders
 * given, deduplicated by file) runs with both versions (engine/fixtures/run-fixtures.ts), and the
 * fixtures whose cards change are listed: cards added, removed, indicator or summary changed (cards
 * are matched by rule id; uuids differ between versions by design). Whether each fixture still meets
 * its own expectations under the new version is reported too.
 */
import { compileRuleSet } from '../compile-rule-set.js';
import type { Fixture } from '../fixtures/fixture-types.js';
import type { FixtureLoadError } from '../fixtures/parse-fixture.js';
import { runFixture, type ActualCard, type FixtureConverter, type FixtureOutcome } from '../fixtures/run-fixtures.js';
import type { RuleSet } from '../rule-set-types.js';

export interface CardChange {
  rule: string;
  from: ActualCard;
  to: ActualCard;
  /** indicator and/or summary */
  fields: Array<'indicator' | 'summary'>;
}

export interface FixtureCardChanges {
  fixture: string;
  file: string;
  hook: string;
  cardsAdded: ActualCard[];
  cardsRemoved: ActualCard[];
  cardsChanged: CardChange[];
  /** Whether the fixture's own expectations hold with each version. */
  passesFrom: boolean;
  passesTo: boolean;
}

export interface FixtureImpact {
  fixtureDirs: string[];
  fixturesRun: number;
  /** Fixtures whose cards differ between the versions. */
  changed: FixtureCardChanges[];
  /** Fixtures that meet their expectations with the old version but not with the new one. */
  newlyFailing: Array<{ fixture: string; file: string; failures: string[] }>;
  /** Fixtures one of the versions could not evaluate (no service for the hook, evaluation error). */
  notRun: Array<{ fixture: string; file: string; version: string; reason: string }>;
  /** Fixture files that could not be read. */
  loadErrors: Array<{ file: string; message: string }>;
}

export interface FixtureImpactOptions {
  /** Fixture folders (rules/<id>/fixtures); missing folders contribute nothing. */
  fixtureDirs: string[];
  /** How a fixture becomes a request and a patient record (use-cases/fixture-converter.ts). */
  converter: FixtureConverter;
  /** Reads one fixture folder (use-cases/load-fixtures.ts loadFixtures): the engine does no I/O. */
  loadFixtures: FixtureFolderLoader;
}

/** Reads the fixtures of one folder; a missing folder has none. */
export type FixtureFolderLoader = (dir: string) => { fixtures: Fixture[]; errors: FixtureLoadError[] };

export async function fixtureImpact(from: RuleSet, to: RuleSet, options: FixtureImpactOptions): Promise<FixtureImpact> {
  const compiledFrom = compileRuleSet(from, { file: `${from.id}@${from.version}` });
  const compiledTo = compileRuleSet(to, { file: `${to.id}@${to.version}` });
  const { fixtures, loadErrors } = unionOfFixtures(options.fixtureDirs, options.loadFixtures);
  const impact: FixtureImpact = { fixtureDirs: options.fixtureDirs, fixturesRun: 0, changed: [], newlyFailing: [], notRun: [], loadErrors };

  for (const fixture of fixtures) {
    const before = await runFixture(compiledFrom, fixture, options.converter);
    const after = await runFixture(compiledTo, fixture, options.converter);
    const skipped = [notRunReason(before, from.version), notRunReason(after, to.version)].filter((r) => r !== undefined);
    if (skipped.length > 0) {
      impact.notRun.push(...skipped.map((s) => ({ fixture: fixture.name, file: fixture.file, ...s })));
      continue;
    }
    impact.fixturesRun += 1;
    const changes = compareOutcomes(before.actualCards, after.actualCards);
    if (changes.cardsAdded.length + changes.cardsRemoved.length + changes.cardsChanged.length > 0) {
      impact.changed.push({ fixture: fixture.name, file: fixture.file, hook: fixture.hook, ...changes, passesFrom: before.passed, passesTo: after.passed });
    }
    if (before.passed && !after.passed) impact.newlyFailing.push({ fixture: fixture.name, file: fixture.file, failures: after.failures });
  }
  return impact;
}

function unionOfFixtures(dirs: readonly string[], loadFixtures: FixtureFolderLoader): { fixtures: Fixture[]; loadErrors: FixtureImpact['loadErrors'] } {
  const byFile = new Map<string, Fixture>();
  const loadErrors: FixtureImpact['loadErrors'] = [];
  for (const dir of new Set(dirs)) {
    const loaded = loadFixtures(dir);
    for (const fixture of loaded.fixtures) byFile.set(fixture.file, fixture);
    loadErrors.push(...loaded.errors);
  }
  return { fixtures: [...byFile.values()], loadErrors };
}

/** A fixture "ran" when an evaluation produced a result; failures of expectations are not a reason. */
function notRunReason(outcome: FixtureOutcome, version: string): { version: string; reason: string } | undefined {
  if (outcome.result !== undefined) return undefined;
  return { version, reason: outcome.failures[outcome.failures.length - 1] ?? 'not evaluated' };
}

function compareOutcomes(before: readonly ActualCard[], after: readonly ActualCard[]): Pick<FixtureCardChanges, 'cardsAdded' | 'cardsRemoved' | 'cardsChanged'> {
  const beforeByRule = new Map(before.map((c) => [c.rule, c]));
  const afterByRule = new Map(after.map((c) => [c.rule, c]));
  const cardsChanged: CardChange[] = [];
  for (const [rule, b] of beforeByRule) {
    const a = afterByRule.get(rule);
    if (a === undefined) continue;
    const fields = (['indicator', 'summary'] as const).filter((f) => a[f] !== b[f]);
    if (fields.length > 0) cardsChanged.push({ rule, from: b, to: a, fields });
  }
  return {
    cardsAdded: after.filter((c) => !beforeByRule.has(c.rule)),
    cardsRemoved: before.filter((c) => !afterByRule.has(c.rule)),
    cardsChanged,
  };
}
