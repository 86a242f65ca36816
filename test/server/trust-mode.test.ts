/**
 * Open mode: without CDS_CLIENTS the service runs unauthenticated only on a loopback HOST, and says
 * so loudly; bound anywhere else it refuses to start. In open mode only loopback FHIR servers (plus
 * OPEN_MODE_FHIR_SERVERS) are called. The FHIR fallback is exercised against a real FHIR server.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type * as fhir4 from 'fhir/r4.js';
import request from 'supertest';
import { buildApp } from '../../server/app.js';
import { OPEN_MODE_WARNING, allowedFhirServers, isLoopbackHost, trustModeFor } from '../../server/auth/trust-mode.js';
import { loadConfig } from '../../server/config.js';
import { createLogger } from '../../server/logger.js';
import { conforming } from '../support/response-schema.js';
import { startFhirServer, type FhirTestServer } from '../support/fhir-server.js';
import { LogCapture, TestClock, makeTempDir, startHarness, testCatalog, testEnv, type Harness } from '../support/server-harness.js';
import { aneurysm, esketamineDraftOrder, SPEC_PATIENT_ID } from '../support/server-requests.js';
import { openStore } from '../../store/open-store.js';
import { join } from 'node:path';
import { rmSync } from 'node:fs';

describe('trust mode', () => {
  it('loopback HOST without clients: runs open and logs a warning at start', async () => {
    const h = await startHarness();
    try {
      const warning = h.logs.lines().find((l) => l.msg === OPEN_MODE_WARNING);
      assert.ok(warning, 'the open-mode warning is logged');
      assert.equal(warning.level, 40, 'at warn level');
      assert.equal((await conforming(request(h.app).get('/cds-services'))).status, 200, 'no token needed');
    } finally {
      await h.close();
    }
  });

  it('non-loopback HOST without clients: buildApp refuses to start with a clear error', async () => {
    const dataDir = makeTempDir();
    const store = await openStore({ dataDir: join(dataDir, 'store') });
    try {
      const config = loadConfig(testEnv(dataDir, undefined, { HOST: '0.0.0.0' }));
      const logs = new LogCapture();
      const catalog = await testCatalog(store);
      assert.throws(
        () => buildApp({ config, catalog, store, logger: createLogger('info', logs), clock: new TestClock().now }),
        /refusing to start: no trusted CDS clients are configured \(CDS_CLIENTS is unset\) and HOST=0\.0\.0\.0 is not a loopback address/,
      );
      catalog.stop();
    } finally {
      await store.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('which hosts count as loopback', () => {
    for (const host of ['127.0.0.1', '127.8.9.1', 'localhost', '::1', '[::1]', '::ffff:127.0.0.1']) assert.ok(isLoopbackHost(host), host);
    for (const host of ['0.0.0.0', '::', '10.0.0.5', 'cds.example.org', '::ffff:10.0.0.1']) assert.ok(!isLoopbackHost(host), host);
    assert.equal(trustModeFor({ clients: [], host: '::1' }), 'open');
    assert.equal(trustModeFor({ clients: [{ iss: 'x', fhirServers: [] }], host: '0.0.0.0' }), 'clients');
  });

  it('FHIR servers callable: the client\'s list; in open mode loopback ones plus OPEN_MODE_FHIR_SERVERS', () => {
    const open = { openModeFhirServers: ['https://fhir.dev.example/r4'] };
    assert.deepEqual(allowedFhirServers(open, undefined, 'http://127.0.0.1:9999/fhir/'), ['https://fhir.dev.example/r4', 'http://127.0.0.1:9999/fhir']);
    assert.deepEqual(allowedFhirServers(open, undefined, 'https://fhir.hospital.example/r4'), ['https://fhir.dev.example/r4']);
    const client = { iss: 'x', fhirServers: ['https://fhir.hospital.example/r4'] };
    assert.deepEqual(allowedFhirServers(open, client, 'http://127.0.0.1:9999/fhir'), ['https://fhir.hospital.example/r4']);
  });

  describe('FHIR fallback against a real FHIR server', () => {
    let fhir: FhirTestServer;
    let h: Harness;
    before(async () => {
      fhir = await startFhirServer({ requireToken: 'fhir-access-token-for-tests' });
      const patient: fhir4.Patient = { resourceType: 'Patient', id: SPEC_PATIENT_ID, birthDate: '1960-01-01', gender: 'female' };
      await fhir.load([patient, aneurysm()]);
    });
    after(async () => fhir.close());
    beforeEach(async () => {
      h = await startHarness();
      fhir.resetRecording();
    });
    afterEach(async () => h.close());

    const orderSign = (fhirServer: string) => ({
      hook: 'order-sign',
      hookInstance: randomUUID(),
      fhirServer,
      fhirAuthorization: { access_token: 'fhir-access-token-for-tests', token_type: 'Bearer', expires_in: 300, scope: 'user/Condition.read user/Patient.read', subject: 'cds-service' },
      context: {
        userId: 'Practitioner/example',
        patientId: SPEC_PATIENT_ID,
        draftOrders: { resourceType: 'Bundle', type: 'collection', entry: [{ resource: esketamineDraftOrder() }] },
      },
    });

    it('[cds-hooks_2.0@34,@60,@61] open mode fetches omitted prefetch keys from a loopback fhirServer with the access token', async () => {
      const res = await conforming(request(h.app).post('/cds-services/server-test-order-sign').send(orderSign(fhir.baseUrl)));
      assert.equal(res.status, 200);
      assert.equal(res.body.cards[0].indicator, 'critical');
      assert.ok(fhir.requests.length >= 2, 'Patient read and Condition search went to the FHIR server');
      assert.ok(fhir.requests.every((r) => r.tokenMatched), 'each with the fhirAuthorization access token');
    });

    it('FHIR_MAX_CONCURRENT_REQUESTS bounds the requests in flight to the FHIR server across concurrent calls', async () => {
      const bounded = await startHarness({ env: { FHIR_MAX_CONCURRENT_REQUESTS: '1' } });
      fhir.setLatency(20);
      try {
        const calls = [1, 2, 3].map(() => conforming(request(bounded.app).post('/cds-services/server-test-order-sign').send(orderSign(fhir.baseUrl))));
        for (const res of await Promise.all(calls)) assert.equal(res.status, 200);
        assert.ok(fhir.requests.length >= 6, `every call fetched its keys (${fhir.requests.length} requests)`);
        assert.equal(fhir.maxInFlight, 1);
        fhir.resetRecording();
        const unbounded = [1, 2, 3].map(() => conforming(request(h.app).post('/cds-services/server-test-order-sign').send(orderSign(fhir.baseUrl))));
        for (const res of await Promise.all(unbounded)) assert.equal(res.status, 200);
        assert.ok(fhir.maxInFlight > 1, 'without the setting (default 0) nothing is bounded');
      } finally {
        fhir.setLatency(0);
        await bounded.close();
      }
    });

    it('open mode never calls a non-loopback fhirServer that is not in OPEN_MODE_FHIR_SERVERS: 412', async () => {
      const res = await conforming(request(h.app).post('/cds-services/server-test-order-sign').send(orderSign('https://fhir.hospital.example/r4')));
      assert.equal(res.status, 412);
      assert.match(JSON.stringify(res.body), /allowlist/);
    });
  });
});
