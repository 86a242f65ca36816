/**
 * Reading Observations: which ones match a value set (the Observation's code, or one of its
 * components' codes), when they were made, and their value. Observations with status
 * entered-in-error or cancelled, and Observations dated after now, are ignored.
 */
import type * as fhir4 from 'fhir/r4.js';
import type { FactContext } from '../../evaluation-types.js';
import type { PatientRecord } from '../../../fhir/patient-record.js';
import { codingsOf, firstMatch, refOf, type CodeMatch } from './codes.js';
import { notAfter, sortByDate } from './dates.js';

const VOID_STATUSES = ['entered-in-error', 'cancelled'];

export function observationDate(o: fhir4.Observation): string | undefined {
  return o.effectiveDateTime ?? o.effectivePeriod?.start ?? o.effectiveInstant ?? o.issued;
}

export type ObservedValue =
  | { kind: 'quantity'; value: number; unit?: string; code?: string }
  | { kind: 'string'; value: string }
  | { kind: 'boolean'; value: boolean }
  | { kind: 'coded'; concept: fhir4.CodeableConcept; value: string; system?: string; code?: string }
  | { kind: 'none' };

type ValueBearing = Pick<
  fhir4.ObservationComponent,
  'valueQuantity' | 'valueString' | 'valueInteger' | 'valueBoolean' | 'valueCodeableConcept'
>;

export function observedValue(o: ValueBearing): ObservedValue {
  if (o.valueQuantity && typeof o.valueQuantity.value === 'number') {
    return { kind: 'quantity', value: o.valueQuantity.value, unit: o.valueQuantity.unit, code: o.valueQuantity.code };
  }
  if (typeof o.valueInteger === 'number') return { kind: 'quantity', value: o.valueInteger };
  if (typeof o.valueString === 'string') return { kind: 'string', value: o.valueString };
  if (typeof o.valueBoolean === 'boolean') return { kind: 'boolean', value: o.valueBoolean };
  if (o.valueCodeableConcept) {
    const coding = o.valueCodeableConcept.coding?.find((c) => c.code);
    return {
      kind: 'coded',
      concept: o.valueCodeableConcept,
      value: o.valueCodeableConcept.text ?? coding?.display ?? coding?.code ?? '',
      system: coding?.system,
      code: coding?.code,
    };
  }
  return { kind: 'none' };
}

export interface MatchedObservation {
  observation: fhir4.Observation;
  date: string;
  ref?: string;
  match: CodeMatch;
  /** The Observation itself, or the component whose code matched. */
  valueSource: ValueBearing;
  value: ObservedValue;
}

/**
 * Observations (or components) whose code is in the value set, dated, not void, not after now,
 * oldest first. The Observation's own code is tried before its components.
 */
export function matchingObservations(ctx: FactContext, valueSetId: string): MatchedObservation[] {
  const entries = ctx.index ? ctx.index.entries(indexObservations) : indexObservations(ctx.record, ctx.now);
  const out: MatchedObservation[] = [];
  for (const { observation: o, date, codings, components } of entries) {
    const own = firstMatch(ctx, valueSetId, codings);
    if (own) {
      out.push({ observation: o, date, ref: refOf(o), match: own, valueSource: o, value: observedValue(o) });
      continue;
    }
    for (const { component, codings: componentCodings } of components) {
      const m = firstMatch(ctx, valueSetId, componentCodings);
      if (m) {
        out.push({ observation: o, date, ref: refOf(o), match: m, valueSource: component, value: observedValue(component) });
        break;
      }
    }
  }
  return sortByDate(out, (m) => m.date);
}

/** A usable Observation (not void, dated, not after now) read once per evaluation, with its own and its components' codings. */
export interface IndexedObservation {
  readonly observation: fhir4.Observation;
  readonly date: string;
  readonly codings: readonly fhir4.Coding[];
  readonly components: ReadonlyArray<{ readonly component: fhir4.ObservationComponent; readonly codings: readonly fhir4.Coding[] }>;
}

/** The record's usable Observations prepared for matching, in record order (an IndexBuilder: built once per evaluation). */
export function indexObservations(record: PatientRecord, now: Date): IndexedObservation[] {
  const out: IndexedObservation[] = [];
  for (const o of record.observations) {
    if (VOID_STATUSES.includes(o.status)) continue;
    const date = observationDate(o);
    if (!date || !notAfter(date, now)) continue;
    out.push({
      observation: o,
      date,
      codings: codingsOf(o.code),
      components: (o.component ?? []).map((component) => ({ component, codings: codingsOf(component.code) })),
    });
  }
  return out;
}

/** Codings of a coded answer plus the Observation's interpretation codings (labs often send POS/NEG there). */
export function answerCodings(m: MatchedObservation): fhir4.Coding[] {
  const concept = m.value.kind === 'coded' ? m.value.concept : undefined;
  return codingsOf(concept, ...(m.observation.interpretation ?? []));
}
