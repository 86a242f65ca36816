/**
 * Bad input never becomes a 500: seeded random query strings, path segments and bodies against every
 * admin route (as a user holding every role), and every answer is JSON with a message.
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import request from 'supertest';
import { ADMIN_ROUTE_POLICY } from '../../server/admin/admin-policy.js';
import { adminAccessFromEnv } from '../../server/admin/admin-access.js';
import { sampleRuleSet, startAdminHarness, type AdminHarness } from './support/admin-harness.js';

const PARAM_NAMES = ['from', 'to', 'service', 'rule', 'version', 'indicator', 'outcome', 'afterSeq', 'limit', 'format', 'impact', 'includePatientKey', 'ruleSetId', 'x'];

describe('admin API never answers 500 for bad input', function () {
  this.timeout(60_000);
  let h: AdminHarness;
  before(async () => {
    h = await startAdminHarness({ access: adminAccessFromEnv({ ADMIN_OPEN_LOCAL: '1' }, '127.0.0.1') });
    const ruleSet = sampleRuleSet();
    await request(h.app).post('/admin/api/rule-sets').set('X-Admin-Actor', 'alice').send(ruleSet).expect(201);
  });
  after(async () => h.close());

  it('300 seeded random requests over every route', async () => {
    const segment = fc.oneof(fc.constantFrom('ketamine-esketamine', '1.1.0', '0', '-1', '99999999999999999999', '%2e%2e', 'a b'), fc.string({ maxLength: 12 }));
    const value = fc.oneof(fc.constantFrom('', '2026-13-45', 'true', 'csv', 'ndjson', '0', '10001', '-5', 'critical', 'none'), fc.string({ maxLength: 16 }));
    const body = fc.oneof(fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)), fc.string({ maxLength: 40 }), fc.constant(''));
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...ADMIN_ROUTE_POLICY),
        fc.array(segment, { minLength: 2, maxLength: 2 }),
        fc.array(fc.tuple(fc.constantFrom(...PARAM_NAMES), value), { maxLength: 4 }),
        body,
        async (policy, [a, b], params, payload) => {
          const path = policy.path.replace(':ruleSetId', encodeURIComponent(a)).replace(':version', encodeURIComponent(b)).replace(':seq', encodeURIComponent(a));
          const query = new URLSearchParams(params).toString();
          const url = `/admin/api${path}${query ? `?${query}` : ''}`;
          const req = policy.method === 'GET' ? request(h.app).get(url) : request(h.app).post(url).set('Content-Type', 'application/json').send(payload);
          const res = await req.set('X-Admin-Actor', 'mallory');
          assert.ok(res.status < 500, `${policy.method} ${url} ${payload}: ${res.status} ${res.text}`);
          if (res.status >= 400) {
            assert.equal(typeof res.body.message, 'string', `${url}: ${res.text}`);
            assert.ok(res.body.message.length > 0);
          }
        },
      ),
      { numRuns: 300, seed: 20261101 },
    );
  });
});
