/**
 * Who may call which admin route: the one policy table. Every route the admin router mounts is a row
 * here (the router mounts *from* this table, so a route cannot exist without a policy), and
 * test/admin/role-matrix.test.ts calls every row with every role. docs/admin-api.md shows the same
 * matrix for people.
 *
 *   author   writes rule sets: publish, submit for review, read rule sets, diff
 *   reviewer judges them: approve, activate, retire, read rule sets, diff
 *   auditor  looks at what the service decided: decisions, feedback, override stats, export, chain
 *            verification, replay, read rule sets
 */
import { ADMIN_ROLES, type AdminRole } from '../../use-cases/admin-roles.js';

export { ADMIN_ROLES, type AdminRole } from '../../use-cases/admin-roles.js';

export type AdminOperationId =
  | 'getOpenApi'
  | 'whoAmI'
  | 'listRuleSets'
  | 'listVersions'
  | 'getVersion'
  | 'publishVersion'
  | 'submitVersion'
  | 'approveVersion'
  | 'activateVersion'
  | 'retireVersion'
  | 'diffVersions'
  | 'listDecisions'
  | 'getDecision'
  | 'listFeedback'
  | 'overrideStats'
  | 'exportDecisions'
  | 'verifyChain'
  | 'replayDecision';

export interface AdminRoutePolicy {
  operationId: AdminOperationId;
  method: 'GET' | 'POST';
  /** Express path below /admin/api (":name" parameters); openapi.json uses "{name}" for the same. */
  path: string;
  /** Roles allowed; 'public' = no token needed (only the API description itself). */
  allowed: readonly AdminRole[] | 'public';
}

const READ_RULE_SETS: readonly AdminRole[] = ['author', 'reviewer', 'auditor'];
const AUTHOR: readonly AdminRole[] = ['author'];
const REVIEWER: readonly AdminRole[] = ['reviewer'];
const AUTHOR_OR_REVIEWER: readonly AdminRole[] = ['author', 'reviewer'];
const AUDITOR: readonly AdminRole[] = ['auditor'];

export const ADMIN_ROUTE_POLICY: readonly AdminRoutePolicy[] = [
  { operationId: 'getOpenApi', method: 'GET', path: '/openapi.json', allowed: 'public' },
  { operationId: 'whoAmI', method: 'GET', path: '/whoami', allowed: ADMIN_ROLES },

  { operationId: 'listRuleSets', method: 'GET', path: '/rule-sets', allowed: READ_RULE_SETS },
  { operationId: 'publishVersion', method: 'POST', path: '/rule-sets', allowed: AUTHOR },
  { operationId: 'listVersions', method: 'GET', path: '/rule-sets/:ruleSetId/versions', allowed: READ_RULE_SETS },
  { operationId: 'getVersion', method: 'GET', path: '/rule-sets/:ruleSetId/versions/:version', allowed: READ_RULE_SETS },
  { operationId: 'submitVersion', method: 'POST', path: '/rule-sets/:ruleSetId/versions/:version/submit', allowed: AUTHOR },
  { operationId: 'approveVersion', method: 'POST', path: '/rule-sets/:ruleSetId/versions/:version/approve', allowed: REVIEWER },
  { operationId: 'activateVersion', method: 'POST', path: '/rule-sets/:ruleSetId/versions/:version/activate', allowed: REVIEWER },
  { operationId: 'retireVersion', method: 'POST', path: '/rule-sets/:ruleSetId/versions/:version/retire', allowed: REVIEWER },
  { operationId: 'diffVersions', method: 'GET', path: '/rule-sets/:ruleSetId/diff', allowed: AUTHOR_OR_REVIEWER },

  { operationId: 'listDecisions', method: 'GET', path: '/decisions', allowed: AUDITOR },
  { operationId: 'getDecision', method: 'GET', path: '/decisions/:seq', allowed: AUDITOR },
  { operationId: 'replayDecision', method: 'POST', path: '/decisions/:seq/replay', allowed: AUDITOR },
  { operationId: 'listFeedback', method: 'GET', path: '/feedback', allowed: AUDITOR },
  { operationId: 'overrideStats', method: 'GET', path: '/stats/overrides', allowed: AUDITOR },
  { operationId: 'exportDecisions', method: 'GET', path: '/export', allowed: AUDITOR },
  { operationId: 'verifyChain', method: 'GET', path: '/audit/verify', allowed: AUDITOR },
];

export function policyFor(operationId: AdminOperationId): AdminRoutePolicy {
  const policy = ADMIN_ROUTE_POLICY.find((p) => p.operationId === operationId);
  if (policy === undefined) throw new Error(`admin policy: no row for ${operationId}`);
  return policy;
}

/** True when a user holding `roles` may call the route. */
export function isAllowed(policy: AdminRoutePolicy, roles: readonly AdminRole[]): boolean {
  return policy.allowed === 'public' || roles.some((r) => (policy.allowed as readonly AdminRole[]).includes(r));
}
