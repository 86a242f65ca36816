/**
 * The store suite against PostgreSQL (TEST_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/test;
 * each test gets its own schema, dropped afterwards). When PostgreSQL is not reachable the block is
 * skipped with a visible note, except in CI (CI=true), where that is a failure.
 */
import assert from 'node:assert/strict';
import { POSTGRES_ADMIN_URL, POSTGRES_BACKEND, postgresReachable } from './support/backends.js';
import { storeSuite } from './store-suite.js';

const { reachable, reason } = await postgresReachable();
const where = new URL(POSTGRES_ADMIN_URL).host;

describe('store: PostgreSQL backend', () => {
  if (reachable) {
    storeSuite(POSTGRES_BACKEND);
  } else if (process.env.CI === 'true') {
    it(`PostgreSQL not reachable at ${where} (CI=true: this is a failure)`, () => {
      assert.fail(`PostgreSQL not reachable at ${where}: ${reason}`);
    });
  } else {
    process.stderr.write(`\n  NOTE: PostgreSQL not reachable at ${where} (${reason}): PostgreSQL store tests skipped\n`);
    it.skip(`PostgreSQL not reachable at ${where}: PostgreSQL store tests skipped`, () => undefined);
  }
});
