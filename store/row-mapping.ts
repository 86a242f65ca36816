/**
 * Rows -> records, shared by both backends (the schemas use the same column names). PostgreSQL
 * returns BIGINT as a string, SQLite as a number: both go through Number().
 */
import type { RuleSet } from '../engine/rule-set-types.js';
import { StoreError } from './store-error.js';
import type { AuditCheckpointRecord, AuditHeads, DecisionCard, DecisionRecord, FeedbackRecord, LifecycleEvent, LifecycleState, RuleSetVersionRecord } from './store.js';

type Row = Record<string, unknown>;

function optional(value: unknown): string | undefined {
  return value === null || value === undefined ? undefined : String(value);
}

function parseJsonColumn<T>(value: unknown, where: string): T {
  try {
    return JSON.parse(String(value)) as T;
  } catch {
    throw new StoreError('integrity', `${where} is not valid JSON`);
  }
}

export function versionFromRow(row: Row): RuleSetVersionRecord {
  const where = `rule-set version ${String(row.rule_set_id)}@${String(row.version)}`;
  return {
    ruleSetId: String(row.rule_set_id),
    version: String(row.version),
    hash: String(row.hash),
    state: String(row.state) as LifecycleState,
    content: parseJsonColumn<RuleSet>(row.content, `${where}: content`),
    author: String(row.author),
    publishedAt: String(row.published_at),
    effectiveStart: String(row.effective_start),
    effectiveEnd: optional(row.effective_end),
  };
}

export function eventFromRow(row: Row): LifecycleEvent {
  return {
    seq: Number(row.seq),
    ruleSetId: String(row.rule_set_id),
    version: String(row.version),
    from: row.from_state === null ? null : (String(row.from_state) as LifecycleState),
    to: String(row.to_state) as LifecycleState,
    actor: String(row.actor),
    reason: String(row.reason),
    at: String(row.at),
  };
}

export interface DecisionRow extends DecisionRecord {
  atMs: number;
}

export function decisionFromRow(row: Row): DecisionRow {
  const where = `decision seq ${String(row.seq)}`;
  return {
    seq: Number(row.seq),
    prevHash: String(row.prev_hash),
    hash: String(row.hash),
    at: String(row.at),
    atMs: Number(row.at_ms),
    serviceId: String(row.service_id),
    hook: String(row.hook),
    hookInstance: String(row.hook_instance),
    clientIss: optional(row.client_iss),
    tenant: optional(row.tenant),
    patientKey: String(row.patient_key),
    ruleSetId: String(row.rule_set_id),
    ruleSetVersion: String(row.rule_set_version),
    ruleSetHash: String(row.rule_set_hash),
    evaluationNow: String(row.evaluation_now),
    inputFingerprint: String(row.input_fingerprint),
    fired: parseJsonColumn<unknown[]>(row.fired, `${where}: fired`),
    cards: parseJsonColumn<DecisionCard[]>(row.cards, `${where}: cards`),
    latencyMs: Number(row.latency_ms),
    status: Number(row.status),
    snapshot: row.snapshot === null || row.snapshot === undefined ? undefined : Buffer.from(row.snapshot as Uint8Array),
    snapshotSha256: optional(row.snapshot_sha256),
    snapshotExpiresAt: optional(row.snapshot_expires_at),
    appendedAt: optional(row.appended_at),
  };
}

/** The public record (without the derived atMs column). */
export function publicDecision(row: DecisionRow): DecisionRecord {
  const { atMs: _atMs, ...record } = row;
  return record;
}

export function feedbackFromRow(row: Row): FeedbackRecord {
  return {
    cardUuid: String(row.card_uuid),
    serviceId: String(row.service_id),
    outcome: String(row.outcome) as FeedbackRecord['outcome'],
    acceptedSuggestions: parseJsonColumn<string[]>(row.accepted_suggestions, `feedback for card ${String(row.card_uuid)}: accepted_suggestions`),
    overrideReasonCode: optional(row.override_reason_code),
    overrideReasonSystem: optional(row.override_reason_system),
    overrideReasonDisplay: optional(row.override_reason_display),
    userComment: optional(row.user_comment),
    outcomeTimestamp: String(row.outcome_timestamp),
    receivedAt: String(row.received_at),
    clientIss: optional(row.client_iss),
  };
}

/** The feedback table's columns for a record (both backends insert these, and the chain body is read from them). */
export function feedbackColumns(record: FeedbackRecord, outcomeAtMs: number): Row {
  return {
    card_uuid: record.cardUuid,
    service_id: record.serviceId,
    outcome: record.outcome,
    accepted_suggestions: JSON.stringify(record.acceptedSuggestions),
    override_reason_code: record.overrideReasonCode ?? null,
    override_reason_system: record.overrideReasonSystem ?? null,
    override_reason_display: record.overrideReasonDisplay ?? null,
    user_comment: record.userComment ?? null,
    outcome_timestamp: record.outcomeTimestamp,
    outcome_at_ms: outcomeAtMs,
    received_at: record.receivedAt,
    client_iss: record.clientIss ?? null,
  };
}

export function checkpointFromRow(row: Row): AuditCheckpointRecord {
  return {
    id: Number(row.id),
    at: String(row.at),
    heads: parseJsonColumn<AuditHeads>(row.heads, `audit checkpoint ${String(row.id)}: heads`),
    keyId: String(row.key_id),
    signature: String(row.signature),
  };
}
