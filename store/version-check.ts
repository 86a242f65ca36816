/**
 * Every decision tied to the rule-set version in force when it is appended, shared by both backends.
 *
 * Inside the append transaction, under the chain-head lock (PostgreSQL: decision_chain_head FOR
 * UPDATE; SQLite: the IMMEDIATE write lock), the store
 *   1. takes the append instant: its clock, but never before decision_chain_head.last_at_ms, the
 *      latest instant the chain or a change of the active version has recorded (appendInstant);
 *   2. reads the registry rows of the decisions' rule sets with one indexed lookup (the primary key
 *      of rule_set_versions: a few small rows per rule set, never the content);
 *   3. refuses (StaleVersionError) a decision whose version is not the active one at that instant:
 *      another version is active, none is, or the active one is outside its effective period.
 * Registry changes of the active version (an activation, which retires the previous version in the
 * same change, or a retirement) take the chain-head lock too and are stamped strictly after
 * last_at_ms (switchInstant). So the appends and the switches are totally ordered, their instants
 * follow that order, and store.activeVersionAt(ruleSetId, appendedAt) names exactly the version
 * each decision was checked against, whatever the clocks of the processes sharing the database.
 *
 * Decisions of a rule set the registry does not hold at all (a server with a static catalog, tests)
 * are not checked: there is nothing to compare them with.
 */
import { isWithinEffectivePeriod } from './rule-set-publication.js';
import { StaleVersionError } from './store-error.js';
import type { LifecycleState } from './store.js';

/** The columns the check reads (rule_set_versions without the content). */
export const REGISTRY_CHECK_COLUMNS = 'rule_set_id, version, state, effective_start, effective_end';

export interface RegistryCheckRow {
  rule_set_id: string;
  version: string;
  state: LifecycleState;
  effective_start: string;
  effective_end: string | null;
}

/** The instant an append is stamped with: the clock, never before what was recorded last. */
export function appendInstant(nowMs: number, lastAtMs: number): number {
  return Math.max(nowMs, lastAtMs);
}

/** The instant of a change of the active version: strictly after everything recorded, so no
 * earlier append's appendedAt ever sees it. */
export function switchInstant(nowMs: number, lastAtMs: number): number {
  return Math.max(nowMs, lastAtMs + 1);
}

/** The registry as one append transaction sees it. */
export class RegistrySnapshot {
  private readonly known = new Set<string>();
  private readonly active = new Map<string, RegistryCheckRow>();

  constructor(rows: readonly RegistryCheckRow[]) {
    for (const row of rows) {
      this.known.add(String(row.rule_set_id));
      if (row.state === 'active') this.active.set(String(row.rule_set_id), row);
    }
  }

  /** The refusal for a decision of ruleSetId@version appended at appendedMs, or undefined when it may be appended. */
  refusal(ruleSetId: string, version: string, appendedMs: number): StaleVersionError | undefined {
    if (!this.known.has(ruleSetId)) return undefined;
    const row = this.active.get(ruleSetId);
    const inForce =
      row !== undefined && isWithinEffectivePeriod({ effectiveStart: String(row.effective_start), effectiveEnd: row.effective_end ?? undefined }, appendedMs)
        ? String(row.version)
        : undefined;
    if (inForce === version) return undefined;
    return new StaleVersionError(ruleSetId, version, inForce, new Date(appendedMs).toISOString());
  }
}
