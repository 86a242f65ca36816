/**
 * What the admin API needs from the running service. server/app.ts passes its own deps (AppDeps
 * fits this shape) to mountAdminApi; resolveAdminDeps fills in the defaults once at mount time.
 */
import { createPublicKey, type KeyObject } from 'node:crypto';
import type { Store } from '../../store/store.js';
import { RULES_DIR } from '../bundled-rule-sets.js';
import type { Logger } from '../logger.js';
import { adminAccessFromEnv, type AdminAccess } from './admin-access.js';
import { AdminWorkPool } from './admin-work-pool.js';

export interface AdminMountDeps {
  /** HOST decides whether ADMIN_OPEN_LOCAL may apply; snapshotKey (SNAPSHOT_KEY) decrypts replay snapshots. */
  config: { host: string; snapshotKey?: Buffer; auditSigningKey?: KeyObject };
  store: Store;
  logger?: Logger;
  /** "Now" (snapshot expiry, default statistics range); pinned in tests. */
  clock?: () => Date;
  /** Default: adminAccessFromEnv(process.env, config.host) (ADMIN_USERS / ADMIN_OPEN_LOCAL). */
  adminAccess?: AdminAccess;
  /** Folder of rule-set folders whose fixtures the impact diff runs; default the repository's rules/. */
  rulesDir?: string;
  /** Worker thread for heavy admin work (default: one of its own per mount). */
  adminWorkPool?: AdminWorkPool;
}

export interface AdminApiDeps {
  store: Store;
  access: AdminAccess;
  snapshotKey?: Buffer;
  /** The public half of AUDIT_SIGNING_KEY: checkpoint signatures are checked with it. */
  auditPublicKey?: KeyObject;
  rulesDir: string;
  logger?: Logger;
  clock: () => Date;
  /** Where heavy admin work runs (a diff's fixture impact): off the main thread. */
  workPool: AdminWorkPool;
}

/** Throws ConfigError when ADMIN_USERS is unreadable or invalid, or ADMIN_OPEN_LOCAL is set off loopback. */
export function resolveAdminDeps(deps: AdminMountDeps, env: NodeJS.ProcessEnv = process.env): AdminApiDeps {
  return {
    store: deps.store,
    access: deps.adminAccess ?? adminAccessFromEnv(env, deps.config.host),
    ...(deps.config.snapshotKey === undefined ? {} : { snapshotKey: deps.config.snapshotKey }),
    ...(deps.config.auditSigningKey === undefined ? {} : { auditPublicKey: createPublicKey(deps.config.auditSigningKey) }),
    rulesDir: deps.rulesDir ?? RULES_DIR,
    ...(deps.logger === undefined ? {} : { logger: deps.logger }),
    clock: deps.clock ?? (() => new Date()),
    workPool: deps.adminWorkPool ?? new AdminWorkPool(),
  };
}
