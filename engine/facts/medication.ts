/**
 * `medication`: medications the patient takes or took, from MedicationRequest and
 * MedicationStatement (never the hook's draft orders, which live in record.draftOrders).
 * The medication is medicationCodeableConcept, or the Medication that medicationReference points to
 * (contained "#id" or a Medication in the record): its code, then its ingredients' codes.
 *   status "active" (default): MedicationRequest active|on-hold; MedicationStatement
 *   active|intended|on-hold. "any": everything except void records (MedicationRequest
 *   entered-in-error|cancelled|draft; MedicationStatement entered-in-error|not-taken).
 *   withinDays: only records whose period reaches into the last N days (ongoing, or ending N or fewer
 *   days ago; a record without any date is kept only when ongoing).
 */
import type * as fhir4 from 'fhir/r4.js';
import type { FactContext, FactKind, FactValue } from '../evaluation-types.js';
import { codingsOf, displayOf, firstMatch, refOf, valueSetEntry } from './support/codes.js';
import { ageDays, displayDate, sortByDate } from './support/dates.js';
import { isActiveMedication, isVoidMedication, medicationConcepts, medicationPeriod } from './support/medications.js';
import {
  enumString,
  numberOrParamSchema,
  optionalNumber,
  paramsSchema,
  stringOrParamSchema,
  valueSetParam,
  valueSetSchema,
} from './support/params.js';
import { MAX, bool, clip, factShape, int, joinClipped, list, obj, str, strOrNull, uniqueRefs, enumStr, dateStrOrNull } from './support/shape.js';

export interface MedicationItem {
  code: string;
  system: string | null;
  display: string;
  resourceType: 'MedicationRequest' | 'MedicationStatement';
  status: string;
  start: string | null;
  end: string | null;
  ongoing: boolean;
  ref: string | null;
}

/** The medication records whose medication is in the value set, with their periods (shared with antidepressantTrials). */
export function medicationRecords(
  ctx: FactContext,
  valueSet: string,
  status: 'active' | 'any',
): Array<MedicationItem & { resource: fhir4.MedicationRequest | fhir4.MedicationStatement }> {
  const vs = ctx.ruleSet.valueSets[valueSet];
  const out: Array<MedicationItem & { resource: fhir4.MedicationRequest | fhir4.MedicationStatement }> = [];
  const resources: Array<fhir4.MedicationRequest | fhir4.MedicationStatement> = [
    ...ctx.record.medicationRequests,
    ...ctx.record.medicationStatements,
  ];
  for (const resource of resources) {
    if (isVoidMedication(resource)) continue;
    if (status === 'active' && !isActiveMedication(resource)) continue;
    const medication = medicationConcepts(resource, ctx.record);
    const match = firstMatch(ctx, valueSet, codingsOf(...medication.concepts));
    if (!match) continue;
    const period = medicationPeriod(resource, ctx.now);
    out.push({
      code: match.code,
      system: match.system ?? null,
      display: clip(displayOf(match, valueSetEntry(vs, match.system, match.code), medication.text), MAX.display),
      resourceType: resource.resourceType,
      status: resource.status,
      start: period.start ?? null,
      end: period.end ?? null,
      ongoing: period.ongoing,
      ref: refOf(resource) ?? null,
      resource,
    });
  }
  return sortByDate(out, (i) => i.start);
}

export const medicationKind: FactKind = {
  kind: 'medication',
  description:
    'Medications from MedicationRequest and MedicationStatement (not the draft orders) whose medication code, Medication.code or ingredient code is in a value set.',
  paramsSchema: paramsSchema(
    'medication',
    {
      valueSet: valueSetSchema('Medication codes (RxNorm at any level, NDC).'),
      status: stringOrParamSchema(
        '"active" (default: MedicationRequest active|on-hold, MedicationStatement active|intended|on-hold) or "any" (all but entered-in-error, cancelled, draft, not-taken).',
        ['active', 'any'],
      ),
      withinDays: numberOrParamSchema('Only records ongoing or ended within this many days before now.'),
    },
    ['valueSet'],
  ),
  output: factShape('Matching medications', {
    present: bool('True when at least one record matches'),
    count: int('Number of matching records'),
    list: str('"<display> (since <start>)" per record, joined by "; "', MAX.list),
    items: list(
      'Each matching record, earliest start first',
      obj('A medication record', {
        code: str('The matching code', MAX.code),
        system: strOrNull('Its code system', MAX.system),
        display: str('Display of the matching code (or medication text)', MAX.display),
        resourceType: enumStr('Where it came from', ['MedicationRequest', 'MedicationStatement']),
        status: str('The record status', MAX.status),
        start: dateStrOrNull('Start date (statement effective start; request validity/bounds start or authoredOn)'),
        end: dateStrOrNull('End date (explicit, or derived from the expected supply duration); null when unknown'),
        ongoing: bool('True when the record is active and not past its end'),
        ref: strOrNull('Type/id', MAX.id + 25),
      }),
    ),
  }),
  compute(decl, ctx): FactValue {
    const valueSet = valueSetParam(decl, 'valueSet', ctx);
    const status = enumString(decl, 'status', ctx, ['active', 'any'] as const, 'active');
    const withinDays = optionalNumber(decl, 'withinDays', ctx);
    const items = medicationRecords(ctx, valueSet, status)
      .filter((i) => {
        if (withinDays === undefined || i.ongoing) return true;
        const age = ageDays(i.end ?? i.start, ctx.now);
        return age !== null && age <= withinDays;
      })
      .map(({ resource: _resource, ...item }) => item);
    return {
      present: items.length > 0,
      count: items.length,
      list: joinClipped(
        items.map((i) => `${i.display}${i.start ? (i.ongoing ? ` (since ${displayDate(i.start, ctx.now)})` : ` (${displayDate(i.start, ctx.now)}${i.end ? ` to ${displayDate(i.end, ctx.now)}` : ''})`) : ''}`),
        MAX.list,
      ),
      items,
      refs: uniqueRefs(items.map((i) => i.ref ?? undefined)),
    };
  },
};
