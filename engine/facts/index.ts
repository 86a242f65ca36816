/**
 * The built-in fact kinds, by kind name. Rule sets declare instances of these under `facts`
 * ({"kind": "<kind>", ...params}); each kind documents its parameters (paramsSchema) and output
 * (output) for validation, template checks and the generated reference.
 */
import type { FactKind } from '../evaluation-types.js';
import { allergyKind } from './allergy.js';
import { antidepressantTrialsKind } from './antidepressant-trials.js';
import { bloodPressureKind } from './blood-pressure.js';
import { bodyWeightKind } from './body-weight.js';
import { conditionKind } from './condition.js';
import { documentationKind } from './documentation.js';
import { draftOrderKind } from './draft-order.js';
import { evidenceKind } from './evidence.js';
import { maintenanceTimingKind } from './maintenance-timing.js';
import { medicationKind } from './medication.js';
import { mentalHealthEngagementKind } from './mental-health-engagement.js';
import { observationKind } from './observation.js';
import { patientKind } from './patient.js';
import { pregnancyKind } from './pregnancy.js';

const KINDS: readonly FactKind[] = [
  patientKind,
  conditionKind,
  medicationKind,
  allergyKind,
  antidepressantTrialsKind,
  observationKind,
  bloodPressureKind,
  bodyWeightKind,
  pregnancyKind,
  draftOrderKind,
  evidenceKind,
  maintenanceTimingKind,
  mentalHealthEngagementKind,
  documentationKind,
];

export const FACT_KINDS: Readonly<Record<string, FactKind>> = Object.freeze(
  Object.fromEntries(KINDS.map((k) => [k.kind, Object.freeze(k)])),
);
