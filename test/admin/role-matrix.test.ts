/**
 * Every admin route (every row of ADMIN_ROUTE_POLICY) called with every role, with no token and with
 * a wrong token: allowed roles get past authorisation (no 401/403, no 500), other roles get 403
 * naming the required roles, missing or unknown tokens get 401. Also: disabled and open-local modes.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { adminAccessFromEnv } from '../../server/admin/admin-access.js';
import { ADMIN_ROLES, ADMIN_ROUTE_POLICY, type AdminOperationId, type AdminRoutePolicy } from '../../server/admin/admin-policy.js';
import { ConfigError } from '../../lib/config-error.js';
import { ruleSetContentHash } from '../../store/rule-set-hash.js';
import { bearer, sampleRuleSet, startAdminHarness, USER_BY_ROLE, USERS, type AdminHarness } from './support/admin-harness.js';

interface SampleCall {
  path: string;
  body?: unknown;
}

/** A concrete call per operation; a new policy row without one fails the test below. */
function sampleCalls(ruleSetId: string, version: string): Record<AdminOperationId, SampleCall> {
  const v = `/rule-sets/${ruleSetId}/versions/${version}`;
  return {
    getOpenApi: { path: '/openapi.json' },
    whoAmI: { path: '/whoami' },
    listRuleSets: { path: '/rule-sets' },
    publishVersion: { path: '/rule-sets', body: sampleRuleSet() },
    listVersions: { path: `/rule-sets/${ruleSetId}/versions` },
    getVersion: { path: v },
    submitVersion: { path: `${v}/submit`, body: { reason: 'ready for review' } },
    approveVersion: { path: `${v}/approve`, body: { reason: 'reviewed' } },
    activateVersion: { path: `${v}/activate`, body: { reason: 'go live' } },
    retireVersion: { path: `${v}/retire`, body: { reason: 'withdrawn' } },
    diffVersions: { path: `/rule-sets/${ruleSetId}/diff?from=${version}&to=${version}` },
    listDecisions: { path: '/decisions?limit=5' },
    getDecision: { path: '/decisions/1' },
    replayDecision: { path: '/decisions/1/replay', body: {} },
    listFeedback: { path: '/feedback' },
    overrideStats: { path: '/stats/overrides' },
    exportDecisions: { path: '/export?format=ndjson' },
    verifyChain: { path: '/audit/verify' },
  };
}

function call(h: AdminHarness, policy: AdminRoutePolicy, sample: SampleCall, headers: Record<string, string>) {
  const url = `/admin/api${sample.path}`;
  const req = policy.method === 'GET' ? request(h.app).get(url) : request(h.app).post(url);
  for (const [k, v] of Object.entries(headers)) req.set(k, v);
  return sample.body === undefined ? req : req.send(sample.body as object);
}

describe('admin API role matrix', () => {
  let h: AdminHarness;
  const ruleSet = sampleRuleSet();
  let samples: Record<AdminOperationId, SampleCall>;

  before(async () => {
    h = await startAdminHarness();
    await h.store.publish(ruleSet, ruleSetContentHash(ruleSet), 'someone-else');
    samples = sampleCalls(ruleSet.id, ruleSet.version);
  });
  after(async () => h.close());

  it('has a sample call for every route in the policy table', () => {
    for (const policy of ADMIN_ROUTE_POLICY) assert.ok(samples[policy.operationId], `no sample call for ${policy.operationId}`);
  });

  for (const policy of ADMIN_ROUTE_POLICY) {
    describe(`${policy.method} ${policy.path} (${policy.operationId})`, () => {
      for (const role of ADMIN_ROLES) {
        const allowed = policy.allowed === 'public' || policy.allowed.includes(role);
        it(`${role}: ${allowed ? 'allowed' : '403'}`, async () => {
          const res = await call(h, policy, samples[policy.operationId], bearer(USER_BY_ROLE[role]));
          if (allowed) {
            assert.ok(![401, 403].includes(res.status), `${role} was refused: ${res.status} ${JSON.stringify(res.body)}`);
            assert.ok(res.status < 500, `${role}: ${res.status} ${res.text}`);
          } else {
            assert.equal(res.status, 403, res.text);
            assert.equal(res.body.error, 'forbidden');
            assert.deepEqual(res.body.requiredRoles, policy.allowed);
            for (const r of policy.allowed as readonly string[]) assert.match(res.body.message, new RegExp(`\\b${r}\\b`));
          }
        });
      }
      it(`no token: ${policy.allowed === 'public' ? 'allowed' : '401'}`, async () => {
        const res = await call(h, policy, samples[policy.operationId], {});
        if (policy.allowed === 'public') assert.equal(res.status, 200);
        else {
          assert.equal(res.status, 401, res.text);
          assert.match(String(res.headers['www-authenticate']), /^Bearer/);
          assert.equal(res.body.error, 'unauthorized');
        }
      });
      if (policy.allowed !== 'public') {
        it('unknown token and malformed header: 401', async () => {
          const unknown = await call(h, policy, samples[policy.operationId], { Authorization: 'Bearer not-a-real-token' });
          assert.equal(unknown.status, 401);
          assert.match(unknown.body.message, /not recognised/);
          assert.doesNotMatch(unknown.text, /not-a-real-token/);
          const malformed = await call(h, policy, samples[policy.operationId], { Authorization: `Basic ${USERS.carol.token}` });
          assert.equal(malformed.status, 401);
        });
      }
    });
  }

  it('answers 404 for an unknown admin path and 405 for a known path with another method', async () => {
    const unknown = await request(h.app).get('/admin/api/nothing-here').set(bearer(USERS.carol));
    assert.equal(unknown.status, 404);
    assert.match(unknown.body.message, /no admin route GET \/admin\/api\/nothing-here/);
    const wrongMethod = await request(h.app).delete('/admin/api/rule-sets').set(bearer(USERS.alice));
    assert.equal(wrongMethod.status, 405);
  });
});

describe('admin API access modes', () => {
  it('is disabled without ADMIN_USERS: 404 with the reason on every route', async () => {
    const h = await startAdminHarness({ access: adminAccessFromEnv({}, '0.0.0.0') });
    try {
      for (const path of ['/admin/api/openapi.json', '/admin/api/rule-sets', '/admin/api/audit/verify']) {
        const res = await request(h.app).get(path).set(bearer(USERS.carol));
        assert.equal(res.status, 404);
        assert.match(res.body.message, /admin API is disabled: set ADMIN_USERS/);
      }
    } finally {
      await h.close();
    }
  });

  it('ADMIN_OPEN_LOCAL=1 is refused off loopback and gives every role on loopback', async () => {
    assert.throws(() => adminAccessFromEnv({ ADMIN_OPEN_LOCAL: '1' }, '0.0.0.0'), ConfigError);
    const access = adminAccessFromEnv({ ADMIN_OPEN_LOCAL: '1' }, '127.0.0.1');
    assert.equal(access.mode, 'open-local');
    const h = await startAdminHarness({ access });
    try {
      const res = await request(h.app).get('/admin/api/whoami').set('X-Admin-Actor', 'erin');
      assert.equal(res.status, 200);
      assert.deepEqual(res.body, { name: 'erin', roles: ['author', 'reviewer', 'auditor'], mode: 'open-local' });
    } finally {
      await h.close();
    }
  });

  it('refuses an ADMIN_USERS file with bad entries, naming each', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cds-admin-users-'));
    try {
      const file = join(dir, 'users.json');
      writeFileSync(file, JSON.stringify([{ name: 'x', roles: ['boss'], tokenSha256: 'abc' }]));
      assert.throws(
        () => adminAccessFromEnv({ ADMIN_USERS: file }, '127.0.0.1'),
        (err: Error) =>
          err instanceof ConfigError && /\/0\/roles\/0: "boss" is not a role/.test(err.message) && /\/0\/tokenSha256: must be 64/.test(err.message),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses bob and Bob in one ADMIN_USERS file: names compare case-insensitively, so they are one person', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cds-admin-users-'));
    try {
      const file = join(dir, 'users.json');
      writeFileSync(
        file,
        JSON.stringify([
          { name: 'bob', roles: ['author'], tokenSha256: 'a'.repeat(64) },
          { name: 'Bob', roles: ['reviewer'], tokenSha256: 'b'.repeat(64) },
        ]),
      );
      assert.throws(
        () => adminAccessFromEnv({ ADMIN_USERS: file }, '127.0.0.1'),
        (err: Error) => err instanceof ConfigError && /\/1\/name: "Bob" is listed twice \(as "bob" before; names compare case-insensitively/.test(err.message),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('four eyes across spellings: bob cannot approve a version Bob submitted', async () => {
    const h = await startAdminHarness();
    try {
      const rs = sampleRuleSet();
      await h.store.publish(rs, ruleSetContentHash(rs), 'alice');
      await h.store.transition(rs.id, rs.version, 'in-review', 'Bob', 'submitted as Bob');
      const res = await request(h.app)
        .post(`/admin/api/rule-sets/${rs.id}/versions/${rs.version}/approve`)
        .set(bearer(USERS.bob))
        .send({ reason: 'approving my own submission' })
        .expect(409);
      assert.match(res.body.message, /self-approval refused/);
    } finally {
      await h.close();
    }
  });
});
