/**
 * First-start import of the rule sets bundled with the service (rules/<name>/rule-set.json).
 *
 * Each bundled version is published (a no-op when already published with the same content; a
 * clear error naming the file when the same id+version was published with different content).
 * A rule set that has never had an active version gets its bundled version (the highest, when
 * several versions of one rule set are bundled) moved through the lifecycle to active by
 * BOOTSTRAP_ACTOR with the reason BOOTSTRAP_REASON. The reviewer rule is bypassed for that actor
 * only, and the approval event says so (store/lifecycle-policy.ts). Once any version of a rule set
 * has been active, the registry owns it: restarts never re-activate anything, even if an operator
 * later retired every version.
 *
 * Callers pass rule sets that already validated (the server compiles them before the import).
 * Safe when several processes start at once: a step another process already took is skipped.
 */
import type { RuleSet } from '../engine/rule-set-types.js';
import { BOOTSTRAP_ACTOR } from './lifecycle-policy.js';
import { ruleSetContentHash } from './rule-set-hash.js';
import { compareSemver } from './semver.js';
import { StoreError } from './store-error.js';
import type { LifecycleState, Store } from './store.js';

export const BOOTSTRAP_REASON = 'bundled rule set imported on first start';

export interface BundledRuleSet {
  ruleSet: RuleSet;
  /** The file it came from (named in errors). */
  file: string;
}

export interface BundledImportOutcome {
  ruleSetId: string;
  version: string;
  hash: string;
  file: string;
  /** 'new': published now; 'existing': already in the registry with the same content. */
  publication: 'new' | 'existing';
  /** True when this import moved the version to active. */
  activated: boolean;
  /** Why it was (not) activated, for the start-up log. */
  note: string;
}

const NEXT_STEP: Partial<Record<LifecycleState, LifecycleState>> = { draft: 'in-review', 'in-review': 'approved', approved: 'active' };

async function everActive(store: Store, ruleSetId: string): Promise<boolean> {
  return (await store.history(ruleSetId)).some((event) => event.to === 'active');
}

/** Moves the version to active one step at a time; tolerates another process doing the same. */
async function bootstrapActivate(store: Store, ruleSetId: string, version: string): Promise<boolean> {
  for (;;) {
    const record = await store.getVersion(ruleSetId, version);
    if (record === undefined) throw new StoreError('not-found', `import of bundled ${ruleSetId}@${version}: the published version disappeared`);
    if (record.state === 'active') return false;
    const next = NEXT_STEP[record.state];
    if (next === undefined) return false;
    if (next === 'active' && (await everActive(store, ruleSetId))) return false;
    try {
      await store.transition(ruleSetId, version, next, BOOTSTRAP_ACTOR, BOOTSTRAP_REASON);
      if (next === 'active') return true;
    } catch (error) {
      // Another process took this step first: re-read and carry on from the new state.
      if (!(error instanceof StoreError && error.code === 'illegal-transition')) throw error;
    }
  }
}

export async function importBundledRuleSets(store: Store, bundled: readonly BundledRuleSet[]): Promise<BundledImportOutcome[]> {
  const byRuleSet = new Map<string, BundledRuleSet[]>();
  for (const item of bundled) {
    const id = item.ruleSet?.id;
    if (typeof id !== 'string' || id === '') throw new StoreError('invalid-input', `import of bundled rule set ${item.file}: it has no id`);
    byRuleSet.set(id, [...(byRuleSet.get(id) ?? []), item]);
  }
  const outcomes: BundledImportOutcome[] = [];
  for (const [ruleSetId, items] of [...byRuleSet.entries()].sort(([a], [b]) => a.localeCompare(b))) {
    items.sort((a, b) => compareSemver(a.ruleSet.version, b.ruleSet.version));
    const published: BundledImportOutcome[] = [];
    for (const { ruleSet, file } of items) {
      const hash = ruleSetContentHash(ruleSet);
      const before = await store.getVersion(ruleSetId, ruleSet.version);
      try {
        await store.publish(ruleSet, hash, BOOTSTRAP_ACTOR);
      } catch (error) {
        if (error instanceof StoreError) throw new StoreError(error.code, `import of bundled rule set ${file}: ${error.message}`);
        throw error;
      }
      published.push({
        ruleSetId,
        version: ruleSet.version,
        hash,
        file,
        publication: before === undefined ? 'new' : 'existing',
        activated: false,
        note: 'not the newest bundled version of this rule set',
      });
    }
    const newest = published[published.length - 1];
    const newestRecord = await store.getVersion(ruleSetId, newest.version);
    if (await everActive(store, ruleSetId)) {
      newest.note = 'the registry already manages this rule set (a version has been active before)';
    } else if (newestRecord?.author !== BOOTSTRAP_ACTOR) {
      newest.note = `published earlier by ${String(newestRecord?.author)}: it goes through review, not the bootstrap`;
    } else {
      newest.activated = await bootstrapActivate(store, ruleSetId, newest.version);
      newest.note = newest.activated ? 'activated by system:bootstrap' : 'another process activated a version first';
    }
    outcomes.push(...published);
  }
  return outcomes;
}
