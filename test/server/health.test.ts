/** GET /healthz (process up) and GET /readyz (store answers a ping and rule sets are loaded). */
import assert from 'node:assert/strict';
import request from 'supertest';
import { conforming } from '../support/response-schema.js';
import { startHarness } from '../support/server-harness.js';

describe('health endpoints', () => {
  it('healthz and readyz answer 200 when up and ready, without a client token', async () => {
    const h = await startHarness({ clients: [{ iss: 'https://ehr.example', jku: 'https://ehr.example/jwks', fhirServers: [] }] });
    try {
      assert.deepEqual((await conforming(request(h.app).get('/healthz'))).body, { status: 'up' });
      const ready = await conforming(request(h.app).get('/readyz'));
      assert.equal(ready.status, 200);
      assert.deepEqual(ready.body, { status: 'ready', checks: { store: 'ok', ruleSets: 'loaded' } });
    } finally {
      await h.close();
    }
  });

  it('readyz is 503 when the store does not answer', async () => {
    const h = await startHarness();
    try {
      await h.store.close();
      const res = await conforming(request(h.app).get('/readyz'));
      assert.equal(res.status, 503);
      assert.deepEqual(res.body.checks, { store: 'failing', ruleSets: 'loaded' });
      assert.equal((await conforming(request(h.app).get('/healthz'))).status, 200, 'the process is still up');
    } finally {
      await h.close();
    }
  });

  it('readyz is 503 when no rule set is loaded', async () => {
    const h = await startHarness({ ruleSets: [] });
    try {
      const res = await conforming(request(h.app).get('/readyz'));
      assert.equal(res.status, 503);
      assert.deepEqual(res.body.checks, { store: 'ok', ruleSets: 'none' });
      assert.deepEqual((await conforming(request(h.app).get('/cds-services'))).body, { services: [] }, '[cds-hooks_2.0@6] no services: an empty list');
    } finally {
      await h.close();
    }
  });
});
