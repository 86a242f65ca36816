/**
 * SSRF: the service sends requests (carrying the client's FHIR access token) only to the FHIR servers
 * allowlisted for the calling client, and fetches JWK Sets only from the client's allowlisted jku.
 * A real HTTP server that records every hit stands in for each forbidden destination; "never
 * contacted" means it recorded nothing: not the fhirServer named in the request, not a redirect
 * target, not a paging link to another origin, not a path outside the allowlisted base, not a jku
 * named in a token, not a jku redirect target.
 */
import assert from 'node:assert/strict';
import type * as fhir4 from 'fhir/r4.js';
import request from 'supertest';
import type { CdsServiceRequest } from '../../cds-hooks/wire-types.js';
import { generateTestKey, jwks, signClientToken, type TestKey } from '../support/client-tokens.js';
import { rememberSecret } from '../support/minted-secrets.js';
import { PUBLIC_BASE_URL, startHarness, type Harness } from '../support/server-harness.js';
import { aneurysm, esketamineDraftOrder, requestFromContextExample, searchset, SPEC_PATIENT_ID } from '../support/server-requests.js';
import { json, redirectTo, startRecordingServer, type RecordingServer } from './support/recording-server.js';

const ISS = 'https://ehr-ssrf.test.example';
const JKU_ISS = 'https://ehr-ssrf-jku.test.example';
const TOKEN = rememberSecret('ssrf-fhir-access-token-6a0c2e8b4d');
const SERVICE = '/cds-services/server-test-order-sign';

describe('SSRF: only allowlisted FHIR servers and JWK Set URLs are ever contacted', function () {
  this.timeout(30_000);
  let allowed: RecordingServer;
  let forbidden: RecordingServer;
  let jkuHost: RecordingServer;
  let key: TestKey;
  let h: Harness;

  const patientResource: fhir4.Patient = { resourceType: 'Patient', id: SPEC_PATIENT_ID, birthDate: '1980-01-01' };

  before(async () => {
    key = await generateTestKey('ES384', 'ssrf-1');
    forbidden = await startRecordingServer(json(searchset([aneurysm()]), 'application/fhir+json'));
    allowed = await startRecordingServer();
    jkuHost = await startRecordingServer(json(jwks(key)));
    h = await startHarness({
      clients: [
        { iss: ISS, jwks: jwks(key), fhirServers: [`${allowed.origin}/fhir`] },
        { iss: JKU_ISS, jku: `${jkuHost.origin}/jwks.json`, fhirServers: [] },
      ],
    });
  });
  after(async () => {
    await Promise.all([allowed.close(), forbidden.close(), jkuHost.close()]);
    await h.close();
  });
  beforeEach(() => {
    for (const server of [allowed, forbidden, jkuHost]) server.hits.length = 0;
    allowed.respond = (req, res) => {
      const body = req.url?.startsWith('/fhir/Patient/') ? patientResource : searchset([aneurysm()]);
      res.writeHead(200, { 'content-type': 'application/fhir+json' }).end(JSON.stringify(body));
    };
  });

  async function call(body: CdsServiceRequest, iss = ISS): Promise<request.Response> {
    const jwt = await signClientToken({ key, iss, aud: PUBLIC_BASE_URL + SERVICE, now: h.clock.now() });
    return request(h.app).post(SERVICE).set('Authorization', `Bearer ${jwt}`).send(body);
  }

  /** order-sign for the spec patient with an esketamine order; no prefetch, so the service must fetch. */
  function fetching(fhirServer: string, prefetch?: Record<string, unknown>): CdsServiceRequest {
    const body = requestFromContextExample('order-sign', 'hook-context-order-sign-r4.json', prefetch);
    const draftOrders = body.context.draftOrders as fhir4.Bundle;
    draftOrders.entry = [...(draftOrders.entry ?? []), { resource: esketamineDraftOrder() }];
    return {
      ...body,
      fhirServer,
      fhirAuthorization: { access_token: TOKEN, token_type: 'Bearer', expires_in: 300, scope: 'patient/*.read', subject: 'cds-service' },
    };
  }

  it('control: the allowlisted FHIR server is called, with the token', async () => {
    const res = await call(fetching(`${allowed.origin}/fhir`));
    assert.equal(res.status, 200, res.text);
    assert.ok(allowed.hits.length >= 2);
    assert.ok(allowed.hits.every((hit) => hit.authorization === `Bearer ${TOKEN}`));
  });

  it('a fhirServer that is not on the client allowlist: 412 forbidden, never contacted', async () => {
    const res = await call(fetching(`${forbidden.origin}/fhir`));
    assert.equal(res.status, 412);
    assert.ok(res.body.issue.every((i: fhir4.OperationOutcomeIssue) => i.code === 'forbidden'));
    assert.deepEqual(forbidden.hits, []);
  });

  it('the allowlisted host on a path outside the allowlisted base: not contacted', async () => {
    const res = await call(fetching(`${allowed.origin}/other-fhir`));
    assert.equal(res.status, 412);
    assert.deepEqual(allowed.hits, []);
  });

  it('the allowlisted server redirects (302) to another host: the redirect is not followed, the token never leaves', async () => {
    allowed.respond = redirectTo(`${forbidden.origin}/fhir/Condition?patient=${SPEC_PATIENT_ID}`);
    const res = await call(fetching(`${allowed.origin}/fhir`));
    assert.equal(res.status, 412);
    assert.ok(allowed.hits.length > 0);
    assert.deepEqual(forbidden.hits, []);
  });

  it('a paging link (search Bundle next) to another origin, fetched or prefetched: not followed', async () => {
    const bundle = { ...searchset([aneurysm()]), link: [{ relation: 'next', url: `${forbidden.origin}/fhir/Condition?page=2` }] };
    allowed.respond = (req, res) => {
      const body = req.url?.startsWith('/fhir/Patient/') ? patientResource : bundle;
      res.writeHead(200, { 'content-type': 'application/fhir+json' }).end(JSON.stringify(body));
    };
    assert.equal((await call(fetching(`${allowed.origin}/fhir`))).status, 412);
    assert.equal((await call(fetching(`${allowed.origin}/fhir`, { patient: patientResource, conditions: bundle }))).status, 412);
    assert.deepEqual(forbidden.hits, []);
  });

  it('open mode: a fhirServer that is not loopback (and not in OPEN_MODE_FHIR_SERVERS) is refused at once, not attempted', async () => {
    const open = await startHarness();
    try {
      const started = Date.now();
      const res = await request(open.app).post(SERVICE).send(fetching('http://10.255.255.1/fhir'));
      assert.equal(res.status, 412);
      assert.ok(res.body.issue.every((i: fhir4.OperationOutcomeIssue) => i.code === 'forbidden'), JSON.stringify(res.body));
      assert.ok(Date.now() - started < 1000, 'refused without a connection attempt (no timeout waited for)');
    } finally {
      await open.close();
    }
  });

  it('a token naming a jku other than the client\'s: 401, the named URL never contacted', async () => {
    const jwt = await signClientToken({ key, iss: JKU_ISS, aud: PUBLIC_BASE_URL + '/cds-services', now: h.clock.now(), header: { jku: `${forbidden.origin}/jwks.json` } });
    const res = await request(h.app).get('/cds-services').set('Authorization', `Bearer ${jwt}`);
    assert.equal(res.status, 401);
    assert.deepEqual(forbidden.hits, []);
  });

  it('the allowlisted jku redirects to another host: not followed (401), the other host never contacted', async () => {
    jkuHost.respond = redirectTo(`${forbidden.origin}/jwks.json`);
    const other = await generateTestKey('ES384', 'ssrf-rotated'); // unknown kid: forces a fetch of the set
    const jwt = await signClientToken({ key: other, iss: JKU_ISS, aud: PUBLIC_BASE_URL + '/cds-services', now: h.clock.now() });
    const res = await request(h.app).get('/cds-services').set('Authorization', `Bearer ${jwt}`);
    assert.equal(res.status, 401);
    assert.ok(jkuHost.hits.length > 0, 'the allowlisted jku was asked');
    assert.deepEqual(forbidden.hits, []);
  });
});
