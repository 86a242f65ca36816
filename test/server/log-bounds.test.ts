/**
 * Log lines stay bounded whatever a client sends (server/http/log-text.ts, server/logger.ts): strings a
 * client chose (path, hook, request id, tenant, JWT header fields) are cut to a short length and never
 * carry a token, and no log line is longer than 16 KB. (The whole test run's captured log is also
 * checked for lines over the bound: test/support/log-capture-hooks.ts.)
 */
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import request from 'supertest';
import { clientText, MAX_CLIENT_TEXT } from '../../server/http/log-text.js';
import { boundedLogLine, createLogger, LOG_LINE_MAX_BYTES } from '../../server/logger.js';
import { generateTestKey, jwks, signClientToken, type TestKey } from '../support/client-tokens.js';
import { rememberSecret } from '../support/minted-secrets.js';
import { PUBLIC_BASE_URL, startHarness, type Harness } from '../support/server-harness.js';

const ISS = 'https://ehr-logs.test.example';
/** Room for the suffix that says how much was cut. */
const CUT_FIELD_MAX = MAX_CLIENT_TEXT + 60;

describe('log-line bounds', () => {
  describe('the pieces', () => {
    it('clientText cuts to 200 characters, says how much was cut, and replaces anything token-shaped', () => {
      assert.equal(clientText('short'), 'short');
      const cut = clientText('a'.repeat(10_000))!;
      assert.ok(cut.length <= CUT_FIELD_MAX);
      assert.match(cut, /…\[9800 more characters cut\]$/);
      const jwt = `eyJhbGciOiJFUzM4NCJ9.eyJpc3MiOiJ4In0.${'s'.repeat(40)}`;
      assert.equal(clientText(`/cds-services/${jwt}`), '/cds-services/[token]');
      assert.equal(clientText(`x Bearer abc.def.ghi y`), 'x [token] y');
      // A token cut at the boundary still starts with "eyJ": the piece that is kept is replaced too.
      assert.doesNotMatch(clientText(`${'p'.repeat(190)}${jwt}`)!, /eyJ/);
    });

    it('a line over 16 KB is replaced by a valid JSON line with its level, time and the start of its message', () => {
      const line = `${JSON.stringify({ level: 50, time: '2026-11-01T10:00:00.000Z', msg: 'm'.repeat(1000), errorMessage: 'e'.repeat(40_000) })}\n`;
      const bounded = boundedLogLine(line);
      assert.ok(Buffer.byteLength(bounded) <= LOG_LINE_MAX_BYTES);
      const parsed = JSON.parse(bounded);
      assert.equal(parsed.level, 50);
      assert.equal(parsed.msg.length, 500);
      assert.match(parsed.logLineCut, /over the 16384-byte bound/);
      assert.equal(boundedLogLine('{"level":30,"msg":"ok"}\n'), '{"level":30,"msg":"ok"}\n');
    });

    it('the logger applies the bound to every line it writes', () => {
      const lines: string[] = [];
      const sink = new Writable({ write: (chunk, _enc, done) => (lines.push(chunk.toString()), done()) });
      createLogger('info', sink).error({ errorMessage: 'x'.repeat(100_000) }, 'an error whose message quotes a huge input');
      assert.equal(lines.length, 1);
      assert.ok(Buffer.byteLength(lines[0]) <= LOG_LINE_MAX_BYTES);
      assert.equal(JSON.parse(lines[0]).msg, 'an error whose message quotes a huge input');
    });
  });

  describe('through the service', () => {
    let h: Harness;
    let key: TestKey;
    before(async () => {
      key = await generateTestKey('ES384', 'logs-1');
      h = await startHarness({ clients: [{ iss: ISS, jwks: jwks(key), fhirServers: [] }] });
    });
    after(async () => h.close());

    const allLinesBounded = () => {
      for (const line of h.logs.chunks) assert.ok(Buffer.byteLength(line) <= LOG_LINE_MAX_BYTES, `a log line of ${Buffer.byteLength(line)} bytes`);
    };

    it('a long path with a token in it: the request line logs a cut path without the token', async () => {
      const jwt = await signClientToken({ key, iss: ISS, aud: `${PUBLIC_BASE_URL}/cds-services`, now: h.clock.now() });
      const path = `/cds-services/${jwt}/${'x'.repeat(8000)}`;
      await request(h.app).get(path).set('X-Request-Id', 'r'.repeat(5000));
      const line = h.logs.lines().filter((l) => l.msg === 'request').at(-1)!;
      assert.ok(String(line.path).length <= CUT_FIELD_MAX, `path logged with ${String(line.path).length} characters`);
      assert.doesNotMatch(String(line.path), /eyJ/);
      assert.ok(String(line.reqId).length <= 128, 'an over-long X-Request-Id is replaced by one of ours');
      allLinesBounded();
    });

    it('JWT header fields and claims chosen by the client are cut in the authentication log line', async () => {
      const huge = await signClientToken({ key, iss: ISS, aud: `${PUBLIC_BASE_URL}/cds-services`, now: h.clock.now(), header: { alg: 'ES384', crit: undefined, kid: 'k'.repeat(6000) } });
      assert.equal((await request(h.app).get('/cds-services').set('Authorization', `Bearer ${huge}`)).status, 401);
      const { generateKeyPair, SignJWT } = await import('jose');
      const { privateKey } = await generateKeyPair('ES384');
      const badAlg = `${Buffer.from(JSON.stringify({ alg: 'X'.repeat(6000), typ: 'JWT', kid: 'logs-1' })).toString('base64url')}.${Buffer.from('{}').toString('base64url')}.sig`;
      assert.equal((await request(h.app).get('/cds-services').set('Authorization', `Bearer ${badAlg}`)).status, 401);
      const longTenant = rememberSecret(await new SignJWT({ iss: ISS, aud: `${PUBLIC_BASE_URL}/cds-services`, tenant: 't'.repeat(6000), jti: 'j-long-tenant' })
        .setProtectedHeader({ alg: 'ES384', typ: 'JWT', kid: 'logs-1' })
        .setIssuedAt(Math.floor(h.clock.now().getTime() / 1000))
        .setExpirationTime(Math.floor(h.clock.now().getTime() / 1000) + 300)
        .sign(privateKey));
      assert.equal((await request(h.app).get('/cds-services').set('Authorization', `Bearer ${longTenant}`)).status, 401);
      const failures = h.logs.lines().filter((l) => l.msg === 'client authentication failed');
      assert.ok(failures.length >= 3);
      for (const failure of failures) assert.ok(JSON.stringify(failure).length < 1000, `${JSON.stringify(failure).slice(0, 200)}…`);
      allLinesBounded();
    });

    it('a hook name of 10 000 characters is cut in the request line', async () => {
      const jwt = await signClientToken({ key, iss: ISS, aud: `${PUBLIC_BASE_URL}/cds-services/server-test-patient-view`, now: h.clock.now() });
      const res = await request(h.app)
        .post('/cds-services/server-test-patient-view')
        .set('Authorization', `Bearer ${jwt}`)
        .send({ hook: 'h'.repeat(10_000), hookInstance: 'a6f2b4b2-1d63-4d7e-9f5e-2f9c3b1e0a11', context: { userId: 'Practitioner/1', patientId: 'p' } });
      assert.equal(res.status, 400);
      const line = h.logs.lines().filter((l) => l.msg === 'request').at(-1)!;
      assert.ok(line.hook === undefined || String(line.hook).length <= 64 + 60, `hook logged with ${String(line.hook).length} characters`);
      allLinesBounded();
    });
  });
});
