/**
 * What "a clear answer" means for the reliability tests: never a 5xx for bad input; a JSON body; every
 * 400 names each problem with a JSON Pointer whose parent exists in what was sent (so the client can
 * find the place) and a message; a 412 is an OperationOutcome with issues; no secret the caller sent
 * comes back in the answer.
 */
import assert from 'node:assert/strict';
import type { Response } from 'supertest';
import { validateAgainst } from '../../../server/validation/schemas.js';

function decodeToken(token: string): string {
  return token.replace(/~1/g, '/').replace(/~0/g, '~');
}

/** True when the member or element the pointer's parent names exists in `document`. */
export function pointerParentExists(document: unknown, pointer: string): boolean {
  if (pointer === '') return true;
  if (!pointer.startsWith('/')) return false;
  const tokens = pointer.slice(1).split('/').map(decodeToken);
  let node: unknown = document;
  for (const token of tokens.slice(0, -1)) {
    if (node === null || typeof node !== 'object') return false;
    if (!Object.prototype.hasOwnProperty.call(node, token)) return false;
    node = (node as Record<string, unknown>)[token];
  }
  return node !== null && typeof node === 'object';
}

export interface AnswerExpectation {
  /** Statuses acceptable for this input. */
  allowed: readonly number[];
  /** The parsed body that was sent (for the pointer check); undefined when it was not JSON. */
  sent?: unknown;
  /** Secrets the request carried (tokens): none may appear in the answer. */
  secrets?: readonly string[];
  /** Label for assertion messages. */
  what: string;
}

export function assertClearAnswer(res: Response, expect: AnswerExpectation): void {
  const where = `${expect.what} -> ${res.status} ${res.text?.slice(0, 300)}`;
  assert.ok(res.status < 500, `server error for bad input: ${where}`);
  assert.ok(expect.allowed.includes(res.status), `status not in [${expect.allowed.join(', ')}]: ${where}`);
  assert.match(String(res.headers['content-type']), /^application\/json/, `${where}: Content-Type`);
  for (const secret of expect.secrets ?? []) assert.ok(!res.text.includes(secret), `${expect.what}: a secret came back in the answer`);
  if (res.status === 412) {
    assert.deepEqual(validateAgainst('operation-outcome', res.body), [], `${where}: 412 body is not an OperationOutcome`);
    return;
  }
  if (res.status === 401) {
    assert.deepEqual(res.body, { error: 'unauthorized' }, where);
    return;
  }
  if (res.status >= 400) {
    assert.equal(typeof res.body.error, 'string', `${where}: no error code`);
    assert.ok(typeof res.body.message === 'string' && res.body.message.length > 0, `${where}: no message`);
  }
  if (res.status === 400 && res.body.error === 'invalid_request') {
    const problems = res.body.problems as Array<{ pointer: string; message: string }>;
    assert.ok(Array.isArray(problems) && problems.length > 0, `${where}: a 400 must name at least one problem`);
    for (const problem of problems) {
      assert.equal(typeof problem.pointer, 'string', where);
      assert.ok(problem.message.length > 0, where);
      if (expect.sent !== undefined) {
        assert.ok(pointerParentExists(expect.sent, problem.pointer), `${where}: pointer ${JSON.stringify(problem.pointer)} does not point into the body sent`);
      }
    }
  }
}
