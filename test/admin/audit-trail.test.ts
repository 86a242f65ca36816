/**
 * The compliance path end to end, with real parts only: versions published and approved through the
 * admin API, served by the real CDS service (registry catalog) over HTTP with SNAPSHOT_KEY, answering
 * requests built from the shipped fixtures; feedback sent by the "EHR"; then, as auditor: decisions,
 * override rates, CSV/NDJSON export, chain verification, and replay (reproduction, shadow diff against
 * other versions, and every reason replay cannot run). Tampering is detected by GET /audit/verify.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type express from 'express';
import request from 'supertest';
import { fixtureImpact } from '../../engine/diff/fixture-impact.js';
import { SQLITE_FILE_NAME, openStore } from '../../store/open-store.js';
import type { RegistryServiceCatalog } from '../../use-cases/registry-catalog.js';
import type { Store } from '../../store/store.js';
import { bearer, KETAMINE_DIR, readRuleSet, sampleRuleSet, startAdminHarness, TEST_SNAPSHOT_KEY, USERS, type AdminHarness } from './support/admin-harness.js';
import { callWithFixture, fixturesWithCards, publishAndActivate, serviceApp, type Clock, type ServiceCall } from './support/service-world.js';
import { COMPACT_FHIR_CONVERTER } from '../../use-cases/fixture-converter.js';
import { loadFixtures } from '../../use-cases/load-fixtures.js';

const API = '/admin/api';

interface World {
  dir: string;
  store: Store;
  clock: Clock;
  service: express.Express;
  catalog: RegistryServiceCatalog;
  admin: AdminHarness;
  /** Decisions made, with the fixture and the cards the service answered. */
  calls: ServiceCall[];
}

describe('audit trail: publish, serve, feedback, export, verify, replay', function () {
  this.timeout(60_000);
  const current = sampleRuleSet();
  const previous = readRuleSet(join(KETAMINE_DIR, 'versions', '1.0.0.json'));
  const world = {} as World;

  before(async () => {
    world.dir = mkdtempSync(join(tmpdir(), 'cds-audit-trail-'));
    world.clock = { current: new Date('2026-11-01T10:00:00Z'), now: () => new Date(world.clock.current.getTime()) };
    world.store = await openStore({ dataDir: join(world.dir, 'store'), clock: world.clock.now });
    world.admin = await startAdminHarness({ store: world.store, snapshotKey: TEST_SNAPSHOT_KEY });
    world.admin.clock.current = new Date('2026-11-01T10:00:00Z');
    await publishAndActivate(world.admin, previous, false);
    await publishAndActivate(world.admin, current, true);
    const served = await serviceApp(world.store, world.dir, world.clock, TEST_SNAPSHOT_KEY);
    world.service = served.app;
    world.catalog = served.catalog;
    world.calls = [];
    for (const fixture of fixturesWithCards()) world.calls.push(await callWithFixture(world, fixture));

  });
  after(async () => {
    world.catalog?.stop();
    await world.admin?.close();
    await world.store?.close();
    rmSync(world.dir, { recursive: true, force: true });
  });

  it('records every call as a decision with the active version, cards with rule ids, and a snapshot', async () => {
    const res = await request(world.admin.app).get(`${API}/decisions?limit=1000`).set(bearer(USERS.carol)).expect(200);
    assert.equal(res.body.decisions.length, world.calls.length);
    for (const [i, d] of res.body.decisions.entries()) {
      assert.equal(d.ruleSetVersion, current.version);
      assert.equal(d.snapshotAvailable, true);
      assert.equal(d.hookInstance, world.calls[i].hookInstance);
      assert.deepEqual(d.cards.map((c: { uuid: string }) => c.uuid), world.calls[i].cards.map((c) => c.uuid));
      for (const c of d.cards) assert.ok(current.rules.some((r) => r.id === c.ruleId), c.ruleId);
    }
    const one = await request(world.admin.app).get(`${API}/decisions/1`).set(bearer(USERS.carol)).expect(200);
    assert.ok(one.body.decision.fired.length >= one.body.decision.cards.length);
    assert.ok(one.body.decision.fired.every((f: { facts: unknown[] }) => Array.isArray(f.facts)));
    assert.equal(one.body.decision.snapshot, undefined, 'the encrypted snapshot is never served');
  });

  it('filters decisions by rule, indicator, version and outcome', async () => {
    const first = world.calls[0];
    const ruleId = (await world.store.getDecision(1))!.cards[0].ruleId;
    const byRule = await request(world.admin.app).get(`${API}/decisions?rule=${ruleId}&version=${current.version}`).set(bearer(USERS.carol)).expect(200);
    assert.ok(byRule.body.decisions.some((d: { seq: number }) => d.seq === 1));
    for (const d of byRule.body.decisions as Array<{ seq: number }>) {
      const record = (await world.store.getDecision(d.seq))!;
      const fired = record.fired.map((f) => (f as { ruleId: string }).ruleId);
      assert.ok(record.cards.some((c) => c.ruleId === ruleId) || fired.includes(ruleId), `decision ${d.seq} does not involve ${ruleId}`);
    }
    const other = await request(world.admin.app).get(`${API}/decisions?version=0.0.1`).set(bearer(USERS.carol)).expect(200);
    assert.deepEqual(other.body.decisions, []);
    const byIndicator = await request(world.admin.app).get(`${API}/decisions?indicator=${first.cards[0].indicator}`).set(bearer(USERS.carol)).expect(200);
    assert.ok(byIndicator.body.decisions.length >= 1);
    const paged = await request(world.admin.app).get(`${API}/decisions?limit=1`).set(bearer(USERS.carol)).expect(200);
    assert.equal(paged.body.decisions.length, 1);
    assert.equal(paged.body.nextAfterSeq, 1);
  });

  describe('with feedback', () => {
    before(async () => {
      const call = world.calls[0];
      const card = call.cards[0];
      await request(world.service)
        .post(`/cds-services/${call.serviceId}/feedback`)
        .send({
          feedback: [
            {
              card: card.uuid,
              outcome: 'overridden',
              overrideReason: { reason: { code: 'patient-declined', system: 'https://example.org/override', display: 'Patient declined' }, userComment: '=HYPERLINK("x") discussed, declined' },
              outcomeTimestamp: '2026-11-01T10:05:00Z',
            },
          ],
        })
        .expect(200);
    });

    it('shows the feedback on the decision, in the feedback list and in the override rates', async () => {
      const card = world.calls[0].cards[0];
      const decision = await request(world.admin.app).get(`${API}/decisions/1`).set(bearer(USERS.carol)).expect(200);
      const shown = decision.body.decision.cards.find((c: { uuid: string }) => c.uuid === card.uuid);
      assert.equal(shown.feedback.length, 1);
      assert.equal(shown.feedback[0].outcome, 'overridden');
      assert.equal(shown.feedback[0].overrideReasonCode, 'patient-declined');

      const feedback = await request(world.admin.app).get(`${API}/feedback?outcome=overridden`).set(bearer(USERS.carol)).expect(200);
      assert.deepEqual(feedback.body.feedback.map((f: { cardUuid: string; seq: number }) => [f.cardUuid, f.seq]), [[card.uuid, 1]]);

      const ruleId = shown.ruleId;
      const stats = await request(world.admin.app).get(`${API}/stats/overrides?rule=${ruleId}&from=2000-01-01`).set(bearer(USERS.carol)).expect(200);
      assert.equal(stats.body.rows.length, 1);
      const row = stats.body.rows[0];
      assert.equal(row.ruleSetVersion, current.version);
      assert.equal(row.overridden, 1);
      assert.equal(row.withFeedback, 1);
      assert.equal(row.overrideRate, 1, 'overridden / cards that got feedback');
      assert.equal(row.reasons[0].code, 'patient-declined');
    });

    it('exports CSV (one row per card, latest feedback, formula-safe) and NDJSON (one line per decision)', async () => {
      const csv = await request(world.admin.app).get(`${API}/export?format=csv`).set(bearer(USERS.carol)).buffer(true).parse((res, done) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => done(null, text));
      });
      assert.equal(csv.status, 200);
      assert.match(csv.headers['content-type'], /^text\/csv/);
      const lines = (csv.body as string).trimEnd().split('\r\n');
      const header = lines[0].split(',');
      const decisions = await world.store.listDecisions({ limit: 10_000 });
      const rowCount = decisions.reduce((n, d) => n + Math.max(1, d.cards.length), 0);
      assert.equal(lines.length - 1, rowCount, 'one row per card (one for a decision without cards)');
      const uuidColumn = header.indexOf('cardUuid');
      const overridden = lines.slice(1).find((l) => l.split(',')[uuidColumn] === world.calls[0].cards[0].uuid)!;
      assert.ok(overridden.includes(',overridden,'), overridden);
      assert.ok(overridden.includes(`"'=HYPERLINK(""x"") discussed, declined"`), overridden);
      assert.equal(header.includes('patientKey'), true);
      assert.equal(overridden.split(',')[header.indexOf('patientKey')], '', 'no patient key unless asked for');

      const ndjson = await request(world.admin.app).get(`${API}/export?format=ndjson&includePatientKey=true`).set(bearer(USERS.carol)).buffer(true).parse((res, done) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => done(null, text));
      });
      assert.match(ndjson.headers['content-type'], /^application\/x-ndjson/);
      const records = (ndjson.body as string).trimEnd().split('\n').map((l) => JSON.parse(l));
      assert.deepEqual(records.map((r) => r.seq), decisions.map((d) => d.seq));
      assert.equal(records[0].feedback.length, 1);
      assert.match(records[0].patientKey, /^[0-9a-f]{64}$/);
      assert.equal(records[0].snapshot, undefined);

      const filtered = await request(world.admin.app).get(`${API}/export?format=ndjson&outcome=overridden`).set(bearer(USERS.carol)).buffer(true).parse((res, done) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => done(null, text));
      });
      assert.equal((filtered.body as string).trimEnd().split('\n').length, 1);
    });
  });

  it('verifies the chain', async () => {
    const res = await request(world.admin.app).get(`${API}/audit/verify`).set(bearer(USERS.carol)).expect(200);
    assert.deepEqual([res.body.ok, res.body.checked.decisions, res.body.breaks], [true, world.calls.length, []]);
    assert.match(res.body.message, /^audit record intact/);
  });

  it('replays every decision with the version in force: the same cards, exactly', async () => {
    for (const [i, call] of world.calls.entries()) {
      const res = await request(world.admin.app).post(`${API}/decisions/${i + 1}/replay`).set(bearer(USERS.carol)).expect(200);
      assert.equal(res.body.outcome, 'reproduced', JSON.stringify(res.body.reproduction.differences));
      assert.equal(res.body.inputFingerprintMatches, true);
      assert.deepEqual(res.body.reproduction.differences, []);
      assert.deepEqual(
        res.body.reproduction.cards.map((c: { uuid: string; summary: string; indicator: string }) => [c.uuid, c.indicator, c.summary]),
        call.cards.map((c) => [c.uuid, c.indicator, c.summary]),
      );
      assert.equal(res.body.shadow, undefined);
    }
  });

  it('shadow-replays against another version: exactly the cards that version changes', async () => {
    const variant = structuredClone(current);
    variant.version = '1.1.1-shadow';
    // A card whose rule offers override reasons can be warning or critical (the validator requires them for both).
    const decisions = await world.store.listDecisions({ limit: 10_000 });
    const hasOverrideReasons = (id: string) => (variant.rules.find((r) => r.id === id)?.card.overrideReasons ?? []).length > 0;
    const decision = decisions.find((d) => d.cards.length > 0 && hasOverrideReasons(d.cards[0].ruleId))!;
    assert.ok(decision, 'a decision whose first card offers override reasons');
    const ruleId = decision.cards[0].ruleId;
    const rule = variant.rules.find((r) => r.id === ruleId)!;
    const newIndicator = rule.card.indicator === 'critical' ? 'warning' : 'critical';
    rule.card.indicator = newIndicator;
    await request(world.admin.app).post(`${API}/rule-sets`).set(bearer(USERS.alice)).send(variant).expect(201);

    const res = await request(world.admin.app).post(`${API}/decisions/${decision.seq}/replay`).set(bearer(USERS.carol)).send({ targetVersion: '1.1.1-shadow' }).expect(200);
    assert.equal(res.body.outcome, 'reproduced');
    assert.equal(res.body.shadow.version, '1.1.1-shadow');
    assert.equal(res.body.shadow.wouldChange, true);
    assert.deepEqual(
      res.body.shadow.differences.map((d: { ruleId: string; kind: string; fields: string[]; replayed: { indicator: string } }) => [d.ruleId, d.kind, d.fields, d.replayed.indicator]),
      [[ruleId, 'changed', ['indicator'], newIndicator]],
    );
    assert.ok(res.body.summary.some((s: string) => s.startsWith('shadow: 1.1.1-shadow would change 1 card')));
  });

  it('shadow-replays against the previous version in agreement with the fixture impact diff', async () => {
    const impact = await fixtureImpact(previous, current, { fixtureDirs: [join(KETAMINE_DIR, 'fixtures')], converter: COMPACT_FHIR_CONVERTER, loadFixtures });
    for (const [i, call] of world.calls.entries()) {
      const res = await request(world.admin.app).post(`${API}/decisions/${i + 1}/replay`).set(bearer(USERS.carol)).send({ targetVersion: previous.version }).expect(200);
      const change = impact.changed.find((c) => c.fixture === call.fixture.name);
      // impact is old -> new; the shadow is recorded (new) -> old, so added and removed swap.
      const expected = change === undefined ? [] : [
        ...change.cardsAdded.map((c) => [c.rule, 'missing']),
        ...change.cardsRemoved.map((c) => [c.rule, 'added']),
        ...change.cardsChanged.map((c) => [c.rule, 'changed']),
      ];
      const actual = res.body.shadow.differences.map((d: { ruleId: string; kind: string }) => [d.ruleId, d.kind]);
      assert.deepEqual(actual.sort(), expected.sort(), call.fixture.name);
    }
  });

  it('explains why replay cannot run: unknown target version, no key here, wrong key, snapshot expired', async () => {
    const unknown = await request(world.admin.app).post(`${API}/decisions/1/replay`).set(bearer(USERS.carol)).send({ targetVersion: '9.9.9' });
    assert.equal(unknown.status, 404);
    const missing = await request(world.admin.app).post(`${API}/decisions/999/replay`).set(bearer(USERS.carol));
    assert.equal(missing.status, 404);

    const noKey = await startAdminHarness({ store: world.store });
    const wrongKey = await startAdminHarness({ store: world.store, snapshotKey: Buffer.alloc(32, 9) });
    try {
      const res = await request(noKey.app).post(`${API}/decisions/1/replay`).set(bearer(USERS.carol));
      assert.equal(res.status, 409);
      assert.equal(res.body.reason, 'no-snapshot-key');
      assert.match(res.body.message, /cannot replay: replay needs SNAPSHOT_KEY/);
      const wrong = await request(wrongKey.app).post(`${API}/decisions/1/replay`).set(bearer(USERS.carol));
      assert.equal(wrong.status, 409);
      assert.equal(wrong.body.reason, 'snapshot-unreadable');
    } finally {
      await noKey.close();
      await wrongKey.close();
    }

    const expiresAt = (await world.store.getDecision(1))!.snapshotExpiresAt!;
    world.admin.clock.current = new Date(Date.parse(expiresAt) + 1000);
    try {
      const expired = await request(world.admin.app).post(`${API}/decisions/1/replay`).set(bearer(USERS.carol));
      assert.equal(expired.status, 409);
      assert.equal(expired.body.reason, 'snapshot-expired');
      assert.match(expired.body.message, new RegExp(`expired at ${expiresAt}`));
    } finally {
      world.admin.clock.current = new Date('2026-11-01T10:00:00Z');
    }
  });

  it('says when the service kept no snapshot (it had no SNAPSHOT_KEY)', async () => {
    const keyless = await serviceApp(world.store, join(world.dir, 'keyless'), world.clock, undefined);
    try {
      const fixture = world.calls[0].fixture;
      const call = await callWithFixture({ clock: world.clock, service: keyless.app, catalog: keyless.catalog }, { ...fixture, name: `${fixture.name} (keyless)` });
      const seq = (await world.store.findDecisionByCard(call.cards[0].uuid))!.seq;
      const res = await request(world.admin.app).post(`${API}/decisions/${seq}/replay`).set(bearer(USERS.carol));
      assert.equal(res.status, 409);
      assert.equal(res.body.reason, 'snapshot-not-recorded');
      assert.match(res.body.message, /had no SNAPSHOT_KEY when it made this decision/);
    } finally {
      keyless.catalog.stop();
    }
  });
});

describe('chain verification detects tampering through the API', () => {
  it('reports an edited record, naming its seq and field', async function () {
    this.timeout(30_000);
    const dir = mkdtempSync(join(tmpdir(), 'cds-tamper-'));
    const clock = { current: new Date('2026-11-01T10:00:00Z'), now: () => new Date(clock.current.getTime()) };
    const store = await openStore({ dataDir: join(dir, 'store'), clock: clock.now });
    const admin = await startAdminHarness({ store, snapshotKey: TEST_SNAPSHOT_KEY });
    try {
      await publishAndActivate(admin, sampleRuleSet(), true);
      const { app, catalog } = await serviceApp(store, dir, clock, TEST_SNAPSHOT_KEY);
      for (const fixture of fixturesWithCards().slice(0, 3)) await callWithFixture({ clock, service: app, catalog }, fixture);
      catalog.stop();
      const intact = await request(admin.app).get(`${API}/audit/verify`).set(bearer(USERS.carol)).expect(200);
      assert.deepEqual([intact.body.ok, intact.body.checked.decisions, intact.body.breaks], [true, 3, []]);
      assert.match(intact.body.message, /^audit record intact: 3 decision\(s\), \d+ lifecycle event\(s\), 1 publication\(s\)/);

      // Someone with write access to the database file bypasses the append-only triggers and edits a card.
      const db = new Database(join(dir, 'store', SQLITE_FILE_NAME));
      db.exec('DROP TRIGGER decisions_no_update');
      const row = db.prepare('SELECT cards FROM decisions WHERE seq = 2').get() as { cards: string };
      const cards = JSON.parse(row.cards) as Array<{ indicator: string }>;
      cards[0].indicator = cards[0].indicator === 'info' ? 'critical' : 'info';
      db.prepare('UPDATE decisions SET cards = ? WHERE seq = 2').run(JSON.stringify(cards));
      db.close();

      const broken = await request(admin.app).get(`${API}/audit/verify`).set(bearer(USERS.carol)).expect(200);
      assert.equal(broken.body.ok, false);
      assert.deepEqual(broken.body.breaks.map((b: { record: string; id: string; kind: string; field?: string }) => [b.record, b.id, b.kind, b.field]), [
        ['decision', '2', 'edited', 'cards'],
      ]);
      assert.match(broken.body.message, /^AUDIT RECORD BROKEN: 1 break\(s\)/);
    } finally {
      await admin.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
