/**
 * `maintenanceTiming`: where the patient is in a product's dosing schedule (knowledge brief §4), for
 * the proposed dose: the draft order (order hooks), the proposed appointment (appointment-book), or now
 * (patient-view, no proposed dose).
 *
 *  - Schedule: the `schedule` parameter, else the schedule of the product (the draft order's product on
 *    order hooks — via `orderFact` when given — or the most recently administered product otherwise).
 *    No schedule: present false.
 *  - Day counting (`dayCounting`): "elapsed" (default, the behaviour of rule sets written before it
 *    existed): whole 24-hour periods between instants (floor), days in UTC. "calendar": calendar days
 *    in `timeZone` (an IANA name, default "UTC"; the facility's zone): a session's day is the calendar
 *    date where it happened (a FHIR date without a time is its own day), and every day count below is
 *    the difference of calendar dates, so a Monday 18:00 and a Thursday 08:00 session are 3 days
 *    apart. With calendar counting, nextDue is lastDose + ceil(intervalDays) calendar days.
 *  - Doses: MedicationAdministration (completed/in-progress) and Procedure (completed) coded in the
 *    schedule's administrationValueSet, up to now. Records on the same day (see day counting) are one
 *    dose (EHRs often record a session as both a MedicationAdministration and a Procedure).
 *  - Course: the latest run of doses with no gap longer than courseGapDays.
 *  - Proposed instant: the earliest proposed appointment's start on appointment-book (now when there is
 *    none); now on the other hooks. Day counts are whole days (floor) between instants.
 *  - Lapsed: more than courseGapDays from the last dose to the proposed instant: the dose starts a new
 *    induction (first phase).
 *  - Phase: the last phase (by fromDay) whose fromDay <= the course day of the proposed dose.
 *  - Status from days since the last dose at the proposed instant (d), with the phase's interval (I),
 *    minimum interval (M) and the schedule's graceDays (G): not-started (no doses); lapsed
 *    (d > courseGapDays); too-soon (d < M); not-yet-due (d < I); due (I <= d <= I + G); overdue.
 *    A schedule with `tracksDue: false` (no labelled interval, e.g. off-label IV ketamine) is never
 *    due, overdue or late: its status is "no-interval" once the minimum interval has passed, and a
 *    proposed appointment is too-soon or on-schedule (a lapse too: never "late").
 *  - dosesLast7Days: doses in the 7 days ending at the proposed instant (0-6 days before it),
 *    plus the proposed dose itself on order hooks with a product order and on appointment-book with an
 *    appointment. exceedsMaxFrequency: dosesLast7Days > the phase's maxDosesPerWeek.
 *  - inductionCheckpointReached: the current (not lapsed) course has at least checkpoint.doses doses or
 *    the proposed dose is at least checkpoint.days after the course start. (Not restricted to the first
 *    phase: checkpoint.days usually equals the next phase's fromDay.) atInductionCheckpoint: reached
 *    now but not yet at the last dose (the first proposed dose after the checkpoint).
 *  - durationOfResponseDays: schedule.durationOfResponseDays for the indication of the `indicationFact`
 *    evidence fact; pastDurationOfResponse when d exceeds it.
 *  - Scores (scoreValueSet, numeric values): baseline = latest score on or before the course start day
 *    (at most baselineWindowDays before it, when given); with no current course, the latest score.
 *    latest = the latest score after the baseline. scoreChangePercent = (latest - baseline) / baseline
 *    × 100, 1 decimal (negative = improvement).
 *  - remission (with remissionBelow): latest < remissionBelow, e.g. PHQ-9 below 5; null without it or without a latest score.
 */
import type { FactContext, FactKind, FactValue } from '../evaluation-types.js';
import type { Schedule, SchedulePhase } from '../rule-set-types.js';
import {
  addCalendarDays,
  addDays,
  ageDays,
  calendarDayIn,
  calendarDaysBetween,
  daysBetween,
  displayDate,
  isKnownTimeZone,
  isoDate,
  parseFhirDate,
} from './support/dates.js';
import { matchingObservations } from './support/observations.js';
import { administrationsIn, isOrderHook, productInContext } from './support/products.js';
import {
  FactParameterError,
  describeDeclaration,
  numberOrParamSchema,
  optionalFactName,
  optionalNumber,
  optionalString,
  optionalValueSetParam,
  paramsSchema,
  stringOrParamSchema,
  valueSetSchema,
  enumString,
} from './support/params.js';
import {
  MAX,
  bool,
  boolOrNull,
  clip,
  enumStr,
  enumStrOrNull,
  factShape,
  int,
  intOrNull,
  numOrNull,
  obj,
  round,
  str,
  strOrNull,
  uniqueRefs,
  dateStrOrNull,
  dateStr,
} from './support/shape.js';

const STATUSES = ['not-started', 'too-soon', 'not-yet-due', 'due', 'overdue', 'lapsed', 'no-interval'] as const;
const DAY_COUNTINGS = ['elapsed', 'calendar'] as const;
type DayCounting = (typeof DAY_COUNTINGS)[number];
type TimingStatus = (typeof STATUSES)[number];
const APPOINTMENT_STATUSES = ['too-soon', 'on-schedule', 'late'] as const;
/** Appointment statuses that are not a planned visit. */
const VOID_APPOINTMENT = ['cancelled', 'entered-in-error', 'noshow'];

/** A dated point of the course: its day (YYYY-MM-DD, see day counting) and instant. */
interface Point {
  day: string;
  instant: Date;
}

interface Session extends Point {
  refs: string[];
}

/** How days are counted between points: elapsed 24-hour periods (UTC days) or calendar days in a zone. */
interface DayCounter {
  point(text: string | undefined, instant: Date): Point;
  between(from: Point, to: Point): number;
  /** The day `days` after a point (YYYY-MM-DD). */
  after(from: Point, days: number): string;
}

const ELAPSED: DayCounter = {
  point: (_text, instant) => ({ day: isoDate(instant), instant }),
  between: (from, to) => daysBetween(from.instant, to.instant),
  after: (from, days) => addDays(from.instant, days),
};

function calendarCounter(timeZone: string): DayCounter {
  return {
    point: (text, instant) => ({ day: calendarDayIn(text ?? instant.toISOString(), timeZone) ?? calendarDayIn(instant.toISOString(), timeZone)!, instant }),
    between: (from, to) => calendarDaysBetween(from.day, to.day),
    after: (from, days) => addCalendarDays(from.day, Math.ceil(days)),
  };
}

function dayCounter(decl: Record<string, unknown>, ctx: FactContext): DayCounter {
  const counting = enumString<DayCounting>(decl, 'dayCounting', ctx, DAY_COUNTINGS, 'elapsed');
  const timeZone = optionalString(decl, 'timeZone', ctx) ?? 'UTC';
  if (counting === 'elapsed') return ELAPSED;
  if (!isKnownTimeZone(timeZone)) {
    throw new FactParameterError(`${describeDeclaration(decl, ctx)}: parameter "timeZone" is "${timeZone}", which is not an IANA time zone name (e.g. "UTC", "America/New_York")`);
  }
  return calendarCounter(timeZone);
}

interface Target {
  productId?: string;
  scheduleId: string;
  schedule: Schedule;
  proposedDose: boolean;
}

async function resolveSchedule(decl: Record<string, unknown>, ctx: FactContext): Promise<Target | undefined> {
  const scheduleParam = optionalString(decl, 'schedule', ctx);
  const productId = await productInContext(decl, ctx);
  // On order hooks the order itself is the proposed dose (appointment-book: decided by the appointment below).
  let proposedDose = isOrderHook(ctx) && productId !== undefined;
  const scheduleId = scheduleParam ?? (productId ? ctx.ruleSet.products[productId]?.schedule : undefined);
  if (!scheduleId) return undefined;
  const schedule = ctx.ruleSet.schedules?.[scheduleId];
  if (!schedule) {
    throw new FactParameterError(`${describeDeclaration(decl, ctx)}: schedule "${scheduleId}" is not defined in the rule set`);
  }
  if (!schedule.phases?.length) {
    throw new FactParameterError(`${describeDeclaration(decl, ctx)}: schedule "${scheduleId}" has no phases`);
  }
  if (ctx.hook === 'appointment-book') proposedDose = false; // decided by the appointment below
  return { productId, scheduleId, schedule, proposedDose };
}

/** Doses of the schedule, one per day (see day counting), oldest first. */
function sessions(ctx: FactContext, schedule: Schedule, counter: DayCounter): Session[] {
  const byDay = new Map<string, Session>();
  for (const a of administrationsIn(ctx, schedule.administrationValueSet)) {
    const { day } = counter.point(a.date, a.instant);
    const s = byDay.get(day);
    if (s) {
      if (a.ref) s.refs.push(a.ref);
    } else byDay.set(day, { day, instant: a.instant, refs: a.ref ? [a.ref] : [] });
  }
  return [...byDay.values()].sort((a, b) => (a.day === b.day ? a.instant.getTime() - b.instant.getTime() : a.day < b.day ? -1 : 1));
}

function phaseAt(phases: readonly SchedulePhase[], day: number): SchedulePhase {
  let current = phases[0];
  for (const p of phases) if (p.fromDay <= day) current = p;
  return current;
}

function earliestAppointment(ctx: FactContext): { start: string; instant: Date; ref?: string } | undefined {
  let best: { start: string; instant: Date; ref?: string } | undefined;
  for (const a of ctx.record.appointments) {
    if (VOID_APPOINTMENT.includes(a.status)) continue;
    const instant = parseFhirDate(a.start);
    if (!a.start || !instant) continue;
    if (!best || instant.getTime() < best.instant.getTime()) best = { start: a.start, instant, ref: a.id ? `Appointment/${a.id}` : undefined };
  }
  return best;
}

/** "1 day", "3 days". */
function days(n: number): string {
  return `${n} ${n === 1 ? 'day' : 'days'}`;
}

const STATUS_TEXT: Readonly<Record<TimingStatus, string>> = {
  'not-started': 'no previous doses: starts induction',
  'too-soon': 'too soon',
  'not-yet-due': 'not yet due',
  due: 'due',
  overdue: 'overdue',
  lapsed: 'course lapsed: restarts induction',
  'no-interval': 'no labelled interval: decide by response',
};

export const maintenanceTimingKind: FactKind = {
  kind: 'maintenanceTiming',
  description:
    "Where the patient is in the product's dosing schedule for the proposed dose: course, phase, days since the last dose, due/overdue/too-soon/lapsed, doses in the last 7 days, induction checkpoint, duration of response, appointment timing and symptom-score change.",
  paramsSchema: paramsSchema('maintenanceTiming', {
    schedule: { type: 'string', minLength: 1, description: "Schedule id; default: the product's schedule (draft order's product, else most recently administered product)." },
    orderFact: { type: 'string', minLength: 1, description: 'Name of the draftOrder fact giving the ordered product (order hooks).' },
    indicationFact: { type: 'string', minLength: 1, description: "Name of the evidence fact whose indication selects the schedule's durationOfResponseDays." },
    scoreValueSet: valueSetSchema('Symptom score codes (e.g. PHQ-9 total) for baseline/latest comparison.'),
    baselineWindowDays: numberOrParamSchema('A baseline score may be at most this many days before the course start (default: any age).'),
    remissionBelow: numberOrParamSchema('Remission = the latest score after the baseline is below this value (e.g. PHQ-9 < 5); without it, remission is null.'),
    dayCounting: stringOrParamSchema('"elapsed" (default): whole 24-hour periods between instants, days in UTC. "calendar": calendar days in timeZone (the facility\'s), whatever the time of day of each session.', DAY_COUNTINGS),
    timeZone: { ...stringOrParamSchema('IANA time zone of the facility for calendar day counting (default "UTC"), e.g. "America/New_York"; checked when the rule set is validated.'), 'x-format': 'time-zone' },
  }),
  output: factShape('Dosing-schedule timing for the proposed dose', {
    present: bool('True when a schedule applies (product known and has a schedule)'),
    product: strOrNull('Product id', MAX.id),
    schedule: strOrNull('Schedule id', MAX.id),
    scheduleLabel: strOrNull('Schedule label', MAX.label),
    started: bool('At least one dose of the schedule was recorded'),
    courseStart: dateStrOrNull('Date of the first dose of the current course (null when not started or lapsed)'),
    courseStartAgeDays: intOrNull('Whole days from courseStart to now'),
    dosesInCourse: int('Recorded doses in the current course (0 when not started or lapsed; the proposed dose not included)'),
    courseDay: intOrNull('Whole days from the course start to the proposed instant (0 for a new induction)'),
    lastDose: dateStrOrNull('Date of the last recorded dose'),
    daysSinceLast: intOrNull('Whole days from the last dose to now'),
    proposedDate: dateStr('The proposed instant (appointment start, or now); shown with its time', 'date-time'),
    daysSinceLastAtProposed: intOrNull('Whole days from the last dose to the proposed instant'),
    phase: str('Phase id for the proposed dose', MAX.id),
    phaseLabel: str('Phase label', MAX.label),
    intervalDays: int('Expected interval of the phase (days)'),
    minIntervalDays: int('Minimum interval of the phase (days)'),
    maxDosesPerWeek: int('Most doses in any 7 days in the phase'),
    nextDue: dateStrOrNull('lastDose + intervalDays (YYYY-MM-DD); null when the schedule does not track due dates (tracksDue false)'),
    nextDueInDays: intOrNull('Whole days from now to nextDue (negative when past)'),
    status: enumStr('Timing status of the proposed dose', STATUSES),
    statusText: str('Status for display', 60),
    dosesLast7Days: int('Doses in the 7 days (days 0-6, see day counting) ending at the proposed instant, including the proposed dose on order hooks / appointment-book'),
    exceedsMaxFrequency: bool('dosesLast7Days > maxDosesPerWeek'),
    inInduction: bool('The proposed dose falls in the first phase'),
    inductionCheckpointReached: bool('The current course reached checkpoint.doses doses or checkpoint.days days'),
    atInductionCheckpoint: bool('The checkpoint is reached at the proposed dose but was not at the last dose'),
    durationOfResponseDays: intOrNull("Typical duration of response for the evidence fact's indication (null when unknown)"),
    pastDurationOfResponse: boolOrNull('daysSinceLastAtProposed > durationOfResponseDays (null when unknown)'),
    appointment: obj('The proposed appointment (appointment-book)', {
      present: bool('An appointment was proposed'),
      start: dateStrOrNull('Its start; shown with its time', 'date-time'),
      daysAfterLastDose: intOrNull('Whole days from the last dose to its start'),
      status: enumStrOrNull('too-soon (< minimum interval), late (> interval + grace), else on-schedule; null without dose history', APPOINTMENT_STATUSES),
      text: str('Appointment timing for display', MAX.text),
    }),
    baselineScore: numOrNull('Baseline symptom score'),
    baselineDate: dateStrOrNull('Date of the baseline score'),
    latestScore: numOrNull('Latest symptom score after the baseline'),
    latestDate: dateStrOrNull('Date of the latest score'),
    scoreChangePercent: numOrNull('(latest - baseline) / baseline × 100, 1 decimal; negative = improvement'),
    remissionBelow: numOrNull('The remissionBelow parameter (null when not given)'),
    remission: boolOrNull('latestScore < remissionBelow (null without remissionBelow or without a latest score)'),
    scoreText: str('"score 20 on 2026-09-30 -> 9 on 2026-10-20 (-55%)", or what is missing', MAX.text),
    text: str('Course summary for display', MAX.text),
  }),
  async compute(decl, ctx): Promise<FactValue> {
    const indicationFact = optionalFactName(decl, 'indicationFact', ctx, ['evidence']);
    const scoreVs = optionalValueSetParam(decl, 'scoreValueSet', ctx);
    const baselineWindow = optionalNumber(decl, 'baselineWindowDays', ctx);
    const remissionBelow = optionalNumber(decl, 'remissionBelow', ctx) ?? null;
    const counter = dayCounter(decl, ctx);
    const target = await resolveSchedule(decl, ctx);
    if (!target) return absentValue(ctx);
    const { schedule } = target;
    const tracksDue = schedule.tracksDue !== false;
    const phases = [...schedule.phases].sort((a, b) => a.fromDay - b.fromDay);

    const appointment = ctx.hook === 'appointment-book' ? earliestAppointment(ctx) : undefined;
    const now = counter.point(ctx.now.toISOString(), ctx.now);
    const proposed = appointment ? counter.point(appointment.start, appointment.instant) : now;
    const proposedDose = target.proposedDose || appointment !== undefined;

    const all = sessions(ctx, schedule, counter);
    const last = all[all.length - 1];
    let courseIndex = all.length - 1;
    while (courseIndex > 0 && counter.between(all[courseIndex - 1], all[courseIndex]) <= schedule.courseGapDays) courseIndex--;
    const course = last ? all.slice(courseIndex) : [];
    const first = course[0];

    const atProposed = last ? counter.between(last, proposed) : null;
    const lapsed = atProposed !== null && atProposed > schedule.courseGapDays;
    const courseDay = first && !lapsed ? counter.between(first, proposed) : last ? 0 : null;
    const phase = phaseAt(phases, courseDay ?? 0);

    let status: TimingStatus;
    if (!last || atProposed === null) status = 'not-started';
    else if (lapsed) status = 'lapsed';
    else if (atProposed < phase.minIntervalDays) status = 'too-soon';
    else if (!tracksDue) status = 'no-interval';
    else if (atProposed < phase.intervalDays) status = 'not-yet-due';
    else if (atProposed <= phase.intervalDays + schedule.graceDays) status = 'due';
    else status = 'overdue';

    const recentDoses = all.filter((s) => {
      const d = counter.between(s, proposed);
      return d >= 0 && d <= 6;
    }).length;
    const dosesLast7Days = recentDoses + (proposedDose ? 1 : 0);

    const active = last !== undefined && !lapsed;
    const dosesInCourse = active ? course.length : 0;
    const checkpoint = schedule.inductionCheckpoint;
    const reached = active && (dosesInCourse >= checkpoint.doses || (courseDay ?? 0) >= checkpoint.days);
    const lastDay = first && last ? counter.between(first, last) : 0;
    const reachedAtLast = active && (dosesInCourse - 1 >= checkpoint.doses || lastDay >= checkpoint.days);

    let durationOfResponseDays: number | null = null;
    const indicationRefs: string[] = [];
    if (indicationFact) {
      const ev = await ctx.fact(indicationFact);
      const indication = typeof ev.indication === 'string' ? ev.indication : undefined;
      const days = indication ? schedule.durationOfResponseDays?.[indication] : undefined;
      if (typeof days === 'number') {
        durationOfResponseDays = days;
        indicationRefs.push(...ev.refs);
      }
    }

    const nextDue = last && tracksDue ? counter.after(last, phase.intervalDays) : null;
    const daysSinceLast = last ? counter.between(last, now) : null;

    // Symptom scores.
    const scores = scoreVs
      ? matchingObservations(ctx, scoreVs).filter((m) => m.value.kind === 'quantity')
      : [];
    const scoreValue = (i: number): number => (scores[i].value as { value: number }).value;
    let baselineIndex = -1;
    if (active && first) {
      for (let i = 0; i < scores.length; i++) {
        const d = parseFhirDate(scores[i].date)!;
        if (isoDate(d) > first.day) break;
        if (baselineWindow !== undefined && daysBetween(d, first.instant) > baselineWindow) continue;
        baselineIndex = i;
      }
    } else {
      baselineIndex = scores.length - 1;
    }
    const latestIndex = baselineIndex >= 0 && scores.length - 1 > baselineIndex ? scores.length - 1 : -1;
    const baselineScore = baselineIndex >= 0 ? scoreValue(baselineIndex) : null;
    const latestScore = latestIndex >= 0 ? scoreValue(latestIndex) : null;
    const scoreChangePercent =
      baselineScore !== null && latestScore !== null && baselineScore > 0 ? round(((latestScore - baselineScore) / baselineScore) * 100, 1) : null;
    let scoreText: string;
    if (!scoreVs) scoreText = '';
    else if (baselineScore === null) scoreText = active ? 'no baseline score before the course start' : 'no score recorded';
    else if (latestScore === null) scoreText = `baseline score ${baselineScore} on ${displayDate(scores[baselineIndex].date, ctx.now)}; no later score`;
    else {
      scoreText = `score ${baselineScore} on ${displayDate(scores[baselineIndex].date, ctx.now)} -> ${latestScore} on ${displayDate(scores[latestIndex].date, ctx.now)}${
        scoreChangePercent !== null ? ` (${scoreChangePercent > 0 ? '+' : ''}${scoreChangePercent}%)` : ''
      }`;
    }

    let appointmentStatus: (typeof APPOINTMENT_STATUSES)[number] | null = null;
    if (appointment && atProposed !== null) {
      if (atProposed < phase.minIntervalDays && !lapsed) appointmentStatus = 'too-soon';
      else if (tracksDue && (atProposed > phase.intervalDays + schedule.graceDays || lapsed)) appointmentStatus = 'late';
      else appointmentStatus = 'on-schedule';
    }
    const appointmentText = !appointment
      ? ''
      : atProposed === null
        ? `appointment ${displayDate(appointment.start, ctx.now, 'date-time')}: first dose`
        : `appointment ${displayDate(appointment.start, ctx.now, 'date-time')} is ${days(atProposed)} after the last dose (${appointmentStatus}; ${
            tracksDue ? `interval ${phase.intervalDays} days, ` : 'no labelled interval, '
          }minimum ${phase.minIntervalDays})`;

    let text: string;
    if (!last) text = `No previous ${schedule.label} doses recorded: the dose starts ${phase.label}`;
    else if (lapsed) text = `Last dose ${displayDate(last.day, ctx.now)} was ${days(atProposed ?? 0)} before the proposed dose (more than ${schedule.courseGapDays}): restart with ${phase.label}`;
    else {
      text =
        `Dose ${dosesInCourse + (proposedDose ? 1 : 0)} of the course started ${displayDate(first.day, ctx.now)} (day ${courseDay}, ${phase.label}); ` +
        `last dose ${displayDate(last.day, ctx.now)} (${days(atProposed ?? 0)} before)${nextDue ? `; next due ${displayDate(nextDue, ctx.now)}` : ''}: ${STATUS_TEXT[status]}`;
    }

    const scoreRefs = [baselineIndex, latestIndex].filter((i) => i >= 0).map((i) => scores[i].ref);
    return {
      present: true,
      product: target.productId ?? null,
      schedule: target.scheduleId,
      scheduleLabel: clip(schedule.label, MAX.label),
      started: last !== undefined,
      courseStart: active ? first.day : null,
      courseStartAgeDays: active ? (counter === ELAPSED ? ageDays(first.day, ctx.now) : counter.between(first, now)) : null,
      dosesInCourse,
      courseDay,
      lastDose: last?.day ?? null,
      daysSinceLast,
      proposedDate: appointment?.start ?? ctx.now.toISOString(),
      daysSinceLastAtProposed: atProposed,
      phase: phase.id,
      phaseLabel: clip(phase.label, MAX.label),
      intervalDays: phase.intervalDays,
      minIntervalDays: phase.minIntervalDays,
      maxDosesPerWeek: phase.maxDosesPerWeek,
      nextDue,
      nextDueInDays: nextDue ? (counter === ELAPSED ? 0 - (ageDays(nextDue, ctx.now) ?? 0) : calendarDaysBetween(now.day, nextDue)) : null,
      status,
      statusText: STATUS_TEXT[status],
      dosesLast7Days,
      exceedsMaxFrequency: dosesLast7Days > phase.maxDosesPerWeek,
      inInduction: phase.id === phases[0].id,
      inductionCheckpointReached: reached,
      atInductionCheckpoint: reached && !reachedAtLast,
      durationOfResponseDays,
      pastDurationOfResponse: durationOfResponseDays === null || atProposed === null ? null : atProposed > durationOfResponseDays,
      appointment: {
        present: appointment !== undefined,
        start: appointment?.start ?? null,
        daysAfterLastDose: appointment ? atProposed : null,
        status: appointmentStatus,
        text: clip(appointmentText, MAX.text),
      },
      baselineScore,
      baselineDate: baselineIndex >= 0 ? scores[baselineIndex].date : null,
      latestScore,
      latestDate: latestIndex >= 0 ? scores[latestIndex].date : null,
      scoreChangePercent,
      remissionBelow,
      remission: remissionBelow === null || latestScore === null ? null : latestScore < remissionBelow,
      scoreText: clip(scoreText, MAX.text),
      text: clip(text, MAX.text),
      refs: uniqueRefs(
        active ? course.flatMap((s) => s.refs) : [],
        last ? last.refs : [],
        scoreRefs,
        appointment?.ref ? [appointment.ref] : [],
        indicationRefs,
      ),
    };
  },
};

function absentValue(ctx: FactContext): FactValue {
  return {
    present: false, product: null, schedule: null, scheduleLabel: null, started: false, courseStart: null,
    courseStartAgeDays: null, dosesInCourse: 0, courseDay: null, lastDose: null, daysSinceLast: null,
    proposedDate: ctx.now.toISOString(), daysSinceLastAtProposed: null, phase: '', phaseLabel: '', intervalDays: 0,
    minIntervalDays: 0, maxDosesPerWeek: 0, nextDue: null, nextDueInDays: null, status: 'not-started',
    statusText: 'no schedule applies', dosesLast7Days: 0, exceedsMaxFrequency: false, inInduction: false,
    inductionCheckpointReached: false, atInductionCheckpoint: false, durationOfResponseDays: null,
    pastDurationOfResponse: null,
    appointment: { present: false, start: null, daysAfterLastDose: null, status: null, text: '' },
    baselineScore: null, baselineDate: null, latestScore: null, latestDate: null, scoreChangePercent: null, remissionBelow: null, remission: null,
    scoreText: '', text: 'No dosing schedule applies (no product order or administration)', refs: [],
  };
}
