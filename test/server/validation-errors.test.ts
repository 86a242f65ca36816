/**
 * Bad input gets a JSON error that names the field and the problem (docs/errors.md), with the right
 * status: 400 malformed body / wrong hook / nesting too deep, 404 unknown service, 415 not JSON,
 * 413 too large. Never a 500 for bad input (checked with seeded random bodies too).
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import request from 'supertest';
import { conforming } from '../support/response-schema.js';
import { startHarness, type Harness } from '../support/server-harness.js';
import { aneurysm, requestFromContextExample, searchset } from '../support/server-requests.js';
import { specFixture } from '../support/spec-fixtures.js';

const PV = '/cds-services/server-test-patient-view';
const FEEDBACK = '/cds-services/server-test-order-sign/feedback';

function patientView(): Record<string, unknown> {
  return specFixture('service-request-patient-view.json');
}

describe('request validation errors (open mode on 127.0.0.1)', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({ env: { MAX_BODY_BYTES: '4096', MAX_JSON_DEPTH: '16' } });
  });
  after(async () => h.close());

  const post = (path: string, body: unknown) => conforming(request(h.app).post(path).send(body as object));

  describe('400 invalid_request names each field', () => {
    it('missing hook, hookInstance and context', async () => {
      const res = await post(PV, {});
      assert.equal(res.status, 400);
      assert.equal(res.body.error, 'invalid_request');
      assert.deepEqual(res.body.problems, [
        { pointer: '/hook', message: 'is required' },
        { pointer: '/hookInstance', message: 'is required' },
        { pointer: '/context', message: 'is required' },
      ]);
    });

    it('[cds-hooks_2.0@20] cds-r-1: fhirAuthorization without fhirServer', async () => {
      const body = patientView();
      delete body.fhirServer;
      const res = await post(PV, body);
      assert.equal(res.status, 400);
      assert.deepEqual(res.body.problems, [{ pointer: '/fhirServer', message: 'is required when "fhirAuthorization" is present' }]);
    });

    it('hookInstance that is not a UUID, token_type other than Bearer, context of the wrong type', async () => {
      const body = patientView();
      body.hookInstance = 'not-a-uuid';
      (body.fhirAuthorization as Record<string, unknown>).token_type = 'MAC';
      const res = await post(PV, body);
      assert.deepEqual(res.body.problems, [
        { pointer: '/hookInstance', message: 'must be a UUID, e.g. d1577c69-dfbe-44ad-ba6d-3e05e953b2ea' },
        { pointer: '/fhirAuthorization/token_type', message: 'must be "Bearer"' },
      ]);
      const res2 = await post(PV, { ...patientView(), context: ['x'] });
      assert.deepEqual(res2.body.problems, [{ pointer: '/context', message: 'must be an object' }]);
    });

    it('the hook context is checked for its hook: patient-view', async () => {
      const body = { ...patientView(), context: { userId: 'example', patientId: '' } };
      const res = await post(PV, body);
      assert.deepEqual(res.body.problems, [
        { pointer: '/context/userId', message: 'must be a reference of the form ResourceType/id (invariant ord-1)' },
        { pointer: '/context/patientId', message: "must be a FHIR id (1-64 letters, digits, '-' or '.')" },
      ]);
    });

    it('the hook context is checked for its hook: order-select needs selections and draftOrders', async () => {
      const request = requestFromContextExample('order-select', 'hook-context-order-select-r4.json', { conditions: searchset([aneurysm()]) });
      delete request.context.selections;
      (request.context.draftOrders as Record<string, unknown>).resourceType = 'List';
      const res = await post('/cds-services/server-test-order-select', request);
      assert.equal(res.status, 400);
      assert.deepEqual(res.body.problems, [
        { pointer: '/context/selections', message: 'is required' },
        { pointer: '/context/draftOrders/resourceType', message: 'must be "Bundle"' },
      ]);
    });

    it('a prefetch value that is neither a resource nor null', async () => {
      const res = await post(PV, { ...patientView(), prefetch: { patientToGreet: '1288992' } });
      assert.deepEqual(res.body.problems, [
        { pointer: '/prefetch/patientToGreet', message: 'must be a FHIR resource (an object with resourceType) or null' },
      ]);
    });

    it('a hook that does not match the service', async () => {
      const res = await post(PV, { ...patientView(), hook: 'order-sign' });
      assert.equal(res.status, 400);
      // order-sign's own context rules apply first: draftOrders is missing.
      assert.deepEqual(res.body.problems, [{ pointer: '/context/draftOrders', message: 'is required' }]);
      const order = requestFromContextExample('order-sign', 'hook-context-order-sign-r4.json', { conditions: searchset([]) });
      const mismatch = await post(PV, order);
      assert.deepEqual(mismatch.body.problems, [
        { pointer: '/hook', message: 'is "order-sign" but service "server-test-patient-view" answers the "patient-view" hook' },
      ]);
    });

    it('malformed JSON, an empty body, a JSON array', async () => {
      const bad = await conforming(request(h.app).post(PV).set('Content-Type', 'application/json').send('{"hook": "patient-view",'));
      assert.equal(bad.status, 400);
      assert.equal(bad.body.problems[0].pointer, '');
      assert.match(bad.body.problems[0].message, /^is not valid JSON/);
      const empty = await conforming(request(h.app).post(PV).set('Content-Type', 'application/json'));
      assert.deepEqual(empty.body.problems, [{ pointer: '', message: 'is empty; a JSON object is expected' }]);
      const array = await post(PV, [1, 2]);
      assert.deepEqual(array.body.problems, [{ pointer: '', message: 'must be a JSON object (a CDS Hooks service request)' }]);
    });

    it('JSON nested deeper than MAX_JSON_DEPTH (16 here)', async () => {
      const deep = `{"hook":"patient-view","extension":${'['.repeat(20)}${']'.repeat(20)}}`;
      const res = await conforming(request(h.app).post(PV).set('Content-Type', 'application/json').send(deep));
      assert.equal(res.status, 400);
      assert.deepEqual(res.body.problems, [{ pointer: '', message: 'nests objects/arrays deeper than 16 levels (MAX_JSON_DEPTH)' }]);
      const brackets = `{"hook":"${'['.repeat(40)}"}`;
      const inString = await conforming(request(h.app).post(PV).set('Content-Type', 'application/json').send(brackets));
      assert.notEqual(inString.body.problems?.[0]?.message, 'nests objects/arrays deeper than 16 levels (MAX_JSON_DEPTH)', 'brackets inside strings do not count');
    });

    it('[cds-hooks_2.0@155,@156,@158,@161] feedback: cds-fb-1, cds-fb-2, cds-fb-3 and RFC 3339 timestamps', async () => {
      const res = await post(FEEDBACK, {
        feedback: [
          { card: 'c1', outcome: 'accepted', outcomeTimestamp: '2021-12-11T10:05:31Z' },
          { card: 'c2', outcome: 'dismissed', outcomeTimestamp: '2021-12-11T10:05:31Z' },
          { card: 'c3', outcome: 'overridden', overrideReason: {}, outcomeTimestamp: '2021-12-11 10:05' },
        ],
      });
      assert.equal(res.status, 400);
      assert.deepEqual(res.body.problems, [
        { pointer: '/feedback/0/acceptedSuggestions', message: 'is required' },
        { pointer: '/feedback/1/outcome', message: 'must be one of: "accepted", "overridden"' },
        { pointer: '/feedback/2/overrideReason', message: 'must contain a reason, a userComment, or both (invariant cds-fb-3)' },
        { pointer: '/feedback/2/outcomeTimestamp', message: 'must be an RFC 3339 date-time with a time zone, e.g. 2021-12-11T10:05:31Z' },
      ]);
      const empty = await post(FEEDBACK, { feedback: [] });
      assert.deepEqual(empty.body.problems, [{ pointer: '/feedback', message: 'must not be an empty array' }]);
    });
  });

  it('404 not_found for an unknown service id (service and feedback)', async () => {
    const res = await post('/cds-services/no-such-service', patientView());
    assert.equal(res.status, 404);
    assert.equal(res.body.error, 'not_found');
    assert.match(res.body.message, /no CDS service has id "no-such-service"/);
    const fb = await post('/cds-services/no-such-service/feedback', specFixture('feedback-accepted.json'));
    assert.equal(fb.status, 404);
  });

  it('415 unsupported_media_type for a body that is not JSON', async () => {
    const text = await conforming(request(h.app).post(PV).set('Content-Type', 'text/plain').send('hello'));
    assert.equal(text.status, 415);
    assert.equal(text.body.error, 'unsupported_media_type');
    assert.match(text.body.message, /Content-Type must be application\/json, not text\/plain/);
    const form = await conforming(request(h.app).post(FEEDBACK).type('form').send({ a: 1 }));
    assert.equal(form.status, 415);
    const none = await conforming(request(h.app).post(PV).unset('Content-Type').send(Buffer.from('{}')));
    assert.equal(none.status, 415);
    const latin1 = await conforming(request(h.app).post(PV).set('Content-Type', 'application/json; charset=iso-8859-1').send('{}'));
    assert.equal(latin1.status, 415);
  });

  it('413 payload_too_large over MAX_BODY_BYTES (4096 here)', async () => {
    const body = { ...patientView(), extension: { 'org.example.padding': 'x'.repeat(5000) } };
    const res = await post(PV, body);
    assert.equal(res.status, 413);
    assert.equal(res.body.error, 'payload_too_large');
    assert.match(res.body.message, /larger than 4096 bytes \(MAX_BODY_BYTES\)/);
  });

  it('405 for a method a CDS route does not answer, 404 for unknown paths', async () => {
    const get = await conforming(request(h.app).get(PV));
    assert.equal(get.status, 405);
    assert.equal(get.headers.allow, 'POST, OPTIONS');
    const unknown = await conforming(request(h.app).get('/nowhere'));
    assert.equal(unknown.status, 404);
  });

  it('never a 500 for bad input: 300 seeded random JSON bodies to the service and feedback routes', async () => {
    const hookRequest = fc.record(
      {
        hook: fc.oneof(fc.constant('patient-view'), fc.string()),
        hookInstance: fc.oneof(fc.uuid(), fc.string()),
        context: fc.oneof(fc.dictionary(fc.constantFrom('userId', 'patientId', 'encounterId', 'x'), fc.jsonValue()), fc.jsonValue()),
        prefetch: fc.dictionary(fc.string(), fc.jsonValue()),
        fhirServer: fc.oneof(fc.webUrl(), fc.string()),
      },
      { requiredKeys: [] },
    );
    await fc.assert(
      fc.asyncProperty(fc.oneof(hookRequest, fc.jsonValue()), fc.boolean(), async (body, toFeedback) => {
        const path = toFeedback ? FEEDBACK : PV;
        const res = await conforming(request(h.app).post(path).set('Content-Type', 'application/json').send(JSON.stringify(body)));
        assert.ok(res.status < 500, `${path} answered ${res.status} for ${JSON.stringify(body).slice(0, 200)}`);
      }),
      { numRuns: 300, seed: 20261101 },
    );
  });

  it('a request-shaped body with a random hookInstance still validates (control for the property above)', async () => {
    const res = await post(PV, { ...patientView(), hookInstance: randomUUID() });
    assert.equal(res.status, 200);
  });
});
