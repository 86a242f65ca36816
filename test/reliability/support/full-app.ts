/**
 * The whole service as an operator runs it, in process: server/app.ts buildApp with the CDS routes,
 * the web console and the admin API mounted, a real SQLite store in a temporary folder with the
 * bundled rule sets imported into the registry (rules/<id>/rule-set.json active, earlier versions
 * published), the registry catalog, ADMIN_USERS with one user per role, a pinned clock and captured
 * logs. Used by the admin fuzzing, route-protection and security-header tests.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type express from 'express';
import { parseJsonText } from '../../../lib/json-text.js';
import { findRuleSetFolders } from '../../../use-cases/rule-set-files.js';
import type { RuleSet } from '../../../engine/rule-set-types.js';
import { adminAccessFromEnv, type AdminAccess } from '../../../server/admin/admin-access.js';
import type { AdminRole } from '../../../server/admin/admin-policy.js';
import { tokenSha256 } from '../../../server/admin/admin-users.js';
import { buildApp } from '../../../server/app.js';
import { RULES_DIR } from '../../../server/bundled-rule-sets.js';
import { loadConfig, type Config } from '../../../server/config.js';
import { createLogger } from '../../../server/logger.js';
import { importBundledRuleSets } from '../../../store/import-bundled.js';
import { openStore } from '../../../store/open-store.js';
import { RegistryServiceCatalog } from '../../../use-cases/registry-catalog.js';
import type { Store } from '../../../store/store.js';
import { rememberSecret } from '../../support/minted-secrets.js';
import { LogCapture, TestClock, testEnv } from '../../support/server-harness.js';

export interface AdminTestUser {
  name: string;
  roles: AdminRole[];
  token: string;
}

/** One user per role, plus one with every role. Tokens are registered for the end-of-run log scan. */
export const RELIABILITY_ADMIN_USERS: Record<AdminRole | 'all', AdminTestUser> = {
  author: { name: 'rel-author', roles: ['author'], token: rememberSecret('rel-author-token-3f9a1c7e5b2d8046') },
  reviewer: { name: 'rel-reviewer', roles: ['reviewer'], token: rememberSecret('rel-reviewer-token-8b2e6d0a4c1f9357') },
  auditor: { name: 'rel-auditor', roles: ['auditor'], token: rememberSecret('rel-auditor-token-5d7c3a9e1b0f2468') },
  all: { name: 'rel-all', roles: ['author', 'reviewer', 'auditor'], token: rememberSecret('rel-all-token-0e4b8f2c6a9d1357') },
};

export interface FullApp {
  app: express.Express;
  store: Store;
  catalog: RegistryServiceCatalog;
  config: Config;
  logs: LogCapture;
  clock: TestClock;
  dataDir: string;
  close(): Promise<void>;
}

function readRuleSet(file: string): RuleSet {
  const parsed = parseJsonText(readFileSync(file, 'utf8'));
  if (!parsed.ok) throw new Error(`${file}: ${parsed.error.message}`);
  return parsed.value as RuleSet;
}

export interface FullAppOptions {
  env?: Record<string, string>;
  /** Default: users mode with RELIABILITY_ADMIN_USERS. */
  adminAccess?: AdminAccess;
  clients?: unknown;
  clock?: TestClock;
}

export async function startFullApp(options: FullAppOptions = {}): Promise<FullApp> {
  const dataDir = mkdtempSync(join(tmpdir(), 'cds-reliability-app-'));
  const clock = options.clock ?? new TestClock(new Date('2026-03-02T10:00:00Z'));
  const usersFile = join(dataDir, 'admin-users.json');
  writeFileSync(
    usersFile,
    JSON.stringify(Object.values(RELIABILITY_ADMIN_USERS).map((u) => ({ name: u.name, roles: u.roles, tokenSha256: tokenSha256(u.token) }))),
  );
  const config = loadConfig(testEnv(dataDir, options.clients, { SNAPSHOT_KEY: Buffer.alloc(32, 5).toString('base64'), ...options.env }));
  const logs = new LogCapture();
  const logger = createLogger(config.logLevel, logs);
  const store = await openStore({ dataDir: join(dataDir, 'store'), clock: clock.now });
  const bundled = findRuleSetFolders(RULES_DIR).flatMap((f) => [f.main, ...f.versions].map((file) => ({ file, ruleSet: readRuleSet(file) })));
  await importBundledRuleSets(store, bundled);
  const catalog = await RegistryServiceCatalog.start({ store, pollIntervalMs: 0, clock: clock.now });
  const app = buildApp({
    config,
    catalog,
    store,
    logger,
    clock: clock.now,
    adminAccess: options.adminAccess ?? adminAccessFromEnv({ ADMIN_USERS: usersFile }, config.host),
  });
  return {
    app,
    store,
    catalog,
    config,
    logs,
    clock,
    dataDir,
    async close() {
      catalog.stop();
      await store.close().catch(() => undefined);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
