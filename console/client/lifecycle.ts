/**
 * The lifecycle actions as the console offers them: which action applies to which state and which
 * role takes it. Mirrors use-cases/lifecycle-actions.ts (test/console/lifecycle-table.test.ts
 * checks they agree); the API is the authority and refuses whatever this table gets wrong.
 */
import type { Role } from './session.js';

export type LifecycleAction = 'submit' | 'approve' | 'activate' | 'retire';

export interface ConsoleLifecycleAction {
  action: LifecycleAction;
  label: string;
  role: Role;
  /** States the action applies to. */
  from: readonly string[];
}

export const CONSOLE_LIFECYCLE_ACTIONS: readonly ConsoleLifecycleAction[] = [
  { action: 'submit', label: 'Submit for review', role: 'author', from: ['draft'] },
  { action: 'approve', label: 'Approve', role: 'reviewer', from: ['in-review'] },
  { action: 'activate', label: 'Activate', role: 'reviewer', from: ['approved', 'retired'] },
  { action: 'retire', label: 'Retire', role: 'reviewer', from: ['active'] },
];

export function actionsForState(state: string): ConsoleLifecycleAction[] {
  return CONSOLE_LIFECYCLE_ACTIONS.filter((a) => a.from.includes(state));
}
