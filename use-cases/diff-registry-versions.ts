/**
 * The diff between two registry versions of one rule set (GET /admin/api/rule-sets/{id}/diff and
 * `cds-rules diff <id> <v1> <v2>`), with, on request, the impact on the rule set's fixtures.
 * From version "none" (NO_VERSION): a first version against nothing (engine/diff emptyBase), so a
 * reviewer of a brand-new rule set reads every rule as added; no fixture impact then.
 */
import { join } from 'node:path';
import { diffRuleSets, emptyBase, NO_VERSION } from '../engine/diff/diff-rule-sets.js';
import { fixtureImpact, type FixtureImpact } from '../engine/diff/fixture-impact.js';
import type { RuleSetDiff } from '../engine/diff/rule-set-diff-types.js';
import type { RuleSet } from '../engine/rule-set-types.js';
import type { Store } from '../store/store.js';
import { notFound } from './admin-error.js';
import { COMPACT_FHIR_CONVERTER } from './fixture-converter.js';
import { loadFixtures } from './load-fixtures.js';

export interface RegistryDiff {
  diff: RuleSetDiff;
  impact?: FixtureImpact;
}

/** Runs the fixture impact of a change; the admin API runs it on a worker thread (server/admin/admin-work-pool.ts). */
export type FixtureImpactRunner = (from: RuleSet, to: RuleSet, fixtureDirs: string[]) => Promise<FixtureImpact>;

/** In the calling thread (the CLI, which serves no clinical calls). */
export const runFixtureImpactHere: FixtureImpactRunner = (from, to, fixtureDirs) => fixtureImpact(from, to, { fixtureDirs, converter: COMPACT_FHIR_CONVERTER, loadFixtures });

export async function diffRegistryVersions(
  store: Store,
  ruleSetId: string,
  fromVersion: string,
  toVersion: string,
  options: { impact: boolean; rulesDir: string; runImpact?: FixtureImpactRunner },
): Promise<RegistryDiff> {
  const [from, to] = await Promise.all([
    fromVersion === NO_VERSION ? undefined : store.getVersion(ruleSetId, fromVersion),
    store.getVersion(ruleSetId, toVersion),
  ]);
  if (to === undefined) throw notFound(`rule set ${ruleSetId} has no version ${toVersion}`);
  if (fromVersion === NO_VERSION) return { diff: diffRuleSets(emptyBase(to.content), to.content, { toHash: to.hash }) };
  if (from === undefined) throw notFound(`rule set ${ruleSetId} has no version ${fromVersion} (use ${NO_VERSION} to see a first version whole)`);
  const diff = diffRuleSets(from.content, to.content, { fromHash: from.hash, toHash: to.hash });
  if (!options.impact) return { diff };
  const runImpact = options.runImpact ?? runFixtureImpactHere;
  return { diff, impact: await runImpact(from.content, to.content, [join(options.rulesDir, ruleSetId, 'fixtures')]) };
}
