/**
 * `documentation`: the latest documentation of an act such as informed consent:
 *  - an active Consent whose category or policyRule (any coding) is in the value set (date:
 *    Consent.dateTime), or
 *  - a completed Procedure whose code is in the value set (date: performedDateTime or
 *    performedPeriod.start).
 * withinDays: only documentation at most that many days old counts. Undated Consents count only when
 * withinDays is not given.
 */
import type { FactKind, FactValue } from '../evaluation-types.js';
import { conceptMatch, refOf } from './support/codes.js';
import { ageDays, displayDate, notAfter, sortByDate } from './support/dates.js';
import { numberOrParamSchema, optionalNumber, paramsSchema, valueSetParam, valueSetSchema } from './support/params.js';
import { bool, enumStrOrNull, factShape, int, intOrNull, str, dateStrOrNull } from './support/shape.js';

interface Documented {
  date: string | null;
  source: 'Consent' | 'Procedure';
  ref?: string;
}

export const documentationKind: FactKind = {
  kind: 'documentation',
  description: 'The latest documented act (e.g. informed consent): an active Consent (category/policyRule) or a completed Procedure coded in a value set.',
  paramsSchema: paramsSchema(
    'documentation',
    {
      valueSet: valueSetSchema('Consent category/policyRule codes or Procedure codes that document the act.'),
      withinDays: numberOrParamSchema('Only documentation at most this many days old counts.'),
    },
    ['valueSet'],
  ),
  output: factShape('The latest matching documentation', {
    present: bool('True when matching documentation exists (within withinDays when given)'),
    date: dateStrOrNull('Its date (null for an undated Consent)'),
    ageDays: intOrNull('Whole days from date to now'),
    source: enumStrOrNull('Consent or Procedure', ['Consent', 'Procedure']),
    count: int('Number of matching records'),
    text: str('"documented on 2026-10-01" or "not documented"', 60),
  }),
  compute(decl, ctx): FactValue {
    const valueSet = valueSetParam(decl, 'valueSet', ctx);
    const withinDays = optionalNumber(decl, 'withinDays', ctx);
    const found: Documented[] = [];
    for (const c of ctx.record.consents) {
      if (c.status !== 'active') continue;
      if (!conceptMatch(ctx, valueSet, ...(c.category ?? []), c.policyRule)) continue;
      found.push({ date: c.dateTime ?? null, source: 'Consent', ref: refOf(c) });
    }
    for (const p of ctx.record.procedures) {
      if (p.status !== 'completed') continue;
      if (!conceptMatch(ctx, valueSet, p.code)) continue;
      found.push({ date: p.performedDateTime ?? p.performedPeriod?.start ?? null, source: 'Procedure', ref: refOf(p) });
    }
    const counted = sortByDate(
      found.filter((d) => {
        if (d.date && !notAfter(d.date, ctx.now)) return false;
        if (withinDays === undefined) return true;
        const age = ageDays(d.date, ctx.now);
        return age !== null && age <= withinDays;
      }),
      (d) => d.date,
    );
    const latest = counted[counted.length - 1];
    if (!latest) return { present: false, date: null, ageDays: null, source: null, count: 0, text: 'not documented', refs: [] };
    return {
      present: true,
      date: latest.date,
      ageDays: ageDays(latest.date, ctx.now),
      source: latest.source,
      count: counted.length,
      text: latest.date ? `documented on ${displayDate(latest.date, ctx.now)}` : 'documented (undated)',
      refs: latest.ref ? [latest.ref] : [],
    };
  },
};
