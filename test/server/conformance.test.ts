/**
 * CDS Hooks 2.0 conformance: the spec's and the hook library's own example requests posted to the
 * service (real engine on test/fixtures/server/test-rule-set.json, real SQLite store, authenticated
 * ES384 client). Each title names the requirement ids of requirements/cds-hooks_2.0_requirements.csv
 * it covers; every response is checked against its schema (test/support/response-schema.ts).
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type * as fhir4 from 'fhir/r4.js';
import { patientKey } from '../../use-cases/audit/patient-key.js';
import { CARD_EXTENSION_KEY } from '../../engine/evaluation-types.js';
import type { Card, CdsServiceRequest } from '../../cds-hooks/wire-types.js';
import { TestCdsClient } from '../support/cds-client.js';
import { generateTestKey, jwks, type TestKey } from '../support/client-tokens.js';
import { NOW, TEST_PATIENT_KEY_SECRET, startHarness, testRuleSet, type Harness } from '../support/server-harness.js';
import {
  SPEC_PATIENT_ID,
  aneurysm,
  depression,
  requestFromContextExample,
  searchset,
  withEsketamineOrder,
} from '../support/server-requests.js';
import { specFixture } from '../support/spec-fixtures.js';

const ISS = 'https://ehr.test.example';

describe('CDS Hooks 2.0 conformance (spec and library examples)', () => {
  let h: Harness;
  let key: TestKey;
  let client: TestCdsClient;

  before(async () => {
    key = await generateTestKey('ES384', 'ehr-key-1');
  });
  beforeEach(async () => {
    h = await startHarness({ clients: [{ iss: ISS, jwks: jwks(key), fhirServers: [] }] });
    client = new TestCdsClient(h.app, { key, iss: ISS, now: h.clock.now });
  });
  afterEach(async () => h.close());

  describe('discovery', () => {
    it('[cds-hooks_2.0@4,@5,@6,@13] GET {baseUrl}/cds-services answers 200 with a services array', async () => {
      const res = await client.discover();
      assert.equal(res.status, 200);
      assert.ok(Array.isArray(res.body.services));
    });

    it('[cds-hooks_2.0@7,@8,@9,@10,@11,@12,@29,@36] discovery lists every service with hook, title, description, id, prefetch', async () => {
      const res = await client.discover();
      const expected = testRuleSet().ruleSet.services;
      assert.deepEqual(
        res.body.services.map((s: { id: string }) => s.id),
        expected.map((s) => s.id),
      );
      for (const service of expected) {
        const listed = res.body.services.find((s: { id: string }) => s.id === service.id);
        assert.equal(listed.hook, service.hook);
        assert.equal(listed.title, service.title);
        assert.equal(listed.description, service.description);
        assert.deepEqual(listed.prefetch, service.prefetch);
        assert.equal(listed.usageRequirements, service.usageRequirements);
      }
      assert.deepEqual(
        [...new Set(res.body.services.map((s: { hook: string }) => s.hook))].sort(),
        ['appointment-book', 'order-select', 'order-sign', 'patient-view'],
      );
    });

    it('[cds-hooks_2.0@55,@56,@57,@59] every advertised prefetch template uses only 2.0 tokens', async () => {
      const res = await client.discover();
      for (const service of res.body.services) {
        for (const template of Object.values(service.prefetch ?? {}) as string[]) {
          for (const [, token] of template.matchAll(/\{\{(.*?)\}\}/g)) {
            assert.match(token, /^(context\.(patientId|userId|encounterId)|userPractitionerId|userPractitionerRoleId|userPatientId|userRelatedPersonId)$/);
          }
        }
      }
    });
  });

  describe('patient-view: the spec example request (service-request-patient-view.json)', () => {
    it('[cds-hooks_2.0@16,@28,@74,@80,@83,@87,@88,@90,@105] answers 200 with cards computed from the prefetched Patient', async () => {
      const body = specFixture('service-request-patient-view.json');
      const res = await client.call('server-test-patient-view', body);
      assert.equal(res.status, 200);
      assert.equal(res.body.cards.length, 1);
      const card: Card = res.body.cards[0];
      // birthDate 1925-12-23, evaluated at the pinned instant 2026-11-01.
      assert.equal(card.summary, 'Patient is 100 years old: review age-related monitoring');
      assert.equal(card.indicator, 'info');
      assert.equal(card.source.label, "Test authors' judgement");
      assert.ok(card.uuid && card.summary.length < 140);
      assert.equal((card.extension?.[CARD_EXTENSION_KEY] as { rule: { id: string } }).rule.id, 'older-adult-monitoring');
    });

    it('[cds-hooks_2.0@103,@138,@139,@141,@142,@144,@146,@147] links carry label, url, type; appContext only on the smart link', async () => {
      const res = await client.call('server-test-patient-view', specFixture('service-request-patient-view.json'));
      const links = (res.body.cards[0] as Card).links ?? [];
      assert.deepEqual(
        links.map((l) => [l.type, l.appContext]),
        [
          ['absolute', undefined],
          ['smart', 'monitoring'],
        ],
      );
    });

    it('[cds-hooks_2.0@3,@77] a patient the rules say nothing about gets 200 {"cards": []}', async () => {
      const body = specFixture<CdsServiceRequest>('service-request-patient-view.json');
      (body.prefetch!.patientToGreet as fhir4.Patient).birthDate = '1990-05-01';
      const res = await client.call('server-test-patient-view', body);
      assert.equal(res.status, 200);
      assert.deepEqual(res.body, { cards: [] });
    });

    it('[cds-hooks_2.0@4,@5] the library patient-view context examples are accepted', async () => {
      for (const file of ['hook-context-patient-view.json']) {
        const request = requestFromContextExample('patient-view', file, { patientToGreet: null });
        const res = await client.call('server-test-patient-view', request);
        assert.equal(res.status, 200, file);
        assert.deepEqual(res.body, { cards: [] }, 'null = "no data": no Patient, no age card');
      }
    });
  });

  describe('order-select and order-sign: the library R4 context examples', () => {
    it('[cds-hooks_2.0@28,@74,@77] order-select R4 example (no esketamine selected) answers 200 {"cards": []}', async () => {
      const request = requestFromContextExample('order-select', 'hook-context-order-select-r4.json', { conditions: searchset([aneurysm()]) });
      const res = await client.call('server-test-order-select', request);
      assert.equal(res.status, 200);
      assert.deepEqual(res.body, { cards: [] });
    });

    it('[cds-hooks_2.0@92,@93,@95,@96,@98,@100,@117,@118,@119,@121,@124,@127,@128,@134,@135,@136] order-select with esketamine selected and an aneurysm on record: critical card with suggestion, selectionBehavior, overrideReasons', async () => {
      const request = withEsketamineOrder(
        requestFromContextExample('order-select', 'hook-context-order-select-r4.json', { conditions: searchset([aneurysm()]) }),
      );
      const res = await client.call('server-test-order-select', request);
      assert.equal(res.status, 200);
      assert.equal(res.body.cards.length, 1);
      const card: Card = res.body.cards[0];
      assert.equal(card.indicator, 'critical');
      assert.equal(card.summary, 'Esketamine is contraindicated: aortic aneurysm I71.4 on record');
      assert.equal(card.selectionBehavior, 'at-most-one');
      assert.equal(card.suggestions?.length, 1);
      assert.ok(card.suggestions?.[0].uuid);
      assert.deepEqual(card.suggestions?.[0].actions, [
        { type: 'delete', description: 'Remove the draft esketamine order', resourceId: 'MedicationRequest/esk-draft-1' },
      ]);
      assert.ok(card.overrideReasons?.every((r) => r.display && r.code && r.system));
    });

    it('[cds-hooks_2.0@28,@74] order-sign R4 example: null prefetch = "no data" and a searchset are both used', async () => {
      const request = requestFromContextExample('order-sign', 'hook-context-order-sign-r4.json', {
        patient: null,
        conditions: searchset([aneurysm()]),
      });
      const plain = await client.call('server-test-order-sign', request);
      assert.equal(plain.status, 200);
      assert.deepEqual(plain.body, { cards: [] });
      const res = await client.call('server-test-order-sign', withEsketamineOrder({ ...request, hookInstance: randomUUID() }));
      assert.equal(res.status, 200);
      assert.equal(res.body.cards[0].indicator, 'critical');
    });
  });

  describe('appointment-book: the library example', () => {
    it('[cds-hooks_2.0@28,@74,@83,@87] appointment-book example with a depressive disorder on record: info card', async () => {
      const request = requestFromContextExample('appointment-book', 'hook-context-appointment-book.json', { conditions: searchset([depression()]) });
      const res = await client.call('server-test-appointment-book', request);
      assert.equal(res.status, 200);
      assert.equal(res.body.cards.length, 1);
      assert.equal(res.body.cards[0].summary, 'Depressive disorder F33.1 on record: consider a PHQ-9 at this visit');
    });
  });

  describe('extensions', () => {
    it('[cds-hooks_2.0@214,@215] request-with-extension.json as published lacks context.patientId: 400 naming it', async () => {
      const res = await client.call('server-test-patient-view', specFixture('request-with-extension.json'));
      assert.equal(res.status, 400);
      assert.deepEqual(res.body.problems, [{ pointer: '/context/patientId', message: 'is required' }]);
    });

    it('[cds-hooks_2.0@214,@215] its extension object on a complete request is accepted and ignored', async () => {
      const { extension } = specFixture<CdsServiceRequest>('request-with-extension.json');
      const body = { ...specFixture<CdsServiceRequest>('service-request-patient-view.json'), extension };
      const res = await client.call('server-test-patient-view', body);
      assert.equal(res.status, 200);
      assert.equal(res.body.cards.length, 1);
    });
  });

  describe('prefetch that cannot be satisfied', () => {
    it('[cds-hooks_2.0@34,@54] an omitted prefetch key and no fhirServer: 412 with an OperationOutcome naming the key', async () => {
      const request = requestFromContextExample('order-sign', 'hook-context-order-sign-r4.json', { patient: null });
      const res = await client.call('server-test-order-sign', request);
      assert.equal(res.status, 412);
      assert.equal(res.body.resourceType, 'OperationOutcome');
      assert.match(JSON.stringify(res.body), /conditions/);
    });

    it('[cds-hooks_2.0@52,@54] an OperationOutcome in a prefetch key is not data: 412 when it cannot be fetched instead', async () => {
      const failure: fhir4.OperationOutcome = { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'timeout' }] };
      const request = requestFromContextExample('order-sign', 'hook-context-order-sign-r4.json', { patient: null, conditions: failure });
      const res = await client.call('server-test-order-sign', request);
      assert.equal(res.status, 412);
      assert.equal(res.body.resourceType, 'OperationOutcome');
    });

    it('[cds-hooks_2.0@60] a fhirServer not on the calling client\'s allowlist is never used: 412', async () => {
      const request = {
        ...requestFromContextExample('order-sign', 'hook-context-order-sign-r4.json', { patient: null }),
        fhirServer: 'https://fhir.elsewhere.example/r4',
      };
      const res = await client.call('server-test-order-sign', request);
      assert.equal(res.status, 412);
    });
  });

  describe('feedback', () => {
    for (const file of ['feedback-accepted.json', 'feedback-overridden-no-reason.json', 'feedback-overridden-with-reason.json']) {
      it(`[cds-hooks_2.0@148,@152,@154,@155,@156,@158,@161] ${file} is stored once; a repeated report is a duplicate`, async () => {
        const body = specFixture(file);
        const first = await client.feedback('server-test-order-sign', body);
        assert.equal(first.status, 200);
        assert.deepEqual(first.body, { stored: 1, duplicates: 0 });
        const again = await client.feedback('server-test-order-sign', body);
        assert.deepEqual(again.body, { stored: 0, duplicates: 1 });
      });
    }

    it('[cds-hooks_2.0@79,@80,@118,@162] feedback on a card the service issued is stored with its suggestion and client', async () => {
      const request = withEsketamineOrder(
        requestFromContextExample('order-sign', 'hook-context-order-sign-r4.json', { patient: null, conditions: searchset([aneurysm()]) }),
      );
      const res = await client.call('server-test-order-sign', request);
      const card: Card = res.body.cards[0];
      const feedback = {
        feedback: [
          { card: card.uuid, outcome: 'accepted', acceptedSuggestions: [{ id: card.suggestions![0].uuid }], outcomeTimestamp: '2026-11-01T10:00:05Z' },
        ],
      };
      const ack = await client.feedback('server-test-order-sign', feedback);
      assert.deepEqual(ack.body, { stored: 1, duplicates: 0 });
      const stored = await h.store.feedbackForCards([card.uuid!]);
      assert.equal(stored.length, 1);
      assert.equal(stored[0].outcome, 'accepted');
      assert.deepEqual(stored[0].acceptedSuggestions, [card.suggestions![0].uuid]);
      assert.equal(stored[0].clientIss, ISS);
      assert.equal(stored[0].serviceId, 'server-test-order-sign');
    });

    it('[cds-hooks_2.0@154] a batch of several reports is accepted at once', async () => {
      const batch = {
        feedback: [
          ...specFixture<{ feedback: unknown[] }>('feedback-accepted.json').feedback,
          ...specFixture<{ feedback: unknown[] }>('feedback-overridden-with-reason.json').feedback,
        ],
      };
      const res = await client.feedback('server-test-patient-view', batch);
      assert.deepEqual(res.body, { stored: 2, duplicates: 0 });
    });
  });

  describe('decision records', () => {
    it('every answered call is on record before the answer: keyed patient hash, rule-set identity, cards with rule ids', async () => {
      const request = withEsketamineOrder(
        requestFromContextExample('order-sign', 'hook-context-order-sign-r4.json', { patient: null, conditions: searchset([aneurysm()]) }),
      );
      const res = await client.call('server-test-order-sign', request);
      const [decision] = await h.store.listDecisions({});
      assert.equal(decision.serviceId, 'server-test-order-sign');
      assert.equal(decision.hookInstance, request.hookInstance);
      assert.equal(decision.clientIss, ISS);
      assert.equal(decision.status, 200);
      assert.equal(decision.at, NOW.toISOString());
      assert.equal(decision.evaluationNow, NOW.toISOString());
      assert.equal(decision.patientKey, patientKey(Buffer.from(TEST_PATIENT_KEY_SECRET), SPEC_PATIENT_ID));
      assert.doesNotMatch(JSON.stringify(decision), new RegExp(SPEC_PATIENT_ID));
      assert.deepEqual(decision.ruleSetId, testRuleSet().identity.id);
      assert.equal(decision.ruleSetHash, testRuleSet().identity.hash);
      assert.deepEqual(decision.cards, [
        { uuid: res.body.cards[0].uuid, ruleId: 'aneurysm-contraindication', indicator: 'critical', summary: res.body.cards[0].summary },
      ]);
      assert.equal(decision.snapshot, undefined, 'no SNAPSHOT_KEY: no snapshot kept');
    });

    it('a 412 is on record too (status 412, no cards)', async () => {
      const request = requestFromContextExample('order-sign', 'hook-context-order-sign-r4.json', { patient: null });
      await client.call('server-test-order-sign', request);
      const [decision] = await h.store.listDecisions({});
      assert.equal(decision.status, 412);
      assert.deepEqual(decision.cards, []);
    });

    it('a repeated call (same hookInstance, same input) is answered again with the same cards; one record', async () => {
      const request = withEsketamineOrder(
        requestFromContextExample('order-sign', 'hook-context-order-sign-r4.json', { patient: null, conditions: searchset([aneurysm()]) }),
      );
      const first = await client.call('server-test-order-sign', request);
      const second = await client.call('server-test-order-sign', request);
      assert.equal(second.status, 200);
      assert.deepEqual(second.body, first.body);
      assert.equal((await h.store.listDecisions({})).length, 1);
    });

    it('a reused hookInstance with different input is refused: 400 naming /hookInstance', async () => {
      const request = withEsketamineOrder(
        requestFromContextExample('order-sign', 'hook-context-order-sign-r4.json', { patient: null, conditions: searchset([aneurysm()]) }),
      );
      await client.call('server-test-order-sign', request);
      const changed = { ...request, context: { ...request.context, encounterId: 'another-encounter' } };
      const res = await client.call('server-test-order-sign', changed);
      assert.equal(res.status, 400);
      assert.equal(res.body.problems[0].pointer, '/hookInstance');
    });
  });
});
