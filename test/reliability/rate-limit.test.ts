/**
 * Rate limiting (server/http/rate-limit.ts): a token bucket per client iss (open mode: per peer IP),
 * kept in the store (the bucket arithmetic and its sharing across replicas are tested in the store
 * suite, test/store/suite/client-admission.ts), RATE_LIMIT_PER_MINUTE tokens, refilled at that rate per minute. An empty bucket answers 429
 * {"error":"rate_limited"} with Retry-After; other clients are not affected; unauthenticated calls
 * cannot drain a client's bucket. Driven by the pinned clock: no waiting.
 */
import assert from 'node:assert/strict';
import request from 'supertest';
import { DEFAULT_RATE_LIMIT_PER_MINUTE, loadConfig } from '../../server/config.js';
import { generateTestKey, jwks, signClientToken, type TestKey } from '../support/client-tokens.js';
import { conforming } from '../support/response-schema.js';
import { makeTempDir, PUBLIC_BASE_URL, startHarness, testEnv, type Harness } from '../support/server-harness.js';

describe('rate limiting per client (token bucket)', () => {
  describe('RATE_LIMIT_PER_MINUTE', () => {
    it('RATE_LIMIT_PER_MINUTE: default 60 000, 0 = off, anything else not a whole number stops the start naming it', () => {
      const dir = makeTempDir();
      assert.equal(loadConfig(testEnv(dir)).rateLimitPerMinute, DEFAULT_RATE_LIMIT_PER_MINUTE);
      assert.equal(loadConfig(testEnv(dir, undefined, { RATE_LIMIT_PER_MINUTE: '0' })).rateLimitPerMinute, 0);
      assert.throws(() => loadConfig(testEnv(dir, undefined, { RATE_LIMIT_PER_MINUTE: '-1' })), /RATE_LIMIT_PER_MINUTE must be a whole number/);
      assert.throws(() => loadConfig(testEnv(dir, undefined, { RATE_LIMIT_PER_MINUTE: 'lots' })), /RATE_LIMIT_PER_MINUTE/);
    });
  });

  describe('open mode: per peer address', () => {
    let h: Harness;
    before(async () => {
      h = await startHarness({ env: { RATE_LIMIT_PER_MINUTE: '3' } });
    });
    after(async () => h.close());

    it('429 with Retry-After after the burst, a clear error body, CORS exposes Retry-After; allowed again after the wait', async () => {
      for (let i = 0; i < 3; i++) assert.equal((await conforming(request(h.app).get('/cds-services'))).status, 200);
      const limited = await conforming(request(h.app).get('/cds-services').set('Origin', 'https://ehr.example'));
      assert.equal(limited.status, 429);
      assert.equal(limited.headers['retry-after'], '20');
      assert.equal(limited.body.error, 'rate_limited');
      assert.match(limited.body.message, /more than 3 requests per minute .*RATE_LIMIT_PER_MINUTE.*retry after 20 s/);
      assert.match(limited.headers['access-control-expose-headers'], /Retry-After/);
      assert.equal(limited.headers['x-content-type-options'], 'nosniff');
      assert.equal(limited.headers['cache-control'], 'no-store');
      assert.equal((await request(h.app).post('/cds-services/server-test-order-sign').send({})).status, 429, 'service calls count too');
      assert.equal((await request(h.app).options('/cds-services').set('Origin', 'https://ehr.example')).status, 204, 'preflights are not limited');
      assert.equal((await request(h.app).get('/healthz')).status, 200, 'health checks are not limited');
      h.clock.advance(20_000);
      assert.equal((await request(h.app).get('/cds-services')).status, 200);
      assert.equal((await request(h.app).get('/cds-services')).status, 429);
    });
  });

  describe('clients mode: per client iss', () => {
    let h: Harness;
    let a: TestKey;
    let b: TestKey;
    const A = 'https://ehr-a.rate.test.example';
    const B = 'https://ehr-b.rate.test.example';
    before(async () => {
      [a, b] = await Promise.all([generateTestKey('ES384', 'rate-a'), generateTestKey('ES384', 'rate-b')]);
      h = await startHarness({
        env: { RATE_LIMIT_PER_MINUTE: '5' },
        clients: [
          { iss: A, jwks: jwks(a), fhirServers: [] },
          { iss: B, jwks: jwks(b), fhirServers: [] },
        ],
      });
    });
    after(async () => h.close());

    const discover = async (key: TestKey, iss: string) =>
      request(h.app)
        .get('/cds-services')
        .set('Authorization', `Bearer ${await signClientToken({ key, iss, aud: `${PUBLIC_BASE_URL}/cds-services`, now: h.clock.now() })}`);

    it('one client over its limit gets 429; another client is unaffected; failed authentications do not use up a bucket', async () => {
      for (let i = 0; i < 20; i++) assert.equal((await request(h.app).get('/cds-services').set('Authorization', 'Bearer not-a-jwt')).status, 401);
      for (let i = 0; i < 5; i++) assert.equal((await discover(a, A)).status, 200, `call ${i + 1} of A`);
      const limited = await discover(a, A);
      assert.equal(limited.status, 429);
      assert.equal(limited.headers['retry-after'], '12');
      assert.equal((await discover(b, B)).status, 200, 'B has its own bucket');
      const line = h.logs.lines().find((l) => l.msg === 'request' && l.status === 429);
      assert.equal(line?.clientIss, A, 'the 429 is logged with the client');
    });
  });

  it('RATE_LIMIT_PER_MINUTE=0: no limit', async () => {
    const h = await startHarness({ env: { RATE_LIMIT_PER_MINUTE: '0' } });
    try {
      for (let i = 0; i < 50; i++) assert.equal((await request(h.app).get('/cds-services')).status, 200);
    } finally {
      await h.close();
    }
  });
});
