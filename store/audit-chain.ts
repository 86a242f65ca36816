/**
 * The hash chains of the lifecycle log and of feedback (the decision chain is store/decision-hash.ts;
 * all three use the same formula):
 *
 *   hash = sha256hex(prevHash + canonicalJson({...body, prevHash}))
 *
 * `body` is the record's chained fields (below); the first record's prevHash is GENESIS_HASH. The
 * record's row id (lifecycle seq, feedback id) is not chained: the order is the chain's links.
 *
 * A publication event (from null -> draft) also chains the published version's identity: its content
 * hash, author, publication instant and effective period, read from rule_set_versions. Editing any of
 * those, or the content (which must hash to the content hash), breaks verification.
 *
 * Field digests: each chained row also stores, outside the hash, a short digest of every chained
 * field. They prove nothing (they can be rewritten with the row) but, when a record no longer hashes
 * to its stored hash, comparing them names the field that was edited.
 */
import { hash } from 'node:crypto';
import { canonicalJson, sha256Hex } from '../lib/canonical-json.js';
import { chainedFieldsOf, GENESIS_HASH, type ChainedFields } from './decision-hash.js';
import type { FeedbackRecord, LifecycleEvent, LifecycleState } from './store.js';

export { GENESIS_HASH };

export type AuditChainName = 'lifecycle' | 'feedback';

export interface PublicationFields {
  contentHash: string;
  author: string;
  publishedAt: string;
  effectiveStart: string;
  effectiveEnd?: string;
}

/** A lifecycle event as chained: the event without its sequence number, with the publication's identity on publication events. */
export type LifecycleChainBody = Omit<LifecycleEvent, 'seq'> & {
  /** Publication events only. */
  publication?: PublicationFields;
};

/** A feedback item as chained: the stored record, its outcome read back as the text the row holds. */
export type FeedbackChainBody = Omit<FeedbackRecord, 'outcome'> & { outcome: string };

export function chainHash(prevHash: string, body: object): string {
  return sha256Hex(prevHash + canonicalJson({ ...body, prevHash }));
}

/** Characters kept of each field's SHA-256 (diagnostic only). */
const DIGEST_LENGTH = 16;

/** Field name -> short digest; nested objects (publication) one level deep as "publication.author". */
export function fieldDigests(body: object): Record<string, string> {
  const digests: Record<string, string> = {};
  for (const [name, value] of Object.entries(body)) {
    // Absent fields are left out, as canonicalJson leaves them out of the hash.
    if (value === undefined) continue;
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      for (const [inner, innerValue] of Object.entries(value as Record<string, unknown>)) {
        if (innerValue === undefined) continue;
        digests[`${name}.${inner}`] = digestOf(innerValue);
      }
    } else digests[name] = digestOf(value);
  }
  return digests;
}

function digestOf(value: unknown): string {
  // crypto.hash: the one-shot form, about twice as fast as createHash for these short texts (Node >= 20.12).
  return hash('sha256', canonicalJson(value === undefined ? null : value), 'hex').slice(0, DIGEST_LENGTH);
}

/**
 * The fields whose digest differs from the stored digests (sorted), or undefined when the stored
 * digests are missing or unreadable, or all still match (then the digests were rewritten too, or the
 * edit was to prevHash/hash themselves).
 */
export function editedFields(storedDigests: unknown, body: object): string[] | undefined {
  if (typeof storedDigests !== 'string') return undefined;
  let stored: Record<string, unknown>;
  try {
    stored = JSON.parse(storedDigests) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  if (stored === null || typeof stored !== 'object') return undefined;
  const now = fieldDigests(body);
  const names = new Set([...Object.keys(stored), ...Object.keys(now)]);
  const edited = [...names].filter((name) => stored[name] !== now[name]).sort();
  return edited.length === 0 ? undefined : edited;
}

export function decisionFieldDigests(fields: ChainedFields): string {
  return JSON.stringify(fieldDigests(chainedFieldsOf(fields)));
}

type Row = Record<string, unknown>;

function optional(value: unknown): string | undefined {
  return value === null || value === undefined ? undefined : String(value);
}

/** The chained body of a lifecycle_events row (with its version row for a publication event). */
export function lifecycleBodyFromRows(event: Row, version: Row | undefined): LifecycleChainBody {
  const from = event.from_state === null || event.from_state === undefined ? null : (String(event.from_state) as LifecycleState);
  const body: LifecycleChainBody = {
    ruleSetId: String(event.rule_set_id),
    version: String(event.version),
    from,
    to: String(event.to_state) as LifecycleState,
    actor: String(event.actor),
    reason: String(event.reason),
    at: String(event.at),
  };
  if (from === null && version !== undefined) body.publication = publicationFromRow(version);
  return body;
}

export function publicationFromRow(version: Row): PublicationFields {
  return {
    contentHash: String(version.hash),
    author: String(version.author),
    publishedAt: String(version.published_at),
    effectiveStart: String(version.effective_start),
    effectiveEnd: optional(version.effective_end),
  };
}

export function feedbackBodyFromRow(row: Row): FeedbackChainBody {
  let accepted: string[];
  try {
    accepted = JSON.parse(String(row.accepted_suggestions)) as string[];
  } catch {
    accepted = [String(row.accepted_suggestions)];
  }
  return {
    cardUuid: String(row.card_uuid),
    serviceId: String(row.service_id),
    outcome: String(row.outcome),
    acceptedSuggestions: accepted,
    overrideReasonCode: optional(row.override_reason_code),
    overrideReasonSystem: optional(row.override_reason_system),
    overrideReasonDisplay: optional(row.override_reason_display),
    userComment: optional(row.user_comment),
    outcomeTimestamp: String(row.outcome_timestamp),
    receivedAt: String(row.received_at),
    clientIss: optional(row.client_iss),
  };
}

/** What an append writes besides the record's own columns. */
export interface ChainLink {
  prevHash: string;
  hash: string;
  fieldDigests: string;
}

export function linkRecord(prevHash: string, body: object): ChainLink {
  return { prevHash, hash: chainHash(prevHash, body), fieldDigests: JSON.stringify(fieldDigests(body)) };
}
