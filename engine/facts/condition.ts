/**
 * `condition`: Conditions whose code (any coding of Condition.code) is in a value set.
 *   clinicalStatus "active" (default): clinicalStatus active, recurrence or relapse (a Condition
 *   without clinicalStatus counts as active); "history": any clinical status, including resolved,
 *   inactive and remission; "resolved": inactive, remission or resolved only.
 *   Conditions with verificationStatus refuted or entered-in-error never count.
 *   Items are ordered by date (onset, else recordedDate), earliest first; undated last.
 *   latestOnset / latestRecorded (and their ages in days) let a rule ask for a recent onset or a
 *   recent recording, e.g. acute suicidal ideation rather than a years-old problem-list entry.
 *   withinDays: only conditions whose onset or recordedDate is at most that many days old count (an
 *   undated condition never does), e.g. "a suicidal-ideation entry from the last 30 days".
 */
import type { FactKind, FactValue } from '../evaluation-types.js';
import { displayOf, refOf, valueSetEntry } from './support/codes.js';
import {
  CLINICAL_STATUS_FILTERS,
  clinicalStatusOf,
  matchingConditions,
  onsetOf,
  type ClinicalStatusFilter,
} from './support/condition-records.js';
import { ageDays, displayDate, earliestDate, latestDate, parseFhirDate, sortByDate } from './support/dates.js';
import { enumString, numberOrParamSchema, optionalNumber, paramsSchema, stringOrParamSchema, valueSetParam, valueSetSchema } from './support/params.js';
import {
  MAX,
  bool,
  clip,
  factShape,
  int,
  intOrNull,
  joinClipped,
  list,
  obj,
  objOrNull,
  str,
  strOrNull,
  uniqueRefs,
  dateStrOrNull,
} from './support/shape.js';

const ITEM_PROPERTIES = {
  code: str('The matching code', MAX.code),
  system: strOrNull('Its code system', MAX.system),
  display: str('Display: the coding display, else the value-set entry display, else Condition.code.text, else the code', MAX.display),
  clinicalStatus: str('Condition.clinicalStatus code ("active" when absent)', MAX.status),
  onset: dateStrOrNull('onsetDateTime or onsetPeriod.start'),
  recordedDate: dateStrOrNull('Condition.recordedDate'),
  ref: strOrNull('Condition/id', MAX.id + 10),
};

export const conditionKind: FactKind = {
  kind: 'condition',
  description:
    'Conditions coded in a value set, filtered by clinical status (active by default). Refuted and entered-in-error conditions never count.',
  paramsSchema: paramsSchema(
    'condition',
    {
      valueSet: valueSetSchema('Condition codes to look for (any coding of Condition.code).'),
      clinicalStatus: stringOrParamSchema(
        '"active" (default: active|recurrence|relapse, or no status), "history" (any clinical status incl. resolved/inactive/remission) or "resolved" (inactive|remission|resolved).',
        CLINICAL_STATUS_FILTERS,
      ),
      withinDays: numberOrParamSchema('Only conditions whose onset or recordedDate is at most this many days old count (undated conditions never do).'),
    },
    ['valueSet'],
  ),
  output: factShape('Matching conditions', {
    present: bool('True when at least one condition matches'),
    count: int('Number of matching conditions'),
    codes: list('The matching codes', str('code', MAX.code)),
    list: str('"<code> <display> (onset <date>)" per condition, joined by "; "', MAX.list),
    items: list('Each matching condition, earliest first', obj('A matching condition', ITEM_PROPERTIES)),
    first: objOrNull('The earliest matching condition (null when none)', ITEM_PROPERTIES),
    earliestOnset: dateStrOrNull('Earliest onset (else recordedDate) among the matches'),
    earliestOnsetAgeDays: intOrNull('Whole days from earliestOnset to now'),
    latestOnset: dateStrOrNull('Latest onset among the matches (onsetDateTime or onsetPeriod.start; null when none has one)'),
    latestOnsetAgeDays: intOrNull('Whole days from latestOnset to now (e.g. "a recent onset": withinDays N)'),
    latestRecorded: dateStrOrNull('Latest recordedDate among the matches (null when none has one)'),
    latestRecordedAgeDays: intOrNull('Whole days from latestRecorded to now (e.g. "recorded recently": withinDays N)'),
  }),
  compute(decl, ctx): FactValue {
    const valueSet = valueSetParam(decl, 'valueSet', ctx);
    const filter = enumString<ClinicalStatusFilter>(decl, 'clinicalStatus', ctx, CLINICAL_STATUS_FILTERS, 'active');
    const withinDays = optionalNumber(decl, 'withinDays', ctx);
    const vs = ctx.ruleSet.valueSets[valueSet];
    const recent = (dates: ReadonlyArray<string | undefined>): boolean =>
      dates.some((d) => {
        const age = ageDays(d, ctx.now);
        return age !== null && age <= withinDays!;
      });
    const conditions = matchingConditions(ctx, valueSet, filter).filter(
      ({ condition }) => withinDays === undefined || recent([onsetOf(condition), condition.recordedDate]),
    );
    const matched = conditions.map(({ condition, match }) => ({
      code: match.code,
      system: match.system ?? null,
      display: clip(displayOf(match, valueSetEntry(vs, match.system, match.code), condition.code?.text), MAX.display),
      clinicalStatus: clinicalStatusOf(condition),
      onset: onsetOf(condition) ?? null,
      recordedDate: condition.recordedDate ?? null,
      ref: refOf(condition) ?? null,
    }));
    // Earliest first by onset (else recordedDate); undated conditions last.
    const dated = sortByDate(matched.filter((i) => parseFhirDate(i.onset ?? i.recordedDate)), (i) => i.onset ?? i.recordedDate);
    const items = [...dated, ...matched.filter((i) => !parseFhirDate(i.onset ?? i.recordedDate))];
    const earliestOnset = earliestDate(items.map((i) => i.onset ?? i.recordedDate)) ?? null;
    const latestOnset = latestDate(items.map((i) => i.onset)) ?? null;
    const latestRecorded = latestDate(items.map((i) => i.recordedDate)) ?? null;
    return {
      present: items.length > 0,
      count: items.length,
      codes: items.map((i) => i.code),
      list: joinClipped(
        items.map((i) => `${i.display === i.code ? i.code : `${i.code} ${i.display}`}${i.onset ? ` (onset ${displayDate(i.onset, ctx.now)})` : i.recordedDate ? ` (recorded ${displayDate(i.recordedDate, ctx.now)})` : ''}`),
        MAX.list,
      ),
      items,
      first: items[0] ?? null,
      earliestOnset,
      earliestOnsetAgeDays: ageDays(earliestOnset, ctx.now),
      latestOnset,
      latestOnsetAgeDays: ageDays(latestOnset, ctx.now),
      latestRecorded,
      latestRecordedAgeDays: ageDays(latestRecorded, ctx.now),
      refs: uniqueRefs(items.map((i) => i.ref ?? undefined)),
    };
  },
};
