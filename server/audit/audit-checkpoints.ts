/**
 * With AUDIT_SIGNING_KEY set, the service signs the audit chain heads (store/audit-checkpoint.ts) once
 * at start and then every AUDIT_CHECKPOINT_MS, skipping a round when no chain moved since the last
 * checkpoint it finds in the store. Failures are logged; the service keeps serving.
 */
import type { KeyObject } from 'node:crypto';
import { canonicalJson } from '../../lib/canonical-json.js';
import { writeCheckpoint } from '../../store/audit-checkpoint.js';
import type { Store } from '../../store/store.js';
import type { Logger } from '../logger.js';

export async function checkpointOnce(store: Store, key: KeyObject, clock: () => Date, logger: Logger): Promise<void> {
  try {
    const heads = await store.auditHeads();
    const last = (await store.listCheckpoints()).at(-1);
    if (last !== undefined && canonicalJson(last.heads) === canonicalJson(heads)) return;
    const checkpoint = await writeCheckpoint(store, key, clock());
    logger.info({ at: checkpoint.at, keyId: checkpoint.keyId, decisions: heads.decisions.seq, lifecycle: heads.lifecycle.seq, feedback: heads.feedback.seq }, 'audit checkpoint signed');
  } catch (err) {
    logger.error({ errorMessage: (err as Error).message }, 'audit checkpoint could not be signed');
  }
}

/** Starts the periodic checkpoint; returns a function that stops it. */
export function startAuditCheckpoints(store: Store, key: KeyObject, intervalMs: number, clock: () => Date, logger: Logger): () => void {
  void checkpointOnce(store, key, clock, logger);
  const timer = setInterval(() => void checkpointOnce(store, key, clock, logger), intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
