/**
 * The admin API as the tests use it: a real SQLite store in a temporary folder, a real ADMIN_USERS
 * file (read by the same loader the service uses), the admin router mounted on an express app exactly
 * as server/app.ts mounts it, and a pinned clock.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express from 'express';
import { parseJsonText } from '../../../lib/json-text.js';
import type { RuleSet } from '../../../engine/rule-set-types.js';
import { adminAccessFromEnv, type AdminAccess } from '../../../server/admin/admin-access.js';
import type { AdminRole } from '../../../server/admin/admin-policy.js';
import { mountAdminApi } from '../../../server/admin/admin-router.js';
import { tokenSha256 } from '../../../server/admin/admin-users.js';
import { openStore } from '../../../store/open-store.js';
import { AdminWorkPool } from '../../../server/admin/admin-work-pool.js';
import type { Store } from '../../../store/store.js';

export const NOW = new Date('2026-11-01T10:00:00.000Z');
/** A fixed 32-byte AES key for snapshots (tests only). */
export const TEST_SNAPSHOT_KEY = Buffer.alloc(32, 7);

export interface TestUser {
  name: string;
  roles: AdminRole[];
  token: string;
}

export const USERS = {
  alice: { name: 'alice', roles: ['author'], token: 'alice-token-5b0e3c9d2f7a4e18' },
  bob: { name: 'bob', roles: ['reviewer'], token: 'bob-token-9c41f0d6a8e2b753' },
  carol: { name: 'carol', roles: ['auditor'], token: 'carol-token-2e7d5a1c9b3f6048' },
  dana: { name: 'dana', roles: ['author', 'reviewer'], token: 'dana-token-7f3b8e2a6d1c9054' },
} satisfies Record<string, TestUser>;

/** One user per single role, for the role matrix. */
export const USER_BY_ROLE: Record<AdminRole, TestUser> = { author: USERS.alice, reviewer: USERS.bob, auditor: USERS.carol };

export const RULES_DIR = new URL('../../../rules/', import.meta.url).pathname;
export const KETAMINE_DIR = join(RULES_DIR, 'ketamine-esketamine');

/** The rule set the registry tests publish: the shipped ketamine rule set. */
export const SAMPLE_RULE_SET_FILE = join(KETAMINE_DIR, 'rule-set.json');

export function sampleRuleSet(): RuleSet {
  return readRuleSet(SAMPLE_RULE_SET_FILE);
}

export function readRuleSet(file: string): RuleSet {
  const parsed = parseJsonText(readFileSync(file, 'utf8'));
  if (!parsed.ok) throw new Error(`${file}: ${parsed.error.message}`);
  return parsed.value as RuleSet;
}

export interface AdminHarness {
  app: express.Express;
  store: Store;
  dataDir: string;
  clock: { current: Date; now: () => Date };
  close(): Promise<void>;
}

export interface AdminHarnessOptions {
  /** Default: users mode with USERS written to an ADMIN_USERS file. */
  access?: AdminAccess;
  snapshotKey?: Buffer;
  /** Use this store (e.g. the service harness's) instead of a new one. */
  store?: Store;
  /** The admin worker thread (default: the mount's own). */
  adminWorkPool?: AdminWorkPool;
}

export function bearer(user: TestUser): Record<string, string> {
  return { Authorization: `Bearer ${user.token}` };
}

export function writeUsersFile(dir: string, users: TestUser[] = Object.values(USERS)): string {
  const file = join(dir, 'admin-users.json');
  writeFileSync(file, JSON.stringify(users.map((u) => ({ name: u.name, roles: u.roles, tokenSha256: tokenSha256(u.token) })), null, 2));
  return file;
}

export async function startAdminHarness(options: AdminHarnessOptions = {}): Promise<AdminHarness> {
  const dataDir = mkdtempSync(join(tmpdir(), 'cds-admin-test-'));
  const clock = { current: new Date(NOW), now: (): Date => new Date(clock.current.getTime()) };
  const store = options.store ?? (await openStore({ dataDir: join(dataDir, 'store'), clock: clock.now }));
  const access = options.access ?? adminAccessFromEnv({ ADMIN_USERS: writeUsersFile(dataDir) }, '0.0.0.0');
  const app = express();
  mountAdminApi(app, {
    config: { host: '127.0.0.1', ...(options.snapshotKey === undefined ? {} : { snapshotKey: options.snapshotKey }) },
    store,
    clock: clock.now,
    adminAccess: access,
    rulesDir: RULES_DIR,
    ...(options.adminWorkPool === undefined ? {} : { adminWorkPool: options.adminWorkPool }),
  });
  return {
    app,
    store,
    dataDir,
    clock,
    async close() {
      if (options.store === undefined) await store.close().catch(() => undefined);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
