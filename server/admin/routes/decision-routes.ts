/**
 * Admin routes over what the service decided: the decision log (filtered list and one decision with
 * its facts, fired rules, cards and feedback), feedback, override rates, streamed export, chain
 * verification and replay. All are the auditor's (admin-policy.ts).
 */
import { pipeline } from 'node:stream/promises';
import type { Request, Response } from 'express';
import { exportDecisions, type ExportFormat } from '../../../store/export.js';
import { auditVerificationSummary } from '../../../store/audit-summary.js';
import { BUCKETS, fittingBucket, MAX_PERIODS, periods } from '../../../lib/time-periods.js';
import { DEFAULT_STATS_RANGE_DAYS } from '../../../store/override-stats.js';
import { SqliteStore } from '../../../store/sqlite-store.js';
import type { DecisionRecord, OverrideStatsRow } from '../../../store/store.js';
import { badRequest, notFound } from '../../../use-cases/admin-error.js';
import type { AdminApiDeps } from '../admin-deps.js';
import {
  DECISION_FILTER_PARAMS,
  decisionFilter,
  decisionSeq,
  onlyKnownParams,
  optionalBoolean,
  optionalChoice,
  optionalInstant,
  optionalText,
  optionalVersion,
  type Params,
} from '../../../use-cases/admin-query.js';
import { replayDecision } from '../../../use-cases/replay-decision.js';
import { decisionView } from './decision-views.js';

export const EXPORT_FORMATS: readonly ExportFormat[] = ['csv', 'ndjson'];
/** Export filters: the decision filters without paging (the export streams every match). */
export const EXPORT_FILTER_PARAMS = DECISION_FILTER_PARAMS.filter((p) => p !== 'afterSeq');

/** Largest page the JSON list routes return (the export streams everything). */
export const MAX_LIST_LIMIT = 1000;
export const DEFAULT_LIST_LIMIT = 100;

/** One page of the decisions matching the request's filters (shared by the decision and feedback lists). */
async function decisionPage(req: Request, deps: AdminApiDeps): Promise<{ decisions: DecisionRecord[]; limit: number }> {
  const query = req.query as Params;
  onlyKnownParams(query, DECISION_FILTER_PARAMS);
  const filter = decisionFilter(query, MAX_LIST_LIMIT);
  const limit = filter.limit ?? DEFAULT_LIST_LIMIT;
  return { decisions: await deps.store.listDecisions({ ...filter, limit }), limit };
}

export async function listDecisions(req: Request, res: Response, deps: AdminApiDeps): Promise<void> {
  const { decisions, limit } = await decisionPage(req, deps);
  const feedback = await deps.store.feedbackForCards(decisions.flatMap((d) => d.cards.map((c) => c.uuid)));
  res.json({
    decisions: decisions.map((d) => {
      const { fired: _fired, ...rest } = decisionView(d, feedback);
      return rest;
    }),
    ...nextPage(decisions, limit),
  });
}

export async function getDecision(req: Request, res: Response, deps: AdminApiDeps): Promise<void> {
  onlyKnownParams(req.query as Params, []);
  const seq = decisionSeq(req.params);
  const decision = await deps.store.getDecision(seq);
  if (decision === undefined) throw notFound(`no decision ${seq}`);
  const feedback = await deps.store.feedbackForCards(decision.cards.map((c) => c.uuid));
  res.json({ decision: decisionView(decision, feedback) });
}

export async function listFeedback(req: Request, res: Response, deps: AdminApiDeps): Promise<void> {
  const { decisions, limit } = await decisionPage(req, deps);
  const cards = new Map(decisions.flatMap((d) => d.cards.map((c) => [c.uuid, { decision: d, card: c }] as const)));
  const feedback = await deps.store.feedbackForCards([...cards.keys()]);
  res.json({
    feedback: feedback.map((f) => {
      const origin = cards.get(f.cardUuid);
      return {
        seq: origin?.decision.seq,
        ruleSetId: origin?.decision.ruleSetId,
        ruleSetVersion: origin?.decision.ruleSetVersion,
        ruleId: origin?.card.ruleId,
        indicator: origin?.card.indicator,
        ...f,
      };
    }),
    ...nextPage(decisions, limit),
  });
}

/**
 * Override statistics over each range. SQLite answers synchronously, so its queries (up to 61) run on
 * the admin worker thread on a read-only connection to the same file, one snapshot for all ranges;
 * PostgreSQL runs them in the database server, one range at a time.
 */
async function overrideStatsOfRanges(deps: AdminApiDeps, ranges: { from: string; to: string }[]): Promise<OverrideStatsRow[][]> {
  if (deps.store instanceof SqliteStore) return deps.workPool.sqliteOverrideStats(deps.store.readerOptions, ranges);
  const results = [];
  for (const range of ranges) results.push(await deps.store.overrideStats(range));
  return results;
}

/**
 * Override statistics per rule and rule-set version over [from, to) (default: the last
 * DEFAULT_STATS_RANGE_DAYS days), and the same split into periods of `bucket` (default: the
 * granularity that fits the range, lib/time-periods.ts; no periods for a range of more than 60 months
 * unless a bucket is asked for, which is then refused). Rate = overridden / cards that got
 * feedback; null when none did.
 */
export async function overrideStats(req: Request, res: Response, deps: AdminApiDeps): Promise<void> {
  const query = req.query as Params;
  onlyKnownParams(query, ['from', 'to', 'ruleSetId', 'version', 'rule', 'bucket']);
  const to = optionalInstant(query, 'to') ?? new Date(deps.clock().getTime() + 1).toISOString();
  const from = optionalInstant(query, 'from') ?? new Date(Date.parse(to) - DEFAULT_STATS_RANGE_DAYS * 86_400_000).toISOString();
  if (Date.parse(to) <= Date.parse(from)) throw badRequest('to', 'must be after from');
  const ruleSetId = optionalText(query, 'ruleSetId');
  const version = optionalVersion(query, 'version');
  const ruleId = optionalText(query, 'rule');
  const asked = optionalChoice(query, 'bucket', BUCKETS);
  const bucket = asked ?? fittingBucket(new Date(from), new Date(to));
  let split = periods(new Date(from), new Date(to), bucket);
  if (split.length > MAX_PERIODS) {
    if (asked !== undefined) throw badRequest('bucket', `${bucket} splits this range into more than ${MAX_PERIODS} periods; choose a coarser bucket or a shorter range`);
    split = []; // a range of more than 60 months: the whole-range rows only
  }
  const wanted = (r: OverrideStatsRow): boolean =>
    (ruleSetId === undefined || r.ruleSetId === ruleSetId) && (version === undefined || r.ruleSetVersion === version) && (ruleId === undefined || r.ruleId === ruleId);
  const ranges = [{ from, to }, ...split.map((period) => ({ from: period.from.toISOString(), to: period.to.toISOString() }))];
  const [rows = [], ...periodRows] = (await overrideStatsOfRanges(deps, ranges)).map((found) => found.filter(wanted));
  const perPeriod = split.map((period, i) => ({ from: ranges[i + 1].from, to: ranges[i + 1].to, label: period.label, rows: periodRows[i] }));
  res.json({ from, to, bucket, rows, periods: perPeriod });
}

/**
 * Streams the export (store/export.ts: keyset pages, bounded memory) with back-pressure; a client that
 * goes away ends the stream. includePatientKey=true adds the keyed patient hash (never the id).
 */
export async function exportDecisionsRoute(req: Request, res: Response, deps: AdminApiDeps): Promise<void> {
  const query = req.query as Params;
  onlyKnownParams(query, ['format', 'includePatientKey', ...EXPORT_FILTER_PARAMS]);
  const format = optionalChoice(query, 'format', EXPORT_FORMATS);
  if (format === undefined) throw badRequest('format', `is required: ${EXPORT_FORMATS.join(' or ')}`);
  const { afterSeq: _afterSeq, ...filter } = decisionFilter(query, Number.MAX_SAFE_INTEGER);
  const includePatientKey = optionalBoolean(query, 'includePatientKey') ?? false;
  res.status(200);
  res.type(format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8');
  res.setHeader('Content-Disposition', `attachment; filename="decisions.${format}"`);
  try {
    await pipeline(exportDecisions(deps.store, { format, filter, includePatientKey }), res);
  } catch (err) {
    // The client went away mid-stream: nothing to answer and nothing wrong with the service.
    if ((err as NodeJS.ErrnoException).code === 'ERR_STREAM_PREMATURE_CLOSE') return;
    throw err;
  }
}

/**
 * Verifies the whole audit record (store.verifyAudit): decisions, lifecycle events, publications,
 * feedback and checkpoints, every break. Checkpoint signatures are checked with the public half of
 * the service's AUDIT_SIGNING_KEY when it has one; an auditor checks them independently with
 * `cds-rules audit verify --public-key FILE`.
 */
export async function verifyChain(req: Request, res: Response, deps: AdminApiDeps): Promise<void> {
  onlyKnownParams(req.query as Params, []);
  const verification = await deps.store.verifyAudit(deps.auditPublicKey === undefined ? {} : { publicKey: deps.auditPublicKey });
  res.json({ ...verification, message: auditVerificationSummary(verification) });
}

export async function replayDecisionRoute(req: Request, res: Response, deps: AdminApiDeps): Promise<void> {
  onlyKnownParams(req.query as Params, []);
  const seq = decisionSeq(req.params);
  const body = req.body === undefined ? {} : req.body;
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw badRequest('body', 'must be a JSON object');
  onlyKnownParams(body as Params, ['targetVersion']);
  const targetVersion = optionalVersion(body as Params, 'targetVersion');
  const report = await replayDecision(deps.store, {
    seq,
    ...(targetVersion === undefined ? {} : { targetVersion }),
    ...(deps.snapshotKey === undefined ? {} : { snapshotKey: deps.snapshotKey }),
    now: deps.clock(),
  });
  res.json(report);
}

function nextPage(decisions: DecisionRecord[], limit: number): { nextAfterSeq?: number } {
  return decisions.length === limit ? { nextAfterSeq: decisions[decisions.length - 1].seq } : {};
}
