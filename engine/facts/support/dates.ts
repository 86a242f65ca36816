/**
 * FHIR date/dateTime handling for facts. All arithmetic is in UTC on instants: a date without a time
 * ("2026-10-30") is midnight UTC of that day; partial dates ("2026", "2026-10") are the first day.
 * Ages are whole days, floor((now - date) / 1 day); future dates give negative ages.
 */

const DAY_MS = 86_400_000;
const FHIR_DATE = /^(\d{4})(?:-(\d{2})(?:-(\d{2})(T.*)?)?)?$/;

function parseFhirInstant(value: string): number {
  const m = FHIR_DATE.exec(value.trim());
  if (!m) return Number.NaN;
  const [, y, mo, d, time] = m;
  if (time) return Date.parse(value);
  return Date.UTC(Number(y), mo ? Number(mo) - 1 : 0, d ? Number(d) : 1);
}

/**
 * Parsed instants by text: every fact kind parses the same resource dates again on every evaluation,
 * so parsing is a pure function memoised here (bounded: cleared when full; it holds date texts only).
 */
const INSTANTS = new Map<string, number>();
const INSTANTS_MAX = 20_000;

/** Parses a FHIR date, dateTime or instant; undefined when absent or malformed. */
export function parseFhirDate(value: string | undefined | null): Date | undefined {
  if (typeof value !== 'string') return undefined;
  let t = INSTANTS.get(value);
  if (t === undefined) {
    t = parseFhirInstant(value);
    if (INSTANTS.size >= INSTANTS_MAX) INSTANTS.clear();
    INSTANTS.set(value, t);
  }
  return Number.isNaN(t) ? undefined : new Date(t);
}

/** Whole days from `from` to `to` (floor); negative when `to` is earlier. */
export function daysBetween(from: Date, to: Date): number {
  return Math.floor((to.getTime() - from.getTime()) / DAY_MS);
}

/** Whole days between a FHIR date and now (floor); null when the date is absent or malformed. */
export function ageDays(date: string | undefined | null, now: Date): number | null {
  const d = parseFhirDate(date);
  return d ? daysBetween(d, now) : null;
}

/** The calendar date (YYYY-MM-DD, UTC) of an instant. */
export function isoDate(date: Date): string {
  return date.toISOString().slice(0, 10);
}

/** `date` plus `days` days, as YYYY-MM-DD. */
export function addDays(date: Date, days: number): string {
  return isoDate(new Date(date.getTime() + days * DAY_MS));
}

/** How a date field is shown to people: "date" (the time only when it matters) or "date-time" (a scheduled time). */
export type DateDisplay = 'date' | 'date-time';

/** The longest text displayDate returns: "2026-11-22 00:40 UTC". */
export const DISPLAY_DATE_MAX = 20;

/** Instants less than this far from now are "same-day": their time is shown. */
const SAME_DAY_MS = DAY_MS;

function pad2(n: number): string {
  return String(n).padStart(2, '0');
}

/**
 * THE formatter for dates that people read (fact `text`/`list` fields and card templates):
 *  - a FHIR date or partial date ("2026-10-30", "2026-10") as recorded;
 *  - a dateTime as its calendar date as recorded ("2026-10-30"), except when the time matters:
 *    `display` "date-time" (scheduled times: appointments, proposed sessions) or an instant less than
 *    24 hours from `now` (a same-day reading), shown as "YYYY-MM-DD HH:MM UTC" (converted to UTC,
 *    because the engine cannot know the reader's time zone);
 *  - absent: ""; anything that does not parse: the text itself, cut to DISPLAY_DATE_MAX characters.
 * Never longer than DISPLAY_DATE_MAX characters.
 */
export function displayDate(value: string | undefined | null, now: Date | undefined, display: DateDisplay = 'date'): string {
  if (typeof value !== 'string' || value.trim() === '') return '';
  const text = value.trim();
  const instant = parseFhirDate(text);
  if (!instant) return text.length <= DISPLAY_DATE_MAX ? text : `${text.slice(0, DISPLAY_DATE_MAX - 1)}…`;
  if (!text.includes('T')) return text;
  const timeMatters = display === 'date-time' || (now !== undefined && Math.abs(now.getTime() - instant.getTime()) < SAME_DAY_MS);
  if (!timeMatters) return text.slice(0, 10);
  return `${isoDate(instant)} ${pad2(instant.getUTCHours())}:${pad2(instant.getUTCMinutes())} UTC`;
}

/** Earliest of several FHIR dates (by instant); undefined when none parse. */
export function earliestDate(values: ReadonlyArray<string | undefined | null>): string | undefined {
  let best: { text: string; t: number } | undefined;
  for (const v of values) {
    const d = parseFhirDate(v);
    if (d && (!best || d.getTime() < best.t)) best = { text: v as string, t: d.getTime() };
  }
  return best?.text;
}

/** Latest of several FHIR dates (by instant); undefined when none parse. */
export function latestDate(values: ReadonlyArray<string | undefined | null>): string | undefined {
  let best: { text: string; t: number } | undefined;
  for (const v of values) {
    const d = parseFhirDate(v);
    if (d && (!best || d.getTime() > best.t)) best = { text: v as string, t: d.getTime() };
  }
  return best?.text;
}

/** Compares two FHIR dates by instant (unparseable dates sort first). */
export function compareDates(a: string | undefined | null, b: string | undefined | null): number {
  const ta = parseFhirDate(a)?.getTime() ?? Number.NEGATIVE_INFINITY;
  const tb = parseFhirDate(b)?.getTime() ?? Number.NEGATIVE_INFINITY;
  return ta === tb ? 0 : ta < tb ? -1 : 1;
}

/** True when the date parses and is not after now. */
export function notAfter(date: string | undefined | null, now: Date): boolean {
  const d = parseFhirDate(date);
  return d !== undefined && d.getTime() <= now.getTime();
}

/** Items sorted by a FHIR date (each date parsed once); unparseable dates first, ties keep input order. */
export function sortByDate<T>(items: readonly T[], dateOf: (item: T) => string | undefined | null): T[] {
  return items
    .map((item, index) => ({ item, index, t: parseFhirDate(dateOf(item))?.getTime() ?? Number.NEGATIVE_INFINITY }))
    .sort((a, b) => a.t - b.t || a.index - b.index)
    .map((x) => x.item);
}

/**
 * Calendar days in a time zone (the facility's): schedules count days on the calendar where the
 * sessions happen, never elapsed 24-hour periods, so that a Monday 18:00 and a Thursday 08:00 session
 * are 3 days apart whatever the hours.
 */
const DAY_FORMATS = new Map<string, Intl.DateTimeFormat>();

function dayFormat(timeZone: string): Intl.DateTimeFormat {
  let format = DAY_FORMATS.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
    DAY_FORMATS.set(timeZone, format);
  }
  return format;
}

/** True when the runtime knows the IANA time zone name (e.g. "UTC", "America/New_York"). */
export function isKnownTimeZone(timeZone: string): boolean {
  try {
    dayFormat(timeZone);
    return true;
  } catch {
    return false;
  }
}

/** Calendar days by time zone and text (see calendarDayIn). */
const CALENDAR_DAYS = new Map<string, string | undefined>();

/**
 * The calendar day (YYYY-MM-DD) of a FHIR date or dateTime in a time zone: a date without a time is
 * its own day (it names a calendar day, not an instant); a dateTime is converted to the zone.
 * undefined when the text does not parse.
 */
export function calendarDayIn(value: string | undefined | null, timeZone: string): string | undefined {
  if (typeof value !== 'string') return undefined;
  // A pure function of (zone, text), and Intl formatting is the costliest step of the timing facts:
  // memoised like parsed instants (bounded; holds date texts and days only).
  const key = `${timeZone}\u0000${value}`;
  if (CALENDAR_DAYS.has(key)) return CALENDAR_DAYS.get(key);
  const instant = parseFhirDate(value);
  let day: string | undefined;
  if (!instant) day = undefined;
  else if (!value.includes('T')) day = isoDate(instant);
  else {
    const parts = dayFormat(timeZone).formatToParts(instant);
    const get = (type: string): string => parts.find((p) => p.type === type)?.value ?? '';
    day = `${get('year')}-${get('month')}-${get('day')}`;
  }
  if (CALENDAR_DAYS.size >= INSTANTS_MAX) CALENDAR_DAYS.clear();
  CALENDAR_DAYS.set(key, day);
  return day;
}

/** The calendar day of an instant in a time zone. */
export function calendarDayOfInstant(instant: Date, timeZone: string): string {
  return calendarDayIn(instant.toISOString(), timeZone)!;
}

/** Calendar days from one YYYY-MM-DD day to another (negative when `to` is earlier). */
export function calendarDaysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY_MS);
}

/** A YYYY-MM-DD day plus whole calendar days. */
export function addCalendarDays(day: string, days: number): string {
  return isoDate(new Date(Date.parse(`${day}T00:00:00Z`) + days * DAY_MS));
}
