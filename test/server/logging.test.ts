/**
 * Logs are structured JSON with request id, method, path, status, latency, hook, service id and client
 * iss, and never contain a token (client JWT, fhirAuthorization access_token), a request body or
 * patient data, whatever happens (success, 400, 401, 412, feedback).
 */
import assert from 'node:assert/strict';
import request from 'supertest';
import { TestCdsClient } from '../support/cds-client.js';
import { generateTestKey, jwks, signClientToken } from '../support/client-tokens.js';
import { conforming } from '../support/response-schema.js';
import { PUBLIC_BASE_URL, startHarness, type Harness } from '../support/server-harness.js';
import { SPEC_PATIENT_ID, requestFromContextExample } from '../support/server-requests.js';
import { specFixture } from '../support/spec-fixtures.js';

const ISS = 'https://ehr-log.test.example';

describe('logging', () => {
  let h: Harness;
  const secrets: string[] = [];

  before(async () => {
    const key = await generateTestKey('ES384', 'log-1');
    h = await startHarness({ clients: [{ iss: ISS, jwks: jwks(key), fhirServers: [] }] });
    const client = new TestCdsClient(h.app, { key, iss: ISS, now: h.clock.now });

    const specRequest = specFixture<Record<string, { access_token?: string }>>('service-request-patient-view.json');
    secrets.push(specRequest.fhirAuthorization.access_token!);
    const path = '/cds-services/server-test-patient-view';
    const jwt = await signClientToken({ key, iss: ISS, aud: PUBLIC_BASE_URL + path, now: h.clock.now() });
    secrets.push(jwt);
    assert.equal((await conforming(request(h.app).post(path).set('Authorization', `Bearer ${jwt}`).send(specRequest))).status, 200);
    assert.equal((await conforming(request(h.app).post(path).set('Authorization', `Bearer ${jwt}`).send(specRequest))).status, 401, 'replay');
    const badJwt = `${jwt.slice(0, -4)}AAAA`;
    secrets.push(badJwt);
    assert.equal((await conforming(request(h.app).get('/cds-services').set('Authorization', `Bearer ${badJwt}`))).status, 401);
    assert.equal((await client.call('server-test-patient-view', { ...specRequest, hookInstance: 'x' })).status, 400);
    assert.equal((await client.call('server-test-order-sign', requestFromContextExample('order-sign', 'hook-context-order-sign-r4.json', {}))).status, 412);
    assert.equal((await client.feedback('server-test-patient-view', specFixture('feedback-overridden-with-reason.json'))).status, 200);
  });
  after(async () => h.close());

  it('no token, access token, patient id or body content in any line', () => {
    const text = h.logs.text();
    assert.ok(text.length > 0);
    for (const secret of secrets) assert.ok(!text.includes(secret), 'a token was logged');
    for (const jwtPart of secrets.slice(1).flatMap((t) => t.split('.'))) assert.ok(!text.includes(jwtPart), 'a token segment was logged');
    for (const patientData of [SPEC_PATIENT_ID, '1925-12-23', 'A comment entered by the clinician', 'Pureed diet', 'PractitionerRole/123']) {
      assert.ok(!text.includes(patientData), `"${patientData}" was logged`);
    }
  });

  it('one structured line per request with id, method, path, status, latency, hook, service id, client iss', () => {
    const lines = h.logs.lines().filter((l) => l.msg === 'request');
    assert.deepEqual(
      lines.map((l) => l.status),
      [200, 401, 401, 400, 412, 200],
    );
    for (const line of lines) {
      assert.equal(typeof line.reqId, 'string');
      assert.equal(typeof line.latencyMs, 'number');
      assert.ok(['GET', 'POST'].includes(line.method as string));
    }
    const first = lines[0];
    assert.equal(first.path, '/cds-services/server-test-patient-view');
    assert.equal(first.hook, 'patient-view');
    assert.equal(first.serviceId, 'server-test-patient-view');
    assert.equal(first.clientIss, ISS);
  });

  it('the logger redacts authorization headers and request bodies should they ever be passed to it', () => {
    h.logger.info({ req: { headers: { authorization: 'Bearer leaked-token' } }, body: { patientId: 'p-secret' }, fhirAuthorization: { access_token: 'a' } }, 'probe');
    const probe = h.logs.lines().find((l) => l.msg === 'probe');
    assert.ok(probe);
    assert.doesNotMatch(JSON.stringify(probe), /leaked-token|p-secret|"access_token":"a"/);
  });
});
