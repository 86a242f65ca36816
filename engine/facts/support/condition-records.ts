/**
 * Selecting Conditions by value set and clinical status. These status codes are FHIR's own required
 * bindings (condition-clinical, condition-ver-status), not clinical policy.
 */
import type * as fhir4 from 'fhir/r4.js';
import type { FactContext } from '../../evaluation-types.js';
import type { PatientRecord } from '../../../fhir/patient-record.js';
import { codingsOf, firstCode, firstMatch, type CodeMatch } from './codes.js';

export type ClinicalStatusFilter = 'active' | 'history' | 'resolved';
export const CLINICAL_STATUS_FILTERS: readonly ClinicalStatusFilter[] = ['active', 'history', 'resolved'];

/** Clinical statuses per filter. A Condition without clinicalStatus counts as active (safer for contraindications). */
const ACTIVE_STATUSES = ['active', 'recurrence', 'relapse'];
const RESOLVED_STATUSES = ['inactive', 'remission', 'resolved'];
/** Verification statuses that mean "this condition is not (or never was) there". */
const EXCLUDED_VERIFICATION = ['refuted', 'entered-in-error'];

export function clinicalStatusOf(condition: fhir4.Condition): string {
  return firstCode(condition.clinicalStatus) ?? 'active';
}

export function statusAllowed(condition: fhir4.Condition, filter: ClinicalStatusFilter): boolean {
  const verification = firstCode(condition.verificationStatus);
  if (verification && EXCLUDED_VERIFICATION.includes(verification)) return false;
  const status = clinicalStatusOf(condition);
  if (filter === 'history') return true;
  if (filter === 'active') return ACTIVE_STATUSES.includes(status);
  return RESOLVED_STATUSES.includes(status);
}

/** Onset as a date string: onsetDateTime, onsetPeriod.start or onsetAge-less forms are ignored. */
export function onsetOf(condition: fhir4.Condition): string | undefined {
  return condition.onsetDateTime ?? condition.onsetPeriod?.start;
}

export interface MatchedCondition {
  condition: fhir4.Condition;
  match: CodeMatch;
}

/** A Condition read once per evaluation (engine/record-index.ts): its codings and the filters it passes. */
export interface IndexedCondition {
  readonly condition: fhir4.Condition;
  readonly codings: readonly fhir4.Coding[];
  readonly passes: Readonly<Record<ClinicalStatusFilter, boolean>>;
}

/** The record's Conditions prepared for matching (an IndexBuilder: built once per evaluation). */
export function indexConditions(record: PatientRecord): IndexedCondition[] {
  return record.conditions.map((condition) => ({
    condition,
    codings: codingsOf(condition.code),
    passes: { active: statusAllowed(condition, 'active'), history: statusAllowed(condition, 'history'), resolved: statusAllowed(condition, 'resolved') },
  }));
}

/** Conditions whose code (any coding) is in the value set and whose status passes the filter, in record order. */
export function matchingConditions(ctx: FactContext, valueSetId: string, filter: ClinicalStatusFilter): MatchedCondition[] {
  const entries = ctx.index ? ctx.index.entries(indexConditions) : indexConditions(ctx.record);
  const out: MatchedCondition[] = [];
  for (const entry of entries) {
    if (!entry.passes[filter]) continue;
    const match = firstMatch(ctx, valueSetId, entry.codings);
    if (match) out.push({ condition: entry.condition, match });
  }
  return out;
}
