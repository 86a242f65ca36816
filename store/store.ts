/**
 * The one store interface. Two real backends implement it with identical behaviour:
 * store/sqlite-store.ts (embedded, default: a file under ./data) and store/postgres-store.ts
 * (DATABASE_URL=postgres://…, shared by several server processes).
 */
import type { RuleSet } from '../engine/rule-set-types.js';
import type { FeedbackRequest } from '../server/wire-types.js';

export type LifecycleState = 'draft' | 'in-review' | 'approved' | 'active' | 'retired';

export interface RuleSetVersionRecord {
  ruleSetId: string;
  version: string;
  hash: string;
  state: LifecycleState;
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
  from: LifecycleState | null;
  to: LifecycleState;
  actor: string;
  reason: string;
  at: string;
}

export interface DecisionCard {
  uuid: string;
  ruleId: string;
  indicator: string;
  summary: string;
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

export interface DecisionFilter {
  from?: string;
  to?: string;
  serviceId?: string;
  ruleId?: string;
  ruleSetVersion?: string;
  indicator?: string;
  outcome?: 'accepted' | 'overridden' | 'none';
  limit?: number;
  afterSeq?: number;
}

export interface ChainVerification {
  ok: boolean;
  checked: number;
  /** First record where the chain breaks, and how. */
  problem?: { seq: number; kind: 'edited' | 'inserted' | 'deleted' | 'reordered'; detail: string };
}

export interface Store {
  readonly kind: 'sqlite' | 'postgres';
  migrate(): Promise<void>;
  close(): Promise<void>;
  /** Cheap liveness check for /readyz. */
  ping(): Promise<void>;

  // Registry
  publish(content: RuleSet, hash: string, author: string): Promise<RuleSetVersionRecord>;
  getVersion(ruleSetId: string, version: string): Promise<RuleSetVersionRecord | undefined>;
  listVersions(ruleSetId?: string): Promise<RuleSetVersionRecord[]>;
  transition(ruleSetId: string, version: string, to: LifecycleState, actor: string, reason: string): Promise<LifecycleEvent>;
  history(ruleSetId: string, version?: string): Promise<LifecycleEvent[]>;
  /** The version in force at `at` (active at that instant and inside its effective period). */
  activeVersionAt(ruleSetId: string, at: string): Promise<RuleSetVersionRecord | undefined>;
  /** Monotonic counter bumped on every lifecycle change; servers poll it to pick up activations. */
  registryRevision(): Promise<number>;

  // Decisions (append-only, hash-chained)
  appendDecision(input: DecisionRecordInput): Promise<DecisionRecord>;
  getDecision(seq: number): Promise<DecisionRecord | undefined>;
  findDecisionByCard(cardUuid: string): Promise<DecisionRecord | undefined>;
  listDecisions(filter: DecisionFilter): Promise<DecisionRecord[]>;
  verifyChain(onProgress?: (checked: number) => void): Promise<ChainVerification>;

  // Feedback
  recordFeedback(serviceId: string, body: FeedbackRequest, clientIss?: string): Promise<{ stored: number; duplicates: number }>;
  feedbackForCards(cardUuids: string[]): Promise<FeedbackRecord[]>;
}
