/**
 * The approval lifecycle actions of a rule-set version, as data, and the one function that performs
 * one (used by both the admin API and `cds-rules submit|approve|activate|retire`). The states and the
 * allowed transitions are the store's (store/lifecycle-policy.ts):
 *
 *   draft --submit--> in-review --approve--> approved --activate--> active --retire--> retired
 *   retired --activate--> active   (roll back to an earlier version)
 *   Activating a version retires the version that was active (store.transition does both at once).
 *
 * Four-eyes rule (SELF_APPROVAL_POLICY): nobody approves a version they published (the store refuses
 * that too) or submitted for review; names compare case-insensitively (bob and Bob are one person).
 * Re-activating a retired version rests on its earlier approval, which the store records in the
 * reason (store/lifecycle-policy.ts REACTIVATION_POLICY). Every action needs a reason, kept in the version's history.
 */
import { ALLOWED_TRANSITIONS, LIFECYCLE_STATES, sameActor } from '../store/lifecycle-policy.js';
import { StoreError } from '../store/store-error.js';
import type { LifecycleEvent, LifecycleState, RuleSetVersionRecord, Store } from '../store/store.js';
import { badRequest, conflict, notFound, storeErrorToAdminError } from './admin-error.js';
import type { AdminRole } from './admin-roles.js';

export type LifecycleActionName = 'submit' | 'approve' | 'activate' | 'retire';

export interface LifecycleActionRule {
  to: LifecycleState;
  /** The role that performs it (the admin route policy enforces the same role). */
  role: AdminRole;
  /** Past tense for messages. */
  done: string;
}

export const LIFECYCLE_ACTIONS: Readonly<Record<LifecycleActionName, LifecycleActionRule>> = {
  submit: { to: 'in-review', role: 'author', done: 'submitted for review' },
  approve: { to: 'approved', role: 'reviewer', done: 'approved' },
  activate: { to: 'active', role: 'reviewer', done: 'activated' },
  retire: { to: 'retired', role: 'reviewer', done: 'retired' },
};

/** The states an action applies to, from the store's transition table. */
export function statesAllowingAction(action: LifecycleActionName): LifecycleState[] {
  return LIFECYCLE_STATES.filter((state) => ALLOWED_TRANSITIONS[state].includes(LIFECYCLE_ACTIONS[action].to));
}

export const LIFECYCLE_ACTION_NAMES = Object.keys(LIFECYCLE_ACTIONS) as LifecycleActionName[];

/** Who may not approve a version: its author and whoever submitted it for review. */
export const SELF_APPROVAL_POLICY = { refuseAuthor: true, refuseSubmitter: true } as const;

export const MAX_REASON_LENGTH = 2000;

export interface LifecycleRequest {
  action: LifecycleActionName;
  ruleSetId: string;
  version: string;
  actor: string;
  reason: unknown;
}

export interface LifecycleOutcome {
  event: LifecycleEvent;
  version: RuleSetVersionRecord;
}

export async function performLifecycleAction(store: Store, request: LifecycleRequest): Promise<LifecycleOutcome> {
  const rule = LIFECYCLE_ACTIONS[request.action];
  const reason = checkReason(request.reason);
  const record = await store.getVersion(request.ruleSetId, request.version);
  if (record === undefined) {
    throw notFound(`rule set ${request.ruleSetId} has no version ${request.version}`);
  }
  const from = statesAllowingAction(request.action);
  if (!from.includes(record.state)) {
    throw conflict(
      `cannot ${request.action} ${request.ruleSetId} ${request.version}: it is ${record.state}; ` +
        `${request.action} applies to a version that is ${from.join(' or ')}`,
    );
  }
  if (request.action === 'approve') await refuseSelfApproval(store, record, request.actor);
  let event: LifecycleEvent;
  try {
    // The store re-checks the transition (and self-approval) atomically; a concurrent change surfaces here.
    event = await store.transition(request.ruleSetId, request.version, rule.to, request.actor, reason);
  } catch (err) {
    if (err instanceof StoreError) throw storeErrorToAdminError(err);
    throw err;
  }
  const updated = await store.getVersion(request.ruleSetId, request.version);
  return { event, version: updated ?? record };
}

async function refuseSelfApproval(store: Store, record: RuleSetVersionRecord, actor: string): Promise<void> {
  if (SELF_APPROVAL_POLICY.refuseAuthor && sameActor(record.author, actor)) {
    throw conflict(
      `self-approval refused: ${actor} published ${record.ruleSetId} ${record.version} and cannot also approve it; ` +
        'another reviewer must approve',
    );
  }
  if (SELF_APPROVAL_POLICY.refuseSubmitter) {
    const events = await store.history(record.ruleSetId, record.version);
    const submission = [...events].reverse().find((e) => e.to === 'in-review');
    if (submission !== undefined && sameActor(submission.actor, actor)) {
      throw conflict(
        `self-approval refused: ${actor} submitted ${record.ruleSetId} ${record.version} for review and cannot also approve it; ` +
          'another reviewer must approve',
      );
    }
  }
}

function checkReason(reason: unknown): string {
  if (reason === undefined || reason === null || (typeof reason === 'string' && reason.trim() === '')) {
    throw badRequest('reason', 'a reason is required for every lifecycle action (it is kept in the version history)');
  }
  if (typeof reason !== 'string') throw badRequest('reason', 'must be a string');
  if (reason.length > MAX_REASON_LENGTH) throw badRequest('reason', `must be at most ${MAX_REASON_LENGTH} characters`);
  return reason.trim();
}
