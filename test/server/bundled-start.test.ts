/**
 * Start-up with the bundled rule sets (server/bundled-start.ts), on SQLite and PostgreSQL: the first
 * start imports every bundled version into the empty registry and activates the newest; afterwards a
 * draft folder added before a restart is not served, an edited working file still starts (a notice,
 * in the log and in /readyz), and an invalid working file does too.
 */
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { buildApp } from '../../server/app.js';
import { RULES_DIR } from '../../server/bundled-rule-sets.js';
import { startWithBundledRuleSets } from '../../server/bundled-start.js';
import { loadConfig } from '../../server/config.js';
import { createLogger } from '../../server/logger.js';
import { compileRuleSet } from '../../engine/compile-rule-set.js';
import { RegistryServiceCatalog } from '../../use-cases/registry-catalog.js';
import { ruleSetContentHash } from '../../store/rule-set-hash.js';
import { BOOTSTRAP_ACTOR } from '../../store/lifecycle-policy.js';
import type { Store } from '../../store/store.js';
import { POSTGRES_BACKEND, SQLITE_BACKEND, postgresReachable, type TestBackend, type TestDatabase } from '../store/support/backends.js';
import { LogCapture, testEnv } from '../support/server-harness.js';

const KETAMINE = 'ketamine-esketamine';

function bundledVersions(): string[] {
  const main = JSON.parse(readFileSync(join(RULES_DIR, KETAMINE, 'rule-set.json'), 'utf8')) as { version: string };
  return [main.version];
}

for (const backend of [SQLITE_BACKEND, POSTGRES_BACKEND] as TestBackend[]) {
  describe(`start-up with the bundled rule sets (${backend.kind})`, function () {
    this.timeout(60_000);
    let db: TestDatabase;
    let rulesDir: string;
    const catalogs: RegistryServiceCatalog[] = [];
    const dataDirs: string[] = [];

    before(async function () {
      if (backend.kind === 'postgres' && !(await postgresReachable()).reachable) {
        if (process.env.CI === 'true') throw new Error('PostgreSQL is required in CI');
        this.skip();
      }
    });
    beforeEach(async () => {
      db = await backend.fresh();
      rulesDir = mkdtempSync(join(tmpdir(), 'cds-bundled-'));
      cpSync(join(RULES_DIR, KETAMINE), join(rulesDir, KETAMINE), { recursive: true, filter: (src) => !src.includes('/fixtures') });
    });
    afterEach(async () => {
      catalogs.splice(0).forEach((c) => c.stop());
      await db.dispose();
      rmSync(rulesDir, { recursive: true, force: true });
      for (const dir of dataDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
    });

    /** One start: open the store, take the bundled rule sets, follow the registry, build the app. */
    async function start(): Promise<{ store: Store; catalog: RegistryServiceCatalog; logs: LogCapture; app: ReturnType<typeof buildApp> }> {
      const store = await db.open();
      const logs = new LogCapture();
      const logger = createLogger('info', logs);
      const { notices, precompiled } = await startWithBundledRuleSets(store, logger, rulesDir);
      const catalog = await RegistryServiceCatalog.start({ store, pollIntervalMs: 0, compile: (rs) => precompiled.get(ruleSetContentHash(rs)) ?? compileRuleSet(rs) });
      catalogs.push(catalog);
      const dataDir = mkdtempSync(join(tmpdir(), 'cds-bundled-data-'));
      dataDirs.push(dataDir);
      const app = buildApp({ config: loadConfig(testEnv(dataDir)), catalog, store, logger, clock: () => new Date(), notices });
      return { store, catalog, logs, app };
    }

    it('first start: every bundled version imported, the newest activated by the bootstrap actor', async () => {
      const { store, catalog } = await start();
      const versions = await store.listVersions(KETAMINE);
      assert.ok(versions.length >= 2, 'rule-set.json and versions/ are all imported');
      assert.ok(versions.every((v) => v.author === BOOTSTRAP_ACTOR));
      const active = versions.filter((v) => v.state === 'active').map((v) => v.version);
      assert.deepEqual(active, bundledVersions());
      assert.equal(catalog.get('ketamine-order-sign')?.ruleSet.version, bundledVersions()[0]);
    });

    it('a draft folder added before a restart is reported and not served', async () => {
      await start();
      const draft = JSON.parse(readFileSync(join(rulesDir, KETAMINE, 'rule-set.json'), 'utf8')) as {
        id: string; status: string; services: { id: string }[]; approvals: unknown[];
      };
      draft.id = 'ketamine-draft';
      draft.status = 'draft';
      draft.services = draft.services.map((s) => ({ ...s, id: `draft-${s.id}` }));
      mkdirSync(join(rulesDir, 'ketamine-draft'));
      writeFileSync(join(rulesDir, 'ketamine-draft', 'rule-set.json'), JSON.stringify(draft, null, 2));
      const { store, catalog, logs, app } = await start();
      assert.equal(catalog.get('draft-ketamine-order-sign'), undefined, 'the draft is not served');
      assert.equal(await store.getVersion('ketamine-draft', bundledVersions()[0]), undefined, 'nor published');
      const ready = await request(app).get('/readyz').expect(200);
      assert.deepEqual(ready.body.notices.map((n: { status: string; ruleSetId: string }) => [n.status, n.ruleSetId]), [['new', 'ketamine-draft']]);
      assert.match(logs.text(), /ketamine-draft .* is not in the registry and is not served/);
    });

    it('an edited working file (same version) still starts: the registry version is served, a notice says to give it a new version', async () => {
      const first = await start();
      const servedHash = first.catalog.get('ketamine-order-sign')?.ruleSet.hash;
      const file = join(rulesDir, KETAMINE, 'rule-set.json');
      const edited = JSON.parse(readFileSync(file, 'utf8')) as { description: string };
      edited.description += ' Edited in place.';
      writeFileSync(file, JSON.stringify(edited, null, 2));
      const { catalog, app, logs } = await start();
      assert.equal(catalog.get('ketamine-order-sign')?.ruleSet.hash, servedHash);
      const ready = await request(app).get('/readyz').expect(200);
      assert.equal(ready.body.status, 'ready');
      assert.equal(ready.body.notices[0].status, 'changed');
      assert.match(ready.body.notices[0].message, /Give the working file a new version number/);
      assert.match(logs.text(), /"level":40.*differs from the published/);
    });

    it('an invalid working file after the first start still starts, with a notice', async () => {
      await start();
      writeFileSync(join(rulesDir, KETAMINE, 'rule-set.json'), '{"id": "ketamine-esketamine", "version": ');
      const { catalog, app } = await start();
      assert.ok(catalog.get('ketamine-order-sign'));
      const ready = await request(app).get('/readyz').expect(200);
      assert.deepEqual(ready.body.notices.map((n: { status: string }) => n.status), ['invalid']);
    });
  });
}
