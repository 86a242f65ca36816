/** Feedback: stored per item, idempotent, one transaction per batch, joined to decisions by card uuid. */
import assert from 'node:assert/strict';
import type { Store } from '../../../store/store.js';
import { storeError } from '../support/assertions.js';
import type { TestBackend, TestDatabase } from '../support/backends.js';
import { card, decisionInput, manualClock } from '../support/fixtures.js';

export function feedbackSuite(backend: TestBackend): void {
  describe('feedback', () => {
    let db: TestDatabase;
    let store: Store;

    beforeEach(async () => {
      db = await backend.fresh();
      store = await db.open({ clock: manualClock('2026-03-02T08:00:00.000Z') });
      await store.appendDecision(decisionInput(1, { serviceId: 'svc', cards: [card('c-1', 'rule-a'), card('c-2', 'rule-b')] }));
      await store.appendDecision(decisionInput(2, { serviceId: 'svc', cards: [card('c-3', 'rule-a')] }));
    });
    afterEach(async () => db.dispose());

    it('stores every field of each item, with receivedAt and the client, joined to its decision by card uuid', async () => {
      const result = await store.recordFeedback(
        'svc',
        {
          feedback: [
            { card: 'c-1', outcome: 'accepted', acceptedSuggestions: [{ id: 'sug-1' }, { id: 'sug-2' }], outcomeTimestamp: '2026-03-01T10:05:31Z' },
            {
              card: 'c-2',
              outcome: 'overridden',
              overrideReason: { reason: { code: 'benefit-outweighs-risk', system: 'https://example.org/reasons', display: 'Benefit outweighs risk' }, userComment: 'discussed with patient' },
              outcomeTimestamp: '2026-03-01T10:06:00Z',
            },
          ],
        },
        'https://ehr.example.org',
      );
      assert.deepEqual(result, { stored: 2, duplicates: 0, unknownCards: [] });
      const items = await store.feedbackForCards(['c-1', 'c-2', 'c-3']);
      assert.deepEqual(items, [
        {
          cardUuid: 'c-1', serviceId: 'svc', outcome: 'accepted', acceptedSuggestions: ['sug-1', 'sug-2'], overrideReasonCode: undefined,
          overrideReasonSystem: undefined, overrideReasonDisplay: undefined, userComment: undefined, outcomeTimestamp: '2026-03-01T10:05:31Z',
          receivedAt: '2026-03-02T08:00:00.000Z', clientIss: 'https://ehr.example.org',
        },
        {
          cardUuid: 'c-2', serviceId: 'svc', outcome: 'overridden', acceptedSuggestions: [], overrideReasonCode: 'benefit-outweighs-risk',
          overrideReasonSystem: 'https://example.org/reasons', overrideReasonDisplay: 'Benefit outweighs risk', userComment: 'discussed with patient',
          outcomeTimestamp: '2026-03-01T10:06:00Z', receivedAt: '2026-03-02T08:00:00.000Z', clientIss: 'https://ehr.example.org',
        },
      ]);
      for (const item of items) assert.equal((await store.findDecisionByCard(item.cardUuid))?.seq, 1);
    });

    it('counts the same card + outcome + outcome instant as a duplicate, in later batches and within one batch', async () => {
      const report = { card: 'c-3', outcome: 'overridden' as const, outcomeTimestamp: '2026-03-01T10:05:31Z' };
      assert.deepEqual(await store.recordFeedback('svc', { feedback: [report] }), { stored: 1, duplicates: 0, unknownCards: [] });
      assert.deepEqual(await store.recordFeedback('svc', { feedback: [report] }), { stored: 0, duplicates: 1, unknownCards: [] });
      assert.deepEqual(
        await store.recordFeedback('svc', { feedback: [{ ...report, outcomeTimestamp: '2026-03-01T10:05:31.000Z' }, report] }),
        { stored: 0, duplicates: 2, unknownCards: [] },
      );
      const later = { ...report, outcomeTimestamp: '2026-03-01T10:09:00Z' };
      assert.deepEqual(await store.recordFeedback('svc', { feedback: [later, later, { ...report, outcome: 'accepted' }] }), { stored: 2, duplicates: 1, unknownCards: [] });
      assert.equal((await store.feedbackForCards(['c-3'])).length, 3);
    });

    it('stores a batch in one transaction: an invalid item stores nothing and names the item', async () => {
      await assert.rejects(
        store.recordFeedback('svc', {
          feedback: [
            { card: 'c-1', outcome: 'accepted', outcomeTimestamp: '2026-03-01T10:05:31Z' },
            { card: 'c-2', outcome: 'ignored' as 'accepted', outcomeTimestamp: '2026-03-01T10:05:31Z' },
          ],
        }),
        storeError('invalid-input', /feedback\[1\]\.outcome/),
      );
      await assert.rejects(
        store.recordFeedback('svc', { feedback: [{ card: 'c-1', outcome: 'accepted', outcomeTimestamp: 'later' }] }),
        storeError('invalid-input', /feedback\[0\]\.outcomeTimestamp/),
      );
      await assert.rejects(store.recordFeedback('svc', {} as never), storeError('invalid-input', /body\.feedback must be an array/));
      // Text the database cannot keep as it is (PostgreSQL refuses NUL; a lone surrogate would become U+FFFD).
      await assert.rejects(
        store.recordFeedback('svc', {
          feedback: [{ card: 'c-1', outcome: 'overridden', outcomeTimestamp: '2026-03-01T10:05:31Z', overrideReason: { userComment: 'no\u0000pe' } }],
        }),
        storeError('invalid-input', /feedback\[0\]\.userComment contains a NUL/),
      );
      await assert.rejects(
        store.recordFeedback('svc', { feedback: [{ card: 'c-\ud800', outcome: 'accepted', outcomeTimestamp: '2026-03-01T10:05:31Z' }] }),
        storeError('invalid-input', /feedback\[0\]\.cardUuid contains a lone UTF-16 surrogate/),
      );
      assert.deepEqual(await store.feedbackForCards(['c-1', 'c-2']), []);
    });

    it('reports cards no decision of this service issued (and still keeps what arrived)', async () => {
      const result = await store.recordFeedback('other-svc', {
        feedback: [
          { card: 'c-1', outcome: 'accepted', outcomeTimestamp: '2026-03-01T10:05:31Z' },
          { card: 'never-issued', outcome: 'overridden', outcomeTimestamp: '2026-03-01T10:05:31Z' },
        ],
      });
      assert.deepEqual(result, { stored: 2, duplicates: 0, unknownCards: ['c-1', 'never-issued'] });
      assert.deepEqual((await store.recordFeedback('svc', { feedback: [{ card: 'c-3', outcome: 'accepted', outcomeTimestamp: '2026-03-01T10:05:31Z' }] })).unknownCards, []);
    });

    it('is append-only and not part of the decision chain', async () => {
      await store.recordFeedback('svc', { feedback: [{ card: 'c-1', outcome: 'accepted', outcomeTimestamp: '2026-03-01T10:05:31Z' }] });
      await assert.rejects(db.exec("UPDATE feedback SET outcome = 'overridden'"), /append-only/);
      await assert.rejects(db.exec('DELETE FROM feedback'), /append-only/);
      assert.deepEqual(await store.verifyChain(), { ok: true, checked: 2 });
    });
  });
}
