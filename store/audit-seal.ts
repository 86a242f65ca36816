/**
 * The one-time sealing step of migration 007 (store/migrations.ts): lifecycle events and feedback
 * written before their chains existed are chained once, in row order, in the migration's own
 * transaction, and the chain heads set. Rows written later are chained as they are appended; a row
 * found without a hash afterwards is reported by verification as written outside the store.
 * (What rows said before the migration ran cannot be vouched for: the chain starts from them as found.)
 */
import { feedbackBodyFromRow, GENESIS_HASH, lifecycleBodyFromRows, linkRecord, type ChainLink } from './audit-chain.js';

type Row = Record<string, unknown>;

export const SEAL_AFTER_MIGRATION = 7;

export interface SealPlan {
  lifecycle: { seq: number; link: ChainLink }[];
  feedback: { id: number; link: ChainLink }[];
  heads: { lifecycle: { seq: number; hash: string }; feedback: { seq: number; hash: string } };
}

/** `events` ordered by seq, `feedback` ordered by id, `versions` every rule_set_versions row. */
export function planSeal(events: Row[], versions: Row[], feedback: Row[]): SealPlan {
  const byKey = new Map(versions.map((v) => [`${String(v.rule_set_id)}@${String(v.version)}`, v]));
  let hash = GENESIS_HASH;
  let seq = 0;
  const lifecycle = events.map((event) => {
    const link = linkRecord(hash, lifecycleBodyFromRows(event, byKey.get(`${String(event.rule_set_id)}@${String(event.version)}`)));
    hash = link.hash;
    seq = Number(event.seq);
    return { seq, link };
  });
  const lifecycleHead = { seq, hash };
  hash = GENESIS_HASH;
  let id = 0;
  const feedbackLinks = feedback.map((row) => {
    const link = linkRecord(hash, feedbackBodyFromRow(row));
    hash = link.hash;
    id = Number(row.id);
    return { id, link };
  });
  return { lifecycle, feedback: feedbackLinks, heads: { lifecycle: lifecycleHead, feedback: { seq: id, hash } } };
}
