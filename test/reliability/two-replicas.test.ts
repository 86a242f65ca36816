/**
 * Every decision tied to the rule-set version active when it was recorded, with several replicas.
 *
 * 1. In process, deterministic: a replica whose catalog has not yet seen an activation made by
 *    another process (SQLite announces changes only to the store object that made them, and the
 *    catalog does not poll here) answers a call: the store refuses the record of the superseded
 *    version, the replica refreshes its catalog and evaluates again, and the clinician gets the cards
 *    of the active version, recorded as such. Where the refresh cannot help (a static catalog), the
 *    call fails closed (503).
 * 2. Two server processes on one PostgreSQL (a fresh schema) under load while a new rule-set version
 *    is published, approved by a second user and activated, then rolled back (the short version of
 *    scripts/reliability/two-replicas.ts, `npm run reliability:replicas`). The switches are triggered
 *    by progress (acknowledged decisions), not timers. Every decision's version is exactly
 *    store.activeVersionAt(appendedAt); nothing acknowledged is lost; the chain verifies.
 */
import { skipWithoutPostgres } from '../support/postgres-or-skip.js';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import type { RuleSet } from '../../engine/rule-set-types.js';
import { newVersionOf, publishAndActivate, runTwoReplicas } from '../../scripts/reliability/lib/replicas-run.js';
import { buildApp } from '../../server/app.js';
import { loadConfig } from '../../server/config.js';
import { createLogger } from '../../server/logger.js';
import { RE_EVALUATION_MESSAGE } from '../../server/service-call/call-service.js';
import { importBundledRuleSets } from '../../store/import-bundled.js';
import { openStore } from '../../store/open-store.js';
import { RegistryServiceCatalog } from '../../use-cases/registry-catalog.js';
import { ruleSetContentHash } from '../../store/rule-set-hash.js';
import type { Store } from '../../store/store.js';
import { LogCapture, TestClock, testEnv } from '../support/server-harness.js';
import { serviceOverStore } from './support/service-over-store.js';
import { asNewCall, fixtureRequests, KETAMINE_RULE_SET_FILE, ketamineRuleSet } from '../../scripts/reliability/lib/ketamine-requests.js';

const NEXT_VERSION = '1.2.0-rel';

/** An order-sign request whose fixture shows cards. */
function requestWithCards() {
  const found = fixtureRequests('order-sign').find((r) => r.fixture.expect.cards.length > 0);
  assert.ok(found, 'a shipped order-sign fixture that shows cards');
  return found;
}

describe('every decision tied to the version active when it is recorded', function () {
  this.timeout(300_000);

  describe('a replica that has not yet heard of an activation (in process)', () => {
    let dir: string;
    let replicaStore: Store;
    let adminStore: Store;
    let bundled: RuleSet;

    beforeEach(async () => {
      dir = mkdtempSync(join(tmpdir(), 'cds-stale-replica-'));
      // Two store objects on one SQLite file: the replica's and another process's (an administrator's).
      replicaStore = await openStore({ dataDir: join(dir, 'store') });
      adminStore = await openStore({ dataDir: join(dir, 'store') });
      bundled = ketamineRuleSet().ruleSet;
      await importBundledRuleSets(replicaStore, [{ file: KETAMINE_RULE_SET_FILE, ruleSet: bundled }]);
    });
    afterEach(async () => {
      await replicaStore.close();
      await adminStore.close();
      rmSync(dir, { recursive: true, force: true });
    });

    it('evaluates again with the version now active: the clinician gets its cards and the record says so', async () => {
      const catalog = await RegistryServiceCatalog.start({ store: replicaStore, pollIntervalMs: 0 });
      const logs = new LogCapture();
      const config = loadConfig(testEnv(dir));
      const { service, body, now } = requestWithCards();
      const app = buildApp({ config, catalog, store: replicaStore, logger: createLogger(config.logLevel, logs), clock: new TestClock(now).now });
      try {
        const before = await request(app).post(`/cds-services/${service.id}`).send(asNewCall(body));
        assert.equal(before.status, 200, before.text.slice(0, 300));
        assert.equal((await replicaStore.findDecisionByCard(before.body.cards[0].uuid))?.ruleSetVersion, bundled.version);

        const next = newVersionOf(bundled, NEXT_VERSION);
        await publishAndActivate(adminStore, next);
        assert.equal(catalog.get(service.id)?.ruleSet.version, bundled.version, 'the replica has not heard of the activation');

        const call = asNewCall(body);
        const res = await request(app).post(`/cds-services/${service.id}`).send(call);
        assert.equal(res.status, 200, res.text.slice(0, 300));
        assert.ok(res.body.cards.length > 0);
        const records = (await replicaStore.listDecisions({ limit: 1000 })).filter((d) => d.hookInstance === call.hookInstance);
        assert.equal(records.length, 1, 'one record of the call: the refused one was never appended');
        const [record] = records;
        assert.equal(record.ruleSetVersion, NEXT_VERSION);
        assert.equal(record.ruleSetHash, ruleSetContentHash(next));
        assert.deepEqual(record.cards.map((c) => c.uuid), res.body.cards.map((c: { uuid: string }) => c.uuid), 'the cards answered are the ones recorded');
        assert.equal((await replicaStore.activeVersionAt(record.ruleSetId, record.appendedAt!))?.version, NEXT_VERSION);
        assert.equal(catalog.get(service.id)?.ruleSet.version, NEXT_VERSION, 'the catalog was refreshed');
        assert.equal(logs.lines().filter((l) => l.msg === RE_EVALUATION_MESSAGE).length, 1);
        assert.deepEqual(await replicaStore.verifyChain(), { ok: true, checked: 2 });
      } finally {
        catalog.stop();
      }
    });

    it('fails closed (503) when the catalog cannot follow the registry: no advice of a superseded version', async () => {
      // The replica's catalog read the registry (the bundled version) and then lost it: it cannot re-read it.
      const service = await serviceOverStore(replicaStore, {}, { followsRegistry: false });
      await publishAndActivate(adminStore, newVersionOf(bundled, NEXT_VERSION));
      const res = await service.orderSign(0);
      assert.equal(res.status, 503, res.text.slice(0, 300));
      assert.equal(res.body.error, 'unavailable');
      const logged = service.logs.lines().find((l) => l.msg === 'decision record could not be stored');
      assert.equal(logged?.errorName, 'StaleVersionError');
      assert.deepEqual(await replicaStore.listDecisions({}), []);
    });
  });

  describe('two replicas on one PostgreSQL while a version is activated and rolled back', () => {
    before(async function () {
      await skipWithoutPostgres(this, 'the two-replica test');
    });
    it('every decision tied to activeVersionAt(appendedAt), strictly; lost = 0, chain intact', async () => {
      const result = await runTwoReplicas({ connectionsPerReplica: 4, registryPollMs: 200, activateAfter: 100, rollbackAfter: 250, tail: 100 });
      for (const load of result.load) {
        assert.equal(load.errors, 0, load.errorSamples.join('; '));
        assert.deepEqual(Object.keys(load.statuses), ['200'], JSON.stringify(load.statuses));
        assert.ok(load.calls > 20, 'both replicas served calls');
      }
      assert.equal(result.activations.length, 2);
      const v = result.versions;
      assert.equal(v.wrong, 0, `decisions not tied to the version active when appended: ${JSON.stringify(v)}`);
      assert.equal(v.tiedToActive, v.decisions);
      assert.ok(Object.keys(v.byVersion).length === 2, `both versions served: ${JSON.stringify(v.byVersion)}`);
      assert.deepEqual(result.audit.lost, []);
      assert.equal(result.audit.found, result.audit.acknowledged);
      assert.ok(result.audit.chain.ok, JSON.stringify(result.audit.chain.problem));
      assert.deepEqual(result.exitCodes, [0, 0]);
    });
  });
});
