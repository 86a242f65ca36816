/** Registry behaviour: publication, immutability, lifecycle, activeVersionAt, revisions. */
import assert from 'node:assert/strict';
import { ruleSetContentHash, ruleSetWithoutSchema } from '../../../store/rule-set-hash.js';
import type { Store } from '../../../store/store.js';
import { storeError } from '../support/assertions.js';
import type { TestBackend, TestDatabase } from '../support/backends.js';
import { manualClock, ruleSetContent, tickingClock, type ManualClock } from '../support/fixtures.js';


async function publishAndActivate(store: Store, id: string, version: string, options: Parameters<typeof ruleSetContent>[2] = {}): Promise<void> {
  const content = ruleSetContent(id, version, options);
  await store.publish(content, ruleSetContentHash(content), 'alice');
  await store.transition(id, version, 'in-review', 'alice', 'ready for review');
  await store.transition(id, version, 'approved', 'bob', 'reviewed against sources');
  await store.transition(id, version, 'active', 'carol', 'go live');
}

export function registrySuite(backend: TestBackend): void {
  describe('registry', () => {
    let db: TestDatabase;
    let store: Store;
    let clock: ManualClock;

    beforeEach(async () => {
      clock = manualClock('2026-01-10T09:00:00.000Z');
      db = await backend.fresh();
      store = await db.open({ clock });
    });
    afterEach(async () => db.dispose());

    it('publishes a version as draft, identified by id, semver and the hash of its content without $schema', async () => {
      const content = ruleSetContent('ket', '1.0.0');
      const hash = ruleSetContentHash(content);
      const record = await store.publish(content, hash, 'alice');
      assert.equal(record.ruleSetId, 'ket');
      assert.equal(record.version, '1.0.0');
      assert.equal(record.hash, hash);
      assert.equal(record.state, 'draft');
      assert.equal(record.author, 'alice');
      assert.equal(record.publishedAt, '2026-01-10T09:00:00.000Z');
      assert.equal(record.effectiveStart, '2026-01-01');
      assert.deepEqual(record.content, ruleSetWithoutSchema(content));
      assert.deepEqual(await store.getVersion('ket', '1.0.0'), record);
      const history = await store.history('ket');
      assert.equal(history.length, 1);
      assert.deepEqual({ ...history[0], seq: 0 }, {
        seq: 0, ruleSetId: 'ket', version: '1.0.0', from: null, to: 'draft', actor: 'alice', reason: `published (content hash ${hash})`, at: '2026-01-10T09:00:00.000Z',
      });
    });

    it('publishing identical content again is a no-op returning the existing record ($schema does not count)', async () => {
      const content = ruleSetContent('ket', '1.0.0');
      const first = await store.publish(content, ruleSetContentHash(content), 'alice');
      const revision = await store.registryRevision();
      clock.advance(60_000);
      const again = { ...ruleSetContent('ket', '1.0.0'), $schema: 'https://example.org/other-schema.json' };
      const second = await store.publish(again, ruleSetContentHash(again), 'mallory');
      assert.deepEqual(second, first);
      assert.equal(await store.registryRevision(), revision);
      assert.equal((await store.history('ket')).length, 1);
    });

    it('refuses different content under an existing id+version, naming both hashes, and keeps the original', async () => {
      const original = ruleSetContent('ket', '1.0.0');
      await store.publish(original, ruleSetContentHash(original), 'alice');
      const changed = ruleSetContent('ket', '1.0.0', { description: 'Edited without a version bump.' });
      await assert.rejects(
        store.publish(changed, ruleSetContentHash(changed), 'alice'),
        storeError('conflict', new RegExp(`ket@1\\.0\\.0.*${ruleSetContentHash(original)}.*${ruleSetContentHash(changed)}.*new version`)),
      );
      assert.equal((await store.getVersion('ket', '1.0.0'))?.hash, ruleSetContentHash(original));
    });

    it('refuses a wrong hash, a version that is not semver and an effective period that ends before it starts', async () => {
      const content = ruleSetContent('ket', '1.0.0');
      await assert.rejects(store.publish(content, 'f'.repeat(64), 'alice'), storeError('invalid-input', /does not match the content hash/));
      const notSemver = ruleSetContent('ket', '1.0');
      await assert.rejects(store.publish(notSemver, ruleSetContentHash(notSemver), 'alice'), storeError('invalid-input', /"1\.0" is not a semantic version/));
      const backwards = ruleSetContent('ket', '1.0.0', { start: '2026-05-01', end: '2026-04-01' });
      await assert.rejects(store.publish(backwards, ruleSetContentHash(backwards), 'alice'), storeError('invalid-input', /effectivePeriod\.end .* must be after start/));
      const badDate = ruleSetContent('ket', '1.0.0', { start: 'next tuesday' });
      await assert.rejects(store.publish(badDate, ruleSetContentHash(badDate), 'alice'), storeError('invalid-input', /effectivePeriod\.start/));
      assert.deepEqual(await store.listVersions(), []);
    });

    it('guards published content in the database itself: an UPDATE of content is refused', async () => {
      const content = ruleSetContent('ket', '1.0.0');
      await store.publish(content, ruleSetContentHash(content), 'alice');
      await assert.rejects(db.exec("UPDATE rule_set_versions SET content = '{}' WHERE rule_set_id = 'ket'"), /immutable once published/);
      await assert.rejects(db.exec("DELETE FROM lifecycle_events WHERE rule_set_id = 'ket'"), /append-only/);
    });

    it('walks draft -> in-review -> approved -> active -> retired, recording who, when, why, from and to', async () => {
      const content = ruleSetContent('ket', '1.0.0');
      await store.publish(content, ruleSetContentHash(content), 'alice');
      const steps: [Parameters<Store['transition']>[2], string, string][] = [
        ['in-review', 'alice', 'ready for review'],
        ['approved', 'bob', 'checked every citation'],
        ['active', 'carol', 'go live'],
        ['retired', 'carol', 'superseded by guidance change'],
      ];
      for (const [to, actor, reason] of steps) {
        clock.advance(1000);
        const event = await store.transition('ket', '1.0.0', to, actor, reason);
        assert.deepEqual({ to: event.to, actor: event.actor, reason: event.reason, at: event.at }, { to, actor, reason, at: clock().toISOString() });
      }
      const history = await store.history('ket', '1.0.0');
      assert.deepEqual(
        history.map((e) => `${e.from ?? '-'}>${e.to} by ${e.actor}`),
        ['->draft by alice', 'draft>in-review by alice', 'in-review>approved by bob', 'approved>active by carol', 'active>retired by carol'],
      );
      assert.ok(history.every((e, i) => i === 0 || e.seq > history[i - 1].seq));
      assert.equal((await store.getVersion('ket', '1.0.0'))?.state, 'retired');
    });

    it('refuses self-approval by the author', async () => {
      const content = ruleSetContent('ket', '1.0.0');
      await store.publish(content, ruleSetContentHash(content), 'alice');
      await store.transition('ket', '1.0.0', 'in-review', 'alice', 'ready');
      await assert.rejects(store.transition('ket', '1.0.0', 'approved', 'alice', 'looks good to me'), storeError('self-approval', /alice is the author/));
      assert.equal((await store.getVersion('ket', '1.0.0'))?.state, 'in-review');
      await store.transition('ket', '1.0.0', 'approved', 'bob', 'independent review');
    });

    it('compares names case-insensitively: Alice cannot approve what alice published (one person, one identity)', async () => {
      const content = ruleSetContent('ket', '1.0.0');
      await store.publish(content, ruleSetContentHash(content), 'alice');
      await store.transition('ket', '1.0.0', 'in-review', 'alice', 'ready');
      await assert.rejects(store.transition('ket', '1.0.0', 'approved', 'Alice', 'looks good to me'), storeError('self-approval', /Alice is the author/));
      assert.equal((await store.getVersion('ket', '1.0.0'))?.state, 'in-review');
    });

    it('refuses illegal transitions with an error naming from and to', async () => {
      const content = ruleSetContent('ket', '1.0.0');
      await store.publish(content, ruleSetContentHash(content), 'alice');
      await assert.rejects(store.transition('ket', '1.0.0', 'active', 'carol', 'skip review'), storeError('illegal-transition', /ket@1\.0\.0: draft -> active/));
      await assert.rejects(store.transition('ket', '1.0.0', 'approved', 'bob', 'skip'), storeError('illegal-transition', /draft -> approved/));
      await store.transition('ket', '1.0.0', 'in-review', 'alice', 'ready');
      await assert.rejects(store.transition('ket', '1.0.0', 'active', 'carol', 'skip'), storeError('illegal-transition', /in-review -> active/));
      await store.transition('ket', '1.0.0', 'approved', 'bob', 'ok');
      await assert.rejects(store.transition('ket', '1.0.0', 'retired', 'carol', 'never mind'), storeError('illegal-transition', /approved -> retired/));
      await store.transition('ket', '1.0.0', 'active', 'carol', 'live');
      await assert.rejects(store.transition('ket', '1.0.0', 'draft', 'alice', 'edit'), storeError('illegal-transition', /active -> draft/));
      await assert.rejects(store.transition('ket', '1.0.0', 'active', 'carol', 'again'), storeError('illegal-transition', /active -> active/));
      await assert.rejects(store.transition('ket', '9.9.9', 'in-review', 'alice', 'x'), storeError('not-found', /ket@9\.9\.9/));
      await assert.rejects(store.transition('ket', '1.0.0', 'retired', 'carol', '  '), storeError('invalid-input', /reason/));
      assert.equal((await store.history('ket')).length, 4);
    });

    it('never serves a draft, in-review or approved version', async () => {
      const content = ruleSetContent('ket', '1.0.0');
      await store.publish(content, ruleSetContentHash(content), 'alice');
      assert.equal(await store.activeVersionAt('ket', '2026-06-01T00:00:00Z'), undefined);
      await store.transition('ket', '1.0.0', 'in-review', 'alice', 'ready');
      assert.equal(await store.activeVersionAt('ket', '2026-06-01T00:00:00Z'), undefined);
      await store.transition('ket', '1.0.0', 'approved', 'bob', 'ok');
      assert.equal(await store.activeVersionAt('ket', '2026-06-01T00:00:00Z'), undefined);
    });

    it('activating a version retires the active one in the same change; re-activating a retired version rolls back', async () => {
      await publishAndActivate(store, 'ket', '1.0.0');
      clock.advance(1000);
      const revisionBefore = await store.registryRevision();
      await publishAndActivate(store, 'ket', '1.1.0');
      assert.equal((await store.getVersion('ket', '1.0.0'))?.state, 'retired');
      assert.equal((await store.getVersion('ket', '1.1.0'))?.state, 'active');
      const retiredEvent = (await store.history('ket', '1.0.0')).at(-1)!;
      assert.equal(retiredEvent.from, 'active');
      assert.equal(retiredEvent.to, 'retired');
      assert.equal(retiredEvent.actor, 'carol');
      assert.match(retiredEvent.reason, /superseded by the activation of 1\.1\.0: go live/);
      // publish + 3 transitions: 4 revisions (the retirement is part of the activation's change)
      assert.equal(await store.registryRevision(), revisionBefore + 4);

      clock.advance(1000);
      const rollBack = await store.transition('ket', '1.0.0', 'active', 'dave', 'roll back: 1.1.0 misfires');
      assert.equal((await store.getVersion('ket', '1.0.0'))?.state, 'active');
      // No new approval is needed: the re-activation records the approval it rests on.
      const approval = (await store.history('ket', '1.0.0')).find((e) => e.to === 'approved')!;
      assert.equal(
        rollBack.reason,
        `roll back: 1.1.0 misfires [re-activation of a retired version: rests on its approval by ${approval.actor} at ${approval.at} (lifecycle event ${approval.seq})]`,
      );
      assert.equal((await store.getVersion('ket', '1.1.0'))?.state, 'retired');
      const active = (await store.listVersions('ket')).filter((v) => v.state === 'active');
      assert.deepEqual(active.map((v) => v.version), ['1.0.0']);
    });

    it('an activation retires the previous version at the same instant: activeVersionAt has no gap (1 ms before, at, 1 ms after)', async () => {
      // A clock that moves 1 ms at every reading, as a real one moves while a transaction runs.
      const ticking = tickingClock('2026-02-01T08:00:00.000Z');
      const moving = await db.open({ clock: ticking });
      await publishAndActivate(moving, 'ket', '1.0.0');
      await publishAndActivate(moving, 'ket', '1.1.0');
      const retired = (await moving.history('ket', '1.0.0')).at(-1)!;
      const activated = (await moving.history('ket', '1.1.0')).at(-1)!;
      assert.deepEqual([retired.from, retired.to, activated.to], ['active', 'retired', 'active']);
      assert.equal(retired.at, activated.at, 'one instant for the whole change');
      const at = async (ms: number) => (await moving.activeVersionAt('ket', new Date(ms).toISOString()))?.version;
      const switched = Date.parse(activated.at);
      assert.deepEqual([await at(switched - 1), await at(switched), await at(switched + 1)], ['1.0.0', '1.1.0', '1.1.0']);

      // A roll back and a plain retirement alike.
      const rollBack = await moving.transition('ket', '1.0.0', 'active', 'dave', 'roll back');
      const superseded = (await moving.history('ket', '1.1.0')).at(-1)!;
      assert.equal(superseded.at, rollBack.at);
      const rolledBack = Date.parse(rollBack.at);
      assert.deepEqual([await at(rolledBack - 1), await at(rolledBack), await at(rolledBack + 1)], ['1.1.0', '1.0.0', '1.0.0']);
      const withdrawn = Date.parse((await moving.transition('ket', '1.0.0', 'retired', 'dave', 'withdrawn')).at);
      assert.deepEqual([await at(withdrawn - 1), await at(withdrawn), await at(withdrawn + 1)], ['1.0.0', undefined, undefined]);
    });

    it('activeVersionAt derives past instants from the event log, not from the current state', async () => {
      clock.set('2026-02-01T08:00:00.000Z');
      await publishAndActivate(store, 'ket', '1.0.0');
      clock.set('2026-02-10T08:00:00.000Z');
      await publishAndActivate(store, 'ket', '1.1.0');
      clock.set('2026-02-20T08:00:00.000Z');
      await store.transition('ket', '1.0.0', 'active', 'dave', 'roll back');
      clock.set('2026-02-25T08:00:00.000Z');
      await store.transition('ket', '1.0.0', 'retired', 'dave', 'withdrawn');

      const at = async (iso: string) => (await store.activeVersionAt('ket', iso))?.version;
      assert.equal(await at('2026-02-01T07:59:59.999Z'), undefined);
      assert.equal(await at('2026-02-01T08:00:00.000Z'), '1.0.0');
      assert.equal(await at('2026-02-09T00:00:00Z'), '1.0.0');
      assert.equal(await at('2026-02-10T08:00:00.000Z'), '1.1.0');
      assert.equal(await at('2026-02-19T23:59:59+00:00'), '1.1.0');
      assert.equal(await at('2026-02-20T08:00:00.000Z'), '1.0.0');
      assert.equal(await at('2026-02-25T08:00:00.000Z'), undefined);
      assert.equal(await at('2026-03-01T00:00:00Z'), undefined);
      assert.equal(await store.activeVersionAt('other', '2026-02-09T00:00:00Z'), undefined);
      await assert.rejects(store.activeVersionAt('ket', 'yesterday'), storeError('invalid-input', /activeVersionAt: at/));
    });

    it('activeVersionAt serves a version only inside its effective period: start inclusive, end exclusive', async () => {
      clock.set('2026-01-05T00:00:00.000Z');
      await publishAndActivate(store, 'ket', '2.0.0', { start: '2026-02-01T00:00:00Z', end: '2026-03-01T00:00:00Z' });
      await publishAndActivate(store, 'dated', '1.0.0', { start: '2026-02-01', end: '2026-03-01' });
      for (const id of ['ket', 'dated']) {
        const at = async (iso: string) => (await store.activeVersionAt(id, iso))?.version;
        assert.equal(await at('2026-01-31T23:59:59.999Z'), undefined, `${id} before start`);
        assert.notEqual(await at('2026-02-01T00:00:00.000Z'), undefined, `${id} at start`);
        assert.notEqual(await at('2026-02-28T23:59:59.999Z'), undefined, `${id} just before end`);
        assert.equal(await at('2026-03-01T00:00:00.000Z'), undefined, `${id} at end`);
      }
    });

    it('registryRevision bumps on every change and not on no-ops or refused changes', async () => {
      const start = await store.registryRevision();
      const content = ruleSetContent('ket', '1.0.0');
      await store.publish(content, ruleSetContentHash(content), 'alice');
      assert.equal(await store.registryRevision(), start + 1);
      await store.publish(content, ruleSetContentHash(content), 'alice');
      assert.equal(await store.registryRevision(), start + 1);
      await store.transition('ket', '1.0.0', 'in-review', 'alice', 'ready');
      assert.equal(await store.registryRevision(), start + 2);
      await assert.rejects(store.transition('ket', '1.0.0', 'approved', 'alice', 'self'));
      assert.equal(await store.registryRevision(), start + 2);
      await store.transition('ket', '1.0.0', 'approved', 'bob', 'ok');
      await store.transition('ket', '1.0.0', 'active', 'bob', 'live');
      assert.equal(await store.registryRevision(), start + 4);
    });

    it('announces registry changes to subscribers: on PostgreSQL from any process (LISTEN/NOTIFY), on SQLite those made through the store', async () => {
      let calls = 0;
      const waiting: { count: number; resolve: () => void }[] = [];
      const called = (count: number) => (calls >= count ? Promise.resolve() : new Promise<void>((resolve) => waiting.push({ count, resolve })));
      const stop = store.onRegistryChange(() => {
        calls += 1;
        waiting.filter((w) => w.count <= calls).forEach((w) => w.resolve());
      });
      const other = await db.open({ clock });
      const content = ruleSetContent('ket', '1.0.0');
      if (backend.kind === 'postgres') {
        await called(1); // once when LISTEN is in place (changes made before were not delivered)
        await other.publish(content, ruleSetContentHash(content), 'alice');
        await called(2);
        await other.transition('ket', '1.0.0', 'in-review', 'alice', 'ready');
        await called(3);
      } else {
        await other.publish(content, ruleSetContentHash(content), 'alice');
        assert.equal(calls, 0, 'SQLite: another process\'s change is seen by polling');
        await store.transition('ket', '1.0.0', 'in-review', 'alice', 'ready');
        assert.equal(calls, 1);
      }
      stop();
      const before = calls;
      await store.transition('ket', '1.0.0', 'approved', 'bob', 'ok');
      if (backend.kind === 'sqlite') assert.equal(calls, before, 'no calls after unsubscribing');
    });

    it('lists versions per rule set and overall, in version precedence order', async () => {
      await publishAndActivate(store, 'ket', '1.0.0');
      for (const version of ['0.10.0', '0.9.0', '0.10.0-rc.1']) {
        const other = ruleSetContent('abc', version);
        await store.publish(other, ruleSetContentHash(other), 'alice');
      }
      assert.deepEqual((await store.listVersions()).map((v) => `${v.ruleSetId}@${v.version}:${v.state}`), [
        'abc@0.9.0:draft', 'abc@0.10.0-rc.1:draft', 'abc@0.10.0:draft', 'ket@1.0.0:active',
      ]);
      assert.deepEqual((await store.listVersions('ket')).map((v) => v.version), ['1.0.0']);
      assert.equal(await store.getVersion('ket', '2.0.0'), undefined);
    });

    it('two processes activating different versions of one rule set at once leave exactly one active', async () => {
      const other = await db.open({ clock });
      for (const version of ['1.0.0', '1.1.0', '1.2.0']) {
        const content = ruleSetContent('ket', version);
        await store.publish(content, ruleSetContentHash(content), 'alice');
        await store.transition('ket', version, 'in-review', 'alice', 'ready');
        await store.transition('ket', version, 'approved', 'bob', 'ok');
      }
      await Promise.all([
        store.transition('ket', '1.0.0', 'active', 'carol', 'a'),
        other.transition('ket', '1.1.0', 'active', 'dave', 'b'),
        other.transition('ket', '1.2.0', 'active', 'erin', 'c'),
      ]);
      const states = (await store.listVersions('ket')).map((v) => v.state);
      assert.equal(states.filter((s) => s === 'active').length, 1);
      assert.equal(states.filter((s) => s === 'retired').length, 2);
      // Each change of the active version has its own instant (strictly after the one before, even
      // with this pinned clock), so the log orders them: the last one is in force from its instant on.
      const activations = (await store.history('ket')).filter((e) => e.to === 'active');
      assert.equal(new Set(activations.map((e) => e.at)).size, 3, JSON.stringify(activations.map((e) => e.at)));
      const now = await store.activeVersionAt('ket', activations.at(-1)!.at);
      assert.equal(now?.state, 'active');
    });
  });
}
