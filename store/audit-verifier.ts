/**
 * Verification of the whole audit record over one consistent snapshot (both backends supply an
 * AuditSql on a read-only transaction): the decision, lifecycle and feedback chains
 * (store/chain-verifier.ts), every published version and every checkpoint. Every break is reported,
 * with the record kind, its id and, for an edit, the field.
 *
 * Publications: each rule_set_versions row must hash to its content hash (field "content"), have
 * exactly one publication event in the lifecycle chain (whose hash covers the content hash, author,
 * publication instant and effective period: an edit of those is named as a publication field), and
 * be in the state its last lifecycle event says (field "state").
 *
 * Checkpoints (store/audit-checkpoint.ts): with a public key each signature is checked; each head a
 * checkpoint signed must still be in its chain with the same hash (else truncated or rewritten).
 * Checkpoints given from outside (an auditor's copy) must also still be in the store.
 */
import { GENESIS_HASH, lifecycleBodyFromRows, feedbackBodyFromRow, chainHash } from './audit-chain.js';
import { checkpointSignatureValid } from './audit-checkpoint.js';
import { decisionContentBreaks, editedBreaks, walkChain, type AuditSql } from './chain-verifier.js';
import { ruleSetContentHash } from './rule-set-hash.js';
import type { AuditBreak, AuditCheckpoint, AuditHeads, AuditVerification, AuditVerifyOptions } from './store.js';
import type { RuleSet } from '../engine/rule-set-types.js';

type Row = Record<string, unknown>;

export async function readAuditHeads(sql: AuditSql): Promise<AuditHeads> {
  const decision = (await sql.all('SELECT seq, hash FROM decision_chain_head WHERE id = 1'))[0];
  const others = await sql.all('SELECT chain, seq, hash FROM audit_chain_heads');
  const head = (chain: string): { seq: number; hash: string } => {
    const row = others.find((r) => r.chain === chain);
    return row === undefined ? { seq: 0, hash: GENESIS_HASH } : { seq: Number(row.seq), hash: String(row.hash) };
  };
  return {
    decisions: { seq: Number(decision?.seq ?? 0), hash: String(decision?.hash ?? GENESIS_HASH) },
    lifecycle: head('lifecycle'),
    feedback: head('feedback'),
  };
}

const versionKey = (ruleSetId: unknown, version: unknown): string => `${String(ruleSetId)}@${String(version)}`;

export async function verifyAuditWith(sql: AuditSql, options: AuditVerifyOptions = {}): Promise<AuditVerification> {
  const heads = await readAuditHeads(sql);
  const versions = new Map((await sql.all('SELECT * FROM rule_set_versions')).map((row) => [versionKey(row.rule_set_id, row.version), row]));
  const breaks: AuditBreak[] = [];

  const decisions = await walkChain(
    sql,
    { record: 'decision', table: 'decisions', idColumn: 'seq', contiguous: true, head: async () => heads.decisions, content: decisionContentBreaks },
    options.onProgress,
  );
  breaks.push(...decisions.breaks);

  const lifecycle = await walkChain(sql, {
    record: 'lifecycle-event',
    table: 'lifecycle_events',
    idColumn: 'seq',
    contiguous: false,
    head: async () => heads.lifecycle,
    content: (row) => lifecycleContentBreaks(row, versions.get(versionKey(row.rule_set_id, row.version))),
  });
  breaks.push(...lifecycle.breaks);

  breaks.push(...(await publicationBreaks(sql, versions)));

  const feedback = await walkChain(sql, {
    record: 'feedback',
    table: 'feedback',
    idColumn: 'id',
    contiguous: false,
    head: async () => heads.feedback,
    content: feedbackContentBreaks,
  });
  breaks.push(...feedback.breaks);

  const stored = (await sql.all('SELECT * FROM audit_checkpoints ORDER BY id')).map((row) => ({ id: Number(row.id), checkpoint: checkpointFromRow(row) }));
  breaks.push(...(await checkpointBreaks(sql, stored, options)));

  return {
    ok: breaks.length === 0,
    checked: {
      decisions: decisions.checked,
      lifecycleEvents: lifecycle.checked,
      feedback: feedback.checked,
      publications: versions.size,
      checkpoints: stored.length,
    },
    breaks,
    signaturesChecked: options.publicKey !== undefined,
    heads,
  };
}

function lifecycleContentBreaks(row: Row, version: Row | undefined): AuditBreak[] {
  const id = String(row.seq);
  const body = lifecycleBodyFromRows(row, version);
  const breaks: AuditBreak[] = [];
  if (row.hash !== null && chainHash(String(row.prev_hash), body) !== String(row.hash)) {
    const key = versionKey(row.rule_set_id, row.version);
    for (const b of editedBreaks('lifecycle-event', id, row.field_digests, body, `lifecycle event ${id} (${key}): its fields no longer hash to its stored hash`)) {
      // An edit of the published version's identity is an edit of the publication, not of the event.
      if (b.field?.startsWith('publication.')) {
        const field = b.field.slice('publication.'.length);
        breaks.push({ record: 'publication', id: key, kind: 'edited', field: field === 'contentHash' ? 'hash' : field, detail: `publication ${key}: ${field} differs from what its publication event chained` });
      } else breaks.push(b);
    }
  }
  if (Number(row.at_ms) !== Date.parse(String(row.at))) {
    breaks.push({ record: 'lifecycle-event', id, kind: 'edited', field: 'at_ms', detail: `lifecycle event ${id}: the at_ms index column does not match at` });
  }
  return breaks;
}

function feedbackContentBreaks(row: Row): AuditBreak[] {
  const id = String(row.id);
  const body = feedbackBodyFromRow(row);
  const breaks: AuditBreak[] = [];
  if (row.hash !== null && chainHash(String(row.prev_hash), body) !== String(row.hash)) {
    breaks.push(...editedBreaks('feedback', id, row.field_digests, body, `feedback ${id} (card ${body.cardUuid}): its fields no longer hash to its stored hash`));
  }
  if (Number(row.outcome_at_ms) !== Date.parse(body.outcomeTimestamp)) {
    breaks.push({ record: 'feedback', id, kind: 'edited', field: 'outcome_at_ms', detail: `feedback ${id}: the outcome_at_ms column does not match outcomeTimestamp` });
  }
  return breaks;
}

async function publicationBreaks(sql: AuditSql, versions: Map<string, Row>): Promise<AuditBreak[]> {
  const events = await sql.all('SELECT seq, rule_set_id, version, from_state, to_state FROM lifecycle_events ORDER BY seq');
  const publications = new Map<string, number>();
  const lastState = new Map<string, string>();
  for (const event of events) {
    const key = versionKey(event.rule_set_id, event.version);
    if (event.from_state === null || event.from_state === undefined) publications.set(key, (publications.get(key) ?? 0) + 1);
    lastState.set(key, String(event.to_state));
  }
  const breaks: AuditBreak[] = [];
  for (const [key, row] of versions) {
    let content: RuleSet | undefined;
    try {
      content = JSON.parse(String(row.content)) as RuleSet;
    } catch {
      content = undefined;
    }
    if (content === undefined || ruleSetContentHash(content) !== String(row.hash)) {
      breaks.push({ record: 'publication', id: key, kind: 'edited', field: 'content', detail: `publication ${key}: the published content no longer hashes to its content hash` });
    }
    const count = publications.get(key) ?? 0;
    if (count === 0) {
      breaks.push({ record: 'publication', id: key, kind: 'inserted', detail: `publication ${key} has no publication event in the lifecycle chain: it was not published by the store` });
    } else if (count > 1) {
      breaks.push({ record: 'publication', id: key, kind: 'inserted', detail: `publication ${key} has ${count} publication events` });
    }
    const state = lastState.get(key);
    if (state !== undefined && state !== String(row.state)) {
      breaks.push({ record: 'publication', id: key, kind: 'edited', field: 'state', detail: `publication ${key} is ${String(row.state)}, but its lifecycle history ends in ${state}` });
    }
  }
  for (const key of publications.keys()) {
    if (!versions.has(key)) breaks.push({ record: 'publication', id: key, kind: 'deleted', detail: `publication ${key} is in the lifecycle chain but no longer in the registry` });
  }
  return breaks;
}

function checkpointFromRow(row: Row): AuditCheckpoint {
  let heads: AuditHeads;
  try {
    heads = JSON.parse(String(row.heads)) as AuditHeads;
  } catch {
    heads = { decisions: { seq: -1, hash: '' }, lifecycle: { seq: -1, hash: '' }, feedback: { seq: -1, hash: '' } };
  }
  return { at: String(row.at), heads, keyId: String(row.key_id), signature: String(row.signature) };
}

const CHAIN_TABLES = {
  decisions: { table: 'decisions', idColumn: 'seq', record: 'decision' },
  lifecycle: { table: 'lifecycle_events', idColumn: 'seq', record: 'lifecycle event' },
  feedback: { table: 'feedback', idColumn: 'id', record: 'feedback' },
} as const;

async function checkpointBreaks(
  sql: AuditSql,
  stored: { id: number; checkpoint: AuditCheckpoint }[],
  options: AuditVerifyOptions,
): Promise<AuditBreak[]> {
  const breaks: AuditBreak[] = [];
  const storedSignatures = new Set(stored.map((s) => s.checkpoint.signature));
  const all: { id: string; checkpoint: AuditCheckpoint }[] = stored.map((s) => ({ id: String(s.id), checkpoint: s.checkpoint }));
  for (const [index, external] of (options.externalCheckpoints ?? []).entries()) {
    if (storedSignatures.has(external.signature)) continue;
    const id = `external #${index + 1} (${external.at})`;
    breaks.push({ record: 'checkpoint', id, kind: 'deleted', detail: `checkpoint of ${external.at} from the auditor's copy is not in the store: checkpoints were removed` });
    all.push({ id, checkpoint: external });
  }
  for (const { id, checkpoint } of all) {
    if (options.publicKey !== undefined && !checkpointSignatureValid(options.publicKey, checkpoint)) {
      breaks.push({ record: 'checkpoint', id, kind: 'bad-signature', field: 'signature', detail: `checkpoint ${id} (${checkpoint.at}): the signature does not verify with the public key given (forged, edited, or another key ${checkpoint.keyId})` });
      continue;
    }
    for (const chain of ['decisions', 'lifecycle', 'feedback'] as const) {
      const signed = checkpoint.heads[chain];
      if (signed === undefined || signed.seq <= 0) continue;
      const { table, idColumn, record } = CHAIN_TABLES[chain];
      const rows = await sql.all(`SELECT hash FROM ${table} WHERE ${idColumn} = ?`, [signed.seq]);
      if (rows.length === 0) {
        breaks.push({
          record: 'checkpoint',
          id,
          kind: 'truncated',
          field: chain,
          detail: `checkpoint ${id} (${checkpoint.at}) signed ${record} ${signed.seq}, which is no longer in the store: the ${chain} chain was truncated after the checkpoint`,
        });
      } else if (String(rows[0].hash) !== signed.hash) {
        breaks.push({
          record: 'checkpoint',
          id,
          kind: 'rewritten',
          field: chain,
          detail: `checkpoint ${id} (${checkpoint.at}) signed ${record} ${signed.seq} with hash ${signed.hash.slice(0, 12)}, the store now has ${String(rows[0].hash).slice(0, 12)}: the ${chain} chain was rewritten after the checkpoint`,
        });
      }
    }
  }
  return breaks;
}
