/**
 * The bundled rule sets as the benchmarks serve them in-process: one service bound as the registry's
 * catalog binds it (service, rule-set identity, evaluate), for stages timed without a store; and the
 * registry's catalog over a store they were imported into, as server/main.ts does at start.
 */
import { loadBundledRuleSets } from '../server/bundled-rule-sets.js';
import { importBundledRuleSets } from '../store/import-bundled.js';
import { ruleSetContentHash } from '../store/rule-set-hash.js';
import type { Store } from '../store/store.js';
import { RegistryServiceCatalog } from '../use-cases/registry-catalog.js';
import type { ServiceBinding } from '../use-cases/service-catalog.js';

export function bundledBinding(serviceId: string): ServiceBinding {
  for (const compiled of loadBundledRuleSets()) {
    const service = compiled.ruleSet.services.find((s) => s.id === serviceId);
    if (service) return { service, ruleSet: compiled.identity, evaluate: (input) => compiled.evaluate(input) };
  }
  throw new Error(`service ${serviceId} is not in the bundled rule sets`);
}

/** The bundled rule sets imported into `store`'s registry and served by the registry's catalog (no polling). */
export async function bundledCatalog(store: Store): Promise<RegistryServiceCatalog> {
  const compiled = loadBundledRuleSets();
  await importBundledRuleSets(store, compiled.map((c) => ({ file: `${c.identity.id}@${c.identity.version}`, ruleSet: c.ruleSet })));
  const precompiled = new Map(compiled.map((c) => [c.identity.hash, c]));
  return RegistryServiceCatalog.start({ store, pollIntervalMs: 0, compile: (ruleSet) => precompiled.get(ruleSetContentHash(ruleSet))! });
}
