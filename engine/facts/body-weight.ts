/**
 * `bodyWeight`: the latest body weight in kilograms. Units (UCUM code, else unit text): kg; g (÷1000);
 * [lb_av] / lb / lbs (× 0.45359237); [oz_av] / oz (× 0.028349523125). Readings in other units are
 * ignored. kg is rounded to 2 decimals.
 */
import type { FactKind, FactValue } from '../evaluation-types.js';
import { ageDays, displayDate } from './support/dates.js';
import { matchingObservations } from './support/observations.js';
import { numberOrParamSchema, optionalNumber, paramsSchema, valueSetParam, valueSetSchema } from './support/params.js';
import { bool, factShape, intOrNull, numOrNull, round, str, dateStrOrNull } from './support/shape.js';

const KG_PER_UNIT: Readonly<Record<string, number>> = Object.freeze({
  kg: 1,
  g: 0.001,
  '[lb_av]': 0.45359237,
  lb: 0.45359237,
  lbs: 0.45359237,
  '[oz_av]': 0.028349523125,
  oz: 0.028349523125,
});

/** Kilograms for a value and unit, or undefined for an unknown unit. */
export function toKg(value: number, unit: string | undefined): number | undefined {
  const factor = KG_PER_UNIT[unit ?? ''];
  return factor === undefined ? undefined : value * factor;
}

export const bodyWeightKind: FactKind = {
  kind: 'bodyWeight',
  description: 'The latest body weight, converted to kilograms (kg, g, lb, oz accepted).',
  paramsSchema: paramsSchema(
    'bodyWeight',
    {
      valueSet: valueSetSchema('Body weight codes (e.g. LOINC 29463-7).'),
      withinDays: numberOrParamSchema('Only weights at most this many days old count.'),
    },
    ['valueSet'],
  ),
  output: factShape('The latest body weight', {
    present: bool('True when a weight in a known unit exists (within withinDays when given)'),
    kg: numOrNull('Weight in kilograms (2 decimals)'),
    date: dateStrOrNull('Effective date'),
    ageDays: intOrNull('Whole days from date to now'),
    text: str('"70 kg on 2026-10-30", or "no weight recorded"', 40),
  }),
  compute(decl, ctx): FactValue {
    const valueSet = valueSetParam(decl, 'valueSet', ctx);
    const withinDays = optionalNumber(decl, 'withinDays', ctx);
    const weights = matchingObservations(ctx, valueSet).flatMap((m) => {
      if (m.value.kind !== 'quantity') return [];
      const kg = toKg(m.value.value, m.value.code ?? m.value.unit);
      if (kg === undefined) return [];
      const age = ageDays(m.date, ctx.now);
      if (withinDays !== undefined && (age === null || age > withinDays)) return [];
      return [{ kg: round(kg, 2), date: m.date, age, ref: m.ref }];
    });
    const latest = weights[weights.length - 1];
    if (!latest) return { present: false, kg: null, date: null, ageDays: null, text: 'no weight recorded', refs: [] };
    return {
      present: true,
      kg: latest.kg,
      date: latest.date,
      ageDays: latest.age,
      text: `${latest.kg} kg on ${displayDate(latest.date, ctx.now)}`,
      refs: latest.ref ? [latest.ref] : [],
    };
  },
};
