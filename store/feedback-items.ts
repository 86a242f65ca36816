/**
 * A CDS Hooks feedback body -> the rows the store keeps. Each item is checked and each problem
 * names the item (feedback[i].field). Duplicates are recognised by card + outcome + outcome
 * instant (`outcomeAtMs`, so "…:31Z" and "…:31.000Z" are the same report).
 */
import type { FeedbackRequest } from '../cds-hooks/wire-types.js';
import { findUnstorable } from '../lib/unstorable-json.js';
import { parseInstant } from './instant.js';
import { StoreError } from './store-error.js';
import type { FeedbackRecord } from './store.js';

export interface PreparedFeedback {
  record: FeedbackRecord;
  outcomeAtMs: number;
}

function fail(message: string): never {
  throw new StoreError('invalid-input', `recordFeedback: ${message}`);
}

function optionalString(value: unknown, field: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') fail(`${field} must be a string when present`);
  return value;
}

export function prepareFeedback(serviceId: string, body: FeedbackRequest, receivedAt: string, clientIss?: string): PreparedFeedback[] {
  if (typeof serviceId !== 'string' || serviceId === '') fail('serviceId must be a non-empty string');
  if (body === null || typeof body !== 'object' || !Array.isArray(body.feedback)) fail('body.feedback must be an array');
  return body.feedback.map((item, i) => {
    const where = `feedback[${i}]`;
    if (item === null || typeof item !== 'object') fail(`${where} must be an object`);
    if (typeof item.card !== 'string' || item.card === '') fail(`${where}.card must be the card's uuid (non-empty string)`);
    if (item.outcome !== 'accepted' && item.outcome !== 'overridden') {
      fail(`${where}.outcome must be "accepted" or "overridden", got ${JSON.stringify(item.outcome)}`);
    }
    const outcomeAtMs = parseInstant(item.outcomeTimestamp, `recordFeedback: ${where}.outcomeTimestamp`);
    const accepted = item.acceptedSuggestions ?? [];
    if (!Array.isArray(accepted)) fail(`${where}.acceptedSuggestions must be an array of {"id": …}`);
    const acceptedSuggestions = accepted.map((suggestion, j) => {
      if (suggestion === null || typeof suggestion !== 'object' || typeof suggestion.id !== 'string' || suggestion.id === '') {
        fail(`${where}.acceptedSuggestions[${j}].id must be a non-empty string`);
      }
      return suggestion.id;
    });
    const overrideReason = item.overrideReason;
    if (overrideReason !== undefined && (overrideReason === null || typeof overrideReason !== 'object')) {
      fail(`${where}.overrideReason must be an object when present`);
    }
    const reason = overrideReason?.reason;
    if (reason !== undefined && (reason === null || typeof reason !== 'object' || typeof reason.code !== 'string' || reason.code === '')) {
      fail(`${where}.overrideReason.reason must be a Coding with a non-empty code`);
    }
    const record: FeedbackRecord = {
      cardUuid: item.card,
      serviceId,
      outcome: item.outcome,
      acceptedSuggestions,
      overrideReasonCode: reason?.code,
      overrideReasonSystem: optionalString(reason?.system, `${where}.overrideReason.reason.system`),
      overrideReasonDisplay: optionalString(reason?.display, `${where}.overrideReason.reason.display`),
      userComment: optionalString(overrideReason?.userComment, `${where}.overrideReason.userComment`),
      outcomeTimestamp: item.outcomeTimestamp,
      receivedAt,
      clientIss,
    };
    const unstorable = findUnstorable(record);
    if (unstorable !== undefined) fail(`${where}${unstorable.pointer.replace(/\//g, '.')} ${unstorable.message}`);
    return { record, outcomeAtMs };
  });
}
