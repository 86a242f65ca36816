/**
 * The treatment-course picture (engine/course-picture-types.ts) of one patient record under one
 * compiled rule-set version. Nothing clinical is decided here: every figure comes from the rule set
 * or from the engine's own fact kinds, so the course view and the cards never disagree.
 *
 *  - Course, phase, status, checkpoint, scores' baseline and latest: the rule set's declared facts of
 *    kind maintenanceTiming, computed in one fact session on the patient-view hook (as the
 *    patient-view cards see them). The first such fact is "the" timing; each one with a
 *    scoreValueSet gives a score trend (PHQ-9, PCL-5).
 *  - Sessions: the administrations the engine counts as doses (engine/facts/support/products.ts), one
 *    per calendar day (UTC) as maintenanceTiming counts them, with dose and route as recorded.
 *  - Thresholds: the values rules compare facts with ({"param"} leaves of their conditions): blood
 *    pressure (systolic / diastolic of a bloodPressure fact), the response definition
 *    (scoreChangePercent of a maintenanceTiming fact) and remission (latestScore), each with the rules
 *    and card indicators that use it. Remission: the maintenanceTiming fact's remissionBelow (a parameter),
 *    else a rule's threshold on latestScore; a rule set that defines neither shows none.
 *  - Next-dose window: the maintenanceTiming fact computed for a proposed dose on each day after the
 *    last dose (the appointment-book reading of the same fact), so the window's edges are the engine's
 *    own too soon / not yet due / due / overdue. Drawn only for a label schedule: a schedule whose
 *    product is on-label for at least one indication (none for IV ketamine, which has no label schedule).
 *  - Lapses: gaps between sessions longer than the schedule's courseGapDays (the rule that splits courses).
 */
import type * as fhir4 from 'fhir/r4.js';
import type { CompiledRuleSet } from './compile-rule-set.js';
import { visitLeaves } from './conditions.js';
import type { FactContext, FactValue } from './evaluation-types.js';
import { bloodPressureReadings } from './facts/blood-pressure.js';
import { toKg } from './facts/body-weight.js';
import { codingsOf, firstMatch } from './facts/support/codes.js';
import { addDays, daysBetween, isoDate } from './facts/support/dates.js';
import { matchingObservations } from './facts/support/observations.js';
import { allAdministrations, matchProduct, type Administration } from './facts/support/products.js';
import type { Schedule } from './rule-set-types.js';
import type { PatientRecord } from '../fhir/patient-record.js';
import type {
  CoursePicture,
  PictureCheckpoint,
  PictureLapse,
  PictureNextDose,
  PictureScore,
  PictureSession,
  PictureThreshold,
  PictureWindowSegment,
} from './course-picture-types.js';

const DAY_MS = 86_400_000;
const COMPARISONS = ['greaterThan', 'greaterThanInclusive', 'lessThan', 'lessThanInclusive'];
/** Days after the last dose looked at for the next-dose window, beyond interval + grace (to show "overdue"). */
const WINDOW_TAIL_DAYS = 2;

export interface CoursePictureInput {
  ruleSet: CompiledRuleSet;
  record: PatientRecord;
  now: Date;
}

function factsOfKind(ruleSet: CompiledRuleSet, kind: string): string[] {
  return Object.keys(ruleSet.ruleSet.facts).filter((name) => ruleSet.factDeclaration(name)?.kind === kind);
}

/** Every {"param"} threshold rules compare `fact`'s `measure` with, merged by (operator, value). */
export function thresholdsOf(ruleSet: CompiledRuleSet, facts: readonly string[], measures: readonly string[]): PictureThreshold[] {
  const out = new Map<string, PictureThreshold>();
  for (const rule of ruleSet.ruleSet.rules) {
    visitLeaves(rule.conditions, '', ({ leaf }) => {
      if (!facts.includes(String(leaf.fact)) || !COMPARISONS.includes(String(leaf.operator))) return;
      const measure = typeof leaf.path === 'string' ? leaf.path.replace(/^\$\./, '') : '';
      if (!measures.includes(measure)) return;
      const ref = leaf.value as { param?: unknown } | undefined;
      const parameterId = typeof ref?.param === 'string' ? ref.param : undefined;
      const parameter = parameterId === undefined ? undefined : ruleSet.ruleSet.parameters[parameterId];
      if (parameter === undefined || typeof parameter.value !== 'number') return;
      const key = `${measure} ${String(leaf.operator)} ${parameter.value}`;
      const entry = out.get(key) ?? {
        measure,
        operator: String(leaf.operator),
        value: parameter.value,
        parameter: parameterId!,
        unit: parameter.unit ?? null,
        rules: [],
      };
      if (!entry.rules.some((r) => r.id === rule.id)) entry.rules.push({ id: rule.id, indicator: rule.card.indicator });
      out.set(key, entry);
    });
  }
  return [...out.values()];
}

/** True when `value` satisfies the threshold's comparison. */
function holds(value: number, t: PictureThreshold): boolean {
  switch (t.operator) {
    case 'greaterThan':
      return value > t.value;
    case 'greaterThanInclusive':
      return value >= t.value;
    case 'lessThan':
      return value < t.value;
    default:
      return value <= t.value;
  }
}

/** The response definition: the rules' threshold on scoreChangePercent; "response" is the side of it an improvement lies on. */
function responseOf(thresholds: PictureThreshold[], change: number | null): { threshold: PictureThreshold | null; reached: boolean | null } {
  const threshold = thresholds.find((t) => t.operator.startsWith('less')) ?? thresholds[0] ?? null;
  if (threshold === null || change === null) return { threshold, reached: null };
  return { threshold, reached: threshold.operator.startsWith('less') ? holds(change, threshold) : !holds(change, threshold) };
}

function doseText(a: Administration): string | null {
  if (a.resource.resourceType !== 'MedicationAdministration') return null;
  const dosage = (a.resource as fhir4.MedicationAdministration).dosage;
  const dose = dosage?.dose;
  if (typeof dose?.value === 'number') return `${dose.value} ${dose.unit ?? dose.code ?? ''}`.trim();
  const rate = dosage?.rateQuantity;
  return typeof rate?.value === 'number' ? `${rate.value} ${rate.unit ?? rate.code ?? ''}`.trim() : dosage?.text ?? null;
}

function routeText(a: Administration): string | null {
  if (a.resource.resourceType !== 'MedicationAdministration') return null;
  const route = (a.resource as fhir4.MedicationAdministration).dosage?.route;
  return route?.text ?? route?.coding?.[0]?.display ?? route?.coding?.[0]?.code ?? null;
}

/** The administrations the schedules count, one session per calendar day (UTC), oldest first. */
function sessionsOf(ctx: FactContext, schedule: Schedule | undefined, courseStart: string | null): PictureSession[] {
  const valueSets = new Set(Object.values(ctx.ruleSet.schedules ?? {}).map((s) => s.administrationValueSet));
  const byDay = new Map<string, PictureSession>();
  for (const a of allAdministrations(ctx)) {
    const codings = codingsOf(...a.concepts);
    const counted = schedule
      ? firstMatch(ctx, schedule.administrationValueSet, codings) !== undefined
      : [...valueSets].some((vs) => firstMatch(ctx, vs, codings) !== undefined);
    if (!counted) continue;
    const day = isoDate(a.instant);
    const existing = byDay.get(day);
    if (existing) {
      if (a.ref) existing.refs.push(a.ref);
      existing.dose ??= doseText(a);
      existing.route ??= routeText(a);
      continue;
    }
    const product = matchProduct(ctx, a.concepts);
    byDay.set(day, {
      day,
      date: a.date,
      product: product?.productId ?? null,
      productLabel: product?.product.label ?? a.concepts[0]?.text ?? 'recorded session',
      dose: doseText(a),
      route: routeText(a),
      inCourse: courseStart !== null && day >= courseStart,
      refs: a.ref ? [a.ref] : [],
    });
  }
  return [...byDay.values()].sort((x, y) => x.day.localeCompare(y.day));
}

function lapsesOf(sessions: PictureSession[], schedule: Schedule, timing: FactValue): PictureLapse[] {
  const out: PictureLapse[] = [];
  for (let i = 1; i < sessions.length; i++) {
    const gap = daysBetween(new Date(sessions[i - 1].date), new Date(sessions[i].date));
    if (gap > schedule.courseGapDays) out.push({ from: sessions[i - 1].day, to: sessions[i].day, gapDays: gap });
  }
  if (timing.status === 'lapsed' && sessions.length > 0) {
    out.push({ from: sessions[sessions.length - 1].day, to: null, gapDays: Number(timing.daysSinceLast ?? 0) });
  }
  return out;
}

/** The timing status of a dose proposed `day` days after the last dose: the engine's maintenanceTiming on appointment-book. */
async function statusOnDay(input: CoursePictureInput, timingFact: string, last: Date, day: number): Promise<PictureWindowSegment['status']> {
  const start = new Date(last.getTime() + day * DAY_MS).toISOString();
  const appointment: fhir4.Appointment = { resourceType: 'Appointment', id: 'course-view-proposed', status: 'proposed', start, participant: [] };
  const record: PatientRecord = { ...input.record, appointments: [appointment] };
  const session = input.ruleSet.openSession({ hook: 'appointment-book', context: { patientId: record.patientId }, record, now: input.now });
  return (await session.fact(timingFact)).status as PictureWindowSegment['status'];
}

async function nextDoseOf(input: CoursePictureInput, timingFact: string, timing: FactValue, schedule: Schedule | undefined, labelSchedule: boolean): Promise<PictureNextDose> {
  const base = {
    labelSchedule,
    lastDose: typeof timing.lastDose === 'string' ? timing.lastDose : null,
    status: String(timing.status),
    statusText: String(timing.statusText),
    nextDue: typeof timing.nextDue === 'string' ? timing.nextDue : null,
    segments: [] as PictureWindowSegment[],
  };
  if (schedule === undefined || timing.present !== true) return { ...base, reason: 'no dosing schedule applies (no recorded session of a product with a schedule)' };
  if (!labelSchedule) return { ...base, reason: `${schedule.label}: no label schedule, so no next-dose window is drawn` };
  const lastSession = sessionsOf(input.ruleSet.openSession({ hook: 'patient-view', context: {}, record: input.record, now: input.now }).context(), schedule, null).at(-1);
  if (lastSession === undefined) return { ...base, reason: 'no session recorded yet: the next dose starts the induction' };
  const last = new Date(lastSession.date);
  const longest = Math.max(...schedule.phases.map((p) => p.intervalDays)) + schedule.graceDays + WINDOW_TAIL_DAYS;
  const segments: PictureWindowSegment[] = [];
  for (let day = 0; day <= Math.ceil(longest); day++) {
    const status = await statusOnDay(input, timingFact, last, day);
    const open = segments.at(-1);
    if (open !== undefined && open.status === status) {
      open.toDay = day;
      open.to = addDays(last, day);
    } else {
      segments.push({ status, fromDay: day, toDay: day, from: addDays(last, day), to: addDays(last, day) });
    }
    if (status === 'overdue' || status === 'lapsed') break;
  }
  const tail = segments.at(-1);
  if (tail !== undefined && (tail.status === 'overdue' || tail.status === 'lapsed')) {
    tail.toDay = null;
    tail.to = null;
  }
  return { ...base, reason: null, segments };
}

function checkpointOf(schedule: Schedule, timing: FactValue): PictureCheckpoint {
  const courseStart = typeof timing.courseStart === 'string' ? timing.courseStart : null;
  return {
    doses: schedule.inductionCheckpoint.doses,
    days: schedule.inductionCheckpoint.days,
    byDay: courseStart === null ? null : addDays(new Date(`${courseStart}T00:00:00Z`), schedule.inductionCheckpoint.days),
    reached: timing.inductionCheckpointReached === true,
    dosesInCourse: Number(timing.dosesInCourse ?? 0),
  };
}

function scoreOf(input: CoursePictureInput, ctx: FactContext, fact: string, timing: FactValue): PictureScore | undefined {
  const valueSet = input.ruleSet.factDeclaration(fact)?.scoreValueSet;
  if (typeof valueSet !== 'string') return undefined;
  const points = matchingObservations(ctx, valueSet)
    .filter((m) => m.value.kind === 'quantity')
    .map((m) => ({ date: m.date, value: (m.value as { value: number }).value, ref: m.ref ?? null }));
  const baseline = typeof timing.baselineScore === 'number' ? { value: timing.baselineScore, date: String(timing.baselineDate) } : null;
  const latest = typeof timing.latestScore === 'number' ? { value: timing.latestScore, date: String(timing.latestDate) } : null;
  const change = typeof timing.scoreChangePercent === 'number' ? timing.scoreChangePercent : null;
  const response = responseOf(thresholdsOf(input.ruleSet, [fact], ['scoreChangePercent']), change);
  // Remission: the fact's own remissionBelow (a rule-set parameter), else a rule's threshold on latestScore.
  const declared = input.ruleSet.ruleSet.facts[fact] as unknown as { remissionBelow?: unknown };
  const declaredParam = (declared.remissionBelow as { param?: unknown } | undefined)?.param;
  const remission: PictureThreshold | null =
    typeof timing.remissionBelow === 'number'
      ? {
          measure: 'latestScore',
          operator: 'lessThan',
          value: timing.remissionBelow,
          parameter: typeof declaredParam === 'string' ? declaredParam : '',
          unit: typeof declaredParam === 'string' ? input.ruleSet.ruleSet.parameters[declaredParam]?.unit ?? null : null,
          rules: [],
        }
      : thresholdsOf(input.ruleSet, [fact], ['latestScore']).find((t) => t.operator.startsWith('less')) ?? null;
  return {
    fact,
    valueSet,
    title: input.ruleSet.ruleSet.valueSets[valueSet]?.title ?? valueSet,
    points,
    baseline,
    latest,
    changePercent: change,
    responseChangePercent: response.threshold,
    responseScore: response.threshold && baseline ? Math.round(baseline.value * (1 + response.threshold.value / 100) * 10) / 10 : null,
    remission,
    responseReached: response.reached,
    remissionReached: remission && latest ? holds(latest.value, remission) : null,
    text: String(timing.scoreText ?? ''),
  };
}

export async function coursePicture(input: CoursePictureInput): Promise<CoursePicture> {
  const { ruleSet, record, now } = input;
  const session = ruleSet.openSession({ hook: 'patient-view', context: { patientId: record.patientId }, record, now });
  const ctx = session.context();
  const timingFacts = factsOfKind(ruleSet, 'maintenanceTiming');
  const timings = new Map<string, FactValue>();
  for (const name of timingFacts) timings.set(name, await session.fact(name));
  const mainFact = timingFacts[0];
  const timing = mainFact === undefined ? undefined : timings.get(mainFact)!;

  const productId = typeof timing?.product === 'string' ? timing.product : undefined;
  const product = productId === undefined ? undefined : ruleSet.ruleSet.products[productId];
  const scheduleId = typeof timing?.schedule === 'string' ? timing.schedule : undefined;
  const schedule = scheduleId === undefined ? undefined : ruleSet.ruleSet.schedules?.[scheduleId];
  const onLabelFor = product ? Object.entries(product.labelStatus ?? {}).filter(([, s]) => s === 'on-label').map(([id]) => id) : [];

  const evidenceFact = factsOfKind(ruleSet, 'evidence')[0];
  const evidence = evidenceFact === undefined ? undefined : await session.fact(evidenceFact);

  const courseStart = typeof timing?.courseStart === 'string' ? timing.courseStart : null;
  const sessions = sessionsOf(ctx, schedule, courseStart);

  const bpFacts = factsOfKind(ruleSet, 'bloodPressure');
  const bpDecl = bpFacts[0] === undefined ? undefined : ruleSet.factDeclaration(bpFacts[0]);
  const readings = bpDecl
    ? bloodPressureReadings(ctx, String(bpDecl.panelValueSet), String(bpDecl.systolicValueSet), String(bpDecl.diastolicValueSet)).map((r) => ({
        date: r.date,
        systolic: r.systolic,
        diastolic: r.diastolic,
        refs: r.refs,
      }))
    : [];

  const weightDecl = factsOfKind(ruleSet, 'bodyWeight').map((n) => ruleSet.factDeclaration(n))[0];
  const weights = weightDecl
    ? matchingObservations(ctx, String(weightDecl.valueSet)).flatMap((m) => {
        if (m.value.kind !== 'quantity') return [];
        const kg = toKg(m.value.value, m.value.unit);
        return kg === undefined ? [] : [{ date: m.date, kg: Math.round(kg * 100) / 100 }];
      })
    : [];

  const scores = timingFacts.flatMap((name) => scoreOf(input, ctx, name, timings.get(name)!) ?? []);
  const absentTiming = { present: false, phase: '', phaseLabel: '', courseStart: null, courseDay: null, dosesInCourse: 0, lastDose: null, daysSinceLast: null, status: 'not-started', statusText: 'no schedule applies', text: 'No dosing schedule applies' };

  return {
    ruleSet: { ...ruleSet.identity, title: ruleSet.ruleSet.title },
    now: now.toISOString(),
    patientId: record.patientId || null,
    product: product && productId ? { id: productId, label: product.label, onLabelFor } : null,
    indication: evidence && evidence.present === true ? { id: typeof evidence.indication === 'string' ? evidence.indication : null, label: String(evidence.indicationLabel) } : null,
    schedule:
      schedule && scheduleId
        ? {
            id: scheduleId,
            label: schedule.label,
            phases: [...schedule.phases].sort((a, b) => a.fromDay - b.fromDay).map((p) => ({ ...p })),
            graceDays: schedule.graceDays,
            courseGapDays: schedule.courseGapDays,
            inductionCheckpoint: { ...schedule.inductionCheckpoint },
            certainty: schedule.certainty,
          }
        : null,
    timing: timing
      ? {
          present: timing.present === true,
          phase: String(timing.phase),
          phaseLabel: String(timing.phaseLabel),
          courseStart,
          courseDay: typeof timing.courseDay === 'number' ? timing.courseDay : null,
          dosesInCourse: Number(timing.dosesInCourse ?? 0),
          lastDose: typeof timing.lastDose === 'string' ? timing.lastDose : null,
          daysSinceLast: typeof timing.daysSinceLast === 'number' ? timing.daysSinceLast : null,
          status: String(timing.status),
          statusText: String(timing.statusText),
          text: String(timing.text),
        }
      : absentTiming,
    sessions,
    scores,
    bloodPressure: { readings, thresholds: thresholdsOf(ruleSet, bpFacts, ['systolic', 'diastolic']) },
    weights,
    nextDose: timing && mainFact
      ? await nextDoseOf(input, mainFact, timing, schedule, onLabelFor.length > 0)
      : { labelSchedule: false, reason: 'the rule set declares no maintenanceTiming fact', lastDose: null, segments: [], status: 'not-started', statusText: '', nextDue: null },
    checkpoint: schedule && timing && timing.present === true ? checkpointOf(schedule, timing) : null,
    lapses: schedule && timing ? lapsesOf(sessions, schedule, timing) : [],
  };
}
