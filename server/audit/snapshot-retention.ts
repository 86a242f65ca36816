/**
 * Enforces SNAPSHOT_RETENTION_DAYS: removes decision snapshots whose snapshotExpiresAt has passed
 * (store.purgeExpiredSnapshots keeps the hash chain intact), once at start and then every hour.
 */
import type { Logger } from '../logger.js';
import type { Store } from '../../store/store.js';

export const SNAPSHOT_PURGE_INTERVAL_MS = 60 * 60 * 1000;

export async function purgeExpiredSnapshotsOnce(store: Store, clock: () => Date, logger: Logger): Promise<void> {
  try {
    const purged = await store.purgeExpiredSnapshots(clock().toISOString());
    if (purged > 0) logger.info({ purged }, 'expired decision snapshots removed');
  } catch (err) {
    logger.error({ errorMessage: (err as Error).message }, 'expired decision snapshots could not be removed');
  }
}

/** Starts the hourly purge; returns a function that stops it. */
export function startSnapshotRetention(store: Store, clock: () => Date, logger: Logger, intervalMs = SNAPSHOT_PURGE_INTERVAL_MS): () => void {
  void purgeExpiredSnapshotsOnce(store, clock, logger);
  const timer = setInterval(() => void purgeExpiredSnapshotsOnce(store, clock, logger), intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
