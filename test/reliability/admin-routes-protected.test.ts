/**
 * Every route mounted under /admin in the real app (server/app.ts buildApp: the admin API and the
 * console's preview API), found by walking express's router stack rather than a list kept by hand, so
 * a route added later is covered automatically: each one refuses a caller without a token or with an
 * unknown token (401 + WWW-Authenticate), except the public API description; with the admin API
 * disabled each answers 404. Which role may call what is test/admin/role-matrix.test.ts.
 */
import assert from 'node:assert/strict';
import type express from 'express';
import request from 'supertest';
import { ADMIN_ROUTE_POLICY } from '../../server/admin/admin-policy.js';
import { startFullApp, type FullApp } from './support/full-app.js';

interface MountedRoute {
  method: string;
  path: string;
}

interface RouterLayer {
  route?: { path: string; methods: Record<string, boolean> };
  handle?: { stack?: RouterLayer[] };
  rawPath?: string | string[];
  slash?: boolean;
}

/** Every route of the app with its full path (mount paths joined), from express 5's router stack. */
export function mountedRoutes(app: express.Express): MountedRoute[] {
  const routes: MountedRoute[] = [];
  const walk = (stack: RouterLayer[], prefix: string): void => {
    for (const layer of stack) {
      if (layer.route) {
        for (const method of Object.keys(layer.route.methods)) routes.push({ method: method.toUpperCase(), path: prefix + layer.route.path });
      } else if (layer.handle?.stack) {
        const mount = layer.slash || typeof layer.rawPath !== 'string' ? '' : layer.rawPath;
        walk(layer.handle.stack, prefix + mount);
      }
    }
  };
  walk((app as unknown as { router: { stack: RouterLayer[] } }).router.stack, '');
  return routes;
}

const PUBLIC = new Set(ADMIN_ROUTE_POLICY.filter((p) => p.allowed === 'public').map((p) => `${p.method} /admin/api${p.path}`));

function concrete(path: string): string {
  return path.replace(/:([A-Za-z]+)/g, (_m, name: string) => (name === 'seq' ? '1' : name === 'version' ? '1.1.0' : 'ketamine-esketamine'));
}

describe('every mounted /admin route refuses unauthenticated callers', function () {
  this.timeout(30_000);
  let full: FullApp;
  let adminRoutes: MountedRoute[];

  before(async () => {
    full = await startFullApp();
    adminRoutes = mountedRoutes(full.app).filter((r) => r.path.startsWith('/admin'));
  });
  after(async () => full.close());

  it('the walk finds every route of the admin policy table, and more (the console preview API)', () => {
    const found = new Set(adminRoutes.map((r) => `${r.method} ${r.path}`));
    for (const policy of ADMIN_ROUTE_POLICY) assert.ok(found.has(`${policy.method} /admin/api${policy.path}`), `${policy.method} ${policy.path} is mounted`);
    assert.ok(adminRoutes.length > ADMIN_ROUTE_POLICY.length, `found ${adminRoutes.length} routes`);
  });

  it('no token, a malformed header, an unknown token: 401 with WWW-Authenticate on every non-public route', async () => {
    let checked = 0;
    for (const route of adminRoutes) {
      const key = `${route.method} ${route.path}`;
      for (const authorization of [undefined, 'Basic YWRtaW46YWRtaW4=', 'Bearer not-a-known-admin-token-0000']) {
        let req = route.method === 'GET' ? request(full.app).get(concrete(route.path)) : request(full.app).post(concrete(route.path)).send({});
        if (authorization) req = req.set('Authorization', authorization);
        const res = await req;
        if (PUBLIC.has(key)) {
          assert.equal(res.status, 200, `${key} is public`);
          continue;
        }
        assert.equal(res.status, 401, `${key} with ${authorization ?? 'no Authorization'}: ${res.status} ${res.text.slice(0, 200)}`);
        assert.match(String(res.headers['www-authenticate']), /^Bearer/, key);
        checked += 1;
      }
    }
    assert.ok(checked >= 3 * (adminRoutes.length - PUBLIC.size));
  });

  it('with the admin API disabled (neither ADMIN_USERS nor ADMIN_OPEN_LOCAL): every /admin route answers 404, even the public one', async () => {
    const disabled = await startFullApp({ adminAccess: { mode: 'disabled', reason: 'The admin API is disabled (test).' } });
    try {
      for (const route of mountedRoutes(disabled.app).filter((r) => r.path.startsWith('/admin'))) {
        const res = route.method === 'GET' ? await request(disabled.app).get(concrete(route.path)) : await request(disabled.app).post(concrete(route.path)).send({});
        assert.equal(res.status, 404, `${route.method} ${route.path}: ${res.status}`);
      }
    } finally {
      await disabled.close();
    }
  });
});
