/**
 * Prefetch templates may only use CDS Hooks 2.0 tokens (spec "Prefetch tokens", requirements 55-59):
 * checked when a rule set's services are loaded into the catalog; a rule set using other tokens is
 * refused with an error naming the rule set, service, key and token. Service ids are unique.
 */
import assert from 'node:assert/strict';
import { checkPrefetchTemplates, PrefetchTemplateError } from '../../cds-hooks/prefetch-tokens.js';
import { CatalogError, StaticServiceCatalog, type CompiledRuleSet } from '../../use-cases/service-catalog.js';
import type { ServiceDefinition } from '../../engine/rule-set-types.js';
import { testRuleSet } from '../support/server-harness.js';
import { specFixture } from '../support/spec-fixtures.js';

/**
 * The real compiled test rule set with other `services`. The engine refuses such rule sets itself
 * when it validates them; this builds them anyway to prove the catalog's own guard (which also
 * protects catalogs fed from elsewhere, e.g. the registry).
 */
function withServices(services: ServiceDefinition[], identity = testRuleSet().identity): CompiledRuleSet {
  const real = testRuleSet();
  return { identity, ruleSet: { ...real.ruleSet, services }, evaluate: (input) => real.evaluate(input) };
}

const service = (id: string, hook: ServiceDefinition['hook'], prefetch: Record<string, string> = {}): ServiceDefinition => ({
  id,
  hook,
  title: id,
  description: `Service ${id}`,
  prefetch,
});

describe('prefetch tokens and the service catalog', () => {
  it('[cds-hooks_2.0@55,@56,@59] accepts the spec examples (context tokens, user tokens, a context read)', () => {
    for (const file of ['discovery-prefetch-templates.json', 'discovery-prefetch-user-read.json', 'discovery-prefetch-user-search.json', 'discovery-prefetch-hba1c.json']) {
      const { prefetch } = specFixture<{ prefetch: Record<string, string> }>(file);
      assert.deepEqual(checkPrefetchTemplates('patient-view', prefetch), [], file);
    }
  });

  it('refuses a template with 2.0 tokens that is not a FHIR read or type-level search (the resolver could not run it)', () => {
    const problems = checkPrefetchTemplates('patient-view', {
      operation: 'Patient/{{context.patientId}}/$everything',
      system: '?patient={{context.patientId}}',
      fine: 'Condition?patient={{context.patientId}}',
    });
    assert.deepEqual(
      problems.map((p) => p.key),
      ['operation', 'system'],
    );
    for (const p of problems) assert.match(p.message, /instance read|type-level search/);
  });

  it('[cds-hooks_2.0@56,@57] refuses FHIRPath, nested, non-token and 1.0-era tokens, naming key and token', () => {
    const problems = checkPrefetchTemplates('order-select', {
      nested: 'MedicationRequest/{{context.medication.id}}',
      crd: 'MedicationRequest?_id={{context.draftOrders.MedicationRequest.id}}',
      selections: '{{context.selections}}',
      today: 'Observation?date=gt{{today() - 90 days}}',
      old: 'Patient/{{Patient.id}}',
      open: 'Patient/{{context.patientId}',
    });
    assert.deepEqual(
      problems.map((p) => [p.key, p.message.split(' (allowed')[0]]),
      [
        ['nested', 'token {{context.medication.id}} is not a CDS Hooks 2.0 prefetch token for hook "order-select"'],
        ['crd', 'token {{context.draftOrders.MedicationRequest.id}} is not a CDS Hooks 2.0 prefetch token for hook "order-select"'],
        ['selections', 'token {{context.selections}} is not a CDS Hooks 2.0 prefetch token for hook "order-select"'],
        ['today', 'token {{today() - 90 days}} is not a CDS Hooks 2.0 prefetch token for hook "order-select"'],
        ['old', 'token {{Patient.id}} is not a CDS Hooks 2.0 prefetch token for hook "order-select"'],
        ['open', 'has an unbalanced {{ or }} delimiter'],
      ],
    );
  });

  it('the catalog refuses a rule set whose service uses another token, with a clear error', () => {
    assert.throws(
      () => new StaticServiceCatalog([withServices([service('pv', 'patient-view', { meds: 'MedicationRequest?encounter={{context.encounter.id}}' })])]),
      (err: Error) =>
        err instanceof PrefetchTemplateError &&
        err.message.startsWith('rule set "server-test"@1.0.0 service "pv": prefetch templates refused:') &&
        err.message.includes('key "meds"') &&
        err.message.includes('{{context.encounter.id}}'),
    );
  });

  it('service ids must be unique across loaded rule sets', () => {
    const other = withServices([service('server-test-order-sign', 'order-sign')], { id: 'other', version: '2.0.0', hash: 'h' });
    assert.throws(
      () => new StaticServiceCatalog([testRuleSet(), other]),
      (err: Error) =>
        err instanceof CatalogError &&
        err.message === 'service id "server-test-order-sign" is defined twice: by rule set "server-test"@1.0.0 and by rule set "other"@2.0.0; service ids must be unique across loaded rule sets',
    );
  });

  it('one rule set may not declare two services for one hook (they would issue the same cards)', () => {
    assert.throws(
      () => new StaticServiceCatalog([withServices([service('a', 'patient-view'), service('b', 'patient-view')])]),
      /declares two services for hook "patient-view" \("a" and "b"\)/,
    );
  });

  it('a service id must be one URL path segment', () => {
    assert.throws(() => new StaticServiceCatalog([withServices([service('a/b', 'patient-view')])]), /id must be one URL path segment/);
  });

  it('the catalog built from the test rule set lists its four services and is ready', () => {
    const catalog = new StaticServiceCatalog([testRuleSet()]);
    assert.equal(catalog.list().length, 4);
    assert.ok(catalog.ready());
    assert.equal(catalog.get('server-test-order-sign')?.ruleSet.id, 'server-test');
    assert.equal(catalog.get('nope'), undefined);
    assert.ok(!new StaticServiceCatalog([]).ready());
  });
});
