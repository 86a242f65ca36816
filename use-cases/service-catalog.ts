/**
 * Where the HTTP service finds its CDS services: every service comes from a loaded rule set's
 * `services` (ServiceDefinition), never from code. The static catalog is built once at start from
 * compiled rule sets; a registry-backed catalog that follows activations can implement the same
 * interface later.
 */
import type { EvaluationInput, EvaluationResult, RuleSetIdentity } from '../engine/evaluation-types.js';
import type { RuleSet, ServiceDefinition } from '../engine/rule-set-types.js';
import { assertPrefetchTemplates } from '../cds-hooks/prefetch-tokens.js';
import { SERVICE_ID_RULE, isValidServiceId } from '../cds-hooks/service-id.js';

export type BindingInput = EvaluationInput & { idSeed: string };

export interface ServiceBinding {
  service: ServiceDefinition;
  ruleSet: RuleSetIdentity;
  evaluate(input: BindingInput): Promise<EvaluationResult>;
}

export interface ServiceCatalog {
  list(): ServiceBinding[];
  get(id: string): ServiceBinding | undefined;
  /** True when at least one rule set is loaded and the catalog can answer. */
  ready(): boolean;
}

/** What engine/compile-rule-set.ts `compileRuleSet(ruleSet)` returns. */
export interface CompiledRuleSet {
  identity: RuleSetIdentity;
  ruleSet: RuleSet;
  evaluate(input: BindingInput): Promise<EvaluationResult>;
}

export class CatalogError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CatalogError';
  }
}

function describe(identity: RuleSetIdentity): string {
  return `rule set "${identity.id}"@${identity.version}`;
}

export class StaticServiceCatalog implements ServiceCatalog {
  private readonly bindings = new Map<string, ServiceBinding>();

  /** Throws CatalogError / PrefetchTemplateError naming the rule set and service at fault. */
  constructor(compiled: CompiledRuleSet[]) {
    const origin = new Map<string, string>();
    for (const ruleSet of compiled) {
      const hooksServed = new Map<string, string>();
      for (const service of ruleSet.ruleSet.services ?? []) {
        const where = `${describe(ruleSet.identity)} service "${service.id}"`;
        if (!isValidServiceId(service.id)) {
          throw new CatalogError(`${where}: ${SERVICE_ID_RULE}`);
        }
        const first = origin.get(service.id);
        if (first) {
          throw new CatalogError(
            `service id "${service.id}" is defined twice: by ${first} and by ${describe(ruleSet.identity)}; ` +
              'service ids must be unique across loaded rule sets',
          );
        }
        // Rules bind to hooks, not services: two services of one rule set on one hook would evaluate
        // the same rules and issue the same card uuids for one hookInstance.
        const sameHook = hooksServed.get(service.hook);
        if (sameHook) {
          throw new CatalogError(
            `${describe(ruleSet.identity)} declares two services for hook "${service.hook}" ("${sameHook}" and "${service.id}"); ` +
              'a rule set may declare one service per hook',
          );
        }
        hooksServed.set(service.hook, service.id);
        assertPrefetchTemplates(where, service.hook, service.prefetch ?? {});
        origin.set(service.id, describe(ruleSet.identity));
        this.bindings.set(service.id, {
          service,
          ruleSet: ruleSet.identity,
          evaluate: (input) => ruleSet.evaluate(input),
        });
      }
    }
  }

  list(): ServiceBinding[] {
    return [...this.bindings.values()];
  }

  get(id: string): ServiceBinding | undefined {
    return this.bindings.get(id);
  }

  ready(): boolean {
    return this.bindings.size > 0;
  }
}
