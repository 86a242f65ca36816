/**
 * CORS (spec "Cross-Origin Resource Sharing", requirement 208): browser clients such as the Sandbox
 * send an OPTIONS preflight before GET discovery and POST service/feedback, asking for Authorization
 * and Content-Type. The preflight needs no token and must succeed on all three routes.
 */
import assert from 'node:assert/strict';
import request from 'supertest';
import { generateTestKey, jwks } from '../support/client-tokens.js';
import { conforming } from '../support/response-schema.js';
import { startHarness, type Harness } from '../support/server-harness.js';

const ROUTES: Array<[string, string]> = [
  ['/cds-services', 'GET'],
  ['/cds-services/server-test-order-sign', 'POST'],
  ['/cds-services/server-test-order-sign/feedback', 'POST'],
];

function preflight(h: Harness, path: string, method: string) {
  return conforming(
    request(h.app)
      .options(path)
      .set('Origin', 'https://sandbox.cds-hooks.org')
      .set('Access-Control-Request-Method', method)
      .set('Access-Control-Request-Headers', 'authorization,content-type'),
  );
}

describe('CORS', () => {
  describe('default CORS_ORIGIN=* with trusted clients configured (authentication on)', () => {
    let h: Harness;
    before(async () => {
      const key = await generateTestKey('ES384', 'k1');
      h = await startHarness({ clients: [{ iss: 'https://ehr.test.example', jwks: jwks(key), fhirServers: [] }] });
    });
    after(async () => h.close());

    for (const [path, method] of ROUTES) {
      it(`[cds-hooks_2.0@208] preflight for ${method} ${path} with Authorization succeeds without a token`, async () => {
        const res = await preflight(h, path, method);
        assert.equal(res.status, 204);
        assert.equal(res.headers['access-control-allow-origin'], '*');
        assert.equal(res.headers['access-control-allow-methods'], 'GET, POST, OPTIONS');
        assert.match(res.headers['access-control-allow-headers'], /Authorization/);
        assert.match(res.headers['access-control-allow-headers'], /Content-Type/);
      });
    }

    it('[cds-hooks_2.0@208] actual responses (here 401) carry Access-Control-Allow-Origin so the browser can read them', async () => {
      const res = await conforming(request(h.app).get('/cds-services').set('Origin', 'https://sandbox.cds-hooks.org'));
      assert.equal(res.status, 401);
      assert.equal(res.headers['access-control-allow-origin'], '*');
      assert.match(res.headers['access-control-expose-headers'], /WWW-Authenticate/);
    });
  });

  describe('CORS_ORIGIN as a list', () => {
    let h: Harness;
    before(async () => {
      h = await startHarness({ env: { CORS_ORIGIN: 'https://ehr-a.example, https://ehr-b.example' } });
    });
    after(async () => h.close());

    it('echoes an allowed origin with Vary: Origin', async () => {
      const res = await conforming(request(h.app).options('/cds-services').set('Origin', 'https://ehr-b.example').set('Access-Control-Request-Method', 'GET'));
      assert.equal(res.headers['access-control-allow-origin'], 'https://ehr-b.example');
      assert.match(res.headers.vary, /Origin/);
    });

    it('gives no Access-Control-Allow-Origin to other origins', async () => {
      const res = await conforming(request(h.app).options('/cds-services').set('Origin', 'https://evil.example').set('Access-Control-Request-Method', 'GET'));
      assert.equal(res.headers['access-control-allow-origin'], undefined);
    });
  });
});
