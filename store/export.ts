/**
 * Export of decisions with their feedback, streamed page by page (keyset paging on seq) so an
 * export of any size runs in bounded memory:
 *   - NDJSON: one line per decision: every chained field (so the chain can be re-verified from the
 *     export, given includePatientKey) plus `feedback` (all items for its cards, in arrival order).
 *     The encrypted snapshot is never exported.
 *   - CSV (RFC 4180, header row): one row per card (a decision without cards gives one row with
 *     empty card columns) with the card's latest reported outcome and the number of reports;
 *     `ruleIds` lists the rules credited with the card, ';'-separated (every contributor of a merged
 *     card in rank order, else the card's one rule), `appendedAt` when the store appended the
 *     decision. Columns added later go at the end, so earlier columns keep their positions.
 *     Text cells that a spreadsheet would run as a formula (= + - @ tab CR) get a leading '.
 * patientKey (a keyed hash, not the id) is left out unless includePatientKey is set.
 */
import { Readable } from 'node:stream';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { DecisionFilter, DecisionRecord, FeedbackRecord, Store } from './store.js';
import { creditedRuleIds } from './decision-input.js';
import { StoreError } from './store-error.js';

export type ExportFormat = 'csv' | 'ndjson';

export interface ExportProgress {
  decisions: number;
  lastSeq: number;
}

export interface DecisionExportOptions {
  format: ExportFormat;
  /** Which decisions; `limit` caps the total exported (default: all). */
  filter?: Omit<DecisionFilter, 'afterSeq' | 'limit'> & { limit?: number };
  /** Decisions read per page (default 500). */
  pageSize?: number;
  includePatientKey?: boolean;
  /** Called after each page is written to the stream's buffer. */
  onProgress?: (progress: ExportProgress) => void;
}

export const CSV_COLUMNS = [
  'seq', 'at', 'serviceId', 'hook', 'hookInstance', 'clientIss', 'tenant', 'patientKey', 'ruleSetId', 'ruleSetVersion',
  'ruleSetHash', 'evaluationNow', 'status', 'latencyMs', 'cardUuid', 'ruleId', 'indicator', 'summary', 'feedbackCount',
  'outcome', 'outcomeTimestamp', 'acceptedSuggestions', 'overrideReasonCode', 'overrideReasonSystem', 'overrideReasonDisplay',
  'userComment', 'hash', 'ruleIds', 'appendedAt',
] as const;

type CsvColumn = (typeof CSV_COLUMNS)[number];

const FORMULA_START = /^[=+\-@\t\r]/;

export function csvCell(value: string | number | undefined): string {
  if (value === undefined) return '';
  if (typeof value === 'number') return String(value);
  const text = FORMULA_START.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

function latest(items: FeedbackRecord[]): FeedbackRecord | undefined {
  let best: FeedbackRecord | undefined;
  for (const item of items) {
    if (best === undefined || Date.parse(item.outcomeTimestamp) >= Date.parse(best.outcomeTimestamp)) best = item;
  }
  return best;
}

function csvRows(decision: DecisionRecord, feedbackByCard: Map<string, FeedbackRecord[]>, includePatientKey: boolean): string {
  const cards = decision.cards.length > 0 ? decision.cards : [undefined];
  return cards
    .map((card) => {
      const items = card === undefined ? [] : (feedbackByCard.get(card.uuid) ?? []);
      const outcome = latest(items);
      const row: Record<CsvColumn, string | number | undefined> = {
        seq: decision.seq,
        at: decision.at,
        serviceId: decision.serviceId,
        hook: decision.hook,
        hookInstance: decision.hookInstance,
        clientIss: decision.clientIss,
        tenant: decision.tenant,
        patientKey: includePatientKey ? decision.patientKey : undefined,
        ruleSetId: decision.ruleSetId,
        ruleSetVersion: decision.ruleSetVersion,
        ruleSetHash: decision.ruleSetHash,
        evaluationNow: decision.evaluationNow,
        status: decision.status,
        latencyMs: decision.latencyMs,
        cardUuid: card?.uuid,
        ruleId: card?.ruleId,
        indicator: card?.indicator,
        summary: card?.summary,
        feedbackCount: card === undefined ? undefined : items.length,
        outcome: outcome?.outcome,
        outcomeTimestamp: outcome?.outcomeTimestamp,
        acceptedSuggestions: outcome?.acceptedSuggestions.join(';') || undefined,
        overrideReasonCode: outcome?.overrideReasonCode,
        overrideReasonSystem: outcome?.overrideReasonSystem,
        overrideReasonDisplay: outcome?.overrideReasonDisplay,
        userComment: outcome?.userComment,
        hash: decision.hash,
        ruleIds: card === undefined ? undefined : creditedRuleIds(card).join(';'),
        appendedAt: decision.appendedAt,
      };
      return `${CSV_COLUMNS.map((column) => csvCell(row[column])).join(',')}\r\n`;
    })
    .join('');
}

function ndjsonLine(decision: DecisionRecord, feedbackByCard: Map<string, FeedbackRecord[]>, includePatientKey: boolean): string {
  const { snapshot: _snapshot, patientKey, ...rest } = decision;
  const feedback = decision.cards.flatMap((card) => feedbackByCard.get(card.uuid) ?? []);
  return `${JSON.stringify({ ...rest, ...(includePatientKey ? { patientKey } : {}), feedback })}\n`;
}

async function* exportChunks(store: Store, options: DecisionExportOptions): AsyncGenerator<string> {
  const { format, filter = {}, pageSize = 500, includePatientKey = false, onProgress } = options;
  if (format !== 'csv' && format !== 'ndjson') {
    throw new StoreError('invalid-input', `export: format must be "csv" or "ndjson", got ${JSON.stringify(format)}`);
  }
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 10_000) {
    throw new StoreError('invalid-input', `export: pageSize must be an integer from 1 to 10000, got ${String(pageSize)}`);
  }
  const { limit: total, ...criteria } = filter;
  if (total !== undefined && (!Number.isInteger(total) || total < 1)) {
    throw new StoreError('invalid-input', `export: filter.limit must be a positive integer, got ${String(total)}`);
  }
  if (format === 'csv') yield `${CSV_COLUMNS.join(',')}\r\n`;
  let exported = 0;
  let afterSeq = 0;
  for (;;) {
    const limit = total === undefined ? pageSize : Math.min(pageSize, total - exported);
    if (limit <= 0) break;
    const page = await store.listDecisions({ ...criteria, afterSeq, limit });
    if (page.length === 0) break;
    const feedback = await store.feedbackForCards(page.flatMap((decision) => decision.cards.map((card) => card.uuid)));
    const feedbackByCard = new Map<string, FeedbackRecord[]>();
    for (const item of feedback) feedbackByCard.set(item.cardUuid, [...(feedbackByCard.get(item.cardUuid) ?? []), item]);
    const formatDecision = format === 'csv' ? csvRows : ndjsonLine;
    yield page.map((decision) => formatDecision(decision, feedbackByCard, includePatientKey)).join('');
    exported += page.length;
    afterSeq = page[page.length - 1].seq;
    onProgress?.({ decisions: exported, lastSeq: afterSeq });
    if (page.length < limit) break;
    // One page per turn of the event loop: a long export is a series of bounded slices, never a stall of
    // the clinical calls served by the same process (SQLite answers a page synchronously).
    await yieldToEventLoop();
  }
}

/** A byte stream of the export; pipe it to a file or an HTTP response. */
export function exportDecisions(store: Store, options: DecisionExportOptions): Readable {
  return Readable.from(exportChunks(store, options), { objectMode: false });
}
