/**
 * `antidepressantTrials`: distinct antidepressant agents tried in the current depressive episode, and
 * how many were tried for long enough (the TRD definition's "≥2 adequate trials in the current
 * episode", knowledge brief §1 and §9).
 *
 * What it does, exactly:
 *  1. Records: MedicationRequest and MedicationStatement of any non-void status (see `medication`
 *     kind, status "any") whose medication is in `valueSet`. Records without any start date are
 *     skipped (they cannot be placed in time).
 *  2. Period of a record: start as in the `medication` kind; end = the recorded or derived end, or now
 *     when the record is ongoing; a finished record with no end date has an unknown duration and
 *     counts as 0 days.
 *  3. Agent: the value-set entry the code matched decides: its `group` when set (put the ingredient
 *     name on every product code of one ingredient), else the entry's code or prefix. Codes of one
 *     agent without a shared `group` are therefore counted as different agents; the display is never
 *     parsed.
 *  4. Episode: the earliest onset (else recordedDate) of the active conditions in `episodeValueSet`.
 *     Only records whose period ends on or after the episode start count. With no such condition the
 *     episode is unknown (`episodeKnown` false) and every record counts.
 *  5. Per agent, periods that overlap or are at most `maxGapDays` apart (default 0) are merged; the
 *     agent's trial is its longest merged run. durationDays = whole days from its start to its end.
 *  6. adequate = durationDays >= minDurationDays. Dose adequacy cannot be judged from these data
 *     (no reliable dose history per day): "adequate" means adequate *duration* only.
 */
import type { FactKind, FactValue } from '../evaluation-types.js';
import { valueSetEntry } from './support/codes.js';
import { matchingConditions, onsetOf } from './support/condition-records.js';
import { ageDays, daysBetween, displayDate, earliestDate, isoDate, parseFhirDate } from './support/dates.js';
import { medicationRecords } from './medication.js';
import {
  numberOrParamSchema,
  optionalNumber,
  paramsSchema,
  requiredNumber,
  valueSetParam,
  valueSetSchema,
} from './support/params.js';
import { MAX, bool, clip, factShape, int, intOrNull, joinClipped, list, num, obj, str, uniqueRefs, dateStrOrNull, dateStr } from './support/shape.js';

interface Run {
  start: Date;
  end: Date;
  ongoing: boolean;
  refs: string[];
}

export const antidepressantTrialsKind: FactKind = {
  kind: 'antidepressantTrials',
  description:
    'Distinct antidepressant agents tried in the current depressive episode and how many lasted at least minDurationDays. ' +
    'Agents are grouped by the value-set entry (its `group`, else the code/prefix). "Adequate" judges duration only: dose adequacy cannot be judged from these data.',
  paramsSchema: paramsSchema(
    'antidepressantTrials',
    {
      valueSet: valueSetSchema('Antidepressant ingredient/product codes; give product codes a `group` (the ingredient) so they count as one agent.'),
      minDurationDays: numberOrParamSchema('Days of continuous use that make a trial adequate in duration (usually {"param": …}).'),
      episodeValueSet: valueSetSchema('Depressive-episode condition codes (active conditions; the earliest onset/recordedDate starts the episode).'),
      maxGapDays: numberOrParamSchema('Records of the same agent at most this many days apart are merged into one trial (default 0: only overlapping or touching records).'),
    },
    ['valueSet', 'minDurationDays', 'episodeValueSet'],
  ),
  output: factShape('Antidepressant trials in the current episode', {
    distinctCount: int('Number of distinct agents tried in the episode'),
    adequateCount: int('Number of agents whose longest trial lasted at least minDurationDays'),
    minDurationDays: num('The minimum duration used (days)'),
    episodeKnown: bool('True when an active episode condition gave the episode start'),
    episodeStart: dateStrOrNull('Start of the current episode (earliest onset/recordedDate of the active episode conditions)'),
    episodeStartAgeDays: intOrNull('Whole days from episodeStart to now'),
    list: str('"<agent> <start> to <end> (<n> days[, adequate duration])" per agent, joined by "; "', MAX.list),
    trials: list(
      'One trial per agent (its longest run), earliest first',
      obj('A trial', {
        agent: str('The agent key: value-set group, else the matched code or prefix', MAX.label),
        display: str('Agent name for display: the group, else the code display', MAX.display),
        start: dateStr('Start date (YYYY-MM-DD)'),
        end: dateStrOrNull('End date (YYYY-MM-DD); null when ongoing'),
        ongoing: bool('True when the trial continues now'),
        durationDays: int('Whole days from start to end (or now)'),
        adequate: bool('durationDays >= minDurationDays (duration only; dose not judged)'),
        refs: list('Records of this agent in the episode (all runs)', str('Type/id', MAX.id + 25)),
      }),
    ),
  }),
  compute(decl, ctx): FactValue {
    const valueSet = valueSetParam(decl, 'valueSet', ctx);
    const minDurationDays = requiredNumber(decl, 'minDurationDays', ctx);
    const episodeValueSet = valueSetParam(decl, 'episodeValueSet', ctx);
    const maxGapDays = optionalNumber(decl, 'maxGapDays', ctx) ?? 0;
    const vs = ctx.ruleSet.valueSets[valueSet];

    const episodeConditions = matchingConditions(ctx, episodeValueSet, 'active');
    const episodeStart = earliestDate(episodeConditions.map((c) => onsetOf(c.condition) ?? c.condition.recordedDate)) ?? null;
    const episodeInstant = parseFhirDate(episodeStart);

    const byAgent = new Map<string, { display: string; runs: Run[] }>();
    for (const record of medicationRecords(ctx, valueSet, 'any')) {
      const start = parseFhirDate(record.start);
      if (!start) continue;
      const end = record.ongoing ? ctx.now : (parseFhirDate(record.end) ?? start);
      if (episodeInstant && end.getTime() < episodeInstant.getTime()) continue;
      const entry = valueSetEntry(vs, record.system ?? undefined, record.code);
      const agent = entry?.group ?? entry?.key ?? record.code;
      const display = entry?.group ?? record.display;
      const slot = byAgent.get(agent) ?? { display, runs: [] };
      slot.runs.push({ start, end: end.getTime() < start.getTime() ? start : end, ongoing: record.ongoing, refs: record.ref ? [record.ref] : [] });
      byAgent.set(agent, slot);
    }

    const trials = [...byAgent.entries()].map(([agent, { display, runs }]) => {
      runs.sort((a, b) => a.start.getTime() - b.start.getTime());
      const merged: Run[] = [];
      for (const run of runs) {
        const last = merged[merged.length - 1];
        if (last && daysBetween(last.end, run.start) <= maxGapDays) {
          if (run.end.getTime() > last.end.getTime()) last.end = run.end;
          last.ongoing = last.ongoing || run.ongoing;
          last.refs.push(...run.refs);
        } else {
          merged.push({ ...run, refs: [...run.refs] });
        }
      }
      let best = merged[0];
      for (const run of merged) {
        if (daysBetween(run.start, run.end) >= daysBetween(best.start, best.end)) best = run;
      }
      const durationDays = daysBetween(best.start, best.end);
      return {
        agent: clip(agent, MAX.label),
        display: clip(display, MAX.display),
        start: isoDate(best.start),
        end: best.ongoing ? null : isoDate(best.end),
        ongoing: best.ongoing,
        durationDays,
        adequate: durationDays >= minDurationDays,
        refs: uniqueRefs(runs.flatMap((r) => r.refs)),
      };
    });
    trials.sort((a, b) => a.start.localeCompare(b.start));

    return {
      distinctCount: trials.length,
      adequateCount: trials.filter((t) => t.adequate).length,
      minDurationDays,
      episodeKnown: episodeInstant !== undefined,
      episodeStart,
      episodeStartAgeDays: ageDays(episodeStart, ctx.now),
      list: joinClipped(
        trials.map(
          (t) =>
            `${t.display} ${displayDate(t.start, ctx.now)} ${t.ongoing ? 'ongoing' : `to ${displayDate(t.end, ctx.now)}`} (${t.durationDays} days${t.adequate ? ', adequate duration' : ''})`,
        ),
        MAX.list,
      ),
      trials,
      refs: uniqueRefs(
        trials.flatMap((t) => t.refs),
        episodeConditions.map((c) => (c.condition.id ? `Condition/${c.condition.id}` : undefined)),
      ),
    };
  },
};
