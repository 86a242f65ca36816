/**
 * Validation and normalisation of a decision record before it is chained: each problem names the
 * field. Only the documented fields are kept, so what is hashed is exactly what is stored.
 */
import { sha256Hex } from '../lib/canonical-json.js';
import { chainedFieldsOf, type PreparedDecision } from './decision-hash.js';
import { parseInstant } from './instant.js';
import { findUnstorable } from '../lib/unstorable-json.js';
import { StoreError } from './store-error.js';
import type { DecisionCard, DecisionRecordInput } from './store.js';

function requireString(value: unknown, field: string): string {
  if (typeof value !== 'string' || value === '') {
    throw new StoreError('invalid-input', `appendDecision: ${field} must be a non-empty string`);
  }
  return value;
}

function optionalString(value: unknown, field: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw new StoreError('invalid-input', `appendDecision: ${field} must be a string when present`);
  return value;
}

/** The JSON text to store; Dates become strings, undefined members disappear. */
function jsonText(value: unknown, field: string): string {
  try {
    return JSON.stringify(value);
  } catch (error) {
    throw new StoreError('invalid-input', `appendDecision: ${field} is not JSON-serialisable (${(error as Error).message})`);
  }
}

/**
 * A merged card's contributing rules (DecisionCard.ruleIds): non-empty distinct rule ids in rank
 * order, the first being the card's ruleId (its lead contributor).
 */
function contributorIds(value: unknown, ruleId: string, where: string): string[] {
  const expected = `an array of distinct rule ids starting with ${where}.ruleId (the lead contributor)`;
  if (!Array.isArray(value) || value.length === 0) throw new StoreError('invalid-input', `appendDecision: ${where}.ruleIds must be ${expected}`);
  const ids = value.map((id, i) => requireString(id, `${where}.ruleIds[${i}]`));
  if (ids[0] !== ruleId) {
    throw new StoreError('invalid-input', `appendDecision: ${where}.ruleIds must be ${expected}: starts with ${JSON.stringify(ids[0])}, ruleId is ${JSON.stringify(ruleId)}`);
  }
  const repeated = ids.find((id, i) => ids.indexOf(id) !== i);
  if (repeated !== undefined) throw new StoreError('invalid-input', `appendDecision: ${where}.ruleIds must be ${expected}: ${JSON.stringify(repeated)} appears twice`);
  return ids;
}

/** The rules credited with a card: every contributor of a merged card, else the card's one rule. */
export function creditedRuleIds(card: DecisionCard): string[] {
  return card.ruleIds ?? [card.ruleId];
}

export function prepareDecision(input: DecisionRecordInput): PreparedDecision {
  if (input === null || typeof input !== 'object') throw new StoreError('invalid-input', 'appendDecision: input must be an object');
  const atMs = parseInstant(input.at, 'appendDecision: at');
  parseInstant(input.evaluationNow, 'appendDecision: evaluationNow');
  if (!Array.isArray(input.cards)) throw new StoreError('invalid-input', 'appendDecision: cards must be an array');
  const seenUuids = new Set<string>();
  const cards: DecisionCard[] = input.cards.map((card, i) => {
    const where = `cards[${i}]`;
    if (card === null || typeof card !== 'object') throw new StoreError('invalid-input', `appendDecision: ${where} must be an object`);
    const uuid = requireString(card.uuid, `${where}.uuid`);
    if (seenUuids.has(uuid)) throw new StoreError('invalid-input', `appendDecision: ${where}.uuid ${uuid} appears twice in one decision`);
    seenUuids.add(uuid);
    const ruleId = requireString(card.ruleId, `${where}.ruleId`);
    const prepared: DecisionCard = {
      uuid,
      ruleId,
      indicator: requireString(card.indicator, `${where}.indicator`),
      summary: requireString(card.summary, `${where}.summary`),
    };
    if (card.ruleIds !== undefined) prepared.ruleIds = contributorIds(card.ruleIds, ruleId, where);
    return prepared;
  });
  if (!Array.isArray(input.fired)) throw new StoreError('invalid-input', 'appendDecision: fired must be an array');
  // What is hashed is what is stored: the parsed stored text (plain JSON), and the text itself is
  // what the store writes (no second serialisation).
  const firedJson = jsonText(input.fired, 'fired');
  const fired = JSON.parse(firedJson) as unknown[];
  const firedRuleIds = [
    ...new Set(
      fired
        .map((entry) => (entry !== null && typeof entry === 'object' ? (entry as { ruleId?: unknown }).ruleId : undefined))
        .filter((ruleId): ruleId is string => typeof ruleId === 'string' && ruleId !== ''),
    ),
  ];
  if (typeof input.latencyMs !== 'number' || !Number.isFinite(input.latencyMs) || input.latencyMs < 0) {
    throw new StoreError('invalid-input', `appendDecision: latencyMs must be a finite number >= 0, got ${String(input.latencyMs)}`);
  }
  if (!Number.isInteger(input.status)) throw new StoreError('invalid-input', `appendDecision: status must be an integer, got ${String(input.status)}`);
  if (input.snapshot !== undefined && !Buffer.isBuffer(input.snapshot)) {
    throw new StoreError('invalid-input', 'appendDecision: snapshot must be a Buffer when present');
  }
  const snapshotExpiresAt = optionalString(input.snapshotExpiresAt, 'snapshotExpiresAt');
  if (snapshotExpiresAt !== undefined) parseInstant(snapshotExpiresAt, 'appendDecision: snapshotExpiresAt');

  const fields = chainedFieldsOf({
    at: input.at,
    serviceId: requireString(input.serviceId, 'serviceId'),
    hook: requireString(input.hook, 'hook'),
    hookInstance: requireString(input.hookInstance, 'hookInstance'),
    clientIss: optionalString(input.clientIss, 'clientIss'),
    tenant: optionalString(input.tenant, 'tenant'),
    patientKey: requireString(input.patientKey, 'patientKey'),
    ruleSetId: requireString(input.ruleSetId, 'ruleSetId'),
    ruleSetVersion: requireString(input.ruleSetVersion, 'ruleSetVersion'),
    ruleSetHash: requireString(input.ruleSetHash, 'ruleSetHash'),
    evaluationNow: input.evaluationNow,
    inputFingerprint: requireString(input.inputFingerprint, 'inputFingerprint'),
    fired,
    cards,
    latencyMs: input.latencyMs,
    status: input.status,
    snapshotSha256: input.snapshot === undefined ? undefined : sha256Hex(input.snapshot),
    snapshotExpiresAt,
  });
  // Nothing that cannot be stored as it is hashed (a NUL, a lone surrogate, a non-finite number): refused
  // here, before the record joins a group commit, so it can neither fail other calls' commit nor be
  // stored differently from what the chain covers.
  const unstorable = findUnstorable(fields);
  if (unstorable !== undefined) throw new StoreError('invalid-input', `appendDecision: ${unstorable.pointer.slice(1) || 'record'} ${unstorable.message}`);
  return { fields, firedJson, snapshot: input.snapshot, atMs, firedRuleIds };
}
