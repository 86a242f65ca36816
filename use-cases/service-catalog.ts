/**
 * Where the HTTP service finds its CDS services: every service comes from a rule set's `services`
 * (ServiceDefinition), never from code. The server depends on this interface only; its one
 * implementation is the registry's catalog (use-cases/registry-catalog.ts), which serves the active
 * version of each rule set in the registry.
 */
import type { EvaluationInput, EvaluationResult, RuleSetIdentity } from '../engine/evaluation-types.js';
import type { RuleSet, ServiceDefinition } from '../engine/rule-set-types.js';

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
