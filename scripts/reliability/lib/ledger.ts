/**
 * The client's side of "no acknowledged decision lost": every 200 the service gave is written down
 * (service, hookInstance, card uuids) and later looked up in the store. A decision counts as found when
 * the store has a record of the same service and hookInstance with status 200 and exactly those card
 * uuids (and each card finds its record by uuid); the chain must verify as well.
 */
import type { ChainVerification, DecisionRecord, Store } from '../../../store/store.js';

export interface Acknowledged {
  serviceId: string;
  hookInstance: string;
  cards: string[];
}

export class DecisionLedger {
  readonly acknowledged: Acknowledged[] = [];

  /** Records a 200 answer: `body` is the parsed service response. */
  acknowledge(serviceId: string, hookInstance: string, body: unknown): void {
    const cards = ((body as { cards?: Array<{ uuid?: string }> }).cards ?? []).map((c) => String(c.uuid));
    this.acknowledged.push({ serviceId, hookInstance, cards });
  }
}

export interface LedgerAudit {
  acknowledged: number;
  found: number;
  lost: Acknowledged[];
  /** Records in the store (acknowledged or not: a call cut off by a crash may be on record unacknowledged). */
  recorded: number;
  chain: ChainVerification;
}

/** Every record, in seq order, read in pages. */
export async function allDecisions(store: Store): Promise<DecisionRecord[]> {
  const all: DecisionRecord[] = [];
  for (;;) {
    const page = await store.listDecisions({ limit: 10_000, afterSeq: all.length === 0 ? 0 : all[all.length - 1].seq });
    all.push(...page);
    if (page.length < 10_000) return all;
  }
}

export async function auditLedger(store: Store, ledger: DecisionLedger, options: { cardLookups?: number } = {}): Promise<LedgerAudit> {
  const decisions = await allDecisions(store);
  const byCall = new Map<string, DecisionRecord>();
  for (const d of decisions) byCall.set(`${d.serviceId}\u0000${d.hookInstance}`, d);
  const lost: Acknowledged[] = [];
  let cardLookups = options.cardLookups ?? Number.POSITIVE_INFINITY;
  for (const ack of ledger.acknowledged) {
    const record = byCall.get(`${ack.serviceId}\u0000${ack.hookInstance}`);
    const sameCards =
      record !== undefined &&
      record.status === 200 &&
      record.cards.length === ack.cards.length &&
      ack.cards.every((uuid) => record.cards.some((c) => c.uuid === uuid));
    let byCard = true;
    if (sameCards && cardLookups > 0) {
      for (const uuid of ack.cards) {
        cardLookups -= 1;
        const found = await store.findDecisionByCard(uuid);
        if (found?.seq !== record.seq) byCard = false;
      }
    }
    if (!sameCards || !byCard) lost.push(ack);
  }
  return {
    acknowledged: ledger.acknowledged.length,
    found: ledger.acknowledged.length - lost.length,
    lost,
    recorded: decisions.length,
    chain: await store.verifyChain(),
  };
}
