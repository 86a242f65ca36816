/**
 * Walks the decision chain in seq order and reports the first break, shared by both backends
 * (each supplies a ChainReader over one consistent snapshot of its tables).
 *
 * For each record, in this order:
 *   - seq beyond the chain head                         -> inserted (appended outside the store)
 *   - seq not previous + 1                              -> deleted (a gap)
 *   - recomputed hash != stored hash, snapshot bytes
 *     not matching their digest, at_ms not matching at -> edited
 *   - prevHash != previous record's hash:
 *       it is the hash of the record two back          -> inserted (the previous record)
 *       it is the hash of a later record               -> reordered
 *       it is the hash of an earlier record            -> inserted (records in between)
 *       no record has it                                -> deleted (the linked record is gone, or
 *                                                          was replaced and re-hashed)
 * and at the end the last record must be the chain head (else deleted at the tail, or edited).
 */
import { decisionHash, GENESIS_HASH } from './decision-hash.js';
import { sha256Hex } from '../lib/canonical-json.js';
import { decisionFromRow, type DecisionRow } from './row-mapping.js';
import { StoreError } from './store-error.js';
import type { ChainVerification } from './store.js';

export interface ChainReader {
  /** The chain head: seq and hash of the last appended record (0 and GENESIS_HASH when empty). */
  head(): Promise<{ seq: number; hash: string }>;
  /** Raw decision rows with seq > afterSeq, ascending, at most `limit`. */
  page(afterSeq: number, limit: number): Promise<Record<string, unknown>[]>;
  /** The seq of the record whose stored hash is `hash`, if any. */
  seqOfHash(hash: string): Promise<number | undefined>;
}

type Problem = NonNullable<ChainVerification['problem']>;

function contentProblem(row: DecisionRow): Problem | undefined {
  if (decisionHash(row.prevHash, row) !== row.hash) {
    return { seq: row.seq, kind: 'edited', detail: `record ${row.seq}: its fields no longer hash to its stored hash` };
  }
  if (row.snapshot !== undefined && (row.snapshotSha256 === undefined || sha256Hex(row.snapshot) !== row.snapshotSha256)) {
    return { seq: row.seq, kind: 'edited', detail: `record ${row.seq}: snapshot bytes do not match the chained snapshot digest` };
  }
  if (row.atMs !== Date.parse(row.at)) {
    return { seq: row.seq, kind: 'edited', detail: `record ${row.seq}: the at_ms index column does not match at` };
  }
  return undefined;
}

async function linkProblem(
  reader: ChainReader,
  row: DecisionRow,
  previous: DecisionRow | undefined,
  beforePrevious: DecisionRow | undefined,
): Promise<Problem | undefined> {
  const expected = previous?.hash ?? GENESIS_HASH;
  if (row.prevHash === expected) return undefined;
  if (previous !== undefined && row.prevHash === (beforePrevious?.hash ?? GENESIS_HASH)) {
    return { seq: previous.seq, kind: 'inserted', detail: `record ${previous.seq} is not part of the chain: record ${row.seq} links past it` };
  }
  const linkedSeq = row.prevHash === GENESIS_HASH ? 0 : await reader.seqOfHash(row.prevHash);
  if (linkedSeq !== undefined && linkedSeq > row.seq) {
    return { seq: row.seq, kind: 'reordered', detail: `record ${row.seq} links to record ${linkedSeq}, which comes after it` };
  }
  if (linkedSeq !== undefined) {
    return {
      seq: linkedSeq + 1,
      kind: 'inserted',
      detail: `record ${row.seq} links to record ${linkedSeq}: records ${linkedSeq + 1}..${row.seq - 1} are not part of the chain`,
    };
  }
  return {
    seq: row.seq,
    kind: 'deleted',
    detail: `record ${row.seq} links to a record that is not in the store (deleted, or replaced and re-hashed)`,
  };
}

export async function verifyChainWith(
  reader: ChainReader,
  onProgress?: (checked: number) => void,
  pageSize = 1000,
): Promise<ChainVerification> {
  const head = await reader.head();
  let checked = 0;
  let previous: DecisionRow | undefined;
  let beforePrevious: DecisionRow | undefined;
  for (;;) {
    const rows = await reader.page(previous?.seq ?? 0, pageSize);
    if (rows.length === 0) break;
    for (const raw of rows) {
      let row: DecisionRow;
      try {
        row = decisionFromRow(raw);
      } catch (error) {
        if (!(error instanceof StoreError)) throw error;
        return { ok: false, checked, problem: { seq: Number(raw.seq), kind: 'edited', detail: error.message } };
      }
      const expectedSeq = (previous?.seq ?? 0) + 1;
      let problem: Problem | undefined;
      if (row.seq > head.seq) {
        problem = { seq: row.seq, kind: 'inserted', detail: `record ${row.seq} is beyond the chain head (seq ${head.seq}): it was not appended by the store` };
      } else if (row.seq !== expectedSeq) {
        const missing = row.seq - 1 === expectedSeq ? `record ${expectedSeq} is` : `records ${expectedSeq}..${row.seq - 1} are`;
        problem = { seq: expectedSeq, kind: 'deleted', detail: `${missing} missing` };
      } else {
        problem = contentProblem(row) ?? (await linkProblem(reader, row, previous, beforePrevious));
      }
      if (problem !== undefined) return { ok: false, checked, problem };
      checked += 1;
      beforePrevious = previous;
      previous = row;
    }
    onProgress?.(checked);
    // Let other work (requests) run between pages of a long verification.
    await new Promise((resolve) => setImmediate(resolve));
  }
  const lastSeq = previous?.seq ?? 0;
  if (lastSeq < head.seq) {
    const missing = lastSeq + 1 === head.seq ? `record ${head.seq} is` : `records ${lastSeq + 1}..${head.seq} are`;
    return { ok: false, checked, problem: { seq: lastSeq + 1, kind: 'deleted', detail: `${missing} missing at the end of the chain (head is seq ${head.seq})` } };
  }
  if ((previous?.hash ?? GENESIS_HASH) !== head.hash) {
    return { ok: false, checked, problem: { seq: lastSeq, kind: 'edited', detail: `record ${lastSeq} is not the record the chain head recorded` } };
  }
  onProgress?.(checked);
  return { ok: true, checked };
}
