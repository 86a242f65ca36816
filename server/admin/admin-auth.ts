/**
 * Authentication and authorisation of one admin route, from its row in ADMIN_ROUTE_POLICY:
 *   no or malformed Authorization header, or an unknown token  -> 401 (WWW-Authenticate: Bearer)
 *   a known user without one of the route's roles              -> 403 naming the roles required
 * In open-local mode (ADMIN_OPEN_LOCAL=1 on a loopback address) every caller holds every role and is
 * named by the X-Admin-Actor header (default "local"), so the four-eyes rule can still be exercised.
 * Tokens are never logged or echoed.
 */
import type { RequestHandler, Response } from 'express';
import type { AdminAccess } from './admin-access.js';
import { AdminError } from '../../use-cases/admin-error.js';
import { ADMIN_ROLES, isAllowed, type AdminRole, type AdminRoutePolicy } from './admin-policy.js';
import { userForToken } from './admin-users.js';

export interface AdminPrincipal {
  name: string;
  roles: readonly AdminRole[];
}

const BEARER = /^Bearer ([A-Za-z0-9._~+/-]+=*)$/;
const ACTOR_NAME = /^[A-Za-z0-9._@-]{1,100}$/;
export const OPEN_LOCAL_ACTOR_HEADER = 'x-admin-actor';

export function adminAuthorisation(policy: AdminRoutePolicy, access: AdminAccess): RequestHandler {
  return (req, res, next) => {
    if (policy.allowed === 'public') return next();
    const principal = authenticate(access, req.headers.authorization, req.headers[OPEN_LOCAL_ACTOR_HEADER]);
    if (!isAllowed(policy, principal.roles)) {
      const required = policy.allowed as readonly AdminRole[];
      throw new AdminError(
        403,
        `${policy.method} /admin/api${openApiPath(policy.path)} requires the ${required.join(' or ')} role; ` +
          `${principal.name} has ${principal.roles.join(', ')}`,
        { requiredRoles: required },
      );
    }
    res.locals.adminPrincipal = principal;
    next();
  };
}

/** "/rule-sets/:ruleSetId" -> "/rule-sets/{ruleSetId}", as openapi.json and the docs write it. */
export function openApiPath(expressPath: string): string {
  return expressPath.replace(/:([A-Za-z]+)/g, '{$1}');
}

export function principalOf(res: Response): AdminPrincipal {
  const principal = res.locals.adminPrincipal as AdminPrincipal | undefined;
  if (principal === undefined) throw new Error('admin route without an authenticated principal');
  return principal;
}

function authenticate(access: AdminAccess, header: string | undefined, actorHeader: string | string[] | undefined): AdminPrincipal {
  if (access.mode === 'open-local') {
    const actor = typeof actorHeader === 'string' ? actorHeader : 'local';
    if (!ACTOR_NAME.test(actor)) throw new AdminError(400, `${OPEN_LOCAL_ACTOR_HEADER}: must be 1-100 letters, digits or . _ @ -`, { field: OPEN_LOCAL_ACTOR_HEADER });
    return { name: actor, roles: ADMIN_ROLES };
  }
  if (access.mode !== 'users') throw new AdminError(404, access.reason);
  if (header === undefined || header === '') {
    throw new AdminError(401, 'authentication required: send Authorization: Bearer <admin token>');
  }
  const match = BEARER.exec(header);
  if (match === null) throw new AdminError(401, 'the Authorization header must be "Bearer <admin token>"');
  const user = userForToken(access.users, match[1]);
  if (user === undefined) throw new AdminError(401, 'the admin token is not recognised');
  return { name: user.name, roles: user.roles };
}
