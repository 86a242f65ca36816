/**
 * Builds the audit record of one service call (store.appendDecision input): who asked (client iss,
 * tenant), about whom (a keyed hash of the patient id, never the id), with which rule-set version,
 * on what input (fingerprint, optional encrypted snapshot), what fired and which cards were shown.
 */
import { canonicalHash } from '../../lib/canonical-json.js';
import { CARD_EXTENSION_KEY, type EvaluationResult, type RuleSetIdentity } from '../../engine/evaluation-types.js';
import type { PatientRecord } from '../../fhir/patient-record.js';
import type { DecisionCard, DecisionRecordInput } from '../../store/store.js';
import type { Card } from '../../cds-hooks/wire-types.js';
import { patientKey } from './patient-key.js';
import { encryptSnapshot } from './snapshot.js';

const DAY_MS = 24 * 60 * 60 * 1000;

/** The id of the rule behind a card, from its explanation extension (`extension[CARD_EXTENSION_KEY].rule.id`). */
export function ruleIdOfCard(card: Card): string | undefined {
  const explanation = card.extension?.[CARD_EXTENSION_KEY] as { rule?: { id?: unknown } } | undefined;
  return typeof explanation?.rule?.id === 'string' ? explanation.rule.id : undefined;
}

/**
 * The contributing rules of a merged card, in rank order, from its explanation extension
 * (`extension[CARD_EXTENSION_KEY].contributors[].id`); undefined for a card of one rule.
 */
export function contributorIdsOfCard(card: Card): string[] | undefined {
  const explanation = card.extension?.[CARD_EXTENSION_KEY] as { contributors?: unknown } | undefined;
  if (!Array.isArray(explanation?.contributors)) return undefined;
  const ids = explanation.contributors.map((c: unknown) => (c !== null && typeof c === 'object' ? (c as { id?: unknown }).id : undefined));
  return ids.length > 0 && ids.every((id): id is string => typeof id === 'string') ? ids : undefined;
}

/**
 * The cards as recorded: uuid, rule, indicator, summary and, for a merged card, every contributing
 * rule (`ruleIds`, the first being `ruleId`), so that its feedback is credited to each of them.
 */
export function decisionCards(cards: Card[]): DecisionCard[] {
  return cards.map((card) => {
    const recorded: DecisionCard = {
      uuid: card.uuid ?? '',
      ruleId: ruleIdOfCard(card) ?? '',
      indicator: card.indicator,
      summary: card.summary,
    };
    const ruleIds = contributorIdsOfCard(card);
    if (ruleIds !== undefined) recorded.ruleIds = ruleIds;
    return recorded;
  });
}

export interface DecisionFacts {
  at: Date;
  serviceId: string;
  hook: string;
  hookInstance: string;
  context: Record<string, unknown>;
  clientIss?: string;
  tenant?: string;
  ruleSet: RuleSetIdentity;
  /** The evaluation instant (input `now`). */
  now: Date;
  /** The record evaluated; undefined when none could be obtained (status 412). */
  record?: PatientRecord;
  /** The evaluation result; undefined when no evaluation ran (status 412). */
  result?: EvaluationResult;
  status: number;
  latencyMs: number;
}

export interface DecisionSecrets {
  patientKeySecret: Buffer;
  snapshotKey?: Buffer;
  snapshotRetentionDays: number;
}

export function buildDecisionRecord(facts: DecisionFacts, secrets: DecisionSecrets): DecisionRecordInput {
  const patientId = typeof facts.context.patientId === 'string' ? facts.context.patientId : '';
  const record = facts.record ?? null;
  const decision: DecisionRecordInput = {
    at: facts.at.toISOString(),
    serviceId: facts.serviceId,
    hook: facts.hook,
    hookInstance: facts.hookInstance,
    clientIss: facts.clientIss,
    tenant: facts.tenant,
    patientKey: patientKey(secrets.patientKeySecret, patientId),
    ruleSetId: facts.ruleSet.id,
    ruleSetVersion: facts.ruleSet.version,
    ruleSetHash: facts.ruleSet.hash,
    evaluationNow: facts.result?.now ?? facts.now.toISOString(),
    inputFingerprint: canonicalHash({ context: facts.context, record }),
    fired: facts.result?.fired ?? [],
    cards: decisionCards(facts.result?.cards ?? []),
    latencyMs: Math.round(facts.latencyMs * 100) / 100,
    status: facts.status,
  };
  if (secrets.snapshotKey) {
    decision.snapshot = encryptSnapshot(secrets.snapshotKey, {
      hook: facts.hook,
      context: facts.context,
      record,
      now: facts.now.toISOString(),
    });
    decision.snapshotExpiresAt = new Date(facts.at.getTime() + secrets.snapshotRetentionDays * DAY_MS).toISOString();
  }
  if (decision.clientIss === undefined) delete decision.clientIss;
  if (decision.tenant === undefined) delete decision.tenant;
  return decision;
}
