/**
 * server/admin/openapi.json covers every mounted admin route (and nothing else), with the same roles as
 * the policy table; every $ref resolves; the service serves the document as it is on disk.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import request from 'supertest';
import { openApiPath } from '../../server/admin/admin-auth.js';
import { ADMIN_ROUTE_POLICY } from '../../server/admin/admin-policy.js';
import { OPENAPI_DOCUMENT_URL } from '../../server/admin/admin-router.js';
import { startAdminHarness } from './support/admin-harness.js';

type Operation = { operationId?: string; 'x-roles'?: unknown; responses?: Record<string, unknown>; security?: unknown[] };
const doc = JSON.parse(readFileSync(OPENAPI_DOCUMENT_URL, 'utf8')) as {
  openapi: string;
  servers: Array<{ url: string }>;
  paths: Record<string, Record<string, Operation>>;
  components: Record<string, Record<string, unknown>>;
};

function operations(): Array<{ method: string; path: string; op: Operation }> {
  return Object.entries(doc.paths).flatMap(([path, item]) => Object.entries(item).map(([method, op]) => ({ method: method.toUpperCase(), path, op })));
}

describe('admin API OpenAPI document', () => {
  it('is OpenAPI 3.1 served under /admin/api', () => {
    assert.equal(doc.openapi, '3.1.0');
    assert.deepEqual(doc.servers, [{ url: '/admin/api' }]);
  });

  it('describes every route of the policy table, with its operationId and roles, and no other', () => {
    const described = operations();
    for (const policy of ADMIN_ROUTE_POLICY) {
      const op = doc.paths[openApiPath(policy.path)]?.[policy.method.toLowerCase()];
      assert.ok(op, `openapi.json lacks ${policy.method} ${openApiPath(policy.path)}`);
      assert.equal(op.operationId, policy.operationId);
      assert.deepEqual(op['x-roles'], policy.allowed, `x-roles of ${policy.operationId}`);
      if (policy.allowed === 'public') assert.deepEqual(op.security, []);
      else assert.ok(op.responses?.['401'] && op.responses['403'], `${policy.operationId} documents 401 and 403`);
    }
    assert.equal(described.length, ADMIN_ROUTE_POLICY.length, `extra operations: ${described.map((d) => d.op.operationId).join(', ')}`);
  });

  it('has no dangling $ref', () => {
    const refs: string[] = [];
    const walk = (node: unknown): void => {
      if (Array.isArray(node)) node.forEach(walk);
      else if (node !== null && typeof node === 'object') {
        for (const [k, v] of Object.entries(node)) {
          if (k === '$ref' && typeof v === 'string') refs.push(v);
          else walk(v);
        }
      }
    };
    walk(doc);
    assert.ok(refs.length > 10);
    for (const ref of refs) {
      const [, section, name] = /^#\/components\/([^/]+)\/([^/]+)$/.exec(ref) ?? [];
      assert.ok(section && doc.components[section]?.[name], `dangling ${ref}`);
    }
  });

  it('is served at /admin/api/openapi.json without a token', async () => {
    const h = await startAdminHarness();
    try {
      const res = await request(h.app).get('/admin/api/openapi.json').expect(200);
      assert.match(res.headers['content-type'], /^application\/json/);
      assert.deepEqual(res.body, doc);
    } finally {
      await h.close();
    }
  });
});
