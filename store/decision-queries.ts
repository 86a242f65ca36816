/**
 * Read queries over decisions, cards and feedback that are the same SQL in both backends. They are
 * written with `?` placeholders; the PostgreSQL store numbers them ($1, $2, …) with numberPlaceholders.
 */
import { parseInstant } from './instant.js';
import { StoreError } from './store-error.js';
import type { DecisionFilter } from './store.js';

export const DEFAULT_DECISION_LIMIT = 100;
export const MAX_DECISION_LIMIT = 10_000;

export interface SqlQuery {
  text: string;
  params: unknown[];
}

export function numberPlaceholders(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}

const OUTCOMES = ['accepted', 'overridden', 'none'] as const;

function optionalFilterString(filter: DecisionFilter, key: 'serviceId' | 'ruleId' | 'ruleSetVersion' | 'indicator'): string | undefined {
  const value = filter[key];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value === '') throw new StoreError('invalid-input', `listDecisions: filter.${key} must be a non-empty string`);
  return value;
}

export function listDecisionsQuery(filter: DecisionFilter): SqlQuery {
  if (filter === null || typeof filter !== 'object') throw new StoreError('invalid-input', 'listDecisions: filter must be an object');
  const where: string[] = [];
  const params: unknown[] = [];
  if (filter.from !== undefined) {
    where.push('d.at_ms >= ?');
    params.push(parseInstant(filter.from, 'listDecisions: filter.from'));
  }
  if (filter.to !== undefined) {
    where.push('d.at_ms < ?');
    params.push(parseInstant(filter.to, 'listDecisions: filter.to'));
  }
  const serviceId = optionalFilterString(filter, 'serviceId');
  if (serviceId !== undefined) {
    where.push('d.service_id = ?');
    params.push(serviceId);
  }
  const ruleSetVersion = optionalFilterString(filter, 'ruleSetVersion');
  if (ruleSetVersion !== undefined) {
    where.push('d.rule_set_version = ?');
    params.push(ruleSetVersion);
  }
  const ruleId = optionalFilterString(filter, 'ruleId');
  if (ruleId !== undefined) {
    where.push(
      '(EXISTS (SELECT 1 FROM decision_card_rules c WHERE c.seq = d.seq AND c.rule_id = ?)' +
        ' OR EXISTS (SELECT 1 FROM decision_fired_rules r WHERE r.seq = d.seq AND r.rule_id = ?))',
    );
    params.push(ruleId, ruleId);
  }
  const indicator = optionalFilterString(filter, 'indicator');
  if (indicator !== undefined) {
    where.push('EXISTS (SELECT 1 FROM decision_cards c WHERE c.seq = d.seq AND c.indicator = ?)');
    params.push(indicator);
  }
  if (filter.outcome !== undefined) {
    if (!OUTCOMES.includes(filter.outcome)) {
      throw new StoreError('invalid-input', `listDecisions: filter.outcome must be one of ${OUTCOMES.join(', ')}, got ${JSON.stringify(filter.outcome)}`);
    }
    if (filter.outcome === 'none') {
      where.push('NOT EXISTS (SELECT 1 FROM decision_cards c JOIN feedback f ON f.card_uuid = c.card_uuid WHERE c.seq = d.seq)');
    } else {
      where.push('EXISTS (SELECT 1 FROM decision_cards c JOIN feedback f ON f.card_uuid = c.card_uuid WHERE c.seq = d.seq AND f.outcome = ?)');
      params.push(filter.outcome);
    }
  }
  if (filter.afterSeq !== undefined) {
    if (!Number.isInteger(filter.afterSeq) || filter.afterSeq < 0) {
      throw new StoreError('invalid-input', `listDecisions: filter.afterSeq must be an integer >= 0, got ${String(filter.afterSeq)}`);
    }
    where.push('d.seq > ?');
    params.push(filter.afterSeq);
  }
  const limit = filter.limit ?? DEFAULT_DECISION_LIMIT;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_DECISION_LIMIT) {
    throw new StoreError('invalid-input', `listDecisions: filter.limit must be an integer from 1 to ${MAX_DECISION_LIMIT}, got ${String(filter.limit)}`);
  }
  params.push(limit);
  const text = `SELECT d.* FROM decisions d${where.length > 0 ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY d.seq LIMIT ?`;
  return { text, params };
}

/** Each card's latest reported outcome (by outcome instant, then arrival order). */
const LATEST_FEEDBACK = `latest AS (
  SELECT f.card_uuid, f.outcome, f.override_reason_code, f.override_reason_system, f.override_reason_display
  FROM feedback f
  WHERE NOT EXISTS (
    SELECT 1 FROM feedback g
    WHERE g.card_uuid = f.card_uuid
      AND (g.outcome_at_ms > f.outcome_at_ms OR (g.outcome_at_ms = f.outcome_at_ms AND g.id > f.id))
  )
)`;

/**
 * Override statistics count cards per credited rule (decision_card_rules): a card of one rule once
 * for that rule, a merged card once for each of its contributing rules, with its latest outcome.
 */
export function overrideCountsQuery(fromMs: number, toMs: number): SqlQuery {
  return {
    text: `WITH ${LATEST_FEEDBACK}
SELECT d.rule_set_id, c.rule_id, d.rule_set_version,
  COUNT(*) AS shown,
  SUM(CASE WHEN l.outcome = 'accepted' THEN 1 ELSE 0 END) AS accepted,
  SUM(CASE WHEN l.outcome = 'overridden' THEN 1 ELSE 0 END) AS overridden
FROM decision_card_rules c
JOIN decisions d ON d.seq = c.seq
LEFT JOIN latest l ON l.card_uuid = c.card_uuid
WHERE d.at_ms >= ? AND d.at_ms < ?
GROUP BY d.rule_set_id, c.rule_id, d.rule_set_version`,
    params: [fromMs, toMs],
  };
}

export function overrideReasonsQuery(fromMs: number, toMs: number): SqlQuery {
  return {
    text: `WITH ${LATEST_FEEDBACK}
SELECT d.rule_set_id, c.rule_id, d.rule_set_version,
  l.override_reason_code AS code, l.override_reason_system AS system, l.override_reason_display AS display,
  COUNT(*) AS count
FROM decision_card_rules c
JOIN decisions d ON d.seq = c.seq
JOIN latest l ON l.card_uuid = c.card_uuid
WHERE d.at_ms >= ? AND d.at_ms < ? AND l.outcome = 'overridden'
GROUP BY d.rule_set_id, c.rule_id, d.rule_set_version, l.override_reason_code, l.override_reason_system, l.override_reason_display`,
    params: [fromMs, toMs],
  };
}
