/**
 * The words for a verification of the audit record, shared by `cds-rules audit verify` and
 * GET /admin/api/audit/verify: one line for the whole result, one per break.
 */
import type { AuditBreak, AuditVerification } from './store.js';

export function auditVerificationSummary(v: AuditVerification): string {
  const c = v.checked;
  const counted =
    `${c.decisions} decision(s), ${c.lifecycleEvents} lifecycle event(s), ${c.publications} publication(s), ` +
    `${c.feedback} feedback item(s), ${c.checkpoints} checkpoint(s)${c.checkpoints > 0 && !v.signaturesChecked ? ' (signatures not checked: no public key)' : ''}`;
  return v.ok ? `audit record intact: ${counted} verified` : `AUDIT RECORD BROKEN: ${v.breaks.length} break(s) in ${counted}`;
}

export function auditBreakLine(b: AuditBreak): string {
  return `${b.record} ${b.id}: ${b.kind}${b.field === undefined ? '' : ` (field ${b.field})`}: ${b.detail}`;
}
