/**
 * `bloodPressure`: the latest blood-pressure reading. A reading is either
 *  - an Observation coded in `panelValueSet` with a systolic and a diastolic component (component codes
 *    in `systolicValueSet` / `diastolicValueSet`), or
 *  - a systolic Observation and a diastolic Observation (own codes in those value sets) with the same
 *    effective instant.
 * Values in mm[Hg] (or without a unit) are used as they are; kPa is converted to mmHg (× 7.50062,
 * rounded); readings in any other unit are ignored. Observations entered-in-error/cancelled or dated
 * after now are ignored. The mechanical LOINC codes (85354-9, 8480-6, 8462-4) come from the value sets.
 */
import type * as fhir4 from 'fhir/r4.js';
import type { FactContext, FactKind, FactValue } from '../evaluation-types.js';
import { conceptMatch, refOf } from './support/codes.js';
import { ageDays, displayDate, notAfter, parseFhirDate } from './support/dates.js';
import { observationDate } from './support/observations.js';
import { numberOrParamSchema, optionalNumber, paramsSchema, valueSetParam, valueSetSchema } from './support/params.js';
import { bool, clip, factShape, int, intOrNull, numOrNull, str, uniqueRefs, enumStrOrNull, dateStrOrNull } from './support/shape.js';

const VOID_STATUSES = ['entered-in-error', 'cancelled'];
const MMHG_UNITS = ['mm[Hg]', 'mmHg', 'mm Hg', 'mmhg'];
const KPA_UNITS = ['kPa', 'kpa'];
const MMHG_PER_KPA = 7.50062;

/** mmHg value of a quantity, or undefined when it has none or an unknown unit. */
function mmHg(q: fhir4.Quantity | undefined): number | undefined {
  if (!q || typeof q.value !== 'number') return undefined;
  const unit = q.code ?? q.unit;
  if (unit === undefined || MMHG_UNITS.includes(unit)) return q.value;
  if (KPA_UNITS.includes(unit)) return Math.round(q.value * MMHG_PER_KPA);
  return undefined;
}

interface Reading {
  systolic: number;
  diastolic: number;
  date: string;
  t: number;
  source: 'panel' | 'separate';
  refs: string[];
}

export function bloodPressureReadings(
  ctx: FactContext,
  panelValueSet: string,
  systolicValueSet: string,
  diastolicValueSet: string,
): Reading[] {
  const readings: Reading[] = [];
  const systolics: Array<{ date: string; t: number; value: number; ref?: string }> = [];
  const diastolics: Array<{ date: string; t: number; value: number; ref?: string }> = [];
  for (const o of ctx.record.observations) {
    if (VOID_STATUSES.includes(o.status)) continue;
    const date = observationDate(o);
    const instant = parseFhirDate(date);
    if (!date || !instant || !notAfter(date, ctx.now)) continue;
    if (conceptMatch(ctx, panelValueSet, o.code)) {
      let systolic: number | undefined;
      let diastolic: number | undefined;
      for (const c of o.component ?? []) {
        if (systolic === undefined && conceptMatch(ctx, systolicValueSet, c.code)) systolic = mmHg(c.valueQuantity);
        else if (diastolic === undefined && conceptMatch(ctx, diastolicValueSet, c.code)) diastolic = mmHg(c.valueQuantity);
      }
      if (systolic !== undefined && diastolic !== undefined) {
        readings.push({ systolic, diastolic, date, t: instant.getTime(), source: 'panel', refs: uniqueRefs([refOf(o)]) });
      }
      continue;
    }
    if (conceptMatch(ctx, systolicValueSet, o.code)) {
      const value = mmHg(o.valueQuantity);
      if (value !== undefined) systolics.push({ date, t: instant.getTime(), value, ref: refOf(o) });
    } else if (conceptMatch(ctx, diastolicValueSet, o.code)) {
      const value = mmHg(o.valueQuantity);
      if (value !== undefined) diastolics.push({ date, t: instant.getTime(), value, ref: refOf(o) });
    }
  }
  for (const s of systolics) {
    const d = diastolics.find((x) => x.t === s.t);
    if (d) readings.push({ systolic: s.value, diastolic: d.value, date: s.date, t: s.t, source: 'separate', refs: uniqueRefs([s.ref, d.ref]) });
  }
  // Oldest first; at the same instant a panel sorts after separate Observations (the panel wins as "latest").
  return readings.sort((a, b) => a.t - b.t || (a.source === b.source ? 0 : a.source === 'panel' ? 1 : -1));
}

export const bloodPressureKind: FactKind = {
  kind: 'bloodPressure',
  description:
    'The latest blood pressure: a BP panel with systolic and diastolic components, or separate systolic and diastolic Observations at the same instant.',
  paramsSchema: paramsSchema(
    'bloodPressure',
    {
      panelValueSet: valueSetSchema('BP panel codes (e.g. LOINC 85354-9).'),
      systolicValueSet: valueSetSchema('Systolic codes (e.g. LOINC 8480-6), as component or Observation code.'),
      diastolicValueSet: valueSetSchema('Diastolic codes (e.g. LOINC 8462-4), as component or Observation code.'),
      withinDays: numberOrParamSchema('Only readings at most this many days old count.'),
    },
    ['panelValueSet', 'systolicValueSet', 'diastolicValueSet'],
  ),
  output: factShape('The latest blood-pressure reading', {
    present: bool('True when a reading exists (within withinDays when given)'),
    systolic: numOrNull('Systolic pressure (mmHg)'),
    diastolic: numOrNull('Diastolic pressure (mmHg)'),
    date: dateStrOrNull('Effective date of the reading'),
    ageDays: intOrNull('Whole days from date to now'),
    source: enumStrOrNull('"panel" (one Observation with components) or "separate" (two Observations)', ['panel', 'separate']),
    text: str('"152/94 mmHg on 2026-10-30" ("… on 2026-10-30 09:12 UTC" for a same-day reading), or "no blood pressure recorded"', 40),
    count: int('Number of readings (within withinDays when given)'),
  }),
  compute(decl, ctx): FactValue {
    const panel = valueSetParam(decl, 'panelValueSet', ctx);
    const systolic = valueSetParam(decl, 'systolicValueSet', ctx);
    const diastolic = valueSetParam(decl, 'diastolicValueSet', ctx);
    const withinDays = optionalNumber(decl, 'withinDays', ctx);
    const readings = bloodPressureReadings(ctx, panel, systolic, diastolic).filter((r) => {
      if (withinDays === undefined) return true;
      const age = ageDays(r.date, ctx.now);
      return age !== null && age <= withinDays;
    });
    const latest = readings[readings.length - 1];
    if (!latest) {
      return {
        present: false, systolic: null, diastolic: null, date: null, ageDays: null, source: null,
        text: 'no blood pressure recorded', count: 0, refs: [],
      };
    }
    return {
      present: true,
      systolic: latest.systolic,
      diastolic: latest.diastolic,
      date: latest.date,
      ageDays: ageDays(latest.date, ctx.now),
      source: latest.source,
      text: clip(`${latest.systolic}/${latest.diastolic} mmHg on ${displayDate(latest.date, ctx.now)}`, 40),
      count: readings.length,
      refs: latest.refs,
    };
  },
};
