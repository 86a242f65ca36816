/**
 * Tampering with the decision chain by someone with direct database access (append-only triggers
 * removed first, as an administrator could): each kind is detected and named.
 */
import assert from 'node:assert/strict';
import { decisionHash, type ChainedFields } from '../../../store/decision-hash.js';
import type { DecisionRecord, Store } from '../../../store/store.js';
import type { TestBackend, TestDatabase } from '../support/backends.js';
import { card, decisionInput } from '../support/fixtures.js';

/** Inserts a row the way an attacker who knows the hash formula would forge it. */
async function insertForged(db: TestDatabase, seq: number, prevHash: string, fields: ChainedFields): Promise<void> {
  const hash = decisionHash(prevHash, fields);
  await db.exec(
    `INSERT INTO decisions (seq, prev_hash, hash, at, at_ms, service_id, hook, hook_instance, client_iss, tenant, patient_key,
       rule_set_id, rule_set_version, rule_set_hash, evaluation_now, input_fingerprint, fired, cards, latency_ms, status)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    [
      seq, prevHash, hash, fields.at, Date.parse(fields.at), fields.serviceId, fields.hook, fields.hookInstance, fields.clientIss ?? null,
      fields.tenant ?? null, fields.patientKey, fields.ruleSetId, fields.ruleSetVersion, fields.ruleSetHash, fields.evaluationNow,
      fields.inputFingerprint, JSON.stringify(fields.fired), JSON.stringify(fields.cards), fields.latencyMs, fields.status,
    ],
  );
}

function forgedFields(): ChainedFields {
  const input = decisionInput(99, { cards: [card('forged', 'rule-a', 'info', 'No concerns')] });
  const { snapshot: _snapshot, ...fields } = input;
  return fields;
}

export function tamperingSuite(backend: TestBackend): void {
  describe('tamper detection', () => {
    let db: TestDatabase;
    let store: Store;
    let records: DecisionRecord[];

    beforeEach(async () => {
      db = await backend.fresh();
      store = await db.open();
      records = [];
      for (let n = 1; n <= 6; n++) records.push(await store.appendDecision(decisionInput(n)));
      assert.deepEqual(await store.verifyChain(), { ok: true, checked: 6 });
      await db.allowTampering();
    });
    afterEach(async () => db.dispose());

    it("detects an edited record (a card summary changed with raw SQL)", async () => {
      await db.exec("UPDATE decisions SET cards = REPLACE(cards, 'Summary of card-3', 'No concerns') WHERE seq = 3");
      assert.match(String((await store.getDecision(3))?.cards[0].summary), /No concerns/);
      const result = await store.verifyChain();
      assert.equal(result.ok, false);
      assert.equal(result.checked, 6);
      assert.deepEqual({ seq: result.problem?.seq, kind: result.problem?.kind }, { seq: 3, kind: 'edited' });
    });

    it('detects an edited scalar column and a tampered time index', async () => {
      await db.exec('UPDATE decisions SET status = 500 WHERE seq = 5');
      assert.deepEqual((await store.verifyChain()).problem?.seq, 5);
      await db.exec('UPDATE decisions SET status = 200 WHERE seq = 5');
      assert.deepEqual(await store.verifyChain(), { ok: true, checked: 6 });
      await db.exec('UPDATE decisions SET at_ms = at_ms + 3600000 WHERE seq = 4');
      const result = await store.verifyChain();
      assert.deepEqual({ seq: result.problem?.seq, kind: result.problem?.kind }, { seq: 4, kind: 'edited' });
    });

    it('detects a record that was edited and re-hashed (the next record no longer links to it)', async () => {
      const fields = { ...records[2], cards: [card('card-3', 'rule-a', 'info', 'No concerns')] };
      await db.exec('UPDATE decisions SET cards = ?, hash = ? WHERE seq = 3', [JSON.stringify(fields.cards), decisionHash(records[2].prevHash, fields)]);
      const result = await store.verifyChain();
      assert.equal(result.ok, false);
      assert.equal(result.problem?.seq, 4);
      assert.match(String(result.problem?.detail), /not in the store/);
    });

    it('detects a deleted record (a gap in seq)', async () => {
      await db.exec('DELETE FROM decisions WHERE seq = 3');
      const result = await store.verifyChain();
      assert.equal(result.checked, 5);
      assert.deepEqual({ seq: result.problem?.seq, kind: result.problem?.kind }, { seq: 3, kind: 'deleted' });
    });

    it('detects a deleted record when the later ones were renumbered to close the gap', async () => {
      await db.exec('DELETE FROM decisions WHERE seq = 3');
      await db.exec('UPDATE decisions SET seq = -seq WHERE seq > 3');
      await db.exec('UPDATE decisions SET seq = -seq - 1 WHERE seq < 0');
      const result = await store.verifyChain();
      assert.deepEqual({ seq: result.problem?.seq, kind: result.problem?.kind }, { seq: 3, kind: 'deleted' });
    });

    it('detects deletion of the last record (against the chain head)', async () => {
      await db.exec('DELETE FROM decisions WHERE seq = 6');
      const result = await store.verifyChain();
      assert.equal(result.checked, 5);
      assert.deepEqual({ seq: result.problem?.seq, kind: result.problem?.kind }, { seq: 6, kind: 'deleted' });
    });

    it('detects a forged record inserted in the middle (later records renumbered, forged hash computed correctly)', async () => {
      await db.exec('UPDATE decisions SET seq = -seq WHERE seq >= 3');
      await db.exec('UPDATE decisions SET seq = -seq + 1 WHERE seq < 0');
      await insertForged(db, 3, records[1].hash, forgedFields());
      const result = await store.verifyChain();
      assert.equal(result.ok, false);
      assert.deepEqual({ seq: result.problem?.seq, kind: result.problem?.kind }, { seq: 3, kind: 'inserted' });
    });

    it('detects a forged record appended outside the store (beyond the chain head)', async () => {
      await insertForged(db, 7, records[5].hash, forgedFields());
      const result = await store.verifyChain();
      assert.equal(result.checked, 7);
      assert.deepEqual({ seq: result.problem?.seq, kind: result.problem?.kind }, { seq: 7, kind: 'inserted' });
    });

    it('detects two records swapped (reordered)', async () => {
      await db.exec('UPDATE decisions SET seq = -1 WHERE seq = 3');
      await db.exec('UPDATE decisions SET seq = 3 WHERE seq = 4');
      await db.exec('UPDATE decisions SET seq = 4 WHERE seq = -1');
      const result = await store.verifyChain();
      assert.equal(result.checked, 6);
      assert.deepEqual({ seq: result.problem?.seq, kind: result.problem?.kind }, { seq: 3, kind: 'reordered' });
    });

    it('detects a column that is not valid JSON any more', async () => {
      await db.exec("UPDATE decisions SET fired = 'not json' WHERE seq = 2");
      const result = await store.verifyChain();
      assert.deepEqual({ seq: result.problem?.seq, kind: result.problem?.kind }, { seq: 2, kind: 'edited' });
    });
  });
}
