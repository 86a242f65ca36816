/**
 * The treatment-course picture the course view draws (POST /course/api/picture, docs/course-view.md):
 * everything in it is computed by the engine from the active rule-set version, so the picture and the
 * cards never disagree. Dates are as recorded (FHIR dateTime) unless named `day` (YYYY-MM-DD, UTC).
 * Shared with the browser code (course/client/), which imports these types only.
 */

export interface PictureRuleSet {
  id: string;
  version: string;
  hash: string;
  title: string;
}

/** One treatment session: the administrations recorded on one calendar day (UTC), as the engine counts doses. */
export interface PictureSession {
  day: string;
  /** The first administration's date-time on that day. */
  date: string;
  /** Product id of the rule set (or null when only the schedule's administration codes matched). */
  product: string | null;
  productLabel: string;
  /** "56 mg", "0.5 mg/kg", or null when the record gives no dose. */
  dose: string | null;
  /** Route as recorded (text, display or code), or null. */
  route: string | null;
  /** True when the session belongs to the current course. */
  inCourse: boolean;
  refs: string[];
}

export interface PicturePhase {
  id: string;
  label: string;
  fromDay: number;
  intervalDays: number;
  minIntervalDays: number;
  maxDosesPerWeek: number;
}

export interface PictureSchedule {
  id: string;
  label: string;
  phases: PicturePhase[];
  graceDays: number;
  courseGapDays: number;
  inductionCheckpoint: { doses: number; days: number };
  certainty: string;
}

/** A threshold a rule compares a fact with: the exact line the cards fire on. */
export interface PictureThreshold {
  /** The fact output compared, e.g. "systolic", "diastolic", "scoreChangePercent", "latestScore". */
  measure: string;
  /** The json-rules-engine operator, e.g. "greaterThan", "greaterThanInclusive", "lessThanInclusive". */
  operator: string;
  value: number;
  /** The rule-set parameter the value comes from. */
  parameter: string;
  unit: string | null;
  /** Rules comparing with it and the indicator of their cards. */
  rules: Array<{ id: string; indicator: string }>;
}

export interface PictureScorePoint {
  date: string;
  value: number;
  ref: string | null;
}

/** One symptom score (PHQ-9, PCL-5, ...): the scoreValueSet of a maintenanceTiming fact. */
export interface PictureScore {
  /** The maintenanceTiming fact that reads it. */
  fact: string;
  valueSet: string;
  title: string;
  points: PictureScorePoint[];
  baseline: { value: number; date: string } | null;
  latest: { value: number; date: string } | null;
  changePercent: number | null;
  /** Response = change at or below this percentage (from the rules' conditions); null when the rule set defines none. */
  responseChangePercent: PictureThreshold | null;
  /** The score the response line stands at: baseline × (1 + responseChangePercent / 100). */
  responseScore: number | null;
  /** Remission threshold (a rule's condition on latestScore), null when the rule set defines none. */
  remission: PictureThreshold | null;
  /** True / false once there is a baseline and a later score and a response definition; else null. */
  responseReached: boolean | null;
  remissionReached: boolean | null;
  /** The engine's own summary ("score 20 on … -> 9 on … (-55%)"). */
  text: string;
}

export interface PictureBloodPressure {
  readings: Array<{ date: string; systolic: number; diastolic: number; refs: string[] }>;
  thresholds: PictureThreshold[];
}

/** One stretch of days after the last dose with the same timing status, from the engine's maintenanceTiming. */
export interface PictureWindowSegment {
  status: 'too-soon' | 'not-yet-due' | 'due' | 'overdue' | 'lapsed';
  /** Whole days after the last dose, inclusive. */
  fromDay: number;
  /** Inclusive; null = open-ended. */
  toDay: number | null;
  from: string;
  to: string | null;
}

export interface PictureNextDose {
  /** False for a schedule that is not a label schedule (IV ketamine): no window is drawn. */
  labelSchedule: boolean;
  /** Why there is no window, when there is none. */
  reason: string | null;
  lastDose: string | null;
  segments: PictureWindowSegment[];
  /** Status now (the engine's maintenanceTiming at the service's clock). */
  status: string;
  statusText: string;
  nextDue: string | null;
}

export interface PictureCheckpoint {
  doses: number;
  days: number;
  /** courseStart + days. */
  byDay: string | null;
  reached: boolean;
  dosesInCourse: number;
}

export interface PictureLapse {
  /** Last session before the gap (day). */
  from: string;
  /** First session after the gap (day), or null when the course is lapsed now. */
  to: string | null;
  gapDays: number;
}

export interface CoursePicture {
  ruleSet: PictureRuleSet;
  /** The evaluation instant (the service clock). */
  now: string;
  patientId: string | null;
  product: { id: string; label: string; onLabelFor: string[] } | null;
  indication: { id: string | null; label: string } | null;
  schedule: PictureSchedule | null;
  /** The engine's maintenanceTiming value at now (phase, course day, status, ...). */
  timing: {
    present: boolean;
    phase: string;
    phaseLabel: string;
    courseStart: string | null;
    courseDay: number | null;
    dosesInCourse: number;
    lastDose: string | null;
    daysSinceLast: number | null;
    status: string;
    statusText: string;
    text: string;
  };
  sessions: PictureSession[];
  scores: PictureScore[];
  bloodPressure: PictureBloodPressure;
  weights: Array<{ date: string; kg: number }>;
  nextDose: PictureNextDose;
  checkpoint: PictureCheckpoint | null;
  lapses: PictureLapse[];
}
