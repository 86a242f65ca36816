/**
 * Client trust (spec "Trusting CDS Clients", best practices): every call carries a bearer JWT that
 * must verify; any failure is 401 {"error":"unauthorized"} with WWW-Authenticate: Bearer and nothing
 * else (checked by conforming()). Keys are generated here with jose; the clock is pinned.
 */
import assert from 'node:assert/strict';
import { createPublicKey } from 'node:crypto';
import request from 'supertest';
import { JwksCache } from '../../server/auth/jwks-cache.js';
import { StoreReplayCache } from '../../server/auth/replay-cache.js';
import { ClientTokenVerifier } from '../../server/auth/verify-client-token.js';
import { generateTestKey, hs256Token, jwks, signClientToken, unsecuredToken, type TestKey } from '../support/client-tokens.js';
import { conforming } from '../support/response-schema.js';
import { NOW, PUBLIC_BASE_URL, TestClock, startHarness, type Harness } from '../support/server-harness.js';
import { specFixture, specText } from '../support/spec-fixtures.js';

const ES_ISS = 'https://ehr-es.test.example';
const RS_ISS = 'https://ehr-rs.test.example';
const TENANT_ISS = 'https://ehr-tenant.test.example';
const DISCOVERY = '/cds-services';
const SERVICE = '/cds-services/server-test-patient-view';
const FEEDBACK = '/cds-services/server-test-patient-view/feedback';

describe('client authentication (JWT)', () => {
  let h: Harness;
  let es: TestKey;
  let rs: TestKey;
  let es256: TestKey;
  let ps: TestKey;
  let unlisted: TestKey;

  before(async () => {
    [es, rs, es256, ps, unlisted] = await Promise.all([
      generateTestKey('ES384', 'es-1'),
      generateTestKey('RS384', 'rs-1'),
      generateTestKey('ES256', 'es256-1'),
      generateTestKey('PS384', 'ps-1'),
      generateTestKey('ES384', 'not-in-any-set'),
    ]);
    h = await startHarness({
      clients: [
        { iss: ES_ISS, jwks: jwks(es, es256, ps), fhirServers: [] },
        { iss: RS_ISS, jwks: jwks(rs), fhirServers: [] },
        { iss: TENANT_ISS, jwks: jwks(es), fhirServers: [], tenant: 'org-1' },
      ],
    });
  });
  after(async () => h.close());

  const token = (overrides: Partial<Parameters<typeof signClientToken>[0]> & { path?: string } = {}) =>
    signClientToken({ key: es, iss: ES_ISS, aud: PUBLIC_BASE_URL + (overrides.path ?? DISCOVERY), now: h.clock.now(), ...overrides });
  const lastAuthFailure = () => h.logs.lines().filter((l) => l.msg === 'client authentication failed').at(-1)?.reason;
  const discover = (jwt: string) => conforming(request(h.app).get(DISCOVERY).set('Authorization', `Bearer ${jwt}`));
  const callService = (jwt: string) =>
    conforming(request(h.app).post(SERVICE).set('Authorization', `Bearer ${jwt}`).send(specFixture('service-request-patient-view.json')));

  describe('accepted', () => {
    it('[cds-hooks_2.0@176,@205] an ES384 token on discovery', async () => {
      assert.equal((await discover(await token())).status, 200);
    });

    it('[cds-hooks_2.0@176,@205] an RS384 token on a service call', async () => {
      const res = await callService(await token({ key: rs, iss: RS_ISS, path: SERVICE }));
      assert.equal(res.status, 200);
    });

    it('[cds-hooks_2.0@176] ES256 and PS384 tokens on feedback', async () => {
      for (const key of [es256, ps]) {
        const jwt = await token({ key, path: FEEDBACK });
        const res = await conforming(request(h.app).post(FEEDBACK).set('Authorization', `Bearer ${jwt}`).send(specFixture('feedback-overridden-no-reason.json')));
        assert.equal(res.status, 200, key.alg);
      }
    });

    it('aud as an array that contains the endpoint URL', async () => {
      assert.equal((await discover(await token({ aud: ['https://other.example/x', PUBLIC_BASE_URL + DISCOVERY] }))).status, 200);
    });

    it('exp passed by less than the clock skew (60 s), nbf in the past', async () => {
      const nowS = Math.floor(NOW.getTime() / 1000);
      assert.equal((await discover(await token({ claims: { iat: nowS - 300, exp: nowS - 30, nbf: nowS - 300 } }))).status, 200);
    });

    it('the tenant the client config names', async () => {
      assert.equal((await discover(await token({ iss: TENANT_ISS, claims: { tenant: 'org-1' } }))).status, 200);
    });
  });

  describe('refused with 401 and no detail', () => {
    const nowS = Math.floor(NOW.getTime() / 1000);
    const cases: Array<[string, string, () => Promise<string>]> = [
      ['expired (exp 2 minutes ago, beyond the 60 s skew)', 'claims-invalid', () => token({ claims: { iat: nowS - 400, exp: nowS - 120 } })],
      ['not yet valid (nbf in 5 minutes)', 'claims-invalid', () => token({ claims: { nbf: nowS + 300 } })],
      ['issued in the future (iat in 5 minutes)', 'claims-invalid', () => token({ claims: { iat: nowS + 300, exp: nowS + 600 } })],
      ['older than JWT_MAX_TOKEN_AGE_S (iat 2 hours ago, exp still ahead)', 'claims-invalid', () => token({ claims: { iat: nowS - 7200 } })],
      ['wrong aud (the discovery URL used for a service call is checked below); another host', 'claims-invalid', () => token({ aud: 'https://cds.elsewhere.example/cds-services' })],
      ['unknown iss', 'unknown-issuer', () => token({ iss: 'https://unknown-ehr.example' })],
      ['unknown kid', 'unknown-kid', () => token({ key: unlisted })],
      ['kid missing from the header', 'kid-missing', () => token({ header: { kid: undefined } })],
      ['typ other than JWT', 'typ-not-jwt', () => token({ header: { typ: 'at+jwt' } })],
      ['alg none', 'algorithm-not-accepted', async () => unsecuredToken({ iss: ES_ISS, aud: PUBLIC_BASE_URL + DISCOVERY, iat: nowS, exp: nowS + 300, jti: 'none-1' }, es.kid)],
      [
        'HS256 signed with the client public key (algorithm confusion)',
        'algorithm-not-accepted',
        async () => {
          const pem = createPublicKey({ key: es.publicJwk as never, format: 'jwk' }).export({ type: 'spki', format: 'pem' });
          return hs256Token({ typ: 'JWT', kid: es.kid }, { iss: ES_ISS, aud: PUBLIC_BASE_URL + DISCOVERY, iat: nowS, exp: nowS + 300, jti: 'hs-1' }, Buffer.from(pem));
        },
      ],
      ['missing iss', 'unknown-issuer', () => token({ claims: { iss: undefined } })],
      ['missing aud', 'claims-invalid', () => token({ claims: { aud: undefined } })],
      ['missing exp', 'claims-invalid', () => token({ claims: { exp: undefined } })],
      ['missing iat', 'claims-invalid', () => token({ claims: { iat: undefined } })],
      ['missing jti', 'claims-invalid', () => token({ claims: { jti: undefined } })],
      [
        'tampered signature',
        'signature-invalid',
        async () => {
          const jwt = await token();
          const [header, payload, signature] = jwt.split('.');
          const flipped = signature.startsWith('A') ? `B${signature.slice(1)}` : `A${signature.slice(1)}`;
          return `${header}.${payload}.${flipped}`;
        },
      ],
      [
        'tampered payload (signature of the original)',
        'signature-invalid',
        async () => {
          const [header, , signature] = (await token()).split('.');
          const payload = Buffer.from(JSON.stringify({ iss: ES_ISS, aud: PUBLIC_BASE_URL + DISCOVERY, iat: nowS, exp: nowS + 86400, jti: 'forged' })).toString('base64url');
          return `${header}.${payload}.${signature}`;
        },
      ],
      ['tenant other than the configured one', 'tenant-mismatch', () => token({ iss: TENANT_ISS, claims: { tenant: 'org-2' } })],
      ['tenant missing where the config names one', 'tenant-mismatch', () => token({ iss: TENANT_ISS })],
      ['not a JWT at all', 'malformed', async () => 'not-a-jwt'],
    ];
    for (const [title, reason, make] of cases) {
      it(`[cds-hooks_2.0@176,@195,@201,@203] ${title}`, async () => {
        assert.equal((await discover(await make())).status, 401);
        assert.equal(lastAuthFailure(), reason, 'refused for the intended reason (from the log)');
      });
    }

    it('[cds-hooks_2.0@176] aud of the discovery endpoint used on a service endpoint', async () => {
      const res = await callService(await token({ path: DISCOVERY }));
      assert.equal(res.status, 401);
    });

    it('a replayed jti (the same token twice)', async () => {
      const jwt = await token();
      assert.equal((await discover(jwt)).status, 200);
      assert.equal((await discover(jwt)).status, 401);
      assert.equal(lastAuthFailure(), 'replayed-jti');
    });

    it('no Authorization header, or a Basic one, on every route', async () => {
      for (const test of [request(h.app).get(DISCOVERY), request(h.app).post(SERVICE).send({}), request(h.app).post(FEEDBACK).send({})]) {
        assert.equal((await conforming(test)).status, 401);
      }
      assert.equal((await conforming(request(h.app).get(DISCOVERY).set('Authorization', 'Basic dXNlcjpwYXNz'))).status, 401);
    });

    it('authentication comes before everything else: no 404 or 400 leaks to an unauthenticated caller', async () => {
      assert.equal((await conforming(request(h.app).post('/cds-services/no-such-service').send({}))).status, 401);
      assert.equal((await conforming(request(h.app).post(SERVICE).set('Content-Type', 'text/plain').send('x'))).status, 401);
    });
  });

  describe('the spec example token (jwt-compact-token.txt)', () => {
    const payload = specFixture<{ iss: string; aud: string; iat: number; exp: number; tenant: string }>('jwt-payload.json');
    const header = specFixture<{ jku: string }>('jwt-header.json');
    const specClient = {
      iss: payload.iss,
      jwks: specFixture<{ keys: never[] }>('jwt-jwks-public.json'),
      jku: header.jku,
      fhirServers: [],
      tenant: payload.tenant,
    };
    // A fixed clock inside the token's life: a minute after iat (exp is 1422568860 = 2015-01-29).
    const specClock = () => new TestClock(new Date((payload.iat + 60) * 1000));

    it('[cds-hooks_2.0@176,@205] verifies with jwt-jwks-public.json under a fixed clock (ES384, iss/aud/tenant from jwt-payload.json)', async () => {
      const clock = specClock();
      const verifier = new ClientTokenVerifier({
        clients: [specClient],
        jwks: new JwksCache(async () => assert.fail('the inline JWK Set is used: nothing is fetched'), clock.now),
        replay: new StoreReplayCache(h.store),
        clock: clock.now,
        clockSkewS: 60,
        maxTokenAgeS: 3600,
      });
      const verdict = await verifier.verify(specText('jwt-compact-token.txt'), payload.aud);
      assert.deepEqual(verdict, { ok: true, verified: { client: specClient, jti: 'ee22b021-e1b7-4611-ba5b-8eec6a33ac1e', tenant: payload.tenant } });
    });

    it('is accepted over HTTP at its aud (service "some-service" is not in the catalog: 404 after authentication)', async () => {
      const spec = await startHarness({ clients: [specClient], env: { PUBLIC_BASE_URL: 'https://cds.example.org' }, clock: specClock() });
      try {
        const res = await conforming(
          request(spec.app).post('/cds-services/some-service').set('Authorization', `Bearer ${specText('jwt-compact-token.txt')}`).send(specFixture('service-request-patient-view.json')),
        );
        assert.equal(res.status, 404);
      } finally {
        await spec.close();
      }
    });

    it('is refused at its real expiry (clock at exp + skew + 1 s)', async () => {
      const clock = new TestClock(new Date((payload.exp + 61) * 1000));
      const verifier = new ClientTokenVerifier({
        clients: [specClient],
        jwks: new JwksCache(async () => ({ keys: [] }), clock.now),
        replay: new StoreReplayCache(h.store),
        clock: clock.now,
        clockSkewS: 60,
        maxTokenAgeS: 3600,
      });
      const verdict = await verifier.verify(specText('jwt-compact-token.txt'), payload.aud);
      assert.equal(verdict.ok, false);
    });
  });
});
