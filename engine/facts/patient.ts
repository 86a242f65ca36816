/**
 * `patient`: demographics from the Patient resource.
 *   age: whole years at `now` (from birthDate; null when unknown); sex: administrative gender;
 *   id / reference: Patient.id (else the hook context's patientId) and "Patient/<id>", so that
 *   suggested FHIR resources can name their subject (FHIR requires ServiceRequest.subject,
 *   Consent.patient is expected).
 */
import type { FactKind, FactValue } from '../evaluation-types.js';
import { parseFhirDate } from './support/dates.js';
import { bool, clip, enumStrOrNull, factShape, intOrNull, str, strOrNull, MAX, dateStrOrNull } from './support/shape.js';
import { paramsSchema } from './support/params.js';
import { refOf } from './support/codes.js';

const GENDERS = ['male', 'female', 'other', 'unknown'] as const;

/** Whole years from birth to now (UTC calendar). */
export function ageInYears(birthDate: string | undefined, now: Date): number | null {
  const birth = parseFhirDate(birthDate);
  if (!birth) return null;
  let years = now.getUTCFullYear() - birth.getUTCFullYear();
  const beforeBirthday =
    now.getUTCMonth() < birth.getUTCMonth() ||
    (now.getUTCMonth() === birth.getUTCMonth() && now.getUTCDate() < birth.getUTCDate());
  if (beforeBirthday) years -= 1;
  return years;
}

export const patientKind: FactKind = {
  kind: 'patient',
  description: 'Demographics of the patient in context: age in whole years at the evaluation instant, and administrative gender.',
  paramsSchema: paramsSchema('patient', {}),
  output: factShape('The patient', {
    present: bool('True when the record holds the Patient resource'),
    id: strOrNull('Patient.id (else the hook context patientId); null when neither is known', MAX.id),
    reference: strOrNull('"Patient/<id>": for the subject/patient of suggested FHIR resources; null when the id is unknown', MAX.id + 8),
    age: intOrNull('Age in whole years at the evaluation instant; null when birthDate is unknown'),
    birthDate: dateStrOrNull('Patient.birthDate as recorded'),
    sex: enumStrOrNull('Administrative gender (Patient.gender); null when absent', GENDERS),
    ageText: str('Age for display, e.g. "45 years"; "age unknown" when unknown', 20),
  }),
  compute(_decl, ctx): FactValue {
    const p = ctx.record.patient;
    const age = ageInYears(p?.birthDate, ctx.now);
    const ref = p ? refOf(p) : undefined;
    const contextId = typeof ctx.context.patientId === 'string' && ctx.context.patientId !== '' ? ctx.context.patientId : undefined;
    const id = p?.id ?? contextId ?? null;
    return {
      present: p !== undefined,
      id: id === null ? null : clip(id, MAX.id),
      reference: id === null || id.length > MAX.id ? null : `Patient/${id}`,
      age,
      birthDate: p?.birthDate ?? null,
      sex: p?.gender ?? null,
      ageText: age === null ? 'age unknown' : `${age} ${age === 1 ? 'year' : 'years'}`,
      refs: ref ? [ref] : [],
    };
  },
};
