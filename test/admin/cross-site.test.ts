/**
 * The admin surface against other web pages (server/admin/admin-origin-guard.ts, server/app.ts): no
 * CORS headers on /admin/api (the console is same-origin), state-changing admin requests with a
 * cross-site Origin refused, in ADMIN_OPEN_LOCAL mode too (where no token is needed), a DNS-rebinding
 * Host refused, and console asset names looked up as own properties only.
 */
import assert from 'node:assert/strict';
import request from 'supertest';
import { startHarness, type Harness } from '../support/server-harness.js';

describe('admin API against cross-site requests (ADMIN_OPEN_LOCAL=1)', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({ adminAccess: { mode: 'open-local' } });
  });
  after(async () => h.close());

  const retire = () => request(h.app).post('/admin/api/rule-sets/server-test/versions/1.0.0/retire').set('Content-Type', 'application/json');

  it('sends no CORS headers on the admin API, for a preflight or a request from another origin', async () => {
    const preflight = await request(h.app)
      .options('/admin/api/rule-sets')
      .set('Origin', 'https://evil.example')
      .set('Access-Control-Request-Method', 'POST');
    assert.equal(preflight.headers['access-control-allow-origin'], undefined);
    assert.equal(preflight.headers['access-control-allow-methods'], undefined);
    const read = await request(h.app).get('/admin/api/whoami').set('Origin', 'https://evil.example');
    assert.equal(read.status, 200, 'open-local mode answers a read');
    assert.equal(read.headers['access-control-allow-origin'], undefined, 'but no other page may read the answer');
    const cds = await request(h.app).get('/cds-services').set('Origin', 'https://ehr.example');
    assert.equal(cds.headers['access-control-allow-origin'], '*', 'the CDS routes keep their CORS for browser EHRs');
  });

  it('refuses a state-changing request from another origin (403 naming it), before anything is done', async () => {
    const before = await h.store.history('server-test');
    for (const origin of ['https://evil.example', 'http://localhost:3000', 'null']) {
      const res = await retire().set('Origin', origin).send({ reason: 'drive-by' });
      assert.equal(res.status, 403, origin);
      assert.equal(res.body.error, 'forbidden');
      assert.match(res.body.message, /cross-site request refused: Origin .* is not this service's origin/);
    }
    const form = await retire().set('Sec-Fetch-Site', 'cross-site').send({ reason: 'form post' });
    assert.equal(form.status, 403, 'no Origin but Sec-Fetch-Site cross-site');
    assert.deepEqual(await h.store.history('server-test'), before, 'nothing changed');
  });

  it('accepts the same request from its own origin, and from a command-line client (no Origin)', async () => {
    const preview = (origin?: string) => {
      const r = request(h.app).post('/admin/api/preview').set('Content-Type', 'application/json');
      return (origin ? r.set('Origin', origin) : r).send({});
    };
    const fromCli = await preview();
    assert.notEqual(fromCli.status, 403, fromCli.text);
    const sameOrigin = await preview('https://cds.test.example');
    assert.notEqual(sameOrigin.status, 403, 'an origin of PUBLIC_BASE_URL is this service');
  });

  it('refuses a request addressed to another host name (DNS rebinding) when listening on loopback', async () => {
    const res = await request(h.app).get('/admin/api/whoami').set('Host', 'rebound.evil.example:8080');
    assert.equal(res.status, 403);
    assert.match(res.body.message, /loopback name or a PUBLIC_BASE_URL host/);
    assert.equal((await request(h.app).get('/admin/api/whoami').set('Host', 'localhost:8080')).status, 200);
    assert.equal((await request(h.app).get('/admin/api/whoami').set('Host', 'cds.test.example')).status, 200);
  });

  it('console asset names inherited from Object.prototype are unknown: 404, never a 500', async () => {
    for (const name of ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf']) {
      const res = await request(h.app).get(`/console/assets/${name}`);
      assert.equal(res.status, 404, name);
    }
    assert.equal((await request(h.app).get('/console/assets/console.css')).status, 200);
  });

  it('course view asset names inherited from Object.prototype are unknown: 404, never a 500', async () => {
    for (const name of ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf']) {
      const res = await request(h.app).get(`/course/assets/${name}`);
      assert.equal(res.status, 404, name);
    }
    assert.equal((await request(h.app).get('/course/assets/course.css')).status, 200);
  });
});
