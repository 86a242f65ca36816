/**
 * A store that existed before the audit chains (migration 007): its lifecycle events and feedback are
 * chained once when the migration runs, new records chain on after them, and an edit of a record
 * written before the migration is caught like any other.
 */
import assert from 'node:assert/strict';
import { loadMigrations } from '../../../store/migrations.js';
import { SEAL_AFTER_MIGRATION } from '../../../store/audit-seal.js';
import { ruleSetContentHash } from '../../../store/rule-set-hash.js';
import type { TestBackend, TestDatabase } from '../support/backends.js';
import { ruleSetContent } from '../support/fixtures.js';

export function auditSealSuite(backend: TestBackend): void {
  describe('audit chains on a store created before them (migration 007)', () => {
    let db: TestDatabase;

    beforeEach(async () => {
      db = await backend.fresh();
      // The schema as it was before migration 007, with records in it.
      await db.script('CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, checksum TEXT NOT NULL, applied_at TEXT NOT NULL)');
      for (const m of loadMigrations(backend.kind).filter((m) => m.version < SEAL_AFTER_MIGRATION)) {
        await db.script(m.sql);
        await db.exec('INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES (?, ?, ?, ?)', [m.version, m.name, m.checksum, '2026-01-01T00:00:00.000Z']);
      }
      const content = ruleSetContent('legacy', '1.0.0');
      const { $schema: _schema, ...stored } = content;
      await db.exec(
        `INSERT INTO rule_set_versions (rule_set_id, version, hash, state, content, author, published_at, effective_start)
         VALUES ('legacy', '1.0.0', ?, 'in-review', ?, 'alice', '2026-02-01T00:00:00.000Z', '2026-01-01')`,
        [ruleSetContentHash(content), JSON.stringify(stored)],
      );
      for (const [from, to, at] of [[null, 'draft', '2026-02-01T00:00:00.000Z'], ['draft', 'in-review', '2026-02-02T00:00:00.000Z']] as const) {
        await db.exec('INSERT INTO lifecycle_events (rule_set_id, version, from_state, to_state, actor, reason, at, at_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?)', [
          'legacy', '1.0.0', from, to, 'alice', 'before the chains', at, Date.parse(at),
        ]);
      }
      await db.exec(
        `INSERT INTO feedback (card_uuid, service_id, outcome, accepted_suggestions, outcome_timestamp, outcome_at_ms, received_at)
         VALUES ('old-card', 'svc', 'overridden', '[]', '2026-02-03T00:00:00Z', ?, '2026-02-03T00:00:01.000Z')`,
        [Date.parse('2026-02-03T00:00:00Z')],
      );
    });
    afterEach(async () => db.dispose());

    it('chains the existing records once, new ones chain on, and an edit of an old one is caught', async () => {
      const store = await db.open();
      const sealed = await store.verifyAudit();
      assert.deepEqual(sealed.breaks, []);
      assert.deepEqual([sealed.checked.lifecycleEvents, sealed.checked.feedback, sealed.checked.publications], [2, 1, 1]);
      await store.transition('legacy', '1.0.0', 'approved', 'bob', 'reviewed after the upgrade');
      await store.recordFeedback('svc', { feedback: [{ card: 'new-card', outcome: 'accepted', outcomeTimestamp: '2026-03-01T00:00:00Z' }] });
      assert.deepEqual((await store.verifyAudit()).breaks, []);
      await db.allowTampering();
      await db.exec("UPDATE feedback SET outcome = 'accepted' WHERE card_uuid = 'old-card'");
      const [old] = await db.query("SELECT id FROM feedback WHERE card_uuid = 'old-card'");
      assert.deepEqual((await store.verifyAudit()).breaks.map((b) => `${b.record} ${b.id} ${b.kind} ${b.field}`), [`feedback ${String(old.id)} edited outcome`]);
    });
  });
}
