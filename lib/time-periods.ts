/**
 * A time range split into periods (UTC days, weeks of 7 days from the range start, calendar months),
 * and the granularity that fits a range (fittingBucket). Used for override statistics over time by
 * GET /admin/api/stats/overrides and the console's statistics page.
 */
export type Bucket = 'day' | 'week' | 'month';

export const BUCKETS: readonly Bucket[] = ['day', 'week', 'month'];
/** Most periods one request is split into. */
export const MAX_PERIODS = 60;
const DAY_MS = 86_400_000;

export interface Period {
  from: Date;
  to: Date;
  /** 2026-03-02 (day, week: the first day) or 2026-03 (month). */
  label: string;
}

/** Periods covering [from, to) in UTC; the last one is cut at `to`. Stops after MAX_PERIODS + 1. */
export function periods(from: Date, to: Date, bucket: Bucket): Period[] {
  const out: Period[] = [];
  let start = new Date(from);
  while (start < to && out.length <= MAX_PERIODS) {
    let end: Date;
    if (bucket === 'month') end = new Date(Date.UTC(start.getUTCFullYear(), start.getUTCMonth() + 1, 1));
    else end = new Date(start.getTime() + (bucket === 'week' ? 7 : 1) * DAY_MS);
    if (end > to) end = new Date(to);
    const day = start.toISOString().slice(0, 10);
    out.push({ from: start, to: end, label: bucket === 'month' ? day.slice(0, 7) : day });
    start = end;
  }
  return out;
}

/**
 * The granularity that fits a range: days up to 31 days, weeks up to 26 weeks, else months (the
 * default 12 weeks: weekly, 12 points).
 */
export function fittingBucket(from: Date, to: Date): Bucket {
  const days = (to.getTime() - from.getTime()) / DAY_MS;
  if (days <= 31) return 'day';
  if (days <= 26 * 7) return 'week';
  return 'month';
}
