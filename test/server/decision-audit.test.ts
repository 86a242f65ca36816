/**
 * The decision record of a call: keyed patient hash, encrypted replay snapshot (AES-256-GCM) when
 * SNAPSHOT_KEY is set, and durability before the answer: with a store that cannot write,
 * STORE_FAILURE_MODE=fail-closed answers 503, fail-open answers the cards and logs an error.
 */
import assert from 'node:assert/strict';
import { createHmac, randomBytes } from 'node:crypto';
import { patientKey } from '../../use-cases/audit/patient-key.js';
import { decryptSnapshot, encryptSnapshot, type SnapshotContent } from '../../use-cases/audit/snapshot.js';
import { TestCdsClient } from '../support/cds-client.js';
import { NOW, startHarness, type Harness } from '../support/server-harness.js';
import { SPEC_PATIENT_ID } from '../support/server-requests.js';
import { specFixture } from '../support/spec-fixtures.js';

describe('decision audit', () => {
  describe('snapshot encryption', () => {
    const key = randomBytes(32);
    const content: SnapshotContent = { hook: 'patient-view', context: { patientId: 'p1' }, record: { patientId: 'p1', conditions: [] }, now: NOW.toISOString() };

    it('round-trips and does not contain the plaintext', () => {
      const sealed = encryptSnapshot(key, content);
      assert.deepEqual(decryptSnapshot(key, sealed), content);
      assert.ok(!sealed.includes(Buffer.from('patient-view')));
      assert.notDeepEqual(encryptSnapshot(key, content), sealed, 'a fresh IV each time');
    });

    it('refuses a wrong key and any altered byte', () => {
      const sealed = encryptSnapshot(key, content);
      assert.throws(() => decryptSnapshot(randomBytes(32), sealed));
      for (const index of [0, 5, 20, sealed.length - 1]) {
        const altered = Buffer.from(sealed);
        altered[index] ^= 0x01;
        assert.throws(() => decryptSnapshot(key, altered), `byte ${index}`);
      }
    });
  });

  it('patientKey is HMAC-SHA-256(secret, patientId) in hex', () => {
    const secret = Buffer.from('s'.repeat(32));
    assert.equal(patientKey(secret, 'p1'), createHmac('sha256', secret).update('p1').digest('hex'));
    assert.notEqual(patientKey(secret, 'p1'), patientKey(Buffer.from('t'.repeat(32)), 'p1'));
  });

  describe('with SNAPSHOT_KEY set', () => {
    const snapshotKey = randomBytes(32);
    let h: Harness;
    before(async () => {
      h = await startHarness({ env: { SNAPSHOT_KEY: snapshotKey.toString('base64'), SNAPSHOT_RETENTION_DAYS: '7' } });
    });
    after(async () => h.close());

    it('the decision record holds an encrypted snapshot of {hook, context, record, now} that expires after the retention', async () => {
      const body = specFixture<{ context: Record<string, unknown> }>('service-request-patient-view.json');
      const res = await new TestCdsClient(h.app, { now: h.clock.now }).call('server-test-patient-view', body);
      assert.equal(res.status, 200);
      const [decision] = await h.store.listDecisions({});
      assert.ok(decision.snapshot);
      assert.equal(decision.snapshotExpiresAt, new Date(NOW.getTime() + 7 * 86_400_000).toISOString());
      const snapshot = decryptSnapshot(snapshotKey, decision.snapshot!);
      assert.equal(snapshot.hook, 'patient-view');
      assert.equal(snapshot.now, NOW.toISOString());
      assert.deepEqual(snapshot.context, body.context);
      assert.equal((snapshot.record as { patientId: string; patient: { birthDate: string } }).patient.birthDate, '1925-12-23');
      assert.ok(!decision.snapshot!.includes(Buffer.from(SPEC_PATIENT_ID)));
    });
  });

  describe('when the decision record cannot be stored', () => {
    for (const mode of ['fail-closed', 'fail-open'] as const) {
      it(`STORE_FAILURE_MODE=${mode}`, async () => {
        const h = await startHarness({ env: { STORE_FAILURE_MODE: mode } });
        try {
          await h.store.close(); // a real store that can no longer write
          const res = await new TestCdsClient(h.app, { now: h.clock.now }).call('server-test-patient-view', specFixture('service-request-patient-view.json'));
          const errorLine = h.logs.lines().find((l) => l.msg === 'decision record could not be stored');
          assert.ok(errorLine, 'the failure is logged');
          assert.equal(errorLine.level, 50);
          if (mode === 'fail-closed') {
            assert.equal(res.status, 503);
            assert.equal(res.body.error, 'unavailable');
          } else {
            assert.equal(res.status, 200);
            assert.equal(res.body.cards.length, 1);
          }
        } finally {
          await h.close();
        }
      });
    }

    it('feedback that cannot be stored: 503, send again later', async () => {
      const h = await startHarness();
      try {
        await h.store.close();
        const res = await new TestCdsClient(h.app, { now: h.clock.now }).feedback('server-test-patient-view', specFixture('feedback-accepted.json'));
        assert.equal(res.status, 503);
        assert.match(res.body.message, /send it again later/);
      } finally {
        await h.close();
      }
    });
  });
});

describe('snapshot retention', () => {
  it('purgeExpiredSnapshotsOnce removes snapshots past snapshotExpiresAt and keeps the others', async () => {
    const { purgeExpiredSnapshotsOnce } = await import('../../server/audit/snapshot-retention.js');
    const key = randomBytes(32);
    const h = await startHarness({ env: { SNAPSHOT_KEY: key.toString('base64'), SNAPSHOT_RETENTION_DAYS: '1' } });
    try {
      const client = new TestCdsClient(h.app, { now: h.clock.now });
      await client.call('server-test-patient-view', specFixture('service-request-patient-view.json'));
      await purgeExpiredSnapshotsOnce(h.store, h.clock.now, h.logger);
      assert.ok((await h.store.listDecisions({}))[0].snapshot, 'not expired yet');
      h.clock.advance(2 * 86_400_000);
      await purgeExpiredSnapshotsOnce(h.store, h.clock.now, h.logger);
      assert.equal((await h.store.listDecisions({}))[0].snapshot, undefined);
      assert.deepEqual((await h.store.verifyChain()).ok, true, 'the hash chain still verifies');
    } finally {
      await h.close();
    }
  });
});
