/**
 * Replay protection that survives restarts and replicas (server/auth/replay-cache.ts: seen jti values
 * in the store). A token accepted once is refused when it comes again after the service restarted on the
 * same SQLite file, and when it is sent to another instance of the service on the same PostgreSQL
 * database (two apps, each with its own pool, as two replicas behind a load balancer would be).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { openStore } from '../../store/open-store.js';
import type { Store } from '../../store/store.js';
import { POSTGRES_BACKEND, type TestDatabase } from '../store/support/backends.js';
import { generateTestKey, jwks, signClientToken, type TestKey } from '../support/client-tokens.js';
import { skipWithoutPostgres } from '../support/postgres-or-skip.js';
import { PUBLIC_BASE_URL, startHarness, TestClock } from '../support/server-harness.js';

const ISS = 'https://ehr-replay.test.example';
const SERVICE = '/cds-services/server-test-patient-view';

describe('replay protection across restarts and replicas', () => {
  let key: TestKey;
  before(async () => {
    key = await generateTestKey('ES384', 'replay-1');
  });
  const clients = () => [{ iss: ISS, jwks: jwks(key), fhirServers: [] }];
  const discover = async (h: { app: Parameters<typeof request>[0] }, token: string) =>
    request(h.app).get('/cds-services').set('Authorization', `Bearer ${token}`);
  const lastReason = (h: { logs: { lines(): Array<Record<string, unknown>> } }) =>
    h.logs.lines().filter((l) => l.msg === 'client authentication failed').at(-1)?.reason;

  it('SQLite: a token accepted before a restart is refused after it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cds-replay-restart-'));
    const clock = new TestClock();
    try {
      let store: Store = await openStore({ dataDir: dir, clock: clock.now });
      let h = await startHarness({ clients: clients(), store, clock });
      const token = await signClientToken({ key, iss: ISS, aud: `${PUBLIC_BASE_URL}/cds-services`, now: clock.now() });
      assert.equal((await discover(h, token)).status, 200);
      await h.close();
      await store.close();

      store = await openStore({ dataDir: dir, clock: clock.now });
      h = await startHarness({ clients: clients(), store, clock });
      assert.equal((await discover(h, token)).status, 401);
      assert.equal(lastReason(h), 'replayed-jti');
      await h.close();
      await store.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  describe('PostgreSQL: two instances of the service on one database', () => {
    let db: TestDatabase;
    before(async function () {
      await skipWithoutPostgres(this, 'replay protection across replicas');
      db = await POSTGRES_BACKEND.fresh();
    });
    after(async () => db?.dispose());

    it('a token accepted by one instance is refused by the other, and after a restart', async () => {
      const clock = new TestClock();
      const [storeA, storeB] = [await db.open({ clock: clock.now }), await db.open({ clock: clock.now })];
      const a = await startHarness({ clients: clients(), store: storeA, clock });
      const b = await startHarness({ clients: clients(), store: storeB, clock });
      try {
        const token = await signClientToken({ key, iss: ISS, aud: `${PUBLIC_BASE_URL}/cds-services`, now: clock.now() });
        assert.equal((await discover(a, token)).status, 200);
        assert.equal((await discover(b, token)).status, 401);
        assert.equal(lastReason(b), 'replayed-jti');

        // The same token sent to both at once: exactly one instance accepts it.
        const raced = await signClientToken({ key, iss: ISS, aud: `${PUBLIC_BASE_URL}${SERVICE}`, now: clock.now() });
        const body = { hook: 'patient-view', hookInstance: 'd1577c69-dfbe-44ad-ba6d-3e05e953b2ea', context: { userId: 'Practitioner/1', patientId: 'p-1' }, prefetch: {} };
        const statuses = await Promise.all(
          [a, b, a, b].map((h) => request(h.app).post(SERVICE).set('Authorization', `Bearer ${raced}`).send(body).then((r) => r.status)),
        );
        assert.equal(statuses.filter((s) => s !== 401).length, 1, statuses.join(','));

        await storeA.close();
        const restarted = await startHarness({ clients: clients(), store: await db.open({ clock: clock.now }), clock });
        assert.equal((await discover(restarted, token)).status, 401, 'refused after a restart too');
        await restarted.close();
      } finally {
        await a.close();
        await b.close();
      }
    });
  });
});
