/**
 * `observation`: the latest Observation whose code (or a component's code) is in a value set.
 *   Observations with status entered-in-error or cancelled, or dated after now, are ignored.
 *   Date: effectiveDateTime, effectivePeriod.start, effectiveInstant, else issued.
 *   value: a number for Quantity/integer values, else text (string, boolean as "true"/"false", or a
 *   coded answer's text/display/code); valueCode/valueSystem carry a coded answer's code.
 *   withinDays: only observations at most that many days old.
 *   answerValueSet: only observations whose coded answer (valueCodeableConcept) is in that value set,
 *   e.g. the "yes" answers of a screening questionnaire's items: present then means "a positive answer
 *   in the window", whichever item it was.
 */
import type { FactKind, FactValue } from '../evaluation-types.js';
import { ageDays, displayDate } from './support/dates.js';
import { matchingObservations, type MatchedObservation } from './support/observations.js';
import { codingsOf, firstMatch } from './support/codes.js';
import { numberOrParamSchema, optionalNumber, optionalValueSetParam, paramsSchema, valueSetParam, valueSetSchema } from './support/params.js';
import { MAX, bool, clip, factShape, int, intOrNull, objOrNull, str, strOrNull, uniqueRefs, dateStrOrNull, dateStr } from './support/shape.js';

type Scalar = number | string | null;

function scalar(m: MatchedObservation): Scalar {
  switch (m.value.kind) {
    case 'quantity':
      return m.value.value;
    case 'string':
    case 'coded':
      return m.value.value;
    case 'boolean':
      return String(m.value.value);
    default:
      return null;
  }
}

/** The value as output: strings clipped to the shape's maxLength. */
function outputValue(m: MatchedObservation): Scalar {
  const v = scalar(m);
  return typeof v === 'string' ? clip(v, MAX.display) : v;
}

function unitOf(m: MatchedObservation): string | null {
  return m.value.kind === 'quantity' ? (m.value.unit ?? m.value.code ?? null) : null;
}

export const observationKind: FactKind = {
  kind: 'observation',
  description: 'The latest Observation (or Observation component) coded in a value set, with its value, date and age.',
  paramsSchema: paramsSchema(
    'observation',
    {
      valueSet: valueSetSchema('Observation codes (Observation.code or component.code), e.g. a PHQ-9 total score LOINC.'),
      withinDays: numberOrParamSchema('Only observations at most this many days old count.'),
      answerValueSet: valueSetSchema('Only observations whose coded answer (valueCodeableConcept) is in this value set count, e.g. the "yes" answers of a screening item.'),
    },
    ['valueSet'],
  ),
  output: factShape('The latest matching observation', {
    present: bool('True when a matching observation exists (within withinDays when given)'),
    value: { type: ['number', 'string', 'null'], description: 'The value: a number for quantities/integers, else text', maxLength: MAX.display },
    unit: strOrNull('Unit of a quantity value', 30),
    valueCode: strOrNull('Code of a coded answer', MAX.code),
    valueSystem: strOrNull('Code system of a coded answer', MAX.system),
    code: strOrNull('The matching observation code', MAX.code),
    date: dateStrOrNull('Effective date of the latest observation'),
    ageDays: intOrNull('Whole days from date to now'),
    text: str('"<value> <unit> on <date>", or "none" when absent', 80),
    count: int('Number of matching observations (within withinDays when given)'),
    earliest: objOrNull('The earliest matching observation in the same window', {
      value: { type: ['number', 'string', 'null'], description: 'Its value', maxLength: MAX.display },
      date: dateStr('Its date'),
      ref: strOrNull('Observation/id', MAX.id + 12),
    }),
    ref: strOrNull('Observation/id of the latest', MAX.id + 12),
  }),
  compute(decl, ctx): FactValue {
    const valueSet = valueSetParam(decl, 'valueSet', ctx);
    const withinDays = optionalNumber(decl, 'withinDays', ctx);
    const answerValueSet = optionalValueSetParam(decl, 'answerValueSet', ctx);
    const matches = matchingObservations(ctx, valueSet).filter((m) => {
      if (answerValueSet !== undefined && (m.value.kind !== 'coded' || !firstMatch(ctx, answerValueSet, codingsOf(m.value.concept)))) return false;
      if (withinDays === undefined) return true;
      const age = ageDays(m.date, ctx.now);
      return age !== null && age <= withinDays;
    });
    const latest = matches[matches.length - 1];
    const first = matches[0];
    if (!latest) {
      return {
        present: false, value: null, unit: null, valueCode: null, valueSystem: null, code: null, date: null,
        ageDays: null, text: 'none', count: 0, earliest: null, ref: null, refs: [],
      };
    }
    const value = outputValue(latest);
    const unit = unitOf(latest);
    return {
      present: true,
      value,
      unit,
      valueCode: latest.value.kind === 'coded' ? (latest.value.code ?? null) : null,
      valueSystem: latest.value.kind === 'coded' ? (latest.value.system ?? null) : null,
      code: latest.match.code,
      date: latest.date,
      ageDays: ageDays(latest.date, ctx.now),
      text: clip(`${value ?? 'no value'}${unit ? ` ${unit}` : ''} on ${displayDate(latest.date, ctx.now)}`, 80),
      count: matches.length,
      earliest: { value: outputValue(first), date: first.date, ref: first.ref ?? null },
      ref: latest.ref ?? null,
      refs: uniqueRefs([latest.ref, first.ref]),
    };
  },
};
