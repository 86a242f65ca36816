/**
 * The patient record indexed once per evaluation. Fact kinds that select resources by value set (22
 * condition facts, the observation, pregnancy, weight and timing facts in the bundled rule set) used to
 * walk the whole resource list again each, re-reading every resource's codings, statuses and dates. A
 * fact helper now asks the index for its prepared entries (engine/facts/support/condition-records.ts
 * `indexConditions`, observations.ts `indexObservations`): built on first use from the record, once per
 * evaluation, then shared by every fact of that evaluation, so each fact is a pass of value-set lookups
 * (memoised per matcher) over ready entries, with no allocation per resource.
 *
 * One index per evaluation session (one record, one `now`): nothing is shared between evaluations, and a
 * record changed between two evaluations is never read stale.
 */
import type { PatientRecord } from '../fhir/patient-record.js';

export type IndexBuilder<T> = (record: PatientRecord, now: Date) => T;

export class RecordIndex {
  private readonly built = new Map<IndexBuilder<unknown>, unknown>();

  constructor(
    private readonly record: PatientRecord,
    private readonly now: Date,
  ) {}

  /** The builder's entries for this evaluation's record (built once, keyed by the builder). */
  entries<T>(build: IndexBuilder<T>): T {
    if (this.built.has(build)) return this.built.get(build) as T;
    const entries = build(this.record, this.now);
    this.built.set(build, entries);
    return entries;
  }
}
