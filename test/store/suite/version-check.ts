/**
 * Every decision tied to the rule-set version in force when it is appended (store/version-check.ts):
 * appendDecision refuses a decision whose version is not the registry's active version at the append
 * instant (StaleVersionError, code 'stale-version'), records that instant (appendedAt, chained), and
 * activeVersionAt(appendedAt) names the decision's version for every record, also when the processes'
 * clocks disagree and when activations race with appends.
 */
import assert from 'node:assert/strict';
import { ruleSetContentHash } from '../../../store/rule-set-hash.js';
import { StaleVersionError } from '../../../store/store-error.js';
import type { DecisionRecord, Store } from '../../../store/store.js';
import type { TestBackend, TestDatabase } from '../support/backends.js';
import { decisionInput, manualClock, ruleSetContent, type ManualClock } from '../support/fixtures.js';

const RULE_SET = 'ketamine-esketamine';

async function publishApproved(store: Store, version: string, options: Parameters<typeof ruleSetContent>[2] = {}): Promise<void> {
  const content = ruleSetContent(RULE_SET, version, options);
  await store.publish(content, ruleSetContentHash(content), 'alice');
  await store.transition(RULE_SET, version, 'in-review', 'alice', 'ready for review');
  await store.transition(RULE_SET, version, 'approved', 'bob', 'reviewed');
}

function staleVersion(version: string, active: string | undefined): (error: unknown) => boolean {
  return (error) => {
    assert.ok(error instanceof StaleVersionError, `expected a StaleVersionError, got ${String(error)}`);
    assert.equal(error.code, 'stale-version');
    assert.equal(error.ruleSetVersion, version);
    assert.equal(error.activeVersion, active);
    assert.match(error.message, new RegExp(`${RULE_SET}@${version.replace(/\./g, '\\.')}`));
    return true;
  };
}

/** Every decision's version is the one activeVersionAt names at its appendedAt. */
async function assertTiedToActive(store: Store): Promise<DecisionRecord[]> {
  const decisions = await store.listDecisions({ limit: 10_000 });
  for (const d of decisions) {
    assert.ok(d.appendedAt !== undefined, `decision ${d.seq} has appendedAt`);
    const active = await store.activeVersionAt(d.ruleSetId, d.appendedAt);
    assert.equal(active?.version, d.ruleSetVersion, `decision ${d.seq} (${d.ruleSetVersion}, appended ${d.appendedAt})`);
  }
  return decisions;
}

export function versionCheckSuite(backend: TestBackend): void {
  describe('decisions tied to the version active when they are appended', () => {
    let db: TestDatabase;
    let store: Store;
    let clock: ManualClock;

    beforeEach(async () => {
      clock = manualClock('2026-03-01T12:00:00.000Z');
      db = await backend.fresh();
      store = await db.open({ clock });
      await publishApproved(store, '1.0.0');
      await publishApproved(store, '1.1.0');
      await store.transition(RULE_SET, '1.0.0', 'active', 'carol', 'go live');
    });
    afterEach(async () => db.dispose());

    it('refuses a decision of a version that is not active at the append instant; the refused one takes no seq', async () => {
      clock.advance(1000);
      const first = await store.appendDecision(decisionInput(1));
      assert.equal(first.appendedAt, clock().toISOString());
      assert.equal(first.at, decisionInput(1).at, 'at stays the instant the caller gave');

      // Another process activates 1.1.0: this one still evaluates with 1.0.0.
      const admin = await db.open({ clock });
      clock.advance(1000);
      await admin.transition(RULE_SET, '1.1.0', 'active', 'carol', 'next version');
      clock.advance(1000);
      await assert.rejects(store.appendDecision(decisionInput(2)), staleVersion('1.0.0', '1.1.0'));
      const second = await store.appendDecision(decisionInput(2, { ruleSetVersion: '1.1.0' }));
      assert.equal(second.seq, 2);

      // Retired without a successor: no version may be recorded.
      clock.advance(1000);
      await admin.transition(RULE_SET, '1.1.0', 'retired', 'carol', 'withdrawn');
      await assert.rejects(store.appendDecision(decisionInput(3, { ruleSetVersion: '1.1.0' })), staleVersion('1.1.0', undefined));

      assert.deepEqual(await store.verifyChain(), { ok: true, checked: 2 });
      assert.deepEqual((await assertTiedToActive(store)).map((d) => `${d.seq}:${d.ruleSetVersion}`), ['1:1.0.0', '2:1.1.0']);
    });

    it('chains appendedAt with the record: it is stored, hashed and guarded like every other field', async () => {
      const record = await store.appendDecision(decisionInput(1));
      assert.deepEqual(await store.getDecision(1), record);
      assert.deepEqual(await store.verifyChain(), { ok: true, checked: 1 });
      await assert.rejects(db.exec("UPDATE decisions SET appended_at = '2020-01-01T00:00:00.000Z' WHERE seq = 1"), /append-only/);
      await db.allowTampering();
      await db.exec("UPDATE decisions SET appended_at = '2020-01-01T00:00:00.000Z' WHERE seq = 1");
      assert.equal((await store.verifyChain()).problem?.kind, 'edited');
    });

    it('does not check decisions of a rule set the registry does not hold', async () => {
      const record = await store.appendDecision(decisionInput(1, { ruleSetId: 'static-catalog-rule-set', ruleSetVersion: '9.9.9' }));
      assert.equal(record.seq, 1);
    });

    it('refuses a decision outside the active version\'s effective period', async () => {
      await publishApproved(store, '2.0.0', { start: '2026-01-01T00:00:00Z', end: '2026-03-05T00:00:00Z' });
      await store.transition(RULE_SET, '2.0.0', 'active', 'carol', 'dated version');
      clock.set('2026-03-04T23:59:59.999Z');
      await store.appendDecision(decisionInput(1, { ruleSetVersion: '2.0.0' }));
      clock.set('2026-03-05T00:00:00.000Z');
      await assert.rejects(store.appendDecision(decisionInput(2, { ruleSetVersion: '2.0.0' })), staleVersion('2.0.0', undefined));
    });

    it('orders appends and activations by the registry, not by the clocks of the processes', async () => {
      // This process's clock is an hour ahead of the one of the process that activates.
      const behind = manualClock('2026-03-01T11:00:00.000Z');
      const admin = await db.open({ clock: behind });
      clock.set('2026-03-01T12:30:00.000Z');
      const early = await store.appendDecision(decisionInput(1));
      await admin.transition(RULE_SET, '1.1.0', 'active', 'carol', 'next version');
      const [retired, activated] = (await admin.history(RULE_SET)).slice(-2);
      assert.equal(activated.at, '2026-03-01T12:30:00.001Z', 'stamped after the last decision, not at the slow clock');
      assert.equal(retired.at, activated.at);
      // Appended by the slow process after the activation: stamped at the activation, not before it.
      const late = await admin.appendDecision(decisionInput(2, { ruleSetVersion: '1.1.0' }));
      assert.equal(late.appendedAt, activated.at);
      assert.equal(early.appendedAt, '2026-03-01T12:30:00.000Z');
      await assertTiedToActive(store);
    });

    it('group commit refuses a stale decision alone and commits the others of its group', async () => {
      const grouped = await db.open({ clock, appendMode: 'group' });
      await grouped.transition(RULE_SET, '1.1.0', 'active', 'carol', 'next version');
      const outcomes = await Promise.allSettled([
        grouped.appendDecision(decisionInput(1, { ruleSetVersion: '1.1.0' })),
        grouped.appendDecision(decisionInput(2, { ruleSetVersion: '1.0.0' })),
        grouped.appendDecision(decisionInput(3, { ruleSetVersion: '1.1.0' })),
      ]);
      assert.deepEqual(outcomes.map((o) => o.status), ['fulfilled', 'rejected', 'fulfilled']);
      assert.ok(staleVersion('1.0.0', '1.1.0')((outcomes[1] as PromiseRejectedResult).reason));
      assert.deepEqual(
        outcomes.flatMap((o) => (o.status === 'fulfilled' ? [o.value.seq] : [])),
        [1, 2],
      );
      assert.deepEqual(await grouped.verifyChain(), { ok: true, checked: 2 });
    });

    it('under appends racing activations and roll backs from another process, every record is tied to activeVersionAt(appendedAt)', async () => {
      const real = () => new Date();
      const replica = await db.open({ clock: real, appendMode: backend.kind === 'postgres' ? 'group' : 'single' });
      const admin = await db.open({ clock: real });
      // The replica appends with the version it last saw, learning of a switch only when refused.
      let believed = '1.0.0';
      let refused = 0;
      let switches = 0;
      const switching = (async () => {
        for (const version of ['1.1.0', '1.0.0', '1.1.0', '1.0.0', '1.1.0', '1.0.0']) {
          await admin.transition(RULE_SET, version, 'active', 'carol', `switch ${switches}`);
          switches += 1;
          await new Promise((resolve) => setImmediate(resolve));
        }
      })();
      const appending = Promise.all(
        Array.from({ length: 4 }, async (_, worker) => {
          for (let i = 0; i < 30; i++) {
            const n = worker * 1000 + i;
            try {
              await replica.appendDecision(decisionInput(n, { ruleSetVersion: believed }));
            } catch (error) {
              if (!(error instanceof StaleVersionError)) throw error;
              refused += 1;
              believed = error.activeVersion ?? believed;
            }
          }
        }),
      );
      await Promise.all([switching, appending]);
      assert.equal(switches, 6);
      const decisions = await assertTiedToActive(replica);
      assert.equal(decisions.length + refused, 120);
      assert.deepEqual(await replica.verifyChain(), { ok: true, checked: decisions.length });
    });
  });
}
