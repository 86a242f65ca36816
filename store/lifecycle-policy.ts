/**
 * The rule-set version lifecycle as data, and the checks every backend applies before a change:
 *
 *   draft -> in-review -> approved -> active -> retired
 *                                      ^          |
 *                                      +----------+  (roll back = re-activate a retired version)
 *
 * Approval needs a reviewer other than the author (names compare case-insensitively: "Bob" is bob).
 * The only exception is BOOTSTRAP_ACTOR, the identity that imports the bundled rule sets into an
 * empty registry (store/import-bundled.ts); the exception is written into the recorded reason so the
 * history says what happened.
 *
 * Re-activating a retired version (a roll back) needs no new approval: it rests on the approval the
 * version already has, and the recorded reason names it (who approved, when, which lifecycle event),
 * so the history shows what the roll back relies on (REACTIVATION_POLICY).
 */
import type { LifecycleState } from './store.js';
import { StoreError } from './store-error.js';

export const LIFECYCLE_STATES: readonly LifecycleState[] = ['draft', 'in-review', 'approved', 'active', 'retired'];

export const ALLOWED_TRANSITIONS: Readonly<Record<LifecycleState, readonly LifecycleState[]>> = {
  draft: ['in-review'],
  'in-review': ['approved'],
  approved: ['active'],
  active: ['retired'],
  retired: ['active'],
};

export const BOOTSTRAP_ACTOR = 'system:bootstrap';

export const BOOTSTRAP_APPROVAL_NOTE =
  '[approved by system:bootstrap without a second reviewer: bundled rule set imported into an empty registry on first start]';

/** Re-activation of a retired version: allowed on the version's earlier approval, which is recorded. */
export const REACTIVATION_POLICY = 'rests-on-earlier-approval' as const;

/** One person, one identity: admin user names compare case-insensitively. */
export function sameActor(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

export function isLifecycleState(value: unknown): value is LifecycleState {
  return typeof value === 'string' && (LIFECYCLE_STATES as readonly string[]).includes(value);
}

export interface TransitionRequest {
  ruleSetId: string;
  version: string;
  from: LifecycleState;
  to: LifecycleState;
  actor: string;
  author: string;
  reason: string;
  /** The version's approval events (to 'approved'), oldest first: needed to re-activate a retired version. */
  approvals?: readonly { seq: number; actor: string; at: string }[];
}

/** Throws a StoreError when the change is not allowed; returns the reason to record. */
export function checkTransition(request: TransitionRequest): string {
  const { ruleSetId, version, from, to, actor, author, reason, approvals } = request;
  const where = `${ruleSetId}@${version}`;
  if (!isLifecycleState(to)) {
    throw new StoreError('invalid-input', `transition of ${where}: unknown target state ${JSON.stringify(to)} (expected one of ${LIFECYCLE_STATES.join(', ')})`);
  }
  if (!ALLOWED_TRANSITIONS[from].includes(to)) {
    const allowed = ALLOWED_TRANSITIONS[from];
    throw new StoreError(
      'illegal-transition',
      `illegal lifecycle transition for ${where}: ${from} -> ${to} (allowed from ${from}: ${allowed.length > 0 ? allowed.join(', ') : 'none'})`,
    );
  }
  if (from === 'retired' && to === 'active') {
    const approval = approvals?.at(-1);
    if (approval === undefined) {
      throw new StoreError('illegal-transition', `${where}: re-activating a retired version rests on its approval, and its history records none`);
    }
    return `${reason} [re-activation of a retired version: rests on its approval by ${approval.actor} at ${approval.at} (lifecycle event ${approval.seq})]`;
  }
  if (to === 'approved' && sameActor(actor, author)) {
    if (actor !== BOOTSTRAP_ACTOR) {
      throw new StoreError('self-approval', `${where}: ${actor} is the author and cannot approve their own version; another reviewer must approve it`);
    }
    return `${reason} ${BOOTSTRAP_APPROVAL_NOTE}`;
  }
  return reason;
}

export function requireActorAndReason(actor: unknown, reason: unknown, where: string): void {
  if (typeof actor !== 'string' || actor.trim() === '') {
    throw new StoreError('invalid-input', `${where}: actor must be a non-empty string`);
  }
  if (typeof reason !== 'string' || reason.trim() === '') {
    throw new StoreError('invalid-input', `${where}: reason must be a non-empty string (every lifecycle change records why)`);
  }
}
