/**
 * Moves every date in a sample request by the time between a fixture's pinned "now" and the real now,
 * so that a sample reads the same relative to today (a blood pressure taken 30 minutes before "now"
 * stays 30 minutes old). Date-times move by the exact interval, dates by its whole days; birth dates
 * move too, so ages stay the same. Only strings that are FHIR dates or date-times are touched.
 */

/** Request extension naming the fixture a sample came from and the "now" it was written for. */
export const EXAMPLE_EXTENSION_KEY = 'org.ketamine-cds.example';

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;
const DAY_MS = 86_400_000;

/** Milliseconds from the fixture's "now" to `to`. */
export function intervalSince(fixtureNow: string, to: Date): number {
  return to.getTime() - Date.parse(fixtureNow);
}

function shiftOne(value: string, ms: number): string {
  if (DATE_TIME.test(value)) return new Date(Date.parse(value) + ms).toISOString();
  if (DATE.test(value)) return new Date(Date.parse(`${value}T00:00:00Z`) + Math.floor(ms / DAY_MS) * DAY_MS).toISOString().slice(0, 10);
  return value;
}

export function shiftDates<T>(value: T, ms: number): T {
  if (ms === 0) return value;
  const visit = (v: unknown): unknown => {
    if (typeof v === 'string') return shiftOne(v, ms);
    if (Array.isArray(v)) return v.map(visit);
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, visit(x)]));
    return v;
  };
  return visit(value) as T;
}
