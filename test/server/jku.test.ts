/**
 * JWK Sets fetched from a client's allowlisted jku: a real HTTP server on an ephemeral 127.0.0.1
 * port serves them. Key rotation (a new kid) triggers a refetch; refetches are rate-limited; a jku that
 * is not on the allowlist is never contacted. The clock is pinned and advanced by hand.
 */
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express from 'express';
import type { JWK } from 'jose';
import request from 'supertest';
import { DEFAULT_JWKS_CACHE_POLICY } from '../../server/auth/jwks-cache.js';
import { generateTestKey, signClientToken, type TestKey } from '../support/client-tokens.js';
import { conforming } from '../support/response-schema.js';
import { PUBLIC_BASE_URL, startHarness, type Harness } from '../support/server-harness.js';

const ISS = 'https://ehr-jku.test.example';
const INLINE_ISS = 'https://ehr-inline.test.example';

/** A JWK Set endpoint that counts its requests; `keys` can be changed (rotation) or the server made to fail. */
class JwksServer {
  keys: JWK[] = [];
  hits = 0;
  failing = false;
  private server?: Server;
  url = '';

  async start(): Promise<void> {
    const app = express();
    app.get('/.well-known/jwks.json', (_req, res) => {
      this.hits++;
      if (this.failing) return void res.status(503).json({ error: 'down' });
      res.json({ keys: this.keys });
    });
    await new Promise<void>((resolve) => {
      this.server = app.listen(0, '127.0.0.1', () => resolve());
    });
    this.url = `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}/.well-known/jwks.json`;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server!.close(() => resolve()));
  }
}

describe('client JWK Sets from jku', () => {
  let trusted: JwksServer;
  let attacker: JwksServer;
  let k1: TestKey;
  let k2: TestKey;
  let inlineKey: TestKey;
  let h: Harness;

  before(async () => {
    [k1, k2, inlineKey] = await Promise.all([generateTestKey('RS384', 'rot-1'), generateTestKey('ES384', 'rot-2'), generateTestKey('ES384', 'inline-1')]);
    trusted = new JwksServer();
    attacker = new JwksServer();
    await Promise.all([trusted.start(), attacker.start()]);
  });
  after(async () => Promise.all([trusted.close(), attacker.close()]));

  beforeEach(async () => {
    trusted.keys = [k1.publicJwk];
    trusted.hits = 0;
    trusted.failing = false;
    attacker.keys = [k1.publicJwk, k2.publicJwk, inlineKey.publicJwk];
    attacker.hits = 0;
    h = await startHarness({
      clients: [
        { iss: ISS, jku: trusted.url, fhirServers: [] },
        { iss: INLINE_ISS, jwks: { keys: [inlineKey.publicJwk] }, fhirServers: [] },
      ],
    });
  });
  afterEach(async () => h.close());

  const discover = async (key: TestKey, options: { iss?: string; header?: Record<string, unknown> } = {}) => {
    const jwt = await signClientToken({ key, iss: options.iss ?? ISS, aud: `${PUBLIC_BASE_URL}/cds-services`, now: h.clock.now(), header: options.header });
    return (await conforming(request(h.app).get('/cds-services').set('Authorization', `Bearer ${jwt}`))).status;
  };
  const pastRateLimit = () => h.clock.advance(DEFAULT_JWKS_CACHE_POLICY.minRefetchIntervalMs + 1000);

  it('[cds-hooks_2.0@195,@198] fetches the configured jku once and caches it', async () => {
    assert.equal(await discover(k1), 200);
    assert.equal(await discover(k1), 200);
    assert.equal(await discover(k1, { header: { jku: trusted.url } }), 200, 'a jku header equal to the allowlisted one is fine');
    assert.equal(trusted.hits, 1);
  });

  it('key rotation: a token with a new kid makes the service refetch the set', async () => {
    assert.equal(await discover(k1), 200);
    trusted.keys = [k2.publicJwk];
    pastRateLimit();
    assert.equal(await discover(k2), 200);
    assert.equal(trusted.hits, 2);
    assert.equal(await discover(k1), 401, 'the retired kid is gone from the refreshed set');
  });

  it('refetches for unknown kids are rate-limited (a flood of made-up kids costs one fetch per interval)', async () => {
    const stranger = await generateTestKey('ES384', 'made-up');
    assert.equal(await discover(k1), 200);
    for (let i = 0; i < 5; i++) assert.equal(await discover(stranger), 401);
    assert.equal(trusted.hits, 1, 'no refetch inside the interval');
    pastRateLimit();
    assert.equal(await discover(stranger), 401);
    assert.equal(trusted.hits, 2, 'one refetch after the interval');
  });

  it('[cds-hooks_2.0@195] a jku that is not on the allowlist is never contacted', async () => {
    assert.equal(await discover(k1, { header: { jku: attacker.url } }), 401);
    assert.equal(attacker.hits, 0);
    assert.equal(trusted.hits, 0);
  });

  it('with the kid inline, a jku header is a hint: the inline key is used and the header is never fetched', async () => {
    assert.equal(await discover(inlineKey, { iss: INLINE_ISS, header: { jku: attacker.url } }), 200);
    assert.equal(attacker.hits, 0);
  });

  it('a jku header that is not a string is refused as malformed, without any fetch', async () => {
    assert.equal(await discover(k1, { header: { jku: [trusted.url] } }), 401);
    assert.equal(h.logs.lines().filter((l) => l.msg === 'client authentication failed').at(-1)?.reason, 'malformed');
    assert.equal(trusted.hits, 0);
  });

  it('an unreachable or failing JWK Set endpoint means 401, and a warning in the log', async () => {
    trusted.failing = true;
    assert.equal(await discover(k1), 401);
    assert.ok(h.logs.lines().some((l) => l.msg === 'JWK Set fetch failed' && l.jku === trusted.url));
  });
});
