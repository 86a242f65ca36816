/**
 * `allergy`: active AllergyIntolerance records whose substance is in a value set. The substance is
 * AllergyIntolerance.code or any reaction[].substance. clinicalStatus must be active (absent counts
 * as active); verificationStatus refuted or entered-in-error never counts.
 */
import type { FactKind, FactValue } from '../evaluation-types.js';
import { conceptMatch, displayOf, firstCode, refOf, valueSetEntry } from './support/codes.js';
import { paramsSchema, valueSetParam, valueSetSchema } from './support/params.js';
import { MAX, bool, clip, factShape, int, joinClipped, list, obj, str, strOrNull, uniqueRefs } from './support/shape.js';

const EXCLUDED_VERIFICATION = ['refuted', 'entered-in-error'];

export const allergyKind: FactKind = {
  kind: 'allergy',
  description: 'Active allergies/intolerances (not refuted or entered-in-error) to a substance in a value set.',
  paramsSchema: paramsSchema(
    'allergy',
    { valueSet: valueSetSchema('Substance codes (AllergyIntolerance.code or reaction.substance).') },
    ['valueSet'],
  ),
  output: factShape('Matching allergies', {
    present: bool('True when at least one active allergy matches'),
    count: int('Number of matching allergies'),
    list: str('"<display> (<criticality>)" per allergy, joined by "; "', MAX.list),
    items: list(
      'Each matching allergy',
      obj('An allergy', {
        code: str('The matching code', MAX.code),
        display: str('Display of the matching code', MAX.display),
        criticality: strOrNull('AllergyIntolerance.criticality', MAX.status),
        ref: strOrNull('AllergyIntolerance/id', MAX.id + 20),
      }),
    ),
  }),
  compute(decl, ctx): FactValue {
    const valueSet = valueSetParam(decl, 'valueSet', ctx);
    const vs = ctx.ruleSet.valueSets[valueSet];
    const items = [];
    for (const a of ctx.record.allergies) {
      const clinical = firstCode(a.clinicalStatus) ?? 'active';
      const verification = firstCode(a.verificationStatus);
      if (clinical !== 'active' || (verification && EXCLUDED_VERIFICATION.includes(verification))) continue;
      const match = conceptMatch(ctx, valueSet, a.code, ...(a.reaction ?? []).map((r) => r.substance));
      if (!match) continue;
      items.push({
        code: match.code,
        display: clip(displayOf(match, valueSetEntry(vs, match.system, match.code), a.code?.text), MAX.display),
        criticality: a.criticality ?? null,
        ref: refOf(a) ?? null,
      });
    }
    return {
      present: items.length > 0,
      count: items.length,
      list: joinClipped(items.map((i) => `${i.display}${i.criticality ? ` (${i.criticality} criticality)` : ''}`), MAX.list),
      items,
      refs: uniqueRefs(items.map((i) => i.ref ?? undefined)),
    };
  },
};
