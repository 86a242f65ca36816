/**
 * Prefetch templates may only use CDS Hooks 2.0 tokens (spec "Prefetch tokens", requirements 55-59):
 * checked when a rule set is validated (engine/validate-rule-set.ts, through cds-hooks/prefetch-tokens.ts),
 * so a rule set using other tokens is refused with a problem naming the service, key and token, and is
 * never served. Service ids and "one service per hook" are validation rules too; ids unique across rule
 * sets is the registry catalog's (use-cases/registry-catalog.ts), the one catalog.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkPrefetchTemplates } from '../../cds-hooks/prefetch-tokens.js';
import { compileRuleSet } from '../../engine/compile-rule-set.js';
import { RuleSetInvalidError } from '../../engine/rule-set-problem.js';
import type { RuleSet, ServiceDefinition } from '../../engine/rule-set-types.js';
import { openStore } from '../../store/open-store.js';
import type { Store } from '../../store/store.js';
import { testCatalog, testRuleSet } from '../support/server-harness.js';
import { servingCatalog } from '../support/serving-catalog.js';
import { specFixture } from '../support/spec-fixtures.js';

/** The server test rule set (services: server-test-patient-view, -order-select, -order-sign, -appointment-book), changed. */
function changed(mutate: (ruleSet: RuleSet & { services: ServiceDefinition[] }) => void): RuleSet {
  const ruleSet = structuredClone(testRuleSet().ruleSet) as RuleSet & { services: ServiceDefinition[] };
  mutate(ruleSet);
  return ruleSet;
}

/** The problems compileRuleSet (which validates) refuses a rule set with, as "pointer: message". */
function refusal(ruleSet: RuleSet): string[] {
  try {
    compileRuleSet(ruleSet);
  } catch (err) {
    if (err instanceof RuleSetInvalidError) return err.problems.map((p) => `${p.pointer}: ${p.message}`);
    throw err;
  }
  return [];
}

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

  it('validation refuses a rule set whose service uses another token, naming the service, key and token', () => {
    const problems = refusal(changed((rs) => (rs.services[0].prefetch = { meds: 'MedicationRequest?encounter={{context.encounter.id}}' })));
    assert.equal(problems.length, 1, problems.join('\n'));
    assert.match(problems[0], /^\/services\/0\/prefetch\/meds: prefetch template: token \{\{context\.encounter\.id\}\} is not a CDS Hooks 2\.0 prefetch token for hook "patient-view"/);
  });

  it('one rule set may not declare two services for one hook (they would issue the same cards): refused in validation', () => {
    const problems = refusal(changed((rs) => rs.services.push({ ...rs.services[2], id: 'server-test-order-sign-again' })));
    assert.deepEqual(problems, [
      '/services/4/hook: a rule set may declare one service per hook: /services/2 already answers "order-sign" (rules bind to hooks, so a second service would evaluate the same rules)',
    ]);
  });

  it('a service id must be one URL path segment: refused in validation (the rule-set schema states cds-hooks/service-id.ts)', () => {
    assert.deepEqual(refusal(changed((rs) => (rs.services[0].id = 'a/b'))), ['/services/0/id: "a/b" is not a valid Service id (must match ^[A-Za-z0-9][A-Za-z0-9._-]*$)']);
  });

  describe('the registry catalog (the one catalog)', () => {
    let dir: string;
    let store: Store;
    beforeEach(async () => {
      dir = mkdtempSync(join(tmpdir(), 'prefetch-tokens-catalog-'));
      store = await openStore({ dataDir: dir });
    });
    afterEach(async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    });

    it('service ids must be unique across active rule sets: the second definition is not served, and the catalog says why', async () => {
      // "other" defines its own services, and one with the test rule set's id "server-test-order-sign".
      const other = compileRuleSet(
        changed((rs) => {
          Object.assign(rs, { id: 'other', version: '2.0.0' });
          for (const s of rs.services) if (s.hook !== 'order-sign') s.id = s.id.replace('server-test', 'other');
        }),
      );
      const catalog = await servingCatalog(store, [testRuleSet(), other]);
      try {
        assert.deepEqual(catalog.problems(), [
          'rule set "server-test"@1.0.0 service "server-test-order-sign": service id already served by rule set "other"@2.0.0; not served',
        ]);
        assert.equal(catalog.get('server-test-order-sign')?.ruleSet.id, 'other');
      } finally {
        catalog.stop();
      }
    });

    it('serving the test rule set, it lists its four services and is ready; with nothing active it is not', async () => {
      const empty = await servingCatalog(store, []);
      assert.ok(!empty.ready());
      empty.stop();
      const catalog = await testCatalog(store);
      try {
        assert.equal(catalog.list().length, 4);
        assert.ok(catalog.ready());
        assert.equal(catalog.get('server-test-order-sign')?.ruleSet.id, 'server-test');
        assert.equal(catalog.get('nope'), undefined);
      } finally {
        catalog.stop();
      }
    });
  });
});
