/**
 * Client admission state in the store: seen token ids (replay protection) and rate-limit buckets,
 * shared by every process on the database and kept across restarts. Several stores opened on one
 * database stand for several replicas; closing a store and opening another stands for a restart.
 */
import assert from 'node:assert/strict';
import type { Store, TokenIdClaim } from '../../../store/store.js';
import { storeError } from '../support/assertions.js';
import type { TestBackend, TestDatabase } from '../support/backends.js';

const T0 = Date.parse('2026-11-01T10:00:00.000Z');
const A = 'https://ehr-a.test.example';
const B = 'https://ehr-b.test.example';

function claim(issuer: string, jti: string, overrides: Partial<TokenIdClaim> = {}): TokenIdClaim {
  return { issuer, jti, forgetAfterMs: T0 + 300_000, nowMs: T0, maxLivePerIssuer: 1000, ...overrides };
}

export function clientAdmissionSuite(backend: TestBackend): void {
  describe('seen client token ids (replay protection)', () => {
    let db: TestDatabase;
    let store: Store;
    beforeEach(async () => {
      db = await backend.fresh();
      store = await db.open();
    });
    afterEach(async () => db.dispose());

    it('a jti is fresh once, then replayed until it expires; per issuer', async () => {
      assert.equal(await store.rememberTokenId(claim(A, 'j-1')), 'fresh');
      assert.equal(await store.rememberTokenId(claim(A, 'j-1')), 'replayed');
      assert.equal(await store.rememberTokenId(claim(B, 'j-1')), 'fresh', 'another issuer may use the same jti');
      assert.equal(await store.rememberTokenId(claim(A, 'j-1', { nowMs: T0 + 300_000 })), 'replayed', 'still remembered at forgetAfterMs');
      assert.equal(await store.rememberTokenId(claim(A, 'j-1', { nowMs: T0 + 300_001, forgetAfterMs: T0 + 600_000 })), 'fresh', 'forgotten after');
    });

    it('is refused after a restart (a new store on the same database)', async () => {
      assert.equal(await store.rememberTokenId(claim(A, 'before-restart')), 'fresh');
      await store.close();
      const restarted = await db.open();
      assert.equal(await restarted.rememberTokenId(claim(A, 'before-restart')), 'replayed');
    });

    it('is refused on another replica, and of two replicas remembering one jti at once exactly one gets fresh', async () => {
      const replica = await db.open();
      assert.equal(await store.rememberTokenId(claim(A, 'on-one')), 'fresh');
      assert.equal(await replica.rememberTokenId(claim(A, 'on-one')), 'replayed');
      const verdicts = await Promise.all(
        Array.from({ length: 10 }, (_, i) => (i % 2 === 0 ? store : replica).rememberTokenId(claim(A, 'raced'))),
      );
      assert.equal(verdicts.filter((v) => v === 'fresh').length, 1, verdicts.join(','));
      assert.equal(verdicts.filter((v) => v === 'replayed').length, 9);
    });

    it("each issuer has its own bounded share: a full share refuses that issuer's new tokens, never another's, and evicts nothing", async () => {
      const max = 3;
      for (let i = 0; i < max; i++) assert.equal(await store.rememberTokenId(claim(A, `a-${i}`, { maxLivePerIssuer: max })), 'fresh');
      assert.equal(await store.rememberTokenId(claim(A, 'a-more', { maxLivePerIssuer: max })), 'full');
      assert.equal(await store.rememberTokenId(claim(B, 'b-0', { maxLivePerIssuer: max })), 'fresh', "A's full share does not touch B");
      for (let i = 0; i < max; i++) assert.equal(await store.rememberTokenId(claim(A, `a-${i}`, { maxLivePerIssuer: max })), 'replayed', 'nothing was evicted');
      // Once A's entries expire they make room again (only A's own expired entries are removed).
      const later = { nowMs: T0 + 300_001, forgetAfterMs: T0 + 600_000, maxLivePerIssuer: max };
      assert.equal(await store.rememberTokenId(claim(A, 'a-after-expiry', later)), 'fresh');
      assert.equal(await store.rememberTokenId(claim(B, 'b-0', { nowMs: T0 + 1000, maxLivePerIssuer: max })), 'replayed', "B's entry survived A's purge");
    });

    it('refuses what it cannot store faithfully (NUL, lone surrogate), naming the field', async () => {
      await assert.rejects(store.rememberTokenId(claim(A, 'nul\u0000jti')), storeError('invalid-input', /jti contains a NUL/));
      await assert.rejects(store.rememberTokenId(claim(A, 'lone-\ud800')), storeError('invalid-input', /jti contains a lone UTF-16 surrogate/));
      await assert.rejects(store.rememberTokenId(claim(A, 'x'.repeat(513))), storeError('invalid-input', /jti must be a string of 1 to 512/));
    });
  });

  describe('rate-limit buckets', () => {
    let db: TestDatabase;
    let store: Store;
    beforeEach(async () => {
      db = await backend.fresh();
      store = await db.open();
    });
    afterEach(async () => db.dispose());

    it('a burst of perMinute, then 429 with the seconds until a token is back; refills at perMinute per minute', async () => {
      const take = (nowMs: number) => store.takeRateLimitToken({ caller: `iss:${A}`, perMinute: 3, nowMs });
      for (let i = 0; i < 3; i++) assert.deepEqual(await take(T0), { ok: true });
      assert.deepEqual(await take(T0), { ok: false, retryAfterS: 20 });
      assert.deepEqual(await take(T0 + 19_000), { ok: false, retryAfterS: 1 });
      assert.deepEqual(await take(T0 + 20_000), { ok: true });
      assert.deepEqual(await take(T0 + 20_000), { ok: false, retryAfterS: 20 });
    });

    it('is one bucket across replicas and restarts; callers do not share; a clock behind never refills', async () => {
      const replica = await db.open();
      const take = (s: Store, caller: string, nowMs = T0) => s.takeRateLimitToken({ caller, perMinute: 2, nowMs });
      assert.deepEqual(await take(store, 'iss:a'), { ok: true });
      assert.deepEqual(await take(replica, 'iss:a'), { ok: true });
      assert.equal((await take(store, 'iss:a')).ok, false, 'the replica took the second token');
      assert.equal((await take(replica, 'iss:a', T0 - 60_000)).ok, false, 'a clock a minute behind refills nothing');
      assert.deepEqual(await take(replica, 'iss:b'), { ok: true }, 'another caller has its own bucket');
      await store.close();
      const restarted = await db.open();
      assert.equal((await take(restarted, 'iss:a')).ok, false, 'kept across a restart');
    });
  });
}
