/**
 * What medication a MedicationRequest / MedicationStatement / MedicationAdministration is about, and
 * when it was taken. Status codes are FHIR's required bindings, not clinical policy.
 */
import type * as fhir4 from 'fhir/r4.js';
import type { PatientRecord } from '../../../fhir/patient-record.js';
import { addDays, parseFhirDate } from './dates.js';

type MedicationBearing = {
  medicationCodeableConcept?: fhir4.CodeableConcept;
  medicationReference?: fhir4.Reference;
  contained?: fhir4.Resource[];
};

/** The Medication a reference points to: "#id" (contained), "Medication/id" or a URL ending in it (record). */
export function resolveMedication(resource: MedicationBearing, record: PatientRecord): fhir4.Medication | undefined {
  const reference = resource.medicationReference?.reference;
  if (!reference) return undefined;
  if (reference.startsWith('#')) {
    const id = reference.slice(1);
    return resource.contained?.find((r): r is fhir4.Medication => r.resourceType === 'Medication' && r.id === id);
  }
  const m = /(?:^|\/)Medication\/([^/]+)(?:\/_history\/[^/]+)?$/.exec(reference);
  if (!m) return undefined;
  return record.medications.find((med) => med.id === m[1]);
}

export interface MedicationConcepts {
  /** The CodeableConcepts that identify the medication, most specific first: the concept itself or
   * Medication.code, then each Medication.ingredient item concept. */
  concepts: fhir4.CodeableConcept[];
  medication?: fhir4.Medication;
  /** Human text: the concept text or first display. */
  text?: string;
}

export function medicationConcepts(resource: MedicationBearing, record: PatientRecord): MedicationConcepts {
  const concepts: fhir4.CodeableConcept[] = [];
  if (resource.medicationCodeableConcept) concepts.push(resource.medicationCodeableConcept);
  const medication = resolveMedication(resource, record);
  if (medication?.code) concepts.push(medication.code);
  for (const ingredient of medication?.ingredient ?? []) {
    if (ingredient.itemCodeableConcept) concepts.push(ingredient.itemCodeableConcept);
  }
  const first = concepts[0];
  const text = first?.text ?? first?.coding?.find((c) => c.display)?.display ?? resource.medicationReference?.display;
  return { concepts, medication, text };
}

/** Statuses that count as "currently taking / prescribed". */
const ACTIVE_REQUEST = ['active', 'on-hold'];
const ACTIVE_STATEMENT = ['active', 'intended', 'on-hold'];
/** Statuses that mean the medication was never taken (or the record is void). */
const VOID_REQUEST = ['entered-in-error', 'cancelled', 'draft'];
const VOID_STATEMENT = ['entered-in-error', 'not-taken'];

export function isActiveMedication(resource: fhir4.MedicationRequest | fhir4.MedicationStatement): boolean {
  return resource.resourceType === 'MedicationRequest'
    ? ACTIVE_REQUEST.includes(resource.status)
    : ACTIVE_STATEMENT.includes(resource.status);
}

export function isVoidMedication(resource: fhir4.MedicationRequest | fhir4.MedicationStatement): boolean {
  return resource.resourceType === 'MedicationRequest'
    ? VOID_REQUEST.includes(resource.status)
    : VOID_STATEMENT.includes(resource.status);
}

export interface MedicationPeriod {
  start?: string;
  /** Explicit or derived end; undefined when unknown. */
  end?: string;
  /** True when the record is active and has no end in the past: the period runs to now. */
  ongoing: boolean;
}

const DURATION_DAYS: Record<string, number> = { d: 1, wk: 7, mo: 30, a: 365, h: 1 / 24, min: 1 / 1440, s: 1 / 86400 };

function durationInDays(duration: fhir4.Duration | undefined): number | undefined {
  if (!duration || typeof duration.value !== 'number') return undefined;
  const factor = DURATION_DAYS[duration.code ?? duration.unit ?? ''] ?? (duration.unit === 'days' ? 1 : undefined);
  return factor === undefined ? undefined : duration.value * factor;
}

/**
 * When the medication was (or is being) taken.
 *  - MedicationStatement: effectivePeriod start/end, or effectiveDateTime (start).
 *  - MedicationRequest: start = dispenseRequest.validityPeriod.start, else the earliest
 *    dosageInstruction timing boundsPeriod.start, else authoredOn; end = validityPeriod.end, else
 *    boundsPeriod.end, else authoredOn + expectedSupplyDuration × (1 + numberOfRepeatsAllowed).
 *  - An active record (see isActiveMedication) whose end is absent or not yet reached is ongoing.
 */
export function medicationPeriod(resource: fhir4.MedicationRequest | fhir4.MedicationStatement, now: Date): MedicationPeriod {
  let start: string | undefined;
  let end: string | undefined;
  if (resource.resourceType === 'MedicationStatement') {
    start = resource.effectivePeriod?.start ?? resource.effectiveDateTime;
    end = resource.effectivePeriod?.end;
  } else {
    const bounds = (resource.dosageInstruction ?? []).map((d) => d.timing?.repeat?.boundsPeriod).filter((b) => b !== undefined);
    start = resource.dispenseRequest?.validityPeriod?.start ?? bounds.find((b) => b?.start)?.start ?? resource.authoredOn;
    end = resource.dispenseRequest?.validityPeriod?.end ?? bounds.find((b) => b?.end)?.end;
    if (!end) {
      const supply = durationInDays(resource.dispenseRequest?.expectedSupplyDuration);
      const startDate = parseFhirDate(start);
      if (supply !== undefined && startDate) {
        end = addDays(startDate, Math.round(supply * (1 + (resource.dispenseRequest?.numberOfRepeatsAllowed ?? 0))));
      }
    }
  }
  const endDate = parseFhirDate(end);
  const ongoing = isActiveMedication(resource) && (!endDate || endDate.getTime() > now.getTime());
  return { start, end, ongoing };
}
