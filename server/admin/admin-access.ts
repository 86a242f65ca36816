/**
 * How the admin API is protected, decided once at start from the environment:
 *   ADMIN_USERS=<file>                 users with bearer tokens and roles (admin-users.ts)
 *   ADMIN_OPEN_LOCAL=1 (no ADMIN_USERS) open to anyone who can reach it, allowed only when the server
 *                                      listens on a loopback address (development on one machine)
 *   neither                            disabled: every /admin/api request gets 404 with the reason
 */
import { ConfigError } from '../../lib/config-error.js';
import { loadAdminUsers, type AdminUser } from './admin-users.js';

export type AdminAccess =
  | { mode: 'users'; users: AdminUser[] }
  | { mode: 'open-local' }
  | { mode: 'disabled'; reason: string };

export interface AdminAccessEnv {
  ADMIN_USERS?: string;
  ADMIN_OPEN_LOCAL?: string;
}

export function adminAccessFromEnv(env: AdminAccessEnv, listenHost: string): AdminAccess {
  if (env.ADMIN_USERS !== undefined && env.ADMIN_USERS !== '') {
    return { mode: 'users', users: loadAdminUsers(env.ADMIN_USERS) };
  }
  if (env.ADMIN_OPEN_LOCAL === '1') {
    if (!isLoopbackHost(listenHost)) {
      throw new ConfigError(
        `ADMIN_OPEN_LOCAL=1 is only allowed when the server listens on a loopback address (127.0.0.1, ::1, localhost); ` +
          `it listens on "${listenHost}". Configure ADMIN_USERS instead.`,
      );
    }
    return { mode: 'open-local' };
  }
  return {
    mode: 'disabled',
    reason:
      'The admin API is disabled: set ADMIN_USERS to a users file (see docs/admin-api.md), ' +
      'or ADMIN_OPEN_LOCAL=1 when listening on a loopback address.',
  };
}

export function isLoopbackHost(host: string): boolean {
  const h = host.trim().toLowerCase().replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || /^127(\.\d{1,3}){3}$/.test(h) || h === '::ffff:127.0.0.1';
}
