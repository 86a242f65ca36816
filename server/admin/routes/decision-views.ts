/**
 * The JSON shape of one decision in the admin API: the chained record without the encrypted
 * snapshot bytes (only whether one is available), each card with every feedback report it received
 * (in arrival order), and the rules that fired with the facts they read.
 */
import type { DecisionRecord, FeedbackRecord } from '../../../store/store.js';

export interface DecisionView extends Omit<DecisionRecord, 'snapshot' | 'snapshotSha256' | 'cards'> {
  snapshotAvailable: boolean;
  cards: Array<DecisionRecord['cards'][number] & { feedback: Array<Omit<FeedbackRecord, 'cardUuid'>> }>;
}

export function decisionView(record: DecisionRecord, feedback: readonly FeedbackRecord[]): DecisionView {
  const { snapshot, snapshotSha256: _digest, cards, ...rest } = record;
  return {
    ...rest,
    snapshotAvailable: snapshot !== undefined,
    cards: cards.map((card) => ({
      ...card,
      feedback: feedback.filter((f) => f.cardUuid === card.uuid).map(({ cardUuid: _cardUuid, ...item }) => item),
    })),
  };
}
