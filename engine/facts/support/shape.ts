/**
 * Building fact output shapes (OutputShape, a JSON-Schema subset) and keeping string values within
 * the maxLength the shape promises. Absent scalars are `null` (so explanations show them), hence the
 * nullable types.
 */
import type { OutputShape } from '../../evaluation-types.js';

/** Length limits shared by all kinds (the card-summary budget is 140 characters). */
export const MAX = Object.freeze({
  code: 40,
  system: 120,
  display: 80,
  date: 35,
  id: 64,
  label: 60,
  status: 20,
  text: 200,
  list: 600,
});

export function str(description: string, maxLength: number): OutputShape {
  return { type: 'string', description, maxLength };
}
export function strOrNull(description: string, maxLength: number): OutputShape {
  return { type: ['string', 'null'], description, maxLength };
}
/** A FHIR date/dateTime field (raw value up to MAX.date characters; card text shows it via displayDate). */
export function dateStr(description: string, format: 'date' | 'date-time' = 'date'): OutputShape {
  return { type: 'string', description, maxLength: MAX.date, format };
}
export function dateStrOrNull(description: string, format: 'date' | 'date-time' = 'date'): OutputShape {
  return { type: ['string', 'null'], description, maxLength: MAX.date, format };
}
export function enumStr(description: string, values: readonly string[]): OutputShape {
  return { type: 'string', description, enum: [...values], maxLength: Math.max(...values.map((v) => v.length)) };
}
export function enumStrOrNull(description: string, values: readonly string[]): OutputShape {
  return { type: ['string', 'null'], description, enum: [...values, null], maxLength: Math.max(...values.map((v) => v.length)) };
}
export function num(description: string): OutputShape {
  return { type: 'number', description };
}
export function numOrNull(description: string): OutputShape {
  return { type: ['number', 'null'], description };
}
export function int(description: string): OutputShape {
  return { type: 'integer', description };
}
export function intOrNull(description: string): OutputShape {
  return { type: ['integer', 'null'], description };
}
export function bool(description: string): OutputShape {
  return { type: 'boolean', description };
}
export function boolOrNull(description: string): OutputShape {
  return { type: ['boolean', 'null'], description };
}
export function list(description: string, items: OutputShape): OutputShape {
  return { type: 'array', description, items };
}
export function obj(description: string, properties: Record<string, OutputShape>): OutputShape {
  return { type: 'object', description, properties };
}
export function objOrNull(description: string, properties: Record<string, OutputShape>): OutputShape {
  return { type: ['object', 'null'], description, properties };
}

export const REFS = list('FHIR references (Type/id) of the resources this value came from', str('Type/id', 200));

/** A fact's root shape: an object with `refs` plus the given fields. */
export function factShape(description: string, properties: Record<string, OutputShape>): OutputShape {
  return obj(description, { ...properties, refs: REFS });
}

/** Cuts text to `max` characters (ending in "…" when cut), so values never exceed their shape. */
export function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  return text.slice(0, Math.max(0, max - 1)) + '…';
}

/** Joins parts with "; " and clips to `max`. */
export function joinClipped(parts: readonly string[], max: number): string {
  return clip(parts.join('; '), max);
}

/** Rounds to `dp` decimal places (no trailing binary noise). */
export function round(value: number, dp: number): number {
  const f = 10 ** dp;
  return Math.round(value * f) / f;
}

/** De-duplicated references, in first-seen order. */
export function uniqueRefs(...lists: ReadonlyArray<ReadonlyArray<string | undefined>>): string[] {
  const seen = new Set<string>();
  for (const l of lists) for (const r of l) if (r) seen.add(r);
  return [...seen];
}
