/** Decision records: append, read, filters, snapshots, concurrency (in one process and across processes). */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { canonicalJson, sha256Hex } from '../../../lib/canonical-json.js';
import { GENESIS_HASH } from '../../../store/decision-hash.js';
import type { DecisionRecord, DecisionRecordInput, Store } from '../../../store/store.js';
import { storeError } from '../support/assertions.js';
import type { TestBackend, TestDatabase } from '../support/backends.js';
import { card, decisionInput } from '../support/fixtures.js';

const WORKER = fileURLToPath(new URL('../support/append-worker.ts', import.meta.url));

/** The documented formula, computed independently of store/decision-hash.ts. */
function expectedHash(record: DecisionRecord): string {
  const { seq: _seq, hash: _hash, snapshot: _snapshot, ...fields } = record;
  return sha256Hex(record.prevHash + canonicalJson(fields));
}

function runWorker(location: object, count: number, prefix: string, appendMode: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', WORKER, JSON.stringify(location), String(count), prefix, appendMode], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`append worker ${prefix} exited ${code}: ${output}`))));
  });
}

async function assertChainIntact(store: Store, expectedCount: number): Promise<void> {
  const verification = await store.verifyChain();
  assert.deepEqual(verification, { ok: true, checked: expectedCount });
  const all = await store.listDecisions({ limit: 10_000 });
  assert.deepEqual(all.map((d) => d.seq), Array.from({ length: expectedCount }, (_, i) => i + 1));
}

export function decisionsSuite(backend: TestBackend): void {
  describe('decision records', () => {
    let db: TestDatabase;
    let store: Store;

    beforeEach(async () => {
      db = await backend.fresh();
      store = await db.open();
    });
    afterEach(async () => db.dispose());

    it('appends a chain: seq 1, 2, …, first prevHash 64 zeros, hash = sha256(prevHash + canonicalJson(fields))', async () => {
      const first = await store.appendDecision(decisionInput(1));
      const second = await store.appendDecision(decisionInput(2, { snapshot: Buffer.from('encrypted bytes'), snapshotExpiresAt: '2026-04-01T00:00:00Z', tenant: 'north' }));
      assert.equal(first.seq, 1);
      assert.equal(first.prevHash, GENESIS_HASH);
      assert.equal(first.prevHash, '0'.repeat(64));
      assert.equal(second.seq, 2);
      assert.equal(second.prevHash, first.hash);
      assert.equal(first.hash, expectedHash(first));
      assert.equal(second.hash, expectedHash(second));
      assert.equal(second.snapshotSha256, sha256Hex(Buffer.from('encrypted bytes')));
      assert.deepEqual(await store.getDecision(1), first);
      assert.deepEqual(await store.getDecision(2), second);
      assert.equal(await store.getDecision(3), undefined);
    });

    it('keeps only the documented fields and stores them exactly as hashed', async () => {
      const input = decisionInput(1, {
        cards: [{ ...card('c-1'), detail: 'not recorded' } as ReturnType<typeof card>],
        fired: [{ ruleId: 'rule-a', when: new Date('2026-03-01T10:00:00Z'), skip: undefined }],
      });
      const record = await store.appendDecision(input);
      assert.deepEqual(record.cards, [card('c-1')]);
      assert.deepEqual(record.fired, [{ ruleId: 'rule-a', when: '2026-03-01T10:00:00.000Z' }]);
      assert.deepEqual(await store.getDecision(1), record);
      assert.deepEqual(await store.verifyChain(), { ok: true, checked: 1 });
    });

    it('finds a decision by any of its card uuids', async () => {
      await store.appendDecision(decisionInput(1));
      const second = await store.appendDecision(decisionInput(2, { cards: [card('x-1', 'rule-a'), card('x-2', 'rule-b', 'critical')] }));
      assert.equal((await store.findDecisionByCard('x-2'))?.seq, second.seq);
      assert.equal((await store.findDecisionByCard('card-1'))?.seq, 1);
      assert.equal(await store.findDecisionByCard('nope'), undefined);
    });

    it('refuses invalid input naming the field, and a card uuid that is already recorded, without breaking the chain', async () => {
      await assert.rejects(store.appendDecision(decisionInput(1, { serviceId: '' })), storeError('invalid-input', /serviceId must be a non-empty string/));
      await assert.rejects(store.appendDecision(decisionInput(1, { at: '1 March' })), storeError('invalid-input', /appendDecision: at/));
      await assert.rejects(store.appendDecision(decisionInput(1, { latencyMs: Number.NaN })), storeError('invalid-input', /latencyMs/));
      await assert.rejects(
        store.appendDecision(decisionInput(1, { cards: [card('same'), card('same')] })),
        storeError('invalid-input', /cards\[1\]\.uuid same appears twice/),
      );
      await assert.rejects(
        store.appendDecision(decisionInput(1, { cards: [{ uuid: 'u', ruleId: 'r', indicator: 'info' } as ReturnType<typeof card>] })),
        storeError('invalid-input', /cards\[0\]\.summary/),
      );
      await store.appendDecision(decisionInput(1));
      await assert.rejects(store.appendDecision(decisionInput(2, { cards: [card('card-1')] })), storeError('conflict', /card uuid card-1 is already recorded/));
      await store.appendDecision(decisionInput(3));
      await assertChainIntact(store, 2);
    });

    it('is append-only in the database itself: UPDATE and DELETE of decisions are refused', async () => {
      await store.appendDecision(decisionInput(1));
      await assert.rejects(db.exec("UPDATE decisions SET service_id = 'other' WHERE seq = 1"), /append-only/);
      await assert.rejects(db.exec('DELETE FROM decisions WHERE seq = 1'), /append-only/);
      await assert.rejects(db.exec('UPDATE decisions SET snapshot = ? WHERE seq = 1', [Buffer.from([0])]), /append-only/);
    });

    it('purges expired snapshots without breaking the chain (the digest stays)', async () => {
      await store.appendDecision(decisionInput(1, { snapshot: Buffer.from('old'), snapshotExpiresAt: '2026-03-10T00:00:00Z' }));
      await store.appendDecision(decisionInput(2, { snapshot: Buffer.from('new'), snapshotExpiresAt: '2026-04-10T00:00:00Z' }));
      await store.appendDecision(decisionInput(3));
      assert.equal(await store.purgeExpiredSnapshots('2026-03-10T00:00:00Z'), 1);
      const purged = await store.getDecision(1);
      assert.equal(purged?.snapshot, undefined);
      assert.equal(purged?.snapshotSha256, sha256Hex(Buffer.from('old')));
      assert.deepEqual((await store.getDecision(2))?.snapshot, Buffer.from('new'));
      assert.equal(await store.purgeExpiredSnapshots('2026-03-10T00:00:00Z'), 0);
      await assertChainIntact(store, 3);
    });

    it('verifyChain reports progress and the number checked', async () => {
      for (let n = 1; n <= 5; n++) await store.appendDecision(decisionInput(n));
      const progress: number[] = [];
      assert.deepEqual(await store.verifyChain((checked) => progress.push(checked)), { ok: true, checked: 5 });
      assert.equal(progress.at(-1), 5);
      assert.deepEqual(await (await db.open()).verifyChain(), { ok: true, checked: 5 });
    });

    it('filters by time range, service, rule (card or fired), version, indicator, feedback outcome, with limit and afterSeq', async () => {
      await store.appendDecision(decisionInput(1, { serviceId: 'svc-a', cards: [card('d1', 'rule-a', 'warning')], fired: [{ ruleId: 'rule-a' }] }));
      await store.appendDecision(decisionInput(2, { serviceId: 'svc-b', ruleSetVersion: '1.1.0', cards: [card('d2', 'rule-b', 'critical')], fired: [{ ruleId: 'rule-b' }] }));
      await store.appendDecision(decisionInput(3, { serviceId: 'svc-a', cards: [], fired: [{ ruleId: 'rule-c', suppressed: true }] }));
      await store.appendDecision(decisionInput(4, { serviceId: 'svc-a', cards: [card('d4', 'rule-a', 'info')], fired: [{ ruleId: 'rule-a' }] }));
      await store.appendDecision(decisionInput(5, { serviceId: 'svc-b', cards: [card('d5', 'rule-b', 'warning')], fired: [{ ruleId: 'rule-b' }] }));
      await store.recordFeedback('svc-a', { feedback: [{ card: 'd4', outcome: 'accepted', acceptedSuggestions: [{ id: 's1' }], outcomeTimestamp: '2026-03-01T11:00:00Z' }] });
      await store.recordFeedback('svc-b', { feedback: [{ card: 'd5', outcome: 'overridden', outcomeTimestamp: '2026-03-01T11:00:00Z' }] });

      const seqs = async (filter: Parameters<Store['listDecisions']>[0]) => (await store.listDecisions(filter)).map((d) => d.seq);
      assert.deepEqual(await seqs({}), [1, 2, 3, 4, 5]);
      // decision n is at 10:0n
      assert.deepEqual(await seqs({ from: '2026-03-01T10:02:00Z', to: '2026-03-01T10:04:00Z' }), [2, 3]);
      assert.deepEqual(await seqs({ from: '2026-03-01T10:04:00.000Z' }), [4, 5]);
      assert.deepEqual(await seqs({ serviceId: 'svc-a' }), [1, 3, 4]);
      assert.deepEqual(await seqs({ ruleId: 'rule-a' }), [1, 4]);
      assert.deepEqual(await seqs({ ruleId: 'rule-c' }), [3]);
      assert.deepEqual(await seqs({ ruleSetVersion: '1.1.0' }), [2]);
      assert.deepEqual(await seqs({ indicator: 'warning' }), [1, 5]);
      assert.deepEqual(await seqs({ outcome: 'accepted' }), [4]);
      assert.deepEqual(await seqs({ outcome: 'overridden' }), [5]);
      assert.deepEqual(await seqs({ outcome: 'none' }), [1, 2, 3]);
      assert.deepEqual(await seqs({ serviceId: 'svc-b', indicator: 'warning' }), [5]);
      assert.deepEqual(await seqs({ limit: 2 }), [1, 2]);
      assert.deepEqual(await seqs({ limit: 2, afterSeq: 2 }), [3, 4]);
      assert.deepEqual(await seqs({ afterSeq: 5 }), []);
      await assert.rejects(store.listDecisions({ limit: 0 }), storeError('invalid-input', /filter\.limit/));
      await assert.rejects(store.listDecisions({ from: 'soon' }), storeError('invalid-input', /filter\.from/));
      await assert.rejects(store.listDecisions({ outcome: 'ignored' as 'none' }), storeError('invalid-input', /filter\.outcome/));
    });

    for (const appendMode of ['single', 'group'] as const) {
      it(`keeps the chain intact under 200 concurrent appends (appendMode ${appendMode})`, async () => {
        const concurrent = await db.open({ appendMode });
        const records = await Promise.all(Array.from({ length: 200 }, (_, i) => concurrent.appendDecision(decisionInput(i + 1))));
        assert.deepEqual(records.map((r) => r.seq).sort((a, b) => a - b), Array.from({ length: 200 }, (_, i) => i + 1));
        const bySeq = new Map(records.map((r) => [r.seq, r]));
        for (let seq = 2; seq <= 200; seq++) assert.equal(bySeq.get(seq)!.prevHash, bySeq.get(seq - 1)!.hash);
        await assertChainIntact(store, 200);
      });
    }

    it('group mode: one bad record fails alone, the others in its group are committed', async () => {
      const grouped = await db.open({ appendMode: 'group' });
      await grouped.appendDecision(decisionInput(1, { cards: [card('taken')] }));
      const results = await Promise.allSettled([
        grouped.appendDecision(decisionInput(2)),
        grouped.appendDecision(decisionInput(3, { cards: [card('taken')] })),
        grouped.appendDecision(decisionInput(4)),
      ]);
      assert.deepEqual(results.map((r) => r.status), ['fulfilled', 'rejected', 'fulfilled']);
      assert.match(String((results[1] as PromiseRejectedResult).reason), /card uuid taken is already recorded/);
      await assertChainIntact(store, 3);
    });

    it('refuses text it cannot store as hashed (NUL, lone surrogate) in any field, before anything is recorded; the others in a group commit go in', async () => {
      const grouped = await db.open({ appendMode: 'group' });
      const bad: Array<[string, Partial<DecisionRecordInput>, RegExp]> = [
        ['tenant with NUL', { tenant: 'org\u0000x' }, /appendDecision: tenant contains a NUL/],
        ['tenant with a lone surrogate', { tenant: 'org-\ud800' }, /appendDecision: tenant contains a lone UTF-16 surrogate/],
        ['hookInstance with NUL', { hookInstance: 'h\u0000' }, /appendDecision: hookInstance contains a NUL/],
        ['card summary with a lone surrogate', { cards: [card('bad-summary', 'rule-a', 'warning', 'dose \udc00')] }, /cards\/0\/summary contains a lone/],
        ['fired fact with NUL', { fired: [{ ruleId: 'rule-a', facts: [{ name: 'x', value: 'a\u0000b' }] }] }, /fired\/0\/facts\/0\/value contains a NUL/],
      ];
      const results = await Promise.allSettled([
        ...Array.from({ length: 20 }, (_, i) => grouped.appendDecision(decisionInput(i + 1))),
        ...bad.map(([, overrides], i) => grouped.appendDecision(decisionInput(100 + i, overrides))),
      ]);
      assert.deepEqual(results.slice(0, 20).map((r) => r.status), Array(20).fill('fulfilled'), 'every good record of the group is committed');
      bad.forEach(([what, , message], i) => {
        const result = results[20 + i];
        assert.equal(result.status, 'rejected', what);
        assert.ok(storeError('invalid-input', message)((result as PromiseRejectedResult).reason));
      });
      await assertChainIntact(store, 20);
    });

    it('keeps the chain intact when two stores (two connections / pools) append at once', async () => {
      const a = await db.open();
      const b = await db.open({ appendMode: 'group' });
      await Promise.all([
        ...Array.from({ length: 80 }, (_, i) => a.appendDecision(decisionInput(i + 1, { cards: [card(`a-${i}`)] }))),
        ...Array.from({ length: 80 }, (_, i) => b.appendDecision(decisionInput(i + 1, { cards: [card(`b-${i}`)] }))),
      ]);
      await assertChainIntact(store, 160);
    });

    it('keeps the chain intact when two separate OS processes append at once', async function () {
      this.timeout(60_000);
      await Promise.all([
        runWorker(db.location, 60, 'proc-1', 'single'),
        runWorker(db.location, 60, 'proc-2', 'group'),
        ...Array.from({ length: 30 }, (_, i) => store.appendDecision(decisionInput(i + 1, { cards: [card(`main-${i}`)] }))),
      ]);
      await assertChainIntact(store, 150);
      assert.equal((await store.findDecisionByCard('proc-2-60'))?.hookInstance, 'proc-2-60');
    });
  });
}
