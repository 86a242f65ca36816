/**
 * The decision audit chain.
 *
 *   hash = sha256hex(prevHash + canonicalJson(body))
 *
 * where `body` is the record's fields except seq and hash (so it includes prevHash), with the
 * snapshot bytes replaced by their digest `snapshotSha256` (the bytes may be purged when they
 * expire; the digest stays). Optional fields that are absent are left out of the body (so records
 * appended before `appendedAt` existed hash exactly as before). The first
 * record's prevHash is GENESIS_HASH. Anyone holding an export with all fields can recompute it.
 */
import { canonicalJson, sha256Hex } from '../lib/canonical-json.js';
import type { DecisionCard } from './store.js';

export const GENESIS_HASH = '0'.repeat(64);

/** The chained fields of one record, exactly as stored. */
export interface ChainedFields {
  at: string;
  serviceId: string;
  hook: string;
  hookInstance: string;
  clientIss?: string;
  tenant?: string;
  patientKey: string;
  ruleSetId: string;
  ruleSetVersion: string;
  ruleSetHash: string;
  evaluationNow: string;
  inputFingerprint: string;
  fired: unknown[];
  cards: DecisionCard[];
  latencyMs: number;
  status: number;
  snapshotSha256?: string;
  snapshotExpiresAt?: string;
  /** When the store appended the record (store/version-check.ts); absent on records appended
   * before migration 005 and on prepared inputs (the store assigns it inside the append). */
  appendedAt?: string;
}

export function chainedFieldsOf(record: ChainedFields): ChainedFields {
  return {
    at: record.at,
    serviceId: record.serviceId,
    hook: record.hook,
    hookInstance: record.hookInstance,
    clientIss: record.clientIss,
    tenant: record.tenant,
    patientKey: record.patientKey,
    ruleSetId: record.ruleSetId,
    ruleSetVersion: record.ruleSetVersion,
    ruleSetHash: record.ruleSetHash,
    evaluationNow: record.evaluationNow,
    inputFingerprint: record.inputFingerprint,
    fired: record.fired,
    cards: record.cards.map((card) => ({
      uuid: card.uuid,
      ruleId: card.ruleId,
      indicator: card.indicator,
      summary: card.summary,
      // Only merged cards carry ruleIds: records of one-rule cards hash exactly as before.
      ...(card.ruleIds === undefined ? {} : { ruleIds: [...card.ruleIds] }),
    })),
    latencyMs: record.latencyMs,
    status: record.status,
    snapshotSha256: record.snapshotSha256,
    snapshotExpiresAt: record.snapshotExpiresAt,
    appendedAt: record.appendedAt,
  };
}

export function decisionHash(prevHash: string, fields: ChainedFields): string {
  return sha256Hex(prevHash + canonicalJson({ ...chainedFieldsOf(fields), prevHash }));
}

/** A validated, normalised input ready to be chained (cards reduced to their recorded fields,
 * fired made plain JSON, snapshot digested). */
export interface PreparedDecision {
  fields: ChainedFields;
  /** `fields.fired` as the JSON text to store (JSON.parse(firedJson) is `fields.fired`). */
  firedJson: string;
  snapshot?: Buffer;
  /** Milliseconds of `at`, stored for range filters. */
  atMs: number;
  /** Rule ids in `fired` (objects with a string ruleId), for the rule filter. */
  firedRuleIds: string[];
}
