/**
 * A merged card (concern "pre-session" in merge mode) through the audit path, with real parts only:
 * the real CDS service answers the shipped fixture whose order-sign shows the "Before the session"
 * card; the decision records the card with every contributing rule (ruleIds, from the card's
 * explanation), feedback on the card is credited to each contributor in the override statistics, the
 * rule filter finds the decision by any contributor, and replay reproduces the card.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type express from 'express';
import request from 'supertest';
import { CARD_EXTENSION_KEY } from '../../engine/evaluation-types.js';
import { loadFixtures } from '../../use-cases/load-fixtures.js';
import { openStore } from '../../store/open-store.js';
import type { RegistryServiceCatalog } from '../../use-cases/registry-catalog.js';
import type { Store } from '../../store/store.js';
import { bearer, KETAMINE_DIR, sampleRuleSet, startAdminHarness, TEST_SNAPSHOT_KEY, USERS, type AdminHarness } from './support/admin-harness.js';
import { callWithFixture, publishAndActivate, serviceApp, type Clock, type ServiceCall } from './support/service-world.js';

const API = '/admin/api';
const PRE_SESSION_FIXTURE = 'Typical TRD start with several baselines missing, one card';

describe('audit trail of a merged card: every contributing rule is credited', function () {
  this.timeout(60_000);
  const world = {} as { dir: string; store: Store; clock: Clock; service: express.Express; catalog: RegistryServiceCatalog; admin: AdminHarness; call: ServiceCall };
  let contributors: string[];
  let mergedUuid: string;

  before(async () => {
    world.dir = mkdtempSync(join(tmpdir(), 'cds-merged-audit-'));
    world.clock = { current: new Date('2026-03-02T10:00:00Z'), now: () => new Date(world.clock.current.getTime()) };
    world.store = await openStore({ dataDir: join(world.dir, 'store'), clock: world.clock.now });
    world.admin = await startAdminHarness({ store: world.store, snapshotKey: TEST_SNAPSHOT_KEY });
    world.admin.clock.current = new Date('2026-03-02T10:00:00Z');
    await publishAndActivate(world.admin, sampleRuleSet(), true);
    const served = await serviceApp(world.store, world.dir, world.clock, TEST_SNAPSHOT_KEY);
    world.service = served.app;
    world.catalog = served.catalog;
    const fixture = loadFixtures(join(KETAMINE_DIR, 'fixtures')).fixtures.find((f) => f.name === PRE_SESSION_FIXTURE);
    assert.ok(fixture, `the shipped fixture "${PRE_SESSION_FIXTURE}" exists`);
    world.call = await callWithFixture(world, fixture);
    const merged = (world.call.cards as Array<{ uuid: string; extension?: Record<string, { concern?: { id: string }; contributors?: Array<{ id: string }> }> }>)
      .find((c) => c.extension?.[CARD_EXTENSION_KEY]?.concern?.id === 'pre-session');
    assert.ok(merged, 'the service answered a merged "Before the session" card');
    contributors = merged.extension![CARD_EXTENSION_KEY].contributors!.map((c) => c.id);
    mergedUuid = merged.uuid;
    assert.ok(contributors.length >= 3, contributors.join(', '));
    for (const ruleId of fixture.expect.fired ?? []) assert.ok(contributors.includes(ruleId), `${ruleId} contributes`);
  });
  after(async () => {
    world.catalog?.stop();
    await world.admin?.close();
    await world.store?.close();
    rmSync(world.dir, { recursive: true, force: true });
  });

  it('records the merged card with every contributing rule, in rank order, the first being its ruleId', async () => {
    const res = await request(world.admin.app).get(`${API}/decisions/1`).set(bearer(USERS.carol)).expect(200);
    const card = res.body.decision.cards.find((c: { uuid: string }) => c.uuid === mergedUuid);
    assert.deepEqual(card.ruleIds, contributors);
    assert.equal(card.ruleId, contributors[0]);
    for (const other of res.body.decision.cards.filter((c: { uuid: string }) => c.uuid !== mergedUuid)) {
      assert.equal(other.ruleIds, undefined, `one-rule card ${other.ruleId} has no ruleIds`);
    }
    const merged = res.body.decision.fired.filter((f: { mergedInto?: string }) => f.mergedInto === 'pre-session');
    assert.deepEqual(merged.map((f: { ruleId: string }) => f.ruleId).sort(), [...contributors].sort());
    assert.ok(merged.every((f: { cardUuid: string }) => f.cardUuid === mergedUuid));
  });

  it('finds the decision by any contributing rule', async () => {
    for (const ruleId of contributors) {
      const res = await request(world.admin.app).get(`${API}/decisions?rule=${ruleId}`).set(bearer(USERS.carol)).expect(200);
      assert.deepEqual(res.body.decisions.map((d: { seq: number }) => d.seq), [1], ruleId);
    }
  });

  it('credits feedback on the merged card to every contributing rule in the override statistics', async () => {
    await request(world.service)
      .post(`/cds-services/${world.call.serviceId}/feedback`)
      .send({
        feedback: [
          {
            card: mergedUuid,
            outcome: 'overridden',
            overrideReason: { reason: { code: 'done-elsewhere', system: 'https://example.org/override', display: 'Done at another site' } },
            outcomeTimestamp: '2026-03-02T10:05:00Z',
          },
        ],
      })
      .expect(200);
    const stats = await request(world.admin.app).get(`${API}/stats/overrides`).set(bearer(USERS.carol)).expect(200);
    const rows = stats.body.rows as Array<{ ruleId: string; shown: number; overridden: number; reasons: Array<{ code: string | null; count: number }> }>;
    for (const ruleId of contributors) {
      const row = rows.find((r) => r.ruleId === ruleId);
      assert.ok(row, `a row for contributor ${ruleId}`);
      assert.deepEqual([row.shown, row.overridden], [1, 1], ruleId);
      assert.deepEqual(row.reasons.map((r) => [r.code, r.count]), [['done-elsewhere', 1]], ruleId);
    }
    const others = rows.filter((r) => !contributors.includes(r.ruleId));
    assert.equal(others.length, world.call.cards.length - 1, 'one row per other card');
    assert.ok(others.every((r) => r.shown === 1 && r.overridden === 0));
  });

  it('replays the decision: the merged card is reproduced, contributors included', async () => {
    const res = await request(world.admin.app).post(`${API}/decisions/1/replay`).set(bearer(USERS.carol)).expect(200);
    assert.equal(res.body.outcome, 'reproduced', JSON.stringify(res.body.reproduction.differences));
    const card = res.body.reproduction.cards.find((c: { uuid: string }) => c.uuid === mergedUuid);
    assert.deepEqual(card.ruleIds, contributors);
    const verify = await request(world.admin.app).get(`${API}/audit/verify`).set(bearer(USERS.carol)).expect(200);
    assert.equal(verify.body.ok, true);
  });
});
