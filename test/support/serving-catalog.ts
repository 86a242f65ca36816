/**
 * The service's one catalog as the tests use it: the given rule sets are imported into the store's
 * registry the way the service imports its bundled rule sets at start (store/import-bundled.ts: published
 * and activated by system:bootstrap), and the registry's catalog (use-cases/registry-catalog.ts) serves
 * the active versions (a rule set whose version the registry already holds is left as it is). No
 * polling: tests that change the registry call refresh(). Versions compiled by the test are reused by
 * content hash, as server/main.ts does.
 */
import { compileRuleSet } from '../../engine/compile-rule-set.js';
import { importBundledRuleSets } from '../../store/import-bundled.js';
import { ruleSetContentHash } from '../../store/rule-set-hash.js';
import type { Store } from '../../store/store.js';
import { RegistryServiceCatalog } from '../../use-cases/registry-catalog.js';
import type { CompiledRuleSet } from '../../use-cases/service-catalog.js';

export async function servingCatalog(store: Store, ruleSets: readonly CompiledRuleSet[], clock?: () => Date): Promise<RegistryServiceCatalog> {
  // A store another harness (or an earlier start) already filled keeps its registry as it is.
  const missing: CompiledRuleSet[] = [];
  for (const compiled of ruleSets) {
    if ((await store.getVersion(compiled.identity.id, compiled.identity.version)) === undefined) missing.push(compiled);
  }
  await importBundledRuleSets(
    store,
    missing.map((compiled) => ({ file: `${compiled.identity.id}@${compiled.identity.version}`, ruleSet: compiled.ruleSet })),
  );
  const precompiled = new Map(ruleSets.map((compiled) => [compiled.identity.hash, compiled]));
  return RegistryServiceCatalog.start({
    store,
    pollIntervalMs: 0,
    clock,
    compile: (ruleSet) => precompiled.get(ruleSetContentHash(ruleSet)) ?? compileRuleSet(ruleSet),
  });
}
