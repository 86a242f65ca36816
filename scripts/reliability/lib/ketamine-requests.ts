/**
 * Real requests for the reliability tests and scripts: the shipped ketamine/esketamine rule set
 * (rules/ketamine-esketamine/rule-set.json, compiled by the real engine) and the CDS Hooks requests
 * its fixtures make (engine/fixtures/compact-fhir.ts fixtureToRequest), as an EHR would send them.
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { compileRuleSet, type CompiledRuleSet } from '../../../engine/compile-rule-set.js';
import { fixtureToRequest } from '../../../engine/fixtures/compact-fhir.js';
import type { Fixture } from '../../../engine/fixtures/fixture-types.js';
import { loadFixtures } from '../../../use-cases/load-fixtures.js';
import { serviceForFixture } from '../../../engine/fixtures/run-fixtures.js';
import { loadRuleSetFile } from '../../../use-cases/load-rule-set-file.js';
import { RuleSetInvalidError } from '../../../engine/rule-set-problem.js';
import type { ServiceDefinition } from '../../../engine/rule-set-types.js';
import { RULES_DIR } from '../../../server/bundled-rule-sets.js';
import type { CdsServiceRequest } from '../../../cds-hooks/wire-types.js';

export const KETAMINE_DIR = join(RULES_DIR, 'ketamine-esketamine');
export const KETAMINE_RULE_SET_FILE = join(KETAMINE_DIR, 'rule-set.json');
export const ORDER_SIGN_SERVICE = 'ketamine-order-sign';

let compiled: CompiledRuleSet | undefined;
let fixtures: Fixture[] | undefined;

export function ketamineRuleSet(): CompiledRuleSet {
  if (compiled === undefined) {
    const loaded = loadRuleSetFile(KETAMINE_RULE_SET_FILE);
    if (!loaded.ruleSet) throw new RuleSetInvalidError(loaded.problems);
    compiled = compileRuleSet(loaded.ruleSet, { file: KETAMINE_RULE_SET_FILE });
  }
  return compiled;
}

export function ketamineFixtures(): Fixture[] {
  if (fixtures === undefined) {
    const loaded = loadFixtures(join(KETAMINE_DIR, 'fixtures'));
    if (loaded.errors.length > 0) throw new Error(`ketamine fixtures do not load: ${JSON.stringify(loaded.errors[0])}`);
    fixtures = loaded.fixtures;
  }
  return fixtures;
}

export interface FixtureRequest {
  fixture: Fixture;
  service: ServiceDefinition;
  body: CdsServiceRequest;
  /** The fixture's evaluation instant. */
  now: Date;
}

/** One request per fixture (all hooks, or only `hook`), with the fixture's deterministic hookInstance. */
export function fixtureRequests(hook?: string): FixtureRequest[] {
  const ruleSet = ketamineRuleSet();
  return ketamineFixtures()
    .filter((fixture) => hook === undefined || fixture.hook === hook)
    .map((fixture) => {
      const service = serviceForFixture(ruleSet, fixture);
      if (typeof service === 'string') throw new Error(service);
      return { fixture, service, body: fixtureToRequest(fixture, service), now: new Date(fixture.now) };
    });
}

/** The same request as a new hook call (fresh hookInstance, so fresh card uuids). */
export function asNewCall(body: CdsServiceRequest): CdsServiceRequest {
  return { ...body, hookInstance: randomUUID() };
}
