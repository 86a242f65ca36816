/**
 * Step 6: make the decision record durable before answering.
 *
 * A repeated call (same client, same service, same hookInstance, e.g. a client retry after a timeout)
 * yields the same card uuids (the engine derives them from the client and the hookInstance,
 * use-cases/audit/call-id-seed.ts; another client's call with the same hookInstance gets other uuids
 * and its own record) and the store refuses them as
 * duplicates. If the earlier record has the same input fingerprint, it already stands for this answer:
 * the call is idempotent and answered again. With different input the client reused a hookInstance:
 * 400, since each hook call needs its own.
 *
 * The store refuses a decision made with a rule-set version that is no longer the active one
 * (StaleVersionError: this replica had not yet seen an activation, a roll back or a retirement). On the
 * first attempt that is the outcome 'stale-version': the caller refreshes its catalog and evaluates
 * again with the active version (call-service.ts). On the last attempt it is a store failure.
 *
 * STORE_FAILURE_MODE decides what any other store failure means: fail-closed (default) answers 503 and
 * shows no advice that is not on record; fail-open answers with the cards and logs an error.
 */
import type { Config } from '../config.js';
import { HttpError, invalidRequest, unavailable } from '../http/http-error.js';
import type { Logger } from '../logger.js';
import { StaleVersionError, StoreError } from '../../store/store-error.js';
import type { DecisionRecordInput, Store } from '../../store/store.js';

export type RecordOutcome = 'appended' | 'repeated-call' | 'not-recorded-fail-open' | 'stale-version';

/**
 * Card uuids derive from (hookInstance, rule-set hash, rule id), so a conflict means this hookInstance
 * was evaluated by this rule set before. Any of the cards may be the one already recorded (with other
 * input, other rules fire), so every card is looked up, not only the first.
 */
async function earlierRecordOfSameCall(store: Store, decision: DecisionRecordInput): Promise<'same-input' | 'different-input' | undefined> {
  for (const card of decision.cards) {
    const earlier = await store.findDecisionByCard(card.uuid);
    if (!earlier) continue;
    const sameCall =
      earlier.serviceId === decision.serviceId && earlier.hookInstance === decision.hookInstance && earlier.clientIss === decision.clientIss;
    return sameCall && earlier.inputFingerprint === decision.inputFingerprint && earlier.ruleSetHash === decision.ruleSetHash
      ? 'same-input'
      : 'different-input';
  }
  return undefined;
}

export async function recordDecision(
  store: Store,
  decision: DecisionRecordInput,
  policy: Pick<Config, 'storeFailureMode'>,
  /** The request's logger (its lines carry reqId and the trace id). */
  log: Logger,
  attempt: { last: boolean } = { last: true },
): Promise<RecordOutcome> {
  try {
    await store.appendDecision(decision);
    return 'appended';
  } catch (err) {
    if (err instanceof StaleVersionError && !attempt.last) return 'stale-version';
    if (err instanceof StoreError && err.code === 'conflict') {
      const earlier = await earlierRecordOfSameCall(store, decision).catch(() => undefined);
      if (earlier === 'same-input') {
        log.info({ serviceId: decision.serviceId }, 'repeated call: the earlier decision record stands');
        return 'repeated-call';
      }
      if (earlier === 'different-input') {
        throw invalidRequest(
          [{ pointer: '/hookInstance', message: 'was already used for an earlier call with different input or to another service; each hook call needs its own hookInstance' }],
          'hookInstance reused',
        );
      }
    }
    if (err instanceof HttpError) throw err;
    log.error(
      { serviceId: decision.serviceId, storeFailureMode: policy.storeFailureMode, errorName: (err as Error).name, errorMessage: (err as Error).message },
      'decision record could not be stored',
    );
    if (policy.storeFailureMode === 'fail-closed') {
      throw unavailable('the decision record could not be stored, so no advice is returned (STORE_FAILURE_MODE=fail-closed)');
    }
    return 'not-recorded-fail-open';
  }
}
