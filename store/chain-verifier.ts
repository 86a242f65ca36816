/**
 * Walks a hash chain in order and reports every break, not only the first: the decision chain
 * (seq contiguous from 1), and the lifecycle and feedback chains (ordered by row id, ids may skip).
 * Shared by both backends: each supplies an AuditSql over one consistent snapshot of its tables.
 *
 * For each record, in this order:
 *   - no hash at all (lifecycle, feedback)              -> unchained (inserted outside the store)
 *   - id beyond the chain head                          -> inserted (appended outside the store)
 *   - decisions: seq not previous + 1                   -> deleted (a gap); the link is not judged
 *   - recomputed hash != stored hash, or an index
 *     column (at_ms, outcome_at_ms) or snapshot bytes
 *     not matching the chained value                    -> edited, naming the field(s) (field digests)
 *   - prevHash != previous record's hash:
 *       it is the hash of the record two back          -> inserted (the previous record)
 *       it is the hash of a later record               -> reordered
 *       it is the hash of an earlier record            -> inserted (records in between)
 *       no record has it                                -> deleted (the linked record is gone, or
 *                                                          was replaced and re-hashed)
 * and at the end the last record must be the chain head (else deleted at the tail, or edited).
 * After a break the walk goes on from the record as stored, so one edit is reported once.
 */
import { sha256Hex } from '../lib/canonical-json.js';
import { editedFields } from './audit-chain.js';
import { chainedFieldsOf, decisionHash, GENESIS_HASH } from './decision-hash.js';
import { decisionFromRow, type DecisionRow } from './row-mapping.js';
import { StoreError } from './store-error.js';
import type { AuditBreak, AuditRecordKind, ChainVerification } from './store.js';

type Row = Record<string, unknown>;

/** Read-only SQL over one consistent snapshot, `?` placeholders (the PostgreSQL store numbers them). */
export interface AuditSql {
  all(sql: string, params?: unknown[]): Promise<Row[]>;
}

export interface ChainSpec {
  record: AuditRecordKind;
  table: string;
  idColumn: string;
  /** The head: { seq, hash } of the last appended record. */
  head(): Promise<{ seq: number; hash: string }>;
  /** Ids are 1, 2, 3, … (decisions): a gap is a deletion. */
  contiguous: boolean;
  /** The checks of one record's content; returns the breaks (empty when it is intact). */
  content(row: Row): AuditBreak[];
}

export interface ChainWalk {
  checked: number;
  breaks: AuditBreak[];
}

const PAGE_SIZE = 1000;

export async function walkChain(sql: AuditSql, spec: ChainSpec, onProgress?: (checked: number) => void): Promise<ChainWalk> {
  const head = await spec.head();
  const breaks: AuditBreak[] = [];
  const at = (id: number, kind: AuditBreak['kind'], detail: string, field?: string): AuditBreak => ({
    record: spec.record,
    id: String(id),
    kind,
    ...(field === undefined ? {} : { field }),
    detail,
  });
  let checked = 0;
  let previous: { id: number; hash: string } | undefined;
  let beforePrevious: { id: number; hash: string } | undefined;
  let afterId = 0;
  for (;;) {
    const rows = await sql.all(`SELECT * FROM ${spec.table} WHERE ${spec.idColumn} > ? ORDER BY ${spec.idColumn} LIMIT ?`, [afterId, PAGE_SIZE]);
    if (rows.length === 0) break;
    for (const row of rows) {
      const id = Number(row[spec.idColumn]);
      afterId = id;
      checked += 1;
      if (row.hash === null || row.hash === undefined) {
        breaks.push(at(id, 'unchained', `${spec.record} ${id} has no hash: it was written outside the store`));
        continue;
      }
      const hash = String(row.hash);
      const prevHash = String(row.prev_hash);
      if (id > head.seq) {
        breaks.push(at(id, 'inserted', `${spec.record} ${id} is beyond the chain head (${head.seq}): it was not appended by the store`));
      }
      const expected = (previous?.id ?? 0) + 1;
      const gap = spec.contiguous && id !== expected;
      if (gap) {
        const missing = id - 1 === expected ? `${spec.record} ${expected} is` : `${spec.record}s ${expected}..${id - 1} are`;
        breaks.push(at(expected, 'deleted', `${missing} missing`));
      }
      breaks.push(...spec.content(row));
      if (!gap) {
        const link = await linkBreak(sql, spec, { id, prevHash }, previous, beforePrevious);
        if (link !== undefined) breaks.push(at(link.id, link.kind, link.detail));
      }
      beforePrevious = previous;
      previous = { id, hash };
    }
    onProgress?.(checked);
    // Let other work (requests) run between pages of a long verification.
    await new Promise((resolve) => setImmediate(resolve));
  }
  const lastId = previous?.id ?? 0;
  if (lastId < head.seq) {
    breaks.push(at(lastId + 1, 'deleted', `the chain head says the last ${spec.record} is ${head.seq}, but the last one in the store is ${lastId}: records at the end are missing`));
  } else if ((previous?.hash ?? GENESIS_HASH) !== head.hash) {
    breaks.push(at(lastId, 'edited', `${spec.record} ${lastId} is not the record the chain head recorded`, 'hash'));
  }
  return { checked, breaks };
}

async function linkBreak(
  sql: AuditSql,
  spec: ChainSpec,
  row: { id: number; prevHash: string },
  previous: { id: number; hash: string } | undefined,
  beforePrevious: { id: number; hash: string } | undefined,
): Promise<{ id: number; kind: AuditBreak['kind']; detail: string } | undefined> {
  const expected = previous?.hash ?? GENESIS_HASH;
  if (row.prevHash === expected) return undefined;
  const name = spec.record;
  if (previous !== undefined && row.prevHash === (beforePrevious?.hash ?? GENESIS_HASH)) {
    return { id: previous.id, kind: 'inserted', detail: `${name} ${previous.id} is not part of the chain: ${name} ${row.id} links past it` };
  }
  let linked: number | undefined;
  if (row.prevHash === GENESIS_HASH) linked = 0;
  else {
    const found = await sql.all(`SELECT ${spec.idColumn} AS id FROM ${spec.table} WHERE hash = ? ORDER BY ${spec.idColumn} LIMIT 1`, [row.prevHash]);
    linked = found.length === 0 ? undefined : Number(found[0].id);
  }
  if (linked !== undefined && linked > row.id) {
    return { id: row.id, kind: 'reordered', detail: `${name} ${row.id} links to ${name} ${linked}, which comes after it` };
  }
  if (linked !== undefined) {
    return { id: row.id, kind: 'inserted', detail: `${name} ${row.id} links to ${name} ${linked}: the records between them are not part of the chain` };
  }
  return { id: row.id, kind: 'deleted', detail: `${name} ${row.id} links to a record that is not in the store (deleted, or replaced and re-hashed)` };
}

/** The content checks of one decision row. */
export function decisionContentBreaks(raw: Row): AuditBreak[] {
  const id = String(raw.seq);
  let row: DecisionRow;
  try {
    row = decisionFromRow(raw);
  } catch (error) {
    if (!(error instanceof StoreError)) throw error;
    return [{ record: 'decision', id, kind: 'edited', detail: error.message }];
  }
  const breaks: AuditBreak[] = [];
  if (decisionHash(row.prevHash, row) !== row.hash) {
    breaks.push(...editedBreaks('decision', id, raw.field_digests, chainedFieldsOf(row), `decision ${id}: its fields no longer hash to its stored hash`));
  }
  if (row.snapshot !== undefined && (row.snapshotSha256 === undefined || sha256Hex(row.snapshot) !== row.snapshotSha256)) {
    breaks.push({ record: 'decision', id, kind: 'edited', field: 'snapshot', detail: `decision ${id}: snapshot bytes do not match the chained snapshot digest` });
  }
  if (row.atMs !== Date.parse(row.at)) {
    breaks.push({ record: 'decision', id, kind: 'edited', field: 'at_ms', detail: `decision ${id}: the at_ms index column does not match at` });
  }
  return breaks;
}

/**
 * One break per edited field when the stored field digests name them, else one break without a
 * field. `body` is the chained body as read now.
 */
export function editedBreaks(record: AuditRecordKind, id: string, storedDigests: unknown, body: object, detail: string): AuditBreak[] {
  const fields = editedFields(storedDigests, body);
  if (fields === undefined) {
    const why = storedDigests === null || storedDigests === undefined ? 'no field digests were kept for it' : 'its field digests were rewritten too';
    return [{ record, id, kind: 'edited', detail: `${detail} (which field cannot be told: ${why})` }];
  }
  return fields.map((field) => ({ record, id, kind: 'edited' as const, field, detail: `${detail}: ${field} was changed` }));
}

/** The decision chain alone (Store.verifyChain). */
export async function walkDecisions(sql: AuditSql, onProgress?: (checked: number) => void): Promise<ChainWalk> {
  const head = async (): Promise<{ seq: number; hash: string }> => {
    const row = (await sql.all('SELECT seq, hash FROM decision_chain_head WHERE id = 1'))[0];
    return { seq: Number(row.seq), hash: String(row.hash) };
  };
  return walkChain(sql, { record: 'decision', table: 'decisions', idColumn: 'seq', contiguous: true, head, content: decisionContentBreaks }, onProgress);
}

const LEGACY_KINDS = new Set(['edited', 'inserted', 'deleted', 'reordered']);

/** The decision walk as Store.verifyChain reports it: the first break only. */
export function firstDecisionBreak(walk: ChainWalk): ChainVerification {
  const first = walk.breaks[0];
  if (first === undefined) return { ok: true, checked: walk.checked };
  const kind = (LEGACY_KINDS.has(first.kind) ? first.kind : 'edited') as 'edited' | 'inserted' | 'deleted' | 'reordered';
  return { ok: false, checked: walk.checked, problem: { seq: Number(first.id), kind, detail: first.detail } };
}
