/**
 * The roles of the people who govern rule sets and read the audit record (who may call what is in
 * server/admin/admin-policy.ts; the CLI acts with the role its user names):
 *
 *   author   writes rule sets: publish, submit for review, read rule sets, diff
 *   reviewer judges them: approve, activate, retire, read rule sets, diff
 *   auditor  looks at what the service decided: decisions, feedback, override stats, export, chain
 *            verification, replay, read rule sets
 */
export const ADMIN_ROLES = ['author', 'reviewer', 'auditor'] as const;
export type AdminRole = (typeof ADMIN_ROLES)[number];
