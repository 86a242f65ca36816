/** Schema migrations: idempotent, safe when processes start together, and refusing edited files. */
import assert from 'node:assert/strict';
import { loadMigrations } from '../../../store/migrations.js';
import { storeError } from '../support/assertions.js';
import type { TestBackend, TestDatabase } from '../support/backends.js';

export function migrationsSuite(backend: TestBackend): void {
  describe('migrations', () => {
    let db: TestDatabase;

    beforeEach(async () => {
      db = await backend.fresh();
    });
    afterEach(async () => db.dispose());

    it('applies every migration once, recorded in schema_migrations; migrating again changes nothing', async () => {
      const store = await db.open();
      await store.migrate();
      const rows = await db.query('SELECT version, name, checksum FROM schema_migrations ORDER BY version');
      const expected = loadMigrations(backend.kind).map((m) => ({ version: m.version, name: m.name, checksum: m.checksum }));
      assert.deepEqual(rows.map((r) => ({ version: Number(r.version), name: r.name, checksum: r.checksum })), expected);
      assert.ok(expected.length >= 3);
      await store.ping();
    });

    it('is safe when several processes start on an empty database at once', async () => {
      const stores = await Promise.all([db.open(), db.open(), db.open()]);
      const rows = await db.query('SELECT version FROM schema_migrations');
      assert.equal(rows.length, loadMigrations(backend.kind).length);
      for (const store of stores) await store.ping();
    });

    it('refuses to start when an applied migration file was changed afterwards', async () => {
      await db.open();
      await db.exec("UPDATE schema_migrations SET checksum = 'edited' WHERE version = 2");
      await assert.rejects(db.open(), storeError('integrity', /002_decisions\.sql was changed after it was applied/));
    });
  });
}
