/**
 * Bad input to every admin API route (server/admin/admin-policy.ts ADMIN_ROUTE_POLICY), with a valid
 * token of each role (fast-check, fixed seeds): random path parameters (unicode edge cases, numbers out
 * of range, path tricks), random query parameters, random bodies (hostile JSON, mutated rule sets,
 * deep and huge documents). Every answer: no 5xx, a JSON error with a code and a message naming the
 * problem, and no token in it.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import request, { type Response } from 'supertest';
import { ADMIN_ROUTE_POLICY, type AdminRoutePolicy } from '../../server/admin/admin-policy.js';
import { applyMutations, edgeKey, edgeString, FUZZ_SEED, hostileValue, mutation, toJsonText } from './support/arbitraries.js';
import { fixtureRequests, KETAMINE_RULE_SET_FILE } from '../../scripts/reliability/lib/ketamine-requests.js';
import { RELIABILITY_ADMIN_USERS, startFullApp, type AdminTestUser, type FullApp } from './support/full-app.js';

const RUNS_PER_ROUTE = 40;
const ALL_TOKENS = Object.values(RELIABILITY_ADMIN_USERS).map((u) => u.token);
const ALLOWED_STATUSES = [200, 201, 400, 403, 404, 405, 409, 413, 415, 422];

function percentEncodeBytes(text: string): string {
  return [...Buffer.from(text, 'utf8')].map((byte) => `%${byte.toString(16).padStart(2, '0')}`).join('');
}

const pathValue = fc.oneof(
  fc.constantFrom('ketamine-esketamine', '1.1.0', '1.0.0', '9.9.9', '1', '0', '-1', '99999999999999999999', '1e3', '0x10', 'NaN', '..', '.', '%2e%2e'),
  edgeString.map((s) => (s === '' ? 'x' : s)),
);

const queryValue = fc.oneof(
  fc.constantFrom('1', '0', '-5', '1000000', 'true', 'false', 'csv', 'ndjson', 'json', 'markdown', '2026-03-02T10:00:00Z', '2026-02-30', '1.1.0', 'critical', 'accepted', 'none'),
  edgeString,
);

const queryParams = fc.dictionary(
  fc.oneof(fc.constantFrom('from', 'to', 'service', 'rule', 'version', 'indicator', 'outcome', 'afterSeq', 'limit', 'format', 'impact', 'includePatientKey', 'ruleSetId'), edgeKey),
  fc.oneof(queryValue, fc.array(queryValue, { minLength: 2, maxLength: 3 })),
  { maxKeys: 4 },
);

function queryString(params: Record<string, string | string[]>): string {
  const parts = Object.entries(params).flatMap(([key, value]) =>
    (Array.isArray(value) ? value : [value]).map((v) => `${percentEncodeBytes(key || 'k')}=${percentEncodeBytes(v)}`),
  );
  return parts.length === 0 ? '' : `?${parts.join('&')}`;
}

function fillPath(policy: AdminRoutePolicy, values: string[]): string {
  let i = 0;
  return `/admin/api${policy.path.replace(/:[A-Za-z]+/g, () => percentEncodeBytes(values[i++ % values.length]))}`;
}

function assertAdminAnswer(res: Response, what: string): void {
  const where = `${what} -> ${res.status} ${res.text?.slice(0, 300)}`;
  assert.ok(res.status < 500, `server error: ${where}`);
  assert.ok(ALLOWED_STATUSES.includes(res.status), `unexpected status: ${where}`);
  for (const token of ALL_TOKENS) assert.ok(!res.text.includes(token), `${what}: a token came back in the answer`);
  if (res.status >= 400) {
    assert.match(String(res.headers['content-type']), /^application\/json/, `${where}: Content-Type`);
    assert.equal(typeof res.body.error, 'string', `${where}: no error code`);
    assert.ok(typeof res.body.message === 'string' && res.body.message.length > 0, `${where}: no message`);
  }
}

describe('fuzzing the admin API (every route, every role, seeded: no 5xx, every rejection names its problem)', function () {
  this.timeout(300_000);
  let full: FullApp;
  const reached = new Map<number, number>();
  const ruleSet = JSON.parse(readFileSync(KETAMINE_RULE_SET_FILE, 'utf8')) as Record<string, unknown>;

  before(async () => {
    full = await startFullApp();
    // Some decisions and feedback for the audit routes to work on.
    for (const r of fixtureRequests('order-sign').slice(0, 5)) {
      full.clock.current = r.now;
      const res = await request(full.app).post(`/cds-services/${r.service.id}`).send(r.body);
      assert.equal(res.status, 200, res.text);
      if (res.body.cards.length > 0) {
        await request(full.app)
          .post(`/cds-services/${r.service.id}/feedback`)
          .send({ feedback: [{ card: res.body.cards[0].uuid, outcome: 'overridden', outcomeTimestamp: '2026-03-02T10:01:00Z' }] })
          .expect(200);
      }
    }
  });
  after(async () => full.close());

  const body = (policy: AdminRoutePolicy): fc.Arbitrary<unknown> => {
    if (policy.operationId === 'publishVersion') {
      return fc.oneof(
        fc.array(mutation(), { minLength: 1, maxLength: 3 }).map((m) => applyMutations(ruleSet, m)),
        fc.record({ version: fc.constantFrom('1.2.0', '2.0.0-rc.1', 'x'), description: edgeString }).map((change) => ({ ...ruleSet, ...change })),
        hostileValue,
      );
    }
    return fc.oneof(fc.record({ reason: edgeString }), fc.record({ reason: hostileValue, extra: hostileValue }, { requiredKeys: [] }), hostileValue);
  };

  for (const policy of ADMIN_ROUTE_POLICY) {
    it(`${policy.method} /admin/api${policy.path}: random parameters and bodies, each role (${RUNS_PER_ROUTE} runs)`, async () => {
      const users = Object.values(RELIABILITY_ADMIN_USERS);
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom(...users),
          fc.array(pathValue, { minLength: 1, maxLength: 3 }),
          queryParams,
          body(policy),
          async (user: AdminTestUser, values, params, payload) => {
            const path = fillPath(policy, values) + queryString(params);
            const auth = { Authorization: `Bearer ${user.token}` };
            const res =
              policy.method === 'GET'
                ? await request(full.app).get(path).set(auth)
                : await request(full.app).post(path).set(auth).set('Content-Type', 'application/json').send(toJsonText(payload));
            assertAdminAnswer(res, `${user.name} ${policy.method} ${path.slice(0, 200)}`);
            reached.set(res.status, (reached.get(res.status) ?? 0) + 1);
          },
        ),
        { seed: FUZZ_SEED + 20 + ADMIN_ROUTE_POLICY.indexOf(policy), numRuns: RUNS_PER_ROUTE },
      );
    });
  }

  it('the generated calls got past authorisation into the handlers (answers other than 401/403/404)', () => {
    const handled = [...reached].filter(([status]) => ![401, 403, 404].includes(status)).reduce((n, [, count]) => n + count, 0);
    assert.ok(handled >= 100, `only ${handled} calls reached a handler: ${JSON.stringify([...reached])}`);
    assert.ok((reached.get(200) ?? 0) >= 30, `statuses: ${JSON.stringify([...reached])}`);
  });

  const hostilePosts = async (bodies: Array<[string, string, string]>): Promise<void> => {
    const token = { Authorization: `Bearer ${RELIABILITY_ADMIN_USERS.all.token}` };
    for (const policy of ADMIN_ROUTE_POLICY.filter((p) => p.method === 'POST')) {
      const path = fillPath(policy, ['ketamine-esketamine', '1.1.0']).replace(/\/decisions\/[^/]+/, '/decisions/1');
      for (const [what, payload, type] of bodies) {
        const res = await request(full.app).post(path).set(token).set('Content-Type', type).send(payload);
        assertAdminAnswer(res, `${what} to POST ${path}`);
      }
    }
  };

  it('hostile bodies to every POST route: over the size limit, not JSON, wrong Content-Type, lone surrogates, nesting within 1 000 levels', async () => {
    await hostilePosts([
      ['nested 1 000 deep', `{"reason":${'['.repeat(1000)}${']'.repeat(1000)}}`, 'application/json'],
      ['6 MB', `{"reason":"${'x'.repeat(6 * 1024 * 1024)}"}`, 'application/json'],
      ['not JSON', '{"reason": tru', 'application/json'],
      ['form', 'reason=x', 'application/x-www-form-urlencoded'],
      ['lone surrogate escaped', '{"reason":"\\ud800"}', 'application/json'],
    ]);
  });

  // Found by this suite: deeply nested bodies used to overflow the stack (500); the rule-set reader now
  // refuses nesting past MAX_JSON_NESTING with a 4xx naming the problem.
  it('bodies nested 100 000 and 2 000 000 deep: 400 naming the depth, not 500', async () => {
    await hostilePosts([
      ['nested 100 000 deep', `{"reason":${'['.repeat(100_000)}${']'.repeat(100_000)}}`, 'application/json'],
      ['nested 2 000 000 deep', '['.repeat(2_000_000), 'application/json'],
    ]);
  });
});
