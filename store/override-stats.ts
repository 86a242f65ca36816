/**
 * Override statistics per rule and rule-set version: range checking and assembling the rows of
 * overrideCountsQuery and overrideReasonsQuery (store/decision-queries.ts), shared by both backends.
 * The queries count per credited rule (decision_card_rules), so a merged card and its feedback count
 * once for each contributing rule: the rows of one period may add up to more cards than were shown.
 * The override rate is overridden / cards that got feedback; cards without feedback are counted apart
 * (clients never report an ignored card), and a rule whose cards got no feedback has no rate (null).
 */
import { parseInstant } from './instant.js';
import { codeUnitOrder, compareSemver } from './semver.js';
import { StoreError } from './store-error.js';
import type { OverrideStatsRow } from './store.js';

type Row = Record<string, unknown>;

/** Default range of override statistics (admin API, console): the last 12 weeks (weekly: 12 periods). */
export const DEFAULT_STATS_RANGE_DAYS = 84;

export function overrideStatsRange(range: { from: string; to: string }): { fromMs: number; toMs: number } {
  if (range === null || typeof range !== 'object') throw new StoreError('invalid-input', 'overrideStats: range must be {from, to}');
  const fromMs = parseInstant(range.from, 'overrideStats: from');
  const toMs = parseInstant(range.to, 'overrideStats: to');
  if (toMs <= fromMs) throw new StoreError('invalid-input', `overrideStats: to (${range.to}) must be after from (${range.from})`);
  return { fromMs, toMs };
}

function key(row: Row): string {
  return JSON.stringify([String(row.rule_set_id), String(row.rule_id), String(row.rule_set_version)]);
}

function nullable(value: unknown): string | null {
  return value === null || value === undefined ? null : String(value);
}

/** Rows ordered by rule-set id, rule id (code units, the same in both backends whatever the
 * database collation), then version precedence. */
export function assembleOverrideStats(countRows: Row[], reasonRows: Row[]): OverrideStatsRow[] {
  const reasonsByKey = new Map<string, OverrideStatsRow['reasons']>();
  for (const row of reasonRows) {
    const reasons = reasonsByKey.get(key(row)) ?? [];
    reasons.push({ code: nullable(row.code), system: nullable(row.system), display: nullable(row.display), count: Number(row.count) });
    reasonsByKey.set(key(row), reasons);
  }
  const rows = countRows.map((row): OverrideStatsRow => {
    const shown = Number(row.shown);
    const accepted = Number(row.accepted ?? 0);
    const overridden = Number(row.overridden ?? 0);
    const withFeedback = accepted + overridden;
    const reasons = (reasonsByKey.get(key(row)) ?? []).sort(
      (a, b) => b.count - a.count || codeUnitOrder(a.code ?? '\uffff', b.code ?? '\uffff') || codeUnitOrder(a.system ?? '', b.system ?? ''),
    );
    return {
      ruleSetId: String(row.rule_set_id),
      ruleId: String(row.rule_id),
      ruleSetVersion: String(row.rule_set_version),
      shown,
      accepted,
      overridden,
      withFeedback,
      withoutFeedback: shown - withFeedback,
      overrideRate: withFeedback === 0 ? null : overridden / withFeedback,
      reasons,
    };
  });
  return rows.sort((a, b) => codeUnitOrder(a.ruleSetId, b.ruleSetId) || codeUnitOrder(a.ruleId, b.ruleId) || compareSemver(a.ruleSetVersion, b.ruleSetVersion));
}
