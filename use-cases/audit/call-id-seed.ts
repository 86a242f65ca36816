/**
 * The seed of a call's card and suggestion uuids (engine/deterministic-uuid.ts): the hookInstance,
 * scoped by the client that sent it. Idempotency is keyed by (client, hookInstance): a client that
 * repeats its own call gets the same uuids and its earlier decision record stands, while another
 * client reusing the same hookInstance (by accident or on purpose) gets its own evaluation and its own
 * decision record, attributed to it, and can neither be answered with nor block the first client's.
 * In open mode (no client identity) the seed is the hookInstance alone, as before.
 */
import { cardUuid } from '../../engine/deterministic-uuid.js';
import type { DecisionRecord } from '../../store/store.js';

export function callIdSeed(hookInstance: string, clientIss: string | undefined): string {
  return clientIss === undefined ? hookInstance : `client:${clientIss}\u0000hookInstance:${hookInstance}`;
}

/**
 * The seed a recorded decision's cards were made with: callIdSeed, or for a decision recorded before
 * seeds were scoped by client (its card uuids derive from the hookInstance alone), the hookInstance.
 * Told apart by recomputing the uuid of a card of one rule.
 */
export function recordedIdSeed(decision: Pick<DecisionRecord, 'hookInstance' | 'clientIss' | 'ruleSetHash' | 'cards'>): string {
  const scoped = callIdSeed(decision.hookInstance, decision.clientIss);
  const singleRuleCard = decision.cards.find((card) => card.ruleIds === undefined);
  if (singleRuleCard === undefined || scoped === decision.hookInstance) return scoped;
  return cardUuid(decision.hookInstance, decision.ruleSetHash, singleRuleCard.ruleId) === singleRuleCard.uuid ? decision.hookInstance : scoped;
}
