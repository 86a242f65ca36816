/**
 * Checks every response the server tests see against the schema for what it is:
 * discovery (discovery-response), service call 200 (service-response: spec card rules and invariants,
 * plus a uuid on every card and suggestion), feedback 200 (feedback-response), 412 (OperationOutcome),
 * 401 (exactly {"error":"unauthorized"} with WWW-Authenticate: Bearer), preflight (204, no body),
 * health, and every other error (error-response). Use `conforming(request(app).get(...))`.
 */
import assert from 'node:assert/strict';
import type { Response, Test } from 'supertest';
import { validateAgainst, type SchemaName } from '../../server/validation/schemas.js';
import type { Problem } from '../../lib/problem.js';

function schemaFor(method: string, path: string, status: number): SchemaName | 'unauthorized' | 'preflight' | 'health' {
  if (method === 'OPTIONS') return 'preflight';
  if (status === 401) return 'unauthorized';
  if (path === '/healthz' || path === '/readyz') return 'health';
  if (status === 412) return 'operation-outcome';
  if (status === 200 && method === 'GET' && path === '/cds-services') return 'discovery-response';
  if (status === 200 && method === 'POST' && /^\/cds-services\/[^/]+\/feedback$/.test(path)) return 'feedback-response';
  if (status === 200 && method === 'POST' && /^\/cds-services\/[^/]+$/.test(path)) return 'service-response';
  if (status >= 400) return 'error-response';
  throw new Error(`response-schema: no schema for ${method} ${path} -> ${status}`);
}

function uuidProblems(body: { cards?: Array<{ uuid?: string; suggestions?: Array<{ uuid?: string }> }> }): Problem[] {
  const problems: Problem[] = [];
  (body.cards ?? []).forEach((card, i) => {
    if (!card.uuid) problems.push({ pointer: `/cards/${i}/uuid`, message: 'is missing' });
    (card.suggestions ?? []).forEach((s, j) => {
      if (!s.uuid) problems.push({ pointer: `/cards/${i}/suggestions/${j}/uuid`, message: 'is missing' });
    });
  });
  return problems;
}

/** Asserts that one response matches the schema for its route and status; returns it. */
export function assertResponseConforms(res: Response, method: string, path: string): Response {
  const kind = schemaFor(method, path, res.status);
  const where = `${method} ${path} -> ${res.status}`;
  if (kind === 'preflight') {
    assert.equal(res.status, 204, where);
    assert.equal(res.text ?? '', '', `${where}: a preflight answer has no body`);
    return res;
  }
  assert.match(String(res.headers['content-type']), /^application\/json/, `${where}: Content-Type`);
  if (kind === 'unauthorized') {
    assert.deepEqual(res.body, { error: 'unauthorized' }, `${where}: 401 carries no detail`);
    assert.equal(res.headers['www-authenticate'], 'Bearer', `${where}: WWW-Authenticate`);
    return res;
  }
  if (kind === 'health') {
    assert.equal(typeof res.body.status, 'string', where);
    return res;
  }
  const problems = validateAgainst(kind, res.body);
  if (kind === 'service-response') problems.push(...uuidProblems(res.body));
  assert.deepEqual(problems, [], `${where}: response does not conform to ${kind}.schema.json`);
  return res;
}

/** Awaits a supertest request and checks its response (see assertResponseConforms). */
export async function conforming(test: Test): Promise<Response> {
  const res = await test;
  const { method, path } = requestLine(res);
  return assertResponseConforms(res, method, path);
}

function requestLine(res: Response): { method: string; path: string } {
  const req = (res as unknown as { req: { method: string; path: string } }).req;
  return { method: req.method, path: new URL(req.path, 'http://x').pathname };
}
