/**
 * `mentalHealthEngagement`: is the patient engaged with mental-health care (the "pair with
 * psychotherapy and careful monitoring" advice, knowledge brief §8)? Any of:
 *  - care-team: an active CareTeam with a participant whose role (any coding) is in careTeamRoleValueSet;
 *  - encounter: a finished Encounter whose type (any coding) is in encounterValueSet, started at most
 *    withinDays ago (period.start, else period.end);
 *  - procedure: a completed Procedure whose code is in procedureValueSet, performed at most withinDays ago;
 *  - referral: an active ServiceRequest whose code is in referralValueSet (any date).
 * lastContactDate: the latest encounter/procedure date among those that count.
 */
import type { FactKind, FactValue } from '../evaluation-types.js';
import { conceptMatch, refOf } from './support/codes.js';
import { ageDays, compareDates, displayDate, notAfter } from './support/dates.js';
import { numberOrParamSchema, paramsSchema, requiredNumber, valueSetParam, valueSetSchema } from './support/params.js';
import { MAX, bool, enumStr, factShape, intOrNull, list, str, uniqueRefs, clip, dateStrOrNull } from './support/shape.js';

const VIA = ['care-team', 'encounter', 'procedure', 'referral'] as const;
type Via = (typeof VIA)[number];

export const mentalHealthEngagementKind: FactKind = {
  kind: 'mentalHealthEngagement',
  description:
    'Engagement with mental-health care: an active care-team member in a mental-health role, a recent finished mental-health encounter or completed psychotherapy procedure, or an active referral.',
  paramsSchema: paramsSchema(
    'mentalHealthEngagement',
    {
      careTeamRoleValueSet: valueSetSchema('CareTeam participant role codes (e.g. psychiatrist, psychotherapist).'),
      encounterValueSet: valueSetSchema('Encounter type codes of mental-health visits.'),
      procedureValueSet: valueSetSchema('Procedure codes (e.g. psychotherapy).'),
      referralValueSet: valueSetSchema('ServiceRequest codes of mental-health referrals.'),
      withinDays: numberOrParamSchema('Encounters and procedures count when at most this many days old.'),
    },
    ['careTeamRoleValueSet', 'encounterValueSet', 'procedureValueSet', 'referralValueSet', 'withinDays'],
  ),
  output: factShape('Engagement with mental-health care', {
    engaged: bool('True when any signal counts'),
    present: bool('Same as engaged'),
    via: list('Which signals count', enumStr('A signal', VIA)),
    lastContactDate: dateStrOrNull('Latest counting encounter/procedure date'),
    lastContactAgeDays: intOrNull('Whole days from lastContactDate to now'),
    text: str('e.g. "Engaged via care-team, encounter (last contact 2026-10-01)" or "No mental-health care documented"', MAX.text),
  }),
  compute(decl, ctx): FactValue {
    const roleVs = valueSetParam(decl, 'careTeamRoleValueSet', ctx);
    const encounterVs = valueSetParam(decl, 'encounterValueSet', ctx);
    const procedureVs = valueSetParam(decl, 'procedureValueSet', ctx);
    const referralVs = valueSetParam(decl, 'referralValueSet', ctx);
    const withinDays = requiredNumber(decl, 'withinDays', ctx);
    const recent = (date: string | undefined): boolean => {
      const age = ageDays(date, ctx.now);
      return age !== null && age <= withinDays && notAfter(date, ctx.now);
    };

    const via = new Set<Via>();
    const refs: Array<string | undefined> = [];
    const contacts: string[] = [];
    for (const team of ctx.record.careTeams) {
      if (team.status !== 'active') continue;
      if ((team.participant ?? []).some((p) => (p.role ?? []).some((r) => conceptMatch(ctx, roleVs, r)))) {
        via.add('care-team');
        refs.push(refOf(team));
      }
    }
    for (const e of ctx.record.encounters) {
      const date = e.period?.start ?? e.period?.end;
      if (e.status !== 'finished' || !recent(date)) continue;
      if ((e.type ?? []).some((t) => conceptMatch(ctx, encounterVs, t))) {
        via.add('encounter');
        refs.push(refOf(e));
        contacts.push(date!);
      }
    }
    for (const p of ctx.record.procedures) {
      const date = p.performedDateTime ?? p.performedPeriod?.start;
      if (p.status !== 'completed' || !recent(date)) continue;
      if (conceptMatch(ctx, procedureVs, p.code)) {
        via.add('procedure');
        refs.push(refOf(p));
        contacts.push(date!);
      }
    }
    for (const s of ctx.record.serviceRequests) {
      if (s.status !== 'active') continue;
      if (conceptMatch(ctx, referralVs, s.code)) {
        via.add('referral');
        refs.push(refOf(s));
      }
    }
    const lastContact = contacts.sort(compareDates)[contacts.length - 1] ?? null;
    const ordered = VIA.filter((v) => via.has(v));
    const engaged = ordered.length > 0;
    return {
      engaged,
      present: engaged,
      via: ordered,
      lastContactDate: lastContact,
      lastContactAgeDays: ageDays(lastContact, ctx.now),
      text: clip(
        engaged
          ? `Engaged via ${ordered.join(', ')}${lastContact ? ` (last contact ${displayDate(lastContact, ctx.now)})` : ''}`
          : 'No mental-health care documented',
        MAX.text,
      ),
      refs: uniqueRefs(refs),
    };
  },
};
