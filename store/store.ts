/**
 * The one store interface. Two real backends implement it with identical behaviour:
 * store/sqlite-store.ts (embedded, default: a file under ./data) and store/postgres-store.ts
 * (DATABASE_URL=postgres://…, shared by several server processes). store/open-store.ts picks one
 * and runs the schema migrations (store/migrations/<backend>/NNN_name.sql).
 *
 * Failures the caller can act on are StoreError (store/store-error.ts) with a `code`, and
 * StaleVersionError (code 'stale-version') from appendDecision. Every operation is bounded in time
 * (OpenStoreOptions.timeoutMs, STORE_TIMEOUT_MS): a database that does not answer fails the call.
 */
import type { RuleSet } from '../engine/rule-set-types.js';
import type { FeedbackRequest } from '../cds-hooks/wire-types.js';
import type { RateLimitTake, RateLimitVerdict } from './rate-limit-buckets.js';
import type { TokenIdClaim, TokenIdVerdict } from './seen-token-ids.js';

export type { RateLimitTake, RateLimitVerdict } from './rate-limit-buckets.js';
export type { TokenIdClaim, TokenIdVerdict } from './seen-token-ids.js';

export type LifecycleState = 'draft' | 'in-review' | 'approved' | 'active' | 'retired';

export interface RuleSetVersionRecord {
  ruleSetId: string;
  version: string;
  /** canonicalHash(content without "$schema"): see store/rule-set-hash.ts. */
  hash: string;
  /** Current state. For "what was in force at instant T" use Store.activeVersionAt. */
  state: LifecycleState;
  /** The published content, without "$schema" (exactly what `hash` covers). */
  content: RuleSet;
  author: string;
  publishedAt: string;
  effectiveStart: string;
  effectiveEnd?: string;
}

export interface LifecycleEvent {
  seq: number;
  ruleSetId: string;
  version: string;
  /** null for the event that records publication (draft). */
  from: LifecycleState | null;
  to: LifecycleState;
  actor: string;
  reason: string;
  at: string;
}

export interface DecisionCard {
  uuid: string;
  /** The rule that produced the card; of a merged card, its first (highest-ranked) contributor. */
  ruleId: string;
  indicator: string;
  summary: string;
  /**
   * Merged cards only (a concern in mode "merge", docs/rule-format.md section 10): every contributing
   * rule in rank order, starting with `ruleId`. Feedback on the card is credited to each of them
   * (overrideStats, the ruleId filter). Absent for a card of one rule: the rules credited are [ruleId].
   */
  ruleIds?: string[];
}

export interface DecisionRecordInput {
  at: string;
  serviceId: string;
  hook: string;
  hookInstance: string;
  clientIss?: string;
  tenant?: string;
  /** Keyed hash (HMAC-SHA-256) of the patient id: never the id itself. */
  patientKey: string;
  ruleSetId: string;
  ruleSetVersion: string;
  ruleSetHash: string;
  evaluationNow: string;
  /** SHA-256 of the canonical JSON of the evaluation input (context + record). */
  inputFingerprint: string;
  /** Rules that fired with the facts they read (FiredRule[] as JSON). */
  fired: unknown[];
  cards: DecisionCard[];
  latencyMs: number;
  status: number;
  /** Encrypted minimal input snapshot for replay (absent when no key is configured). */
  snapshot?: Buffer;
  snapshotExpiresAt?: string;
}

export interface DecisionRecord extends DecisionRecordInput {
  seq: number;
  prevHash: string;
  hash: string;
  /**
   * When the store appended the record: its clock inside the append transaction, never before the
   * last change of the active version (store/version-check.ts). The record's ruleSetVersion is
   * activeVersionAt(ruleSetId, appendedAt) for every rule set the registry holds. Chained. Absent on
   * records appended before migration 005. (`at` is the caller's instant of the call.)
   */
  appendedAt?: string;
  /** SHA-256 of the snapshot bytes. The chain covers this digest, not the bytes, so an expired
   * snapshot can be purged (purgeExpiredSnapshots) without breaking the chain. */
  snapshotSha256?: string;
}

export interface FeedbackRecord {
  cardUuid: string;
  serviceId: string;
  outcome: 'accepted' | 'overridden';
  acceptedSuggestions: string[];
  overrideReasonCode?: string;
  overrideReasonSystem?: string;
  overrideReasonDisplay?: string;
  userComment?: string;
  outcomeTimestamp: string;
  receivedAt: string;
  clientIss?: string;
}

export interface FeedbackResult {
  stored: number;
  /** Items already stored before (same card + outcome + outcome instant), or repeated in the batch. */
  duplicates: number;
  /** Card uuids (deduplicated) that no decision of this service issued. Their feedback is stored
   * anyway (append-only evidence of what arrived); the caller decides how to answer. */
  unknownCards: string[];
}

export interface DecisionFilter {
  /** Inclusive lower bound on the decision's `at`. */
  from?: string;
  /** Exclusive upper bound on the decision's `at`. */
  to?: string;
  serviceId?: string;
  /** A rule that produced a card, contributed to a merged card (cards[].ruleIds) or appears in `fired`. */
  ruleId?: string;
  ruleSetVersion?: string;
  /** Some card of the decision has this indicator. */
  indicator?: string;
  /** Some card has feedback with this outcome; 'none': no card of the decision has feedback. */
  outcome?: 'accepted' | 'overridden' | 'none';
  /** Default 100, at most 10 000. Results are in ascending seq order. */
  limit?: number;
  /** Only records with seq > afterSeq (keyset paging). */
  afterSeq?: number;
}

export interface ChainVerification {
  ok: boolean;
  checked: number;
  /** First record where the chain breaks, and how. */
  problem?: { seq: number; kind: 'edited' | 'inserted' | 'deleted' | 'reordered'; detail: string };
}

/** What a break of the audit record is about: its table, and `id` (seq, feedback id, id@version). */
export type AuditRecordKind = 'decision' | 'lifecycle-event' | 'feedback' | 'publication' | 'checkpoint';

export interface AuditBreak {
  record: AuditRecordKind;
  id: string;
  /**
   * edited: a chained field changed; inserted: a record that the store did not append; deleted: a
   * record is missing; reordered: records swapped; unchained: a row without a hash; truncated: a
   * record a signed checkpoint covers is gone; rewritten: a record's hash differs from the one a
   * signed checkpoint covers; bad-signature: a checkpoint's signature does not verify.
   */
  kind: 'edited' | 'inserted' | 'deleted' | 'reordered' | 'unchained' | 'truncated' | 'rewritten' | 'bad-signature';
  /** The field that was edited, when it can be told (store/audit-chain.ts field digests). */
  field?: string;
  detail: string;
}

/** The head of each chain: the last record's seq (feedback: id) and hash. */
export interface AuditHeads {
  decisions: { seq: number; hash: string };
  lifecycle: { seq: number; hash: string };
  feedback: { seq: number; hash: string };
}

/** A signed statement of the chain heads at an instant (store/audit-checkpoint.ts). */
export interface AuditCheckpoint {
  at: string;
  heads: AuditHeads;
  /** First 16 hex characters of the SHA-256 of the signing key's public key (SPKI DER). */
  keyId: string;
  /** Ed25519 signature (base64) of checkpointPayload({at, heads, keyId}). */
  signature: string;
}

export interface AuditCheckpointRecord extends AuditCheckpoint {
  id: number;
}

export interface AuditVerifyOptions {
  /** Checks every checkpoint's signature with this Ed25519 public key. */
  publicKey?: import('node:crypto').KeyObject;
  /** Checkpoints kept outside the store (an auditor's export): each must still be in the store and hold. */
  externalCheckpoints?: AuditCheckpoint[];
  onProgress?: (checked: number) => void;
}

export interface AuditVerification {
  ok: boolean;
  checked: { decisions: number; lifecycleEvents: number; feedback: number; publications: number; checkpoints: number };
  /** Every break found, in the order found (decisions, lifecycle events, publications, feedback, checkpoints). */
  breaks: AuditBreak[];
  /** true when the checkpoints' signatures were checked (a public key was given). */
  signaturesChecked: boolean;
  heads: AuditHeads;
}

export interface OverrideStatsRow {
  ruleSetId: string;
  ruleId: string;
  ruleSetVersion: string;
  /** Cards this rule showed in the period (by decision time). A merged card counts once for each of
   * its contributing rules (DecisionCard.ruleIds), and so do its feedback and override reason. */
  shown: number;
  /** Cards whose latest reported outcome is accepted. */
  accepted: number;
  /** Cards whose latest reported outcome is overridden. */
  overridden: number;
  /** Cards that got feedback (accepted + overridden). */
  withFeedback: number;
  /** Cards shown that got no feedback (clients never report ignored cards): counted apart. */
  withoutFeedback: number;
  /** overridden / withFeedback; null when no card got feedback (no feedback means no rate, never 0). */
  overrideRate: number | null;
  /** Override reasons of the overridden cards, most frequent first; code null = no reason given. */
  reasons: { code: string | null; system: string | null; display: string | null; count: number }[];
}

export interface Store {
  readonly kind: 'sqlite' | 'postgres';
  migrate(): Promise<void>;
  /** Waits for queued appends (group commit) to commit, then closes connections. */
  close(): Promise<void>;
  /** Cheap liveness check for /readyz. */
  ping(): Promise<void>;

  // Registry
  /** Publishes a version in state draft. `hash` must equal ruleSetContentHash(content).
   * Identical content again: no-op returning the existing record. Different content under an
   * existing id+version: StoreError 'conflict'. */
  publish(content: RuleSet, hash: string, author: string): Promise<RuleSetVersionRecord>;
  getVersion(ruleSetId: string, version: string): Promise<RuleSetVersionRecord | undefined>;
  listVersions(ruleSetId?: string): Promise<RuleSetVersionRecord[]>;
  /** Activating retires the currently active version of the same rule set in the same transaction;
   * both events carry the same instant, so activeVersionAt never finds a gap between them. A change
   * of the active version is stamped strictly after every decision already appended
   * (store/version-check.ts), so it never changes what an earlier decision was checked against. */
  transition(ruleSetId: string, version: string, to: LifecycleState, actor: string, reason: string): Promise<LifecycleEvent>;
  history(ruleSetId: string, version?: string): Promise<LifecycleEvent[]>;
  /** The version in force at `at` (active at that instant per the lifecycle event log and inside
   * its effective period start <= at < end). */
  activeVersionAt(ruleSetId: string, at: string): Promise<RuleSetVersionRecord | undefined>;
  /** Monotonic counter bumped on every registry change (publish, lifecycle change); servers poll it. */
  registryRevision(): Promise<number>;
  /**
   * Calls `listener` soon after a registry change commits; returns a function that stops the calls.
   * PostgreSQL: LISTEN/NOTIFY, so changes made by any process arrive within milliseconds (and once
   * more whenever the listening connection is re-established, since changes may have been missed).
   * SQLite: changes made through this store object only; other processes are seen by polling
   * registryRevision(). A notification can be lost (connection down): keep polling as the fallback.
   */
  onRegistryChange(listener: () => void): () => void;

  // Decisions (append-only, hash-chained)
  /**
   * Resolves once the record is durably committed. Refuses (StaleVersionError, code 'stale-version')
   * a decision whose rule-set version is not the registry's active version at the append instant
   * (store/version-check.ts); the caller evaluates again with the active version. Decisions of rule
   * sets the registry does not hold are not checked.
   */
  appendDecision(input: DecisionRecordInput): Promise<DecisionRecord>;
  getDecision(seq: number): Promise<DecisionRecord | undefined>;
  findDecisionByCard(cardUuid: string): Promise<DecisionRecord | undefined>;
  listDecisions(filter: DecisionFilter): Promise<DecisionRecord[]>;
  /** The decision chain alone, first break only (kept for callers that need just that); see verifyAudit. */
  verifyChain(onProgress?: (checked: number) => void): Promise<ChainVerification>;
  /**
   * Verifies everything compliance relies on, over one consistent snapshot: the decision, lifecycle
   * and feedback chains, every publication (content, identity, state) and every checkpoint; reports
   * every break (store/audit-verifier.ts).
   */
  verifyAudit(options?: AuditVerifyOptions): Promise<AuditVerification>;
  /** The current chain heads (what a checkpoint signs). */
  auditHeads(): Promise<AuditHeads>;
  /** Stores a signed checkpoint (append-only). The caller signs (store/audit-checkpoint.ts). */
  appendCheckpoint(checkpoint: AuditCheckpoint): Promise<AuditCheckpointRecord>;
  listCheckpoints(): Promise<AuditCheckpointRecord[]>;
  /** Removes snapshot bytes whose snapshotExpiresAt <= now (their digest stays in the chain). */
  purgeExpiredSnapshots(now: string): Promise<number>;

  // Feedback (append-only, in a hash chain of its own)
  recordFeedback(serviceId: string, body: FeedbackRequest, clientIss?: string): Promise<FeedbackResult>;
  feedbackForCards(cardUuids: string[]): Promise<FeedbackRecord[]>;

  // Analysis
  /** Per rule and rule-set version, over decisions with from <= at < to. */
  overrideStats(range: { from: string; to: string }): Promise<OverrideStatsRow[]>;

  // Client admission, shared by every process on the store (store/seen-token-ids.ts, store/rate-limit-buckets.ts)
  /**
   * Remembers a client token's jti for its issuer until claim.forgetAfterMs, unless it is already
   * remembered and unexpired ('replayed') or the issuer already has maxLivePerIssuer live entries
   * ('full'). Atomic across processes: of two processes remembering one jti at once, one gets 'replayed'.
   */
  rememberTokenId(claim: TokenIdClaim): Promise<TokenIdVerdict>;
  /** Takes one token from the caller's bucket (refilled at perMinute per minute, at most perMinute). */
  takeRateLimitToken(take: RateLimitTake): Promise<RateLimitVerdict>;
}
