/**
 * The rule sets bundled with the service (rules/<name>/rule-set.json and every rules/<name>/versions/*.json)
 * and the registry. Nothing goes live unreviewed:
 *
 *   - Into an EMPTY registry (no version of any rule set published yet: the first start, or
 *     `cds-rules import`), every bundled version is published by BOOTSTRAP_ACTOR and the newest
 *     version of each rule set is moved through the lifecycle to active, with BOOTSTRAP_REASON; the
 *     approval says it had no second reviewer (store/lifecycle-policy.ts).
 *   - Into a registry that holds anything, nothing is published or activated. Each bundled file is
 *     compared with the registry instead: the same version with the same content ("in-registry"), a
 *     version the registry does not have ("new": it goes live only through publish, submit, approve by
 *     another person, activate), or the same version with other content ("changed": the working file
 *     was edited without a new version number; the registry's version keeps being served).
 *
 * Callers pass rule sets that already validated (the server compiles them before the import). Safe
 * when several processes start at once on an empty registry: a step another process already took is
 * skipped (one of them may then find the registry no longer empty and only compare).
 */
import type { RuleSet } from '../engine/rule-set-types.js';
import { BOOTSTRAP_ACTOR } from './lifecycle-policy.js';
import { ruleSetContentHash } from './rule-set-hash.js';
import { compareSemver } from './semver.js';
import { StoreError } from './store-error.js';
import type { LifecycleState, Store } from './store.js';

export const BOOTSTRAP_REASON = 'bundled rule set imported into an empty registry on first start';

export interface BundledRuleSet {
  ruleSet: RuleSet;
  /** The file it came from (named in errors and notices). */
  file: string;
}

export type BundledFileStatus = 'imported' | 'in-registry' | 'new' | 'changed';

export interface BundledFileOutcome {
  ruleSetId: string;
  version: string;
  hash: string;
  file: string;
  /**
   * imported: published now into the empty registry; in-registry: the registry holds this version
   * with the same content; new: the registry does not hold this version (not served); changed: the
   * registry holds this version with other content (the registry's is served).
   */
  status: BundledFileStatus;
  /** True when this import moved the version to active (first start only). */
  activated: boolean;
  /** What it means, for the start-up log, /readyz and `cds-rules import`. */
  note: string;
}

export interface BundledImportResult {
  /** True when the registry was empty and the bundled rule sets were imported. */
  imported: boolean;
  files: BundledFileOutcome[];
}

const NEXT_STEP: Partial<Record<LifecycleState, LifecycleState>> = { draft: 'in-review', 'in-review': 'approved', approved: 'active' };

function byRuleSet(bundled: readonly BundledRuleSet[]): [string, BundledRuleSet[]][] {
  const groups = new Map<string, BundledRuleSet[]>();
  for (const item of bundled) {
    const id = item.ruleSet?.id;
    if (typeof id !== 'string' || id === '') throw new StoreError('invalid-input', `bundled rule set ${item.file}: it has no id`);
    groups.set(id, [...(groups.get(id) ?? []), item]);
  }
  for (const items of groups.values()) items.sort((a, b) => compareSemver(a.ruleSet.version, b.ruleSet.version));
  return [...groups.entries()].sort(([a], [b]) => a.localeCompare(b));
}

/** Moves the version to active one step at a time; tolerates another process doing the same. */
async function bootstrapActivate(store: Store, ruleSetId: string, version: string): Promise<boolean> {
  for (;;) {
    const record = await store.getVersion(ruleSetId, version);
    if (record === undefined) throw new StoreError('not-found', `import of bundled ${ruleSetId}@${version}: the published version disappeared`);
    if (record.state === 'active') return false;
    const next = NEXT_STEP[record.state];
    if (next === undefined) return false;
    try {
      await store.transition(ruleSetId, version, next, BOOTSTRAP_ACTOR, BOOTSTRAP_REASON);
      if (next === 'active') return true;
    } catch (error) {
      // Another process took this step first: re-read and carry on from the new state.
      if (!(error instanceof StoreError && error.code === 'illegal-transition')) throw error;
    }
  }
}

/** How each bundled file stands against the registry (nothing is written). */
export async function compareBundledWithRegistry(store: Store, bundled: readonly BundledRuleSet[]): Promise<BundledFileOutcome[]> {
  const files: BundledFileOutcome[] = [];
  for (const [ruleSetId, items] of byRuleSet(bundled)) {
    for (const { ruleSet, file } of items) {
      const hash = ruleSetContentHash(ruleSet);
      const published = await store.getVersion(ruleSetId, ruleSet.version);
      const where = `${ruleSetId} ${ruleSet.version}`;
      if (published === undefined) {
        files.push({
          ruleSetId, version: ruleSet.version, hash, file, status: 'new', activated: false,
          note: `${where} is not in the registry and is not served; it goes live only through publish, submit, approve (by another person) and activate`,
        });
      } else if (published.hash !== hash) {
        files.push({
          ruleSetId, version: ruleSet.version, hash, file, status: 'changed', activated: false,
          note:
            `the file differs from the published ${where} (sha256 ${hash.slice(0, 12)} here, ${published.hash.slice(0, 12)} published); ` +
            `the registry's ${ruleSet.version} is what is served. Give the working file a new version number, then publish it for review`,
        });
      } else {
        files.push({ ruleSetId, version: ruleSet.version, hash, file, status: 'in-registry', activated: false, note: `${where} is in the registry (${published.state})` });
      }
    }
  }
  return files;
}

/** True when no version of any rule set has been published. */
export async function registryIsEmpty(store: Store): Promise<boolean> {
  return (await store.listVersions()).length === 0;
}

/**
 * Imports the bundled rule sets when the registry is empty (publish every version, activate the newest
 * of each rule set); otherwise only compares them with the registry.
 */
export async function importBundledRuleSets(store: Store, bundled: readonly BundledRuleSet[]): Promise<BundledImportResult> {
  const groups = byRuleSet(bundled);
  if (!(await registryIsEmpty(store))) return { imported: false, files: await compareBundledWithRegistry(store, bundled) };
  const files: BundledFileOutcome[] = [];
  for (const [ruleSetId, items] of groups) {
    const published: BundledFileOutcome[] = [];
    for (const { ruleSet, file } of items) {
      const hash = ruleSetContentHash(ruleSet);
      try {
        await store.publish(ruleSet, hash, BOOTSTRAP_ACTOR);
      } catch (error) {
        if (error instanceof StoreError) throw new StoreError(error.code, `import of bundled rule set ${file}: ${error.message}`);
        throw error;
      }
      published.push({ ruleSetId, version: ruleSet.version, hash, file, status: 'imported', activated: false, note: 'published (not the newest bundled version of this rule set)' });
    }
    const newest = published[published.length - 1];
    newest.activated = await bootstrapActivate(store, ruleSetId, newest.version);
    newest.note = newest.activated ? 'published and activated by system:bootstrap (first start, empty registry)' : 'published; another process activated it first';
    files.push(...published);
  }
  return { imported: true, files };
}

/** The files that need an operator's attention (new or changed), for the log and /readyz. */
export function bundledNotices(files: readonly BundledFileOutcome[]): BundledFileOutcome[] {
  return files.filter((f) => f.status === 'new' || f.status === 'changed');
}
