/**
 * Why a draft MedicationRequest was written: its reasonCode codings and the codes of the Conditions
 * its reasonReference points to, and from them whether the order is in a psychiatric context.
 *
 * psychiatricContext (the rule set decides the codes through two value sets):
 *  - a reason in the psychiatric value set: true ("psychiatric-reason"), whatever else is given;
 *  - else a reason in the non-psychiatric value set (e.g. anaesthesia, procedural sedation, pain):
 *    false ("non-psychiatric-reason");
 *  - else a reason in neither (or a reasonReference that cannot be resolved): true ("other-reason");
 *  - no reason at all: true ("no-reason").
 * The last two are assumptions, stated in `psychiatricContextBasis`: a service using this is deployed
 * for psychiatric ordering contexts, so an order without a clear non-psychiatric reason is treated as
 * psychiatric (the safety cards show rather than hide).
 */
import type * as fhir4 from 'fhir/r4.js';
import type { PatientRecord } from '../../../fhir/patient-record.js';
import type { FactContext } from '../../evaluation-types.js';
import { codingsOf, firstMatch } from './codes.js';

export const PSYCHIATRIC_CONTEXT_BASES = ['psychiatric-reason', 'non-psychiatric-reason', 'other-reason', 'no-reason'] as const;
export type PsychiatricContextBasis = (typeof PSYCHIATRIC_CONTEXT_BASES)[number];

export interface OrderReason {
  system: string | null;
  code: string;
  display: string | null;
  /** reasonCode, or the reasonReference it came from ("Condition/<id>"). */
  from: string;
}

export interface OrderReasons {
  reasons: OrderReason[];
  /** reasonReferences that could not be resolved to a Condition in the record or the order's contained resources. */
  unresolved: string[];
  /** Condition references the reasons came from. */
  refs: string[];
}

/** The Condition a reasonReference points to: "#id" (contained), "Condition/id" or a URL ending in it (record). */
function resolveCondition(order: fhir4.MedicationRequest, reference: string, record: PatientRecord): fhir4.Condition | undefined {
  if (reference.startsWith('#')) {
    const id = reference.slice(1);
    return order.contained?.find((r): r is fhir4.Condition => r.resourceType === 'Condition' && r.id === id);
  }
  const m = /(?:^|\/)Condition\/([^/]+)(?:\/_history\/[^/]+)?$/.exec(reference);
  if (!m) return undefined;
  return record.conditions.find((c) => c.id === m[1]);
}

export function orderReasons(order: fhir4.MedicationRequest, record: PatientRecord): OrderReasons {
  const reasons: OrderReason[] = [];
  const unresolved: string[] = [];
  const refs: string[] = [];
  for (const c of codingsOf(...(order.reasonCode ?? []))) {
    reasons.push({ system: c.system ?? null, code: c.code!, display: c.display ?? null, from: 'reasonCode' });
  }
  for (const ref of order.reasonReference ?? []) {
    const reference = ref.reference;
    const condition = reference ? resolveCondition(order, reference, record) : undefined;
    if (!condition) {
      unresolved.push(reference ?? ref.display ?? '(reference without a target)');
      continue;
    }
    const from = condition.id ? `Condition/${condition.id}` : reference!;
    if (!reference!.startsWith('#')) refs.push(from);
    for (const c of codingsOf(condition.code)) {
      reasons.push({ system: c.system ?? null, code: c.code!, display: c.display ?? condition.code?.text ?? null, from });
    }
  }
  return { reasons, unresolved, refs };
}

export function psychiatricContextOf(
  ctx: FactContext,
  found: OrderReasons,
  psychiatricValueSet: string | undefined,
  nonPsychiatricValueSet: string | undefined,
): { psychiatricContext: boolean; basis: PsychiatricContextBasis } {
  if (found.reasons.length === 0 && found.unresolved.length === 0) return { psychiatricContext: true, basis: 'no-reason' };
  const codings: fhir4.Coding[] = found.reasons.map((r) => ({ system: r.system ?? undefined, code: r.code }));
  if (psychiatricValueSet && firstMatch(ctx, psychiatricValueSet, codings)) return { psychiatricContext: true, basis: 'psychiatric-reason' };
  if (nonPsychiatricValueSet && firstMatch(ctx, nonPsychiatricValueSet, codings)) return { psychiatricContext: false, basis: 'non-psychiatric-reason' };
  return { psychiatricContext: true, basis: 'other-reason' };
}
