/**
 * The whole audit record (decisions, feedback, lifecycle events, publications, checkpoints) against
 * someone with direct database access who removed the append-only triggers: every kind of tampering
 * is caught by verifyAudit and named (record kind, id, field), every break is reported, and signed
 * checkpoints catch a truncated or a consistently rewritten chain.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { signCheckpoint, writeCheckpoint } from '../../../store/audit-checkpoint.js';
import { decisionHash } from '../../../store/decision-hash.js';
import { decisionFromRow } from '../../../store/row-mapping.js';
import { ruleSetContentHash } from '../../../store/rule-set-hash.js';
import type { AuditBreak, Store } from '../../../store/store.js';
import type { TestBackend, TestDatabase } from '../support/backends.js';
import { decisionInput, ruleSetContent, tickingClock } from '../support/fixtures.js';

function named(breaks: AuditBreak[]): string[] {
  return breaks.map((b) => `${b.record} ${b.id} ${b.kind}${b.field === undefined ? '' : ` ${b.field}`}`);
}

export function auditRecordSuite(backend: TestBackend): void {
  describe('audit record: chains, publications, checkpoints', () => {
    let db: TestDatabase;
    let store: Store;
    const keys = generateKeyPairSync('ed25519');

    beforeEach(async () => {
      db = await backend.fresh();
      store = await db.open({ clock: tickingClock('2026-03-01T09:00:00.000Z') });
      const content = ruleSetContent('ketamine-esketamine', '1.0.0');
      await store.publish(content, ruleSetContentHash(content), 'alice');
      await store.transition('ketamine-esketamine', '1.0.0', 'in-review', 'alice', 'ready');
      await store.transition('ketamine-esketamine', '1.0.0', 'approved', 'bob', 'diff reviewed');
      await store.transition('ketamine-esketamine', '1.0.0', 'active', 'bob', 'go live');
      for (let n = 1; n <= 4; n++) await store.appendDecision(decisionInput(n));
      await store.recordFeedback('ketamine-order-sign', {
        feedback: [
          { card: 'card-1', outcome: 'overridden', overrideReason: { userComment: 'benefit outweighs risk' }, outcomeTimestamp: '2026-03-01T10:05:00Z' },
          { card: 'card-2', outcome: 'accepted', outcomeTimestamp: '2026-03-01T10:06:00Z' },
          { card: 'card-3', outcome: 'overridden', outcomeTimestamp: '2026-03-01T10:07:00Z' },
        ],
      });
      const intact = await store.verifyAudit();
      assert.deepEqual(intact.breaks, []);
      assert.deepEqual(intact.checked, { decisions: 4, lifecycleEvents: 4, feedback: 3, publications: 1, checkpoints: 0 });
      await db.allowTampering();
    });
    afterEach(async () => db.dispose());

    it('names an edited decision field', async () => {
      await db.exec("UPDATE decisions SET cards = REPLACE(cards, 'Summary of card-3', 'No concerns') WHERE seq = 3");
      assert.deepEqual(named((await store.verifyAudit()).breaks), ['decision 3 edited cards']);
    });

    it('names a feedback item changed from overridden to accepted', async () => {
      const [row] = await db.query("SELECT id FROM feedback WHERE card_uuid = 'card-1'");
      await db.exec("UPDATE feedback SET outcome = 'accepted' WHERE card_uuid = 'card-1'");
      assert.equal((await store.feedbackForCards(['card-1']))[0].outcome, 'accepted', 'the forged feedback is what reads (and exports) see');
      const result = await store.verifyAudit();
      assert.equal(result.ok, false);
      assert.deepEqual(named(result.breaks), [`feedback ${String(row.id)} edited outcome`]);
    });

    it("names a lifecycle event whose approval actor was changed to another person", async () => {
      const [approval] = await db.query("SELECT seq FROM lifecycle_events WHERE to_state = 'approved'");
      await db.exec("UPDATE lifecycle_events SET actor = 'carol' WHERE to_state = 'approved'");
      assert.deepEqual(named((await store.verifyAudit()).breaks), [`lifecycle-event ${String(approval.seq)} edited actor`]);
    });

    it('names a publication whose author, content or state was changed', async () => {
      await db.exec("UPDATE rule_set_versions SET author = 'mallory'");
      assert.deepEqual(named((await store.verifyAudit()).breaks), ['publication ketamine-esketamine@1.0.0 edited author']);
      await db.exec("UPDATE rule_set_versions SET author = 'alice', content = REPLACE(content, 'Registry test content.', 'Forged content.')");
      assert.deepEqual(named((await store.verifyAudit()).breaks), ['publication ketamine-esketamine@1.0.0 edited content']);
      await db.exec("UPDATE rule_set_versions SET content = REPLACE(content, 'Forged content.', 'Registry test content.'), state = 'retired'");
      assert.deepEqual(named((await store.verifyAudit()).breaks), ['publication ketamine-esketamine@1.0.0 edited state']);
    });

    it('catches a deleted lifecycle event and a deleted feedback item', async () => {
      const [submit] = await db.query("SELECT seq FROM lifecycle_events WHERE to_state = 'in-review'");
      const [feedback] = await db.query("SELECT id FROM feedback WHERE card_uuid = 'card-2'");
      await db.exec("DELETE FROM lifecycle_events WHERE to_state = 'in-review'");
      await db.exec("DELETE FROM feedback WHERE card_uuid = 'card-2'");
      const breaks = (await store.verifyAudit()).breaks;
      assert.deepEqual(
        breaks.map((b) => `${b.record} ${b.kind}`),
        ['lifecycle-event deleted', 'feedback deleted'],
        JSON.stringify(breaks),
      );
      assert.ok(Number(breaks[0].id) > Number(submit.seq) && Number(breaks[1].id) > Number(feedback.id), 'each names the record that links past the gap');
    });

    it('reports two separate breaks, not only the first', async () => {
      await db.exec('UPDATE decisions SET status = 500 WHERE seq = 2');
      await db.exec("UPDATE feedback SET user_comment = 'no comment' WHERE card_uuid = 'card-1'");
      const result = await store.verifyAudit();
      assert.deepEqual(named(result.breaks).map((b) => b.replace(/^feedback \d+/, 'feedback N')), ['decision 2 edited status', 'feedback N edited userComment']);
    });

    it('a signed checkpoint catches truncation after it (records removed and the head moved back)', async () => {
      await writeCheckpoint(store, keys.privateKey, new Date('2026-03-01T11:00:00Z'));
      const [third] = await db.query('SELECT hash FROM decisions WHERE seq = 3');
      await db.exec('DELETE FROM decision_cards WHERE seq = 4');
      await db.exec('DELETE FROM decision_card_rules WHERE seq = 4');
      await db.exec('DELETE FROM decision_fired_rules WHERE seq = 4');
      await db.exec('DELETE FROM decisions WHERE seq = 4');
      await db.exec('UPDATE decision_chain_head SET seq = 3, hash = ? WHERE id = 1', [third.hash]);
      assert.equal((await store.verifyChain()).ok, true, 'the chain itself is consistent: only the checkpoint catches it');
      const result = await store.verifyAudit({ publicKey: keys.publicKey });
      assert.deepEqual(named(result.breaks), ['checkpoint 1 truncated decisions']);
      assert.equal(result.signaturesChecked, true);
    });

    it('a signed checkpoint catches a consistent rewrite after it (a record edited and every later hash recomputed)', async () => {
      await writeCheckpoint(store, keys.privateKey, new Date('2026-03-01T11:00:00Z'));
      await db.exec("UPDATE decisions SET cards = REPLACE(cards, 'Summary of card-2', 'No concerns') WHERE seq = 2");
      let prevHash = String((await db.query('SELECT hash FROM decisions WHERE seq = 1'))[0].hash);
      for (const raw of await db.query('SELECT * FROM decisions WHERE seq >= 2 ORDER BY seq')) {
        const hash = decisionHash(prevHash, decisionFromRow(raw));
        await db.exec('UPDATE decisions SET prev_hash = ?, hash = ?, field_digests = NULL WHERE seq = ?', [prevHash, hash, raw.seq]);
        prevHash = hash;
      }
      await db.exec('UPDATE decision_chain_head SET hash = ? WHERE id = 1', [prevHash]);
      assert.equal((await store.verifyChain()).ok, true, 'the rewritten chain is consistent in itself');
      assert.deepEqual(named((await store.verifyAudit({ publicKey: keys.publicKey })).breaks), ['checkpoint 1 rewritten decisions']);
    });

    it('a checkpoint not signed by the key is named; one removed from the store is caught from the auditor\'s copy', async () => {
      const other = generateKeyPairSync('ed25519');
      const kept = await writeCheckpoint(store, keys.privateKey, new Date('2026-03-01T11:00:00Z'));
      await store.appendCheckpoint(signCheckpoint(other.privateKey, await store.auditHeads(), '2026-03-01T11:30:00.000Z'));
      assert.deepEqual(named((await store.verifyAudit({ publicKey: keys.publicKey })).breaks), ['checkpoint 2 bad-signature signature']);
      await db.exec('DELETE FROM audit_checkpoints');
      const result = await store.verifyAudit({ publicKey: keys.publicKey, externalCheckpoints: [kept] });
      assert.deepEqual(result.breaks.map((b) => `${b.record} ${b.kind}`), ['checkpoint deleted']);
    });

    it('without a public key the checkpoints are checked against the chains but their signatures are not', async () => {
      await writeCheckpoint(store, keys.privateKey, new Date('2026-03-01T11:00:00Z'));
      const result = await store.verifyAudit();
      assert.equal(result.ok, true);
      assert.equal(result.signaturesChecked, false);
      assert.equal(result.checked.checkpoints, 1);
      assert.deepEqual((await store.listCheckpoints()).map((c) => c.heads.decisions.seq), [4]);
    });
  });
}
