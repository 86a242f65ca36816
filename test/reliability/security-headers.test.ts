/**
 * Security headers on every response of the whole app (CDS routes, health, errors of every kind, the
 * admin API, the console): X-Content-Type-Options nosniff, Referrer-Policy no-referrer, no X-Powered-By;
 * API answers also Cache-Control no-store and Content-Security-Policy default-src 'none' (the console
 * pages set their own CSP); Strict-Transport-Security exactly when PUBLIC_BASE_URL is https.
 */
import assert from 'node:assert/strict';
import request, { type Response } from 'supertest';
import type express from 'express';
import { HSTS_VALUE } from '../../server/http/security-headers.js';
import { fixtureRequests } from '../../scripts/reliability/lib/ketamine-requests.js';
import { RELIABILITY_ADMIN_USERS, startFullApp, type FullApp } from './support/full-app.js';

type Probe = [string, (app: express.Express) => Promise<Response>];

function probes(): Probe[] {
  const call = fixtureRequests('order-sign')[0];
  const auditor = { Authorization: `Bearer ${RELIABILITY_ADMIN_USERS.auditor.token}` };
  return [
    ['GET /healthz', (app) => request(app).get('/healthz')],
    ['GET /readyz', (app) => request(app).get('/readyz')],
    ['GET /cds-services', (app) => request(app).get('/cds-services')],
    ['POST service 200', (app) => request(app).post(`/cds-services/${call.service.id}`).send(call.body)],
    ['POST service 400', (app) => request(app).post(`/cds-services/${call.service.id}`).send({})],
    ['POST service 412', (app) => request(app).post(`/cds-services/${call.service.id}`).send({ ...call.body, hookInstance: '0b0c4b5e-5a4b-4a3e-9c8d-1f2e3d4c5b6a', prefetch: {} })],
    ['POST service 413', (app) => request(app).post(`/cds-services/${call.service.id}`).set('Content-Type', 'application/json').send(`"${'x'.repeat(2 * 1024 * 1024)}"`)],
    ['POST service 415', (app) => request(app).post(`/cds-services/${call.service.id}`).set('Content-Type', 'text/plain').send('x')],
    ['POST feedback 400', (app) => request(app).post(`/cds-services/${call.service.id}/feedback`).send({})],
    ['GET unknown service 405', (app) => request(app).get(`/cds-services/${call.service.id}`)],
    ['GET unknown path 404', (app) => request(app).get('/nope')],
    ['OPTIONS preflight', (app) => request(app).options('/cds-services').set('Origin', 'https://ehr.example')],
    ['GET admin 401', (app) => request(app).get('/admin/api/whoami')],
    ['GET admin 200', (app) => request(app).get('/admin/api/whoami').set(auditor)],
    ['GET admin 403', (app) => request(app).post('/admin/api/rule-sets').set(auditor).send({})],
    ['GET admin openapi', (app) => request(app).get('/admin/api/openapi.json')],
    ['GET admin export (stream)', (app) => request(app).get('/admin/api/export?format=ndjson').set(auditor)],
  ];
}

describe('security headers on every response', function () {
  this.timeout(30_000);

  describe('PUBLIC_BASE_URL https', () => {
    let full: FullApp;
    before(async () => {
      full = await startFullApp();
      assert.match(full.config.publicBaseUrl, /^https:/);
    });
    after(async () => full.close());

    for (const [what, send] of probes()) {
      it(`${what}: nosniff, no-referrer, no-store, CSP default-src 'none', HSTS, no X-Powered-By`, async () => {
        const res = await send(full.app);
        assert.ok(res.status < 500, `${what}: ${res.status}`);
        assert.equal(res.headers['x-content-type-options'], 'nosniff');
        assert.equal(res.headers['referrer-policy'], 'no-referrer');
        assert.equal(res.headers['cache-control'], 'no-store');
        assert.equal(res.headers['content-security-policy'], "default-src 'none'; frame-ancestors 'none'");
        assert.equal(res.headers['strict-transport-security'], HSTS_VALUE);
        assert.equal(res.headers['x-powered-by'], undefined);
        assert.ok(res.headers['x-request-id']);
      });
    }

    it('console pages and assets: their own CSP (not default-src none), still nosniff, no-referrer, HSTS, no X-Powered-By', async () => {
      for (const path of ['/console/preview', '/console/decisions/1', '/console']) {
        const res = await request(full.app).get(path);
        assert.ok(res.status === 200 || res.status === 302, `${path}: ${res.status}`);
        assert.match(res.headers['content-security-policy'], /default-src 'self'/);
        assert.equal(res.headers['x-content-type-options'], 'nosniff');
        assert.equal(res.headers['referrer-policy'], 'no-referrer');
        assert.equal(res.headers['strict-transport-security'], HSTS_VALUE);
        assert.equal(res.headers['x-powered-by'], undefined);
      }
    });
  });

  it('PUBLIC_BASE_URL http: no Strict-Transport-Security (browsers ignore it over http), the rest unchanged', async () => {
    const full = await startFullApp({ env: { PUBLIC_BASE_URL: 'http://127.0.0.1:8080' } });
    try {
      for (const [what, send] of probes().slice(0, 5)) {
        const res = await send(full.app);
        assert.equal(res.headers['strict-transport-security'], undefined, what);
        assert.equal(res.headers['x-content-type-options'], 'nosniff', what);
        assert.equal(res.headers['cache-control'], 'no-store', what);
      }
    } finally {
      await full.close();
    }
  });
});
