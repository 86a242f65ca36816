/**
 * Tests that need PostgreSQL (127.0.0.1:5432, or TEST_DATABASE_URL) run when it answers. Without it they
 * are skipped with a visible note on a developer's machine, and fail in CI (CI=true), where .ci/run
 * starts PostgreSQL.
 */
import { POSTGRES_ADMIN_URL, postgresReachable } from '../store/support/backends.js';

export async function skipWithoutPostgres(ctx: Mocha.Context, what: string): Promise<void> {
  const { reachable, reason } = await postgresReachable();
  if (reachable) return;
  const where = new URL(POSTGRES_ADMIN_URL).host;
  if (process.env.CI === 'true') throw new Error(`PostgreSQL is required in CI and is not reachable at ${where}: ${reason}`);
  process.stderr.write(`\n  NOTE: PostgreSQL not reachable at ${where} (${reason}): ${what} skipped\n`);
  ctx.skip();
}
