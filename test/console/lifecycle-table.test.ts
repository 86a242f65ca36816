/**
 * The console's lifecycle table (which action applies to which state, and which role takes it) must
 * say what the admin API enforces (use-cases/lifecycle-actions.ts, server/admin/admin-policy.ts).
 */
import assert from 'node:assert/strict';
import { CONSOLE_LIFECYCLE_ACTIONS } from '../../console/client/lifecycle.js';
import { policyFor, type AdminOperationId } from '../../server/admin/admin-policy.js';
import { LIFECYCLE_ACTION_NAMES, LIFECYCLE_ACTIONS, statesAllowingAction } from '../../use-cases/lifecycle-actions.js';

const OPERATION: Record<string, AdminOperationId> = {
  submit: 'submitVersion',
  approve: 'approveVersion',
  activate: 'activateVersion',
  retire: 'retireVersion',
};

describe('console lifecycle table', () => {
  it('offers exactly the API\'s actions', () => {
    assert.deepEqual(CONSOLE_LIFECYCLE_ACTIONS.map((a) => a.action).sort(), [...LIFECYCLE_ACTION_NAMES].sort());
  });
  for (const action of CONSOLE_LIFECYCLE_ACTIONS) {
    it(`${action.action}: same states and role as the API`, () => {
      assert.deepEqual([...action.from].sort(), statesAllowingAction(action.action).sort());
      assert.equal(action.role, LIFECYCLE_ACTIONS[action.action].role);
      assert.deepEqual(policyFor(OPERATION[action.action]).allowed, [action.role]);
    });
  }
});
