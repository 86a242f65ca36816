/**
 * Tokens as real EHRs send them (docs/configuration.md, "Client trust"): shaped like the CDS Hooks
 * Sandbox's (ES384; header alg, typ, kid, jku; payload iss, aud = the endpoint URL, iat, exp = iat + 300,
 * jti) and like Epic's (RS384; jku and kid; payload iss, sub, aud, iat, nbf, exp, jti). With the client's
 * keys inline, the token's jku header is a hint that is never fetched: a real HTTP server that records
 * every request stands at the jku and sees none. jku URLs are fetched only from the client's allowlist;
 * `sub` is checked only where the client's entry names its client id; PUBLIC_BASE_URL may list several
 * URLs. The calls the Sandbox really made (test/fixtures/sandbox/observed-calls.json, from shared/cds-hooks/sandbox/) are
 * replayed as they were, each with a token of exactly the header and payload it sent.
 *
 * The Sandbox's private key is not used: tokens are signed with a key generated here under the Sandbox's
 * kid, and its published public key (sandbox-client-jwks.json) is checked to be a usable ES384 key in the
 * ready-made CDS_CLIENTS entry the docs give.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import express from 'express';
import { importJWK, SignJWT, type JWK, type JWTPayload } from 'jose';
import request from 'supertest';
import { loadBundledRuleSetFiles, loadBundledRuleSets } from '../../server/bundled-rule-sets.js';
import { parseTrustedClients, type TrustedClient } from '../../server/auth/trusted-clients.js';
import type { CompiledRuleSet } from '../../use-cases/service-catalog.js';
import { generateTestKey, signClientToken, type TestKey } from '../support/client-tokens.js';
import { rememberSecret } from '../support/minted-secrets.js';
import { startHarness, TestClock, type Harness } from '../support/server-harness.js';

const SANDBOX_FIXTURES = new URL('../fixtures/sandbox/', import.meta.url);
const SANDBOX_ISS = 'https://sandbox.cds-hooks.org';
const SANDBOX_KID = '44823f3d-0b01-4a6c-a80e-b9d3e8a7226f';
const EPIC_ISS = 'https://fhir.hospital.example/interconnect-fhir-oauth/api/FHIR/R4';
const EPIC_CLIENT_ID = 'd45049c3-3441-40ef-ab4d-b9cd86a17225';

interface ObservedCall {
  method: 'GET' | 'POST';
  path: string;
  status: number;
  jwt: { header: Record<string, unknown>; payload: Record<string, unknown> };
  requestHeaders: Record<string, string>;
  requestBody?: unknown;
}

function sharedJson<T>(name: string): T {
  return JSON.parse(readFileSync(new URL(name, SANDBOX_FIXTURES), 'utf8')) as T;
}

/** The ready-made CDS_CLIENTS entry for the Sandbox, as docs/configuration.md prints it. */
function documentedSandboxEntry(): Record<string, unknown> {
  const doc = readFileSync(new URL('../../docs/configuration.md', import.meta.url), 'utf8');
  const block = /<!-- sandbox-client-entry -->\s*```json\n([\s\S]*?)```/.exec(doc);
  assert.ok(block, 'docs/configuration.md has the Sandbox entry marked <!-- sandbox-client-entry -->');
  return JSON.parse(block[1]) as Record<string, unknown>;
}

/** A real HTTP server at a jku URL that records every request and serves `keys`. */
class RecordingJwksServer {
  readonly requests: string[] = [];
  keys: JWK[] = [];
  url = '';
  private server?: Server;
  async start(): Promise<void> {
    const app = express();
    app.use((req, res) => {
      this.requests.push(`${req.method} ${req.url}`);
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

/** Signs exactly `header` and `payload` (no defaults added) with `key`. */
async function signExactly(key: TestKey, header: Record<string, unknown>, payload: Record<string, unknown>): Promise<string> {
  const token = await new SignJWT(payload as JWTPayload).setProtectedHeader(header as { alg: string }).sign(key.privateKey);
  const [, body, signature] = token.split('.');
  rememberSecret(body);
  rememberSecret(signature);
  return rememberSecret(token);
}

describe('tokens as real EHRs send them', () => {
  let jku: RecordingJwksServer;
  let sandboxKey: TestKey;
  let epicKey: TestKey;
  let ruleSets: CompiledRuleSet[];
  let observedRuleSets: CompiledRuleSet[];

  before(async () => {
    jku = new RecordingJwksServer();
    await jku.start();
    sandboxKey = await generateTestKey('ES384', SANDBOX_KID);
    epicKey = await generateTestKey('RS384', 'MzAxNjQ0YjctNGQ2YS00MGJjLWI1ZDktZjE0ZmEwMzJmZTIx');
    ruleSets = loadBundledRuleSets();
    // The Sandbox's calls were made while 1.1.0 was served: it prefetched the keys 1.1.0's discovery asked for.
    const served = loadBundledRuleSetFiles().find(({ file }) => file.endsWith('/versions/1.1.0.json'));
    assert.ok(served, 'rules/ketamine-esketamine/versions/1.1.0.json is bundled');
    observedRuleSets = [served.compiled];
  });
  after(async () => jku.close());
  beforeEach(() => {
    jku.requests.length = 0;
    jku.keys = [];
  });

  describe('the documented Sandbox entry', () => {
    it("is valid CDS_CLIENTS content whose key is the Sandbox's published ES384 key", async () => {
      const entry = documentedSandboxEntry();
      const [client] = parseTrustedClients([entry], 'docs/configuration.md');
      const published = sharedJson<{ keys: JWK[] }>('sandbox-client-jwks.json');
      assert.equal(client.iss, SANDBOX_ISS);
      assert.deepEqual(client.jwks, published, 'the entry carries the published key as it is');
      assert.equal(client.jku, undefined, 'no jku allowlist: the Sandbox key is inline, its jku header is never fetched');
      await importJWK(published.keys[0], 'ES384'); // a usable public ES384 key
    });
  });

  describe('Sandbox-shaped tokens (ES384, jku header, inline key)', () => {
    let h: Harness;
    const sandboxClient = (): TrustedClient => ({ ...(documentedSandboxEntry() as unknown as TrustedClient), jwks: { keys: [sandboxKey.publicJwk] } });
    afterEach(async () => h?.close());

    it('accepted with the jku header naming a recording server: 0 requests reach it, with and without that URL on the allowlist', async () => {
      for (const allowlisted of [false, true]) {
        h = await startHarness({
          clients: [{ ...sandboxClient(), ...(allowlisted ? { jku: jku.url } : {}) }],
          env: { PUBLIC_BASE_URL: 'http://127.0.0.1:8080,http://localhost:8080' },
          ruleSets,
        });
        const nowS = Math.floor(h.clock.now().getTime() / 1000);
        for (const base of ['http://127.0.0.1:8080', 'http://localhost:8080']) {
          const token = await signExactly(
            sandboxKey,
            { alg: 'ES384', typ: 'JWT', kid: SANDBOX_KID, jku: jku.url },
            { iss: SANDBOX_ISS, aud: `${base}/cds-services`, iat: nowS, exp: nowS + 300, jti: randomUUID() },
          );
          const res = await request(h.app).get('/cds-services').set('Authorization', `Bearer ${token}`);
          assert.equal(res.status, 200, `aud at ${base} (jku allowlisted: ${allowlisted})`);
        }
        assert.deepEqual(jku.requests, [], 'the jku header was never fetched');
        await h.close();
      }
    });

    it("every call the Sandbox really made is accepted as it was: its token's header and payload, its body", async () => {
      const { calls } = sharedJson<{ calls: ObservedCall[] }>('observed-calls.json');
      const clock = new TestClock(new Date((calls[0].jwt.payload.iat as number) * 1000));
      const fetched: string[] = [];
      h = await startHarness({
        clients: [sandboxClient()],
        env: { PUBLIC_BASE_URL: 'http://127.0.0.1:8080,http://localhost:8080' },
        ruleSets: observedRuleSets,
        clock,
        // Records any JWK Set fetch (the header's jku is sandbox.cds-hooks.org, not reachable from here).
        fetchJwks: async (url) => {
          fetched.push(url);
          throw new Error('no JWK Set is fetched in this test');
        },
      });
      for (const call of calls) {
        clock.current = new Date((call.jwt.payload.iat as number) * 1000);
        const token = await signExactly(sandboxKey, call.jwt.header, call.jwt.payload);
        const sent =
          call.method === 'GET'
            ? request(h.app).get(call.path)
            : request(h.app).post(call.path).set('Content-Type', 'application/json').send(JSON.stringify(call.requestBody));
        const res = await sent.set('Authorization', `Bearer ${token}`).set('Origin', call.requestHeaders.origin);
        assert.equal(res.status, call.status, `${call.method} ${call.path}: ${JSON.stringify(res.body).slice(0, 400)}`);
        assert.equal(res.headers['access-control-allow-origin'], '*', 'the browser may read the answer');
      }
      assert.deepEqual(fetched, []);
      const verification = await h.store.verifyChain();
      assert.equal(verification.ok, true);
      assert.ok(verification.checked >= 6, 'every service call was recorded');
    });

    it('a replayed Sandbox token is refused, a token for another endpoint (aud) is refused', async () => {
      h = await startHarness({ clients: [sandboxClient()], env: { PUBLIC_BASE_URL: 'http://127.0.0.1:8080' }, ruleSets });
      const nowS = Math.floor(h.clock.now().getTime() / 1000);
      const header = { alg: 'ES384', typ: 'JWT', kid: SANDBOX_KID, jku: 'https://sandbox.cds-hooks.org/.well-known/jwks.json' };
      const token = await signExactly(sandboxKey, header, { iss: SANDBOX_ISS, aud: 'http://127.0.0.1:8080/cds-services', iat: nowS, exp: nowS + 300, jti: randomUUID() });
      assert.equal((await request(h.app).get('/cds-services').set('Authorization', `Bearer ${token}`)).status, 200);
      assert.equal((await request(h.app).get('/cds-services').set('Authorization', `Bearer ${token}`)).status, 401);
      const other = await signExactly(sandboxKey, header, { iss: SANDBOX_ISS, aud: 'http://127.0.0.1:9999/cds-services', iat: nowS, exp: nowS + 300, jti: randomUUID() });
      assert.equal((await request(h.app).get('/cds-services').set('Authorization', `Bearer ${other}`)).status, 401);
    });
  });

  describe('Epic-shaped tokens (RS384, jku + kid, sub = client id)', () => {
    let h: Harness;
    afterEach(async () => h?.close());

    const epicToken = async (overrides: { jku?: string; sub?: string; aud?: string } = {}) => {
      const nowS = Math.floor(h.clock.now().getTime() / 1000);
      return signExactly(
        epicKey,
        { alg: 'RS384', typ: 'JWT', kid: epicKey.kid, jku: overrides.jku ?? jku.url },
        {
          iss: EPIC_ISS,
          sub: overrides.sub ?? EPIC_CLIENT_ID,
          aud: overrides.aud ?? 'https://cds.test.example/cds-services',
          iat: nowS,
          nbf: nowS - 300,
          exp: nowS + 900,
          jti: randomUUID(),
        },
      );
    };
    const discover = async (token: string) => (await request(h.app).get('/cds-services').set('Authorization', `Bearer ${token}`)).status;

    it('inline key: accepted without fetching the jku header', async () => {
      h = await startHarness({ clients: [{ iss: EPIC_ISS, jwks: { keys: [epicKey.publicJwk] }, clientId: EPIC_CLIENT_ID, fhirServers: [] }], ruleSets });
      assert.equal(await discover(await epicToken()), 200);
      assert.deepEqual(jku.requests, []);
    });

    it('jku allowlist: the key is fetched from the allowlisted URL the header names; a header off the list is refused without contact', async () => {
      jku.keys = [epicKey.publicJwk];
      h = await startHarness({
        clients: [{ iss: EPIC_ISS, jku: ['https://fhir.hospital.example/api/epic/2019/Security/Open/PublicKeys/530013/530013', jku.url], clientId: EPIC_CLIENT_ID, fhirServers: [] }],
        ruleSets,
      });
      assert.equal(await discover(await epicToken()), 200);
      assert.deepEqual(jku.requests, ['GET /.well-known/jwks.json'], 'fetched once, from the allowlisted URL');
      const stranger = new RecordingJwksServer();
      await stranger.start();
      try {
        stranger.keys = [epicKey.publicJwk];
        assert.equal(await discover(await epicToken({ jku: stranger.url })), 401);
        assert.deepEqual(stranger.requests, [], 'a jku off the allowlist is never contacted');
      } finally {
        await stranger.close();
      }
    });

    it('sub is checked where the entry names the client id, and only there', async () => {
      h = await startHarness({
        clients: [{ iss: EPIC_ISS, jwks: { keys: [epicKey.publicJwk] }, clientId: EPIC_CLIENT_ID, fhirServers: [] }],
        ruleSets,
      });
      assert.equal(await discover(await epicToken({ sub: 'another-client-id' })), 401);
      assert.equal(h.logs.lines().filter((l) => l.msg === 'client authentication failed').at(-1)?.reason, 'sub-mismatch');
      await h.close();
      h = await startHarness({ clients: [{ iss: EPIC_ISS, jwks: { keys: [epicKey.publicJwk] }, fhirServers: [] }], ruleSets });
      assert.equal(await discover(await epicToken({ sub: 'another-client-id' })), 200, 'no clientId in the entry: sub is not checked');
    });
  });

  describe('PUBLIC_BASE_URL with several URLs', () => {
    let h: Harness;
    let key: TestKey;
    before(async () => {
      key = await generateTestKey('ES384', 'multi-1');
      h = await startHarness({
        clients: [{ iss: 'https://ehr.multi.example', jwks: { keys: [key.publicJwk] }, fhirServers: [] }],
        env: { PUBLIC_BASE_URL: 'https://cds.internal.example, https://cds.example.org/ketamine ,http://127.0.0.1:8080' },
      });
    });
    after(async () => h.close());
    const status = async (aud: string) =>
      (await request(h.app).get('/cds-services').set('Authorization', `Bearer ${await signClientToken({ key, iss: 'https://ehr.multi.example', aud, now: h.clock.now() })}`)).status;

    it('aud may be any of them plus the path called; nothing else', async () => {
      assert.deepEqual(h.config.publicBaseUrls, ['https://cds.internal.example', 'https://cds.example.org/ketamine', 'http://127.0.0.1:8080']);
      assert.equal(await status('https://cds.internal.example/cds-services'), 200);
      assert.equal(await status('https://cds.example.org/ketamine/cds-services'), 200);
      assert.equal(await status('http://127.0.0.1:8080/cds-services'), 200);
      assert.equal(await status('https://cds.example.org/cds-services'), 401);
      assert.equal(await status('http://localhost:8080/cds-services'), 401);
    });
  });
});
