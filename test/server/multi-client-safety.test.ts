/**
 * No client can harm another client or the audit record:
 *   - a second client reusing a hookInstance gets its own evaluation and its own decision record,
 *     attributed to it (idempotency is keyed by client and hookInstance);
 *   - a token claim that cannot be stored (a NUL or a lone surrogate in `tenant`) is refused before
 *     anything is recorded, while another client's concurrent calls, committed in the same groups, all
 *     succeed, and the chain verifies, on SQLite and on PostgreSQL;
 *   - a number that overflows (1e309), a NUL or a lone surrogate anywhere in a request is a 400 naming
 *     the JSON pointer, never a 500, and nothing is recorded.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import type { CdsServiceRequest } from '../../cds-hooks/wire-types.js';
import type { Store } from '../../store/store.js';
import { POSTGRES_BACKEND, type TestDatabase } from '../store/support/backends.js';
import { openStore } from '../../store/open-store.js';
import { generateTestKey, jwks, signClientToken, type TestKey } from '../support/client-tokens.js';
import { skipWithoutPostgres } from '../support/postgres-or-skip.js';
import { aneurysm, requestFromContextExample, searchset, withEsketamineOrder } from '../support/server-requests.js';
import { makeTempDir, PUBLIC_BASE_URL, startHarness, TestClock, type Harness } from '../support/server-harness.js';

const A = 'https://ehr-a.safety.example';
const B = 'https://ehr-b.safety.example';
const SERVICE = '/cds-services/server-test-order-select';

function orderSelect(hookInstance = randomUUID()): CdsServiceRequest {
  return { ...withEsketamineOrder(requestFromContextExample('order-select', 'hook-context-order-select-r4.json', { conditions: searchset([aneurysm()]) })), hookInstance };
}

describe('multi-client safety', () => {
  let keyA: TestKey;
  let keyB: TestKey;
  before(async () => {
    [keyA, keyB] = await Promise.all([generateTestKey('ES384', 'safety-a'), generateTestKey('RS384', 'safety-b')]);
  });
  const clients = () => [
    { iss: A, jwks: jwks(keyA), fhirServers: [] },
    { iss: B, jwks: jwks(keyB), fhirServers: [] },
  ];
  const call = async (h: Harness, key: TestKey, iss: string, body: unknown, claims: Record<string, unknown> = {}) => {
    const token = await signClientToken({ key, iss, aud: `${PUBLIC_BASE_URL}${SERVICE}`, now: h.clock.now(), claims });
    return request(h.app).post(SERVICE).set('Authorization', `Bearer ${token}`).set('Content-Type', 'application/json').send(typeof body === 'string' ? body : JSON.stringify(body));
  };

  describe('a hookInstance reused by another client', () => {
    let h: Harness;
    before(async () => {
      h = await startHarness({ clients: clients() });
    });
    after(async () => h.close());

    it('gets its own evaluation and decision record, attributed to it; each client repeating its own call is idempotent', async () => {
      const body = orderSelect();
      const first = await call(h, keyA, A, body);
      assert.equal(first.status, 200);
      const second = await call(h, keyB, B, body);
      assert.equal(second.status, 200, second.text);
      const cardsA = first.body.cards.map((c: { uuid: string }) => c.uuid);
      const cardsB = second.body.cards.map((c: { uuid: string }) => c.uuid);
      assert.equal(cardsA.length, 1);
      assert.notDeepEqual(cardsB, cardsA, "B's cards are its own, not A's");

      const recordOfA = await h.store.findDecisionByCard(cardsA[0]);
      const recordOfB = await h.store.findDecisionByCard(cardsB[0]);
      assert.equal(recordOfA?.clientIss, A);
      assert.equal(recordOfB?.clientIss, B);
      assert.notEqual(recordOfA?.seq, recordOfB?.seq);

      // A retry by each client is answered again from its own record: no new record.
      assert.deepEqual((await call(h, keyA, A, body)).body, first.body);
      assert.deepEqual((await call(h, keyB, B, body)).body, second.body);
      assert.equal((await h.store.listDecisions({})).length, 2);

      // Other input under the same hookInstance is still refused, per client.
      const changed = { ...body, context: { ...body.context, userId: 'Practitioner/other' } };
      const reused = await call(h, keyB, B, changed);
      assert.equal(reused.status, 400);
      assert.equal(reused.body.problems[0].pointer, '/hookInstance');
    });
  });

  for (const backend of ['sqlite', 'postgres'] as const) {
    describe(`token claims that cannot be stored, on ${backend === 'sqlite' ? 'SQLite' : 'PostgreSQL'}`, () => {
      let db: TestDatabase | undefined;
      let store: Store;
      let h: Harness;
      before(async function () {
        const clock = new TestClock();
        if (backend === 'postgres') {
          await skipWithoutPostgres(this, 'unstorable claims on PostgreSQL');
          db = await POSTGRES_BACKEND.fresh();
          store = await db.open({ clock: clock.now, appendMode: 'group' });
        } else {
          store = await openStore({ dataDir: makeTempDir('cds-unstorable-'), clock: clock.now, appendMode: 'group' });
        }
        // No in-flight bound: all 94 calls are to reach the store together (the bound is tested elsewhere).
        h = await startHarness({ clients: clients(), store, clock, maxInFlight: 0 });
      });
      after(async () => {
        await h?.close();
        if (db) await db.dispose();
        else await store?.close();
      });

      it("a NUL or a lone surrogate in tenant is refused (401) before anything is recorded; 90 concurrent calls of another client all succeed; the chain verifies", async () => {
        const bad = ['org\u0000a', 'org-\ud800', '\udfff', 'x'.repeat(300)];
        const results = await Promise.all([
          ...Array.from({ length: 90 }, () => call(h, keyB, B, orderSelect(), { tenant: 'hospital-b' })),
          ...bad.map((tenant) => call(h, keyA, A, orderSelect(), { tenant })),
        ]);
        assert.deepEqual(results.slice(0, 90).map((r) => r.status), Array(90).fill(200), results.find((r) => r.status !== 200)?.text);
        assert.deepEqual(results.slice(90).map((r) => r.status), bad.map(() => 401));
        const reasons = h.logs.lines().filter((l) => l.msg === 'client authentication failed').map((l) => `${l.reason}: ${l.detail}`);
        assert.equal(reasons.filter((r) => /^claims-invalid: tenant (contains a NUL|contains a lone UTF-16 surrogate|is longer than 256)/.test(r)).length, bad.length, reasons.join('\n'));
        const decisions = await h.store.listDecisions({ limit: 1000 });
        assert.equal(decisions.length, 90);
        assert.ok(decisions.every((d) => d.clientIss === B && d.tenant === 'hospital-b'));
        const verification = await h.store.verifyChain();
        assert.deepEqual({ ok: verification.ok, checked: verification.checked }, { ok: true, checked: 90 });
      });
    });
  }

  describe('values the service cannot compute with or store, in the request', () => {
    let h: Harness;
    before(async () => {
      h = await startHarness({ clients: clients() });
    });
    after(async () => h.close());

    const cases: Array<[string, (text: string) => string, string, RegExp]> = [
      ['a number that overflows (1e309)', (t) => t.replace('"status":"draft"', '"status":"draft","dispenseRequest":{"quantity":{"value":1e309}}'), '/context/draftOrders/entry/0/resource/dispenseRequest/quantity/value', /too large to represent/],
      ['a NUL in hookInstance', (t) => t.replace(/"hookInstance":"[^"]*"/, '"hookInstance":"h\\u0000i"'), '/hookInstance', /NUL character/],
      ['a lone surrogate in a member name', (t) => t.replace('"context":{', '"context":{"x\\ud800":1,'), '/context/x\ud800', /member name that contains a lone UTF-16 surrogate/],
    ];
    for (const [what, edit, pointer, message] of cases) {
      it(`${what}: 400 naming ${JSON.stringify(pointer)}, nothing recorded`, async () => {
        const before = (await h.store.listDecisions({})).length;
        const text = edit(JSON.stringify(orderSelect()));
        const res = await call(h, keyA, A, text);
        assert.equal(res.status, 400, res.text.slice(0, 300));
        assert.equal(res.body.error, 'invalid_request');
        assert.equal(res.body.problems[0].pointer, pointer);
        assert.match(res.body.problems[0].message, message);
        assert.equal((await h.store.listDecisions({})).length, before);
      });
    }
  });
});
