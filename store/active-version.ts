/**
 * Which version of a rule set was active at an instant, derived from the lifecycle event log
 * (never from the current state): replay the rule set's events up to that instant in log order.
 */
import type { LifecycleState } from './store.js';

export interface LoggedTransition {
  version: string;
  to: LifecycleState;
}

/** `events` are one rule set's events with at <= the instant, in ascending seq order. */
export function activeVersionFromLog(events: readonly LoggedTransition[]): string | undefined {
  let active: string | undefined;
  for (const event of events) {
    if (event.to === 'active') active = event.version;
    else if (event.version === active) active = undefined;
  }
  return active;
}
