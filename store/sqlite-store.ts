/**
 * The embedded backend: one SQLite file (better-sqlite3), WAL mode with synchronous=FULL so a
 * committed write survives a crash or power loss. Every write is one IMMEDIATE transaction, which
 * takes SQLite's write lock first: seq and prevHash of a decision are assigned atomically even when
 * several processes open the same file, and appends and changes of the active version are ordered
 * (store/version-check.ts).
 *
 * Waiting for the write lock: better-sqlite3 is synchronous, so SQLite's own busy wait blocks the
 * whole event loop. It is kept short (busyTimeoutMs, default 50 ms); while another process still
 * holds the lock, the write is retried after an asynchronous pause, so other requests are served
 * meanwhile, until timeoutMs (STORE_TIMEOUT_MS) has passed; then the SQLITE_BUSY error is thrown.
 */
import { performance } from 'node:perf_hooks';
import { setTimeout as delay } from 'node:timers/promises';
import Database from 'better-sqlite3';
import { activeVersionFromLog } from './active-version.js';
import { AppendBatcher, appendPrepared, observedCommit, type CommitDecisions, type CommitOutcome, type OnCommit } from './append-batcher.js';
import { decisionFieldDigests, feedbackBodyFromRow, linkRecord, type LifecycleChainBody, type PublicationFields } from './audit-chain.js';
import { readAuditHeads, verifyAuditWith } from './audit-verifier.js';
import { firstDecisionBreak, walkDecisions, type AuditSql } from './chain-verifier.js';
import { decisionHash, type PreparedDecision } from './decision-hash.js';
import { creditedRuleIds, prepareDecision } from './decision-input.js';
import { listDecisionsQuery } from './decision-queries.js';
import { prepareFeedback } from './feedback-items.js';
import { checkRateLimitTake, rateLimitVerdict, takeTokenSql, type RateLimitTake, type RateLimitVerdict } from './rate-limit-buckets.js';
import { checkTokenIdClaim, type TokenIdClaim, type TokenIdVerdict } from './seen-token-ids.js';
import { parseInstant } from './instant.js';
import { checkTransition, requireActorAndReason } from './lifecycle-policy.js';
import { migrateSqlite } from './migrations.js';
import { sqliteOverrideStats } from './sqlite-override-stats.js';
import { checkpointFromRow, decisionFromRow, eventFromRow, feedbackColumns, feedbackFromRow, publicDecision, versionFromRow } from './row-mapping.js';
import { existingPublicationOutcome, isWithinEffectivePeriod, preparePublication, sortVersions, type Publication } from './rule-set-publication.js';
import { StoreError } from './store-error.js';
import { DEFAULT_STORE_TIMEOUT_MS } from './store-timeout.js';
import { appendInstant, REGISTRY_CHECK_COLUMNS, RegistrySnapshot, switchInstant, type RegistryCheckRow } from './version-check.js';
import type { RuleSet } from '../engine/rule-set-types.js';
import type { FeedbackRequest } from '../cds-hooks/wire-types.js';
import type {
  AuditCheckpoint,
  AuditCheckpointRecord,
  AuditHeads,
  AuditVerification,
  AuditVerifyOptions,
  ChainVerification,
  DecisionFilter,
  DecisionRecord,
  DecisionRecordInput,
  FeedbackRecord,
  FeedbackResult,
  LifecycleEvent,
  LifecycleState,
  OverrideStatsRow,
  RuleSetVersionRecord,
  Store,
} from './store.js';

export interface SqliteStoreOptions {
  file: string;
  clock: () => Date;
  /** 'group': appends made in the same tick share one transaction (still durable before resolving). */
  appendMode: 'single' | 'group';
  /** How long one attempt waits, synchronously, for another process's write lock (ms, default 50). */
  busyTimeoutMs?: number;
  /** How long a write keeps retrying, asynchronously, while the lock is held elsewhere (ms, default 5000). */
  timeoutMs?: number;
  /** Told after each committed transaction of decision appends: how many records it held. */
  onCommit?: OnCommit;
}

type Row = Record<string, unknown>;

/** SQLite's synchronous wait for a lock per attempt: short, since it blocks the event loop. */
export const SQLITE_BUSY_TIMEOUT_MS = 50;
/** Pause between attempts while another process holds the write lock (the event loop runs meanwhile). */
export const SQLITE_BUSY_RETRY_MS = 25;

function isBusy(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && code.startsWith('SQLITE_BUSY');
}

/** SQLite limits host parameters per statement; IN lists are chunked below this. */
const IN_LIST_CHUNK = 500;

function chunks<T>(items: readonly T[], size: number): T[][] {
  const result: T[][] = [];
  for (let i = 0; i < items.length; i += size) result.push(items.slice(i, i + size));
  return result;
}

function isUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === 'SQLITE_CONSTRAINT_UNIQUE';
}

export class SqliteStore implements Store {
  readonly kind = 'sqlite' as const;
  private readonly db: Database.Database;
  private readonly batcher: AppendBatcher | undefined;
  /** One transaction of decision appends (reported to options.onCommit). */
  private readonly commit: CommitDecisions;
  private readonly busyTimeoutMs: number;
  private readonly timeoutMs: number;
  private readonly registryListeners = new Set<() => void>();
  /** Statements of the append path, prepared once (prepare costs about as much as running them). */
  private readonly statements = new Map<string, Database.Statement>();
  private closed = false;

  constructor(private readonly options: SqliteStoreOptions) {
    this.busyTimeoutMs = options.busyTimeoutMs ?? SQLITE_BUSY_TIMEOUT_MS;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_STORE_TIMEOUT_MS;
    // Opening may wait (better-sqlite3's default 5 s) for a process that is setting the file up; the
    // short busy timeout applies from then on, while requests are served.
    this.db = new Database(options.file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    this.db.pragma(`busy_timeout = ${this.busyTimeoutMs}`);
    this.commit = observedCommit(async (records) => this.commitDecisions(records), options.onCommit);
    this.batcher = options.appendMode === 'group' ? new AppendBatcher(this.commit) : undefined;
  }

  /**
   * Runs a write (one IMMEDIATE transaction) and, while another connection holds the write lock,
   * runs it again after an asynchronous pause until timeoutMs has passed. A refused attempt changed
   * nothing (SQLite rolled it back), so running it again is safe.
   */
  private async whenUnlocked<T>(write: () => T): Promise<T> {
    const deadline = performance.now() + this.timeoutMs;
    for (;;) {
      try {
        return write();
      } catch (error) {
        if (!isBusy(error) || performance.now() + SQLITE_BUSY_RETRY_MS >= deadline) throw error;
      }
      await delay(SQLITE_BUSY_RETRY_MS);
    }
  }

  /** A prepared statement for fixed SQL text, prepared on first use and kept (only for SQL without variable parts). */
  private statement(sql: string): Database.Statement {
    let prepared = this.statements.get(sql);
    if (prepared === undefined) {
      prepared = this.db.prepare(sql);
      this.statements.set(sql, prepared);
    }
    return prepared;
  }

  /** Tells the subscribers after a registry write committed; a subscriber's failure is its own. */
  private announceRegistryChange(): void {
    for (const listener of [...this.registryListeners]) {
      try {
        listener();
      } catch {
        // the change is committed whatever a subscriber does with the news
      }
    }
  }

  private now(): { iso: string; ms: number } {
    const now = this.options.clock();
    return { iso: now.toISOString(), ms: now.getTime() };
  }

  async migrate(): Promise<void> {
    await this.whenUnlocked(() => migrateSqlite(this.db, this.options.clock));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.batcher?.idle();
    this.db.close();
  }

  async ping(): Promise<void> {
    this.db.prepare('SELECT 1').get();
  }

  // ---- Registry ----------------------------------------------------------------------------

  private selectVersionRow(ruleSetId: string, version: string): Row | undefined {
    return this.db.prepare('SELECT * FROM rule_set_versions WHERE rule_set_id = ? AND version = ?').get(ruleSetId, version) as Row | undefined;
  }

  private bumpRevision(): void {
    this.db.prepare('UPDATE registry_revision SET revision = revision + 1 WHERE id = 1').run();
  }

  /** Appends an event to the lifecycle chain (inside the caller's write transaction). */
  private insertEvent(event: Omit<LifecycleEvent, 'seq' | 'at'>, at: { iso: string; ms: number }, publication?: PublicationFields): LifecycleEvent {
    const { ruleSetId, version, from, to, actor, reason } = event;
    const head = this.db.prepare("SELECT seq, hash FROM audit_chain_heads WHERE chain = 'lifecycle'").get() as { seq: number; hash: string };
    const body: LifecycleChainBody = { ruleSetId, version, from, to, actor, reason, at: at.iso, ...(publication === undefined ? {} : { publication }) };
    const link = linkRecord(head.hash, body);
    const info = this.db
      .prepare(
        `INSERT INTO lifecycle_events (rule_set_id, version, from_state, to_state, actor, reason, at, at_ms, prev_hash, hash, field_digests)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(ruleSetId, version, from, to, actor, reason, at.iso, at.ms, link.prevHash, link.hash, link.fieldDigests);
    const seq = Number(info.lastInsertRowid);
    this.db.prepare("UPDATE audit_chain_heads SET seq = ?, hash = ? WHERE chain = 'lifecycle'").run(seq, link.hash);
    return { seq, ruleSetId, version, from, to, actor, reason, at: at.iso };
  }

  /** The instant of a change of the active version (inside the write transaction, which already
   * excludes appends): strictly after everything recorded (store/version-check.ts). */
  private switchAt(): { iso: string; ms: number } {
    const head = this.db.prepare('SELECT last_at_ms FROM decision_chain_head WHERE id = 1').get() as { last_at_ms: number };
    const ms = switchInstant(this.now().ms, Number(head.last_at_ms));
    this.db.prepare('UPDATE decision_chain_head SET last_at_ms = ? WHERE id = 1').run(ms);
    return { iso: new Date(ms).toISOString(), ms };
  }

  async publish(content: RuleSet, hash: string, author: string): Promise<RuleSetVersionRecord> {
    const publication = preparePublication(content, hash, author);
    const run = this.db.transaction((p: Publication): RuleSetVersionRecord => {
      const existing = this.selectVersionRow(p.ruleSetId, p.version);
      if (existing !== undefined) return existingPublicationOutcome(versionFromRow(existing), p);
      const publishedAt = this.now().iso;
      this.db
        .prepare(
          `INSERT INTO rule_set_versions (rule_set_id, version, hash, state, content, author, published_at, effective_start, effective_end)
           VALUES (?, ?, ?, 'draft', ?, ?, ?, ?, ?)`,
        )
        .run(p.ruleSetId, p.version, p.hash, p.contentJson, p.author, publishedAt, p.effectiveStart, p.effectiveEnd ?? null);
      this.insertEvent(
        { ruleSetId: p.ruleSetId, version: p.version, from: null, to: 'draft', actor: p.author, reason: `published (content hash ${p.hash})` },
        this.now(),
        { contentHash: p.hash, author: p.author, publishedAt, effectiveStart: p.effectiveStart, ...(p.effectiveEnd === undefined ? {} : { effectiveEnd: p.effectiveEnd }) },
      );
      this.bumpRevision();
      return versionFromRow(this.selectVersionRow(p.ruleSetId, p.version) as Row);
    });
    const published = await this.whenUnlocked(() => run.immediate(publication));
    this.announceRegistryChange();
    return published;
  }

  async getVersion(ruleSetId: string, version: string): Promise<RuleSetVersionRecord | undefined> {
    const row = this.selectVersionRow(ruleSetId, version);
    return row === undefined ? undefined : versionFromRow(row);
  }

  async listVersions(ruleSetId?: string): Promise<RuleSetVersionRecord[]> {
    const rows = (
      ruleSetId === undefined
        ? this.db.prepare('SELECT * FROM rule_set_versions ORDER BY rule_set_id').all()
        : this.db.prepare('SELECT * FROM rule_set_versions WHERE rule_set_id = ? ORDER BY version').all(ruleSetId)
    ) as Row[];
    return sortVersions(rows.map(versionFromRow));
  }

  async transition(ruleSetId: string, version: string, to: LifecycleState, actor: string, reason: string): Promise<LifecycleEvent> {
    const where = `transition of ${ruleSetId}@${version}`;
    requireActorAndReason(actor, reason, where);
    const run = this.db.transaction((): LifecycleEvent => {
      const current = this.db.prepare('SELECT state, author FROM rule_set_versions WHERE rule_set_id = ? AND version = ?').get(ruleSetId, version) as
        | { state: LifecycleState; author: string }
        | undefined;
      if (current === undefined) throw new StoreError('not-found', `${where}: no such published version`);
      const approvals =
        current.state === 'retired'
          ? (this.db
              .prepare("SELECT seq, actor, at FROM lifecycle_events WHERE rule_set_id = ? AND version = ? AND to_state = 'approved' ORDER BY seq")
              .all(ruleSetId, version) as { seq: number; actor: string; at: string }[])
          : [];
      const recordedReason = checkTransition({ ruleSetId, version, from: current.state, to, actor, author: current.author, reason, approvals });
      // One instant for the whole change: the retirement of the previous version and the activation.
      const at = to === 'active' || current.state === 'active' ? this.switchAt() : this.now();
      if (to === 'active') {
        const active = this.db.prepare("SELECT version FROM rule_set_versions WHERE rule_set_id = ? AND state = 'active'").get(ruleSetId) as
          | { version: string }
          | undefined;
        if (active !== undefined) {
          this.db.prepare("UPDATE rule_set_versions SET state = 'retired' WHERE rule_set_id = ? AND version = ?").run(ruleSetId, active.version);
          this.insertEvent(
            { ruleSetId, version: active.version, from: 'active', to: 'retired', actor, reason: `superseded by the activation of ${version}: ${reason}` },
            at,
          );
        }
      }
      this.db.prepare('UPDATE rule_set_versions SET state = ? WHERE rule_set_id = ? AND version = ?').run(to, ruleSetId, version);
      const event = this.insertEvent({ ruleSetId, version, from: current.state, to, actor, reason: recordedReason }, at);
      this.bumpRevision();
      return event;
    });
    const event = await this.whenUnlocked(() => run.immediate());
    this.announceRegistryChange();
    return event;
  }

  async history(ruleSetId: string, version?: string): Promise<LifecycleEvent[]> {
    const rows = (
      version === undefined
        ? this.db.prepare('SELECT * FROM lifecycle_events WHERE rule_set_id = ? ORDER BY seq').all(ruleSetId)
        : this.db.prepare('SELECT * FROM lifecycle_events WHERE rule_set_id = ? AND version = ? ORDER BY seq').all(ruleSetId, version)
    ) as Row[];
    return rows.map(eventFromRow);
  }

  async activeVersionAt(ruleSetId: string, at: string): Promise<RuleSetVersionRecord | undefined> {
    const atMs = parseInstant(at, 'activeVersionAt: at');
    const events = this.db
      .prepare('SELECT version, to_state FROM lifecycle_events WHERE rule_set_id = ? AND at_ms <= ? ORDER BY seq')
      .all(ruleSetId, atMs) as { version: string; to_state: LifecycleState }[];
    const version = activeVersionFromLog(events.map((e) => ({ version: e.version, to: e.to_state })));
    if (version === undefined) return undefined;
    const record = await this.getVersion(ruleSetId, version);
    return record !== undefined && isWithinEffectivePeriod(record, atMs) ? record : undefined;
  }

  async registryRevision(): Promise<number> {
    const row = this.db.prepare('SELECT revision FROM registry_revision WHERE id = 1').get() as { revision: number };
    return Number(row.revision);
  }

  onRegistryChange(listener: () => void): () => void {
    this.registryListeners.add(listener);
    return () => {
      this.registryListeners.delete(listener);
    };
  }

  // ---- Decisions ---------------------------------------------------------------------------

  async appendDecision(input: DecisionRecordInput): Promise<DecisionRecord> {
    return appendPrepared(this.batcher, this.commit, prepareDecision(input));
  }

  private commitDecisions(records: PreparedDecision[]): Promise<CommitOutcome[]> {
    const run = this.db.transaction((): CommitOutcome[] => {
      const current = this.statement('SELECT seq, hash, last_at_ms FROM decision_chain_head WHERE id = 1').get() as {
        seq: number;
        hash: string;
        last_at_ms: number;
      };
      let head = { seq: Number(current.seq), hash: current.hash };
      const appendedMs = appendInstant(this.now().ms, Number(current.last_at_ms));
      const appendedAt = new Date(appendedMs).toISOString();
      const ruleSetIds = [...new Set(records.map((record) => record.fields.ruleSetId))];
      const registryRows: RegistryCheckRow[] = [];
      for (const chunk of chunks(ruleSetIds, IN_LIST_CHUNK)) {
        // Nearly always one rule set: its statement is kept; longer IN lists are prepared each time.
        const sql = `SELECT ${REGISTRY_CHECK_COLUMNS} FROM rule_set_versions WHERE rule_set_id IN (${chunk.map(() => '?').join(', ')})`;
        const select = chunk.length === 1 ? this.statement(sql) : this.db.prepare(sql);
        registryRows.push(...(select.all(...chunk) as RegistryCheckRow[]));
      }
      const registry = new RegistrySnapshot(registryRows);
      const insertDecision = this.statement(
        `INSERT INTO decisions (seq, prev_hash, hash, at, at_ms, service_id, hook, hook_instance, client_iss, tenant, patient_key,
           rule_set_id, rule_set_version, rule_set_hash, evaluation_now, input_fingerprint, fired, cards, latency_ms, status,
           snapshot, snapshot_sha256, snapshot_expires_at, appended_at, field_digests)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      );
      const insertCard = this.statement('INSERT INTO decision_cards (card_uuid, seq, rule_id, indicator) VALUES (?, ?, ?, ?)');
      const insertFired = this.statement('INSERT INTO decision_fired_rules (rule_id, seq) VALUES (?, ?)');
      const insertCardRule = this.statement('INSERT INTO decision_card_rules (card_uuid, seq, rule_id) VALUES (?, ?, ?)');
      const outcomes: CommitOutcome[] = [];
      let appended = 0;
      for (const { fields: prepared, firedJson, snapshot, atMs, firedRuleIds } of records) {
        const refusal = registry.refusal(prepared.ruleSetId, prepared.ruleSetVersion, appendedMs);
        if (refusal !== undefined) {
          outcomes.push(refusal);
          continue;
        }
        const fields = { ...prepared, appendedAt };
        const seq = head.seq + 1;
        const prevHash = head.hash;
        const hash = decisionHash(prevHash, fields);
        appended += 1;
        insertDecision.run(
          seq, prevHash, hash, fields.at, atMs, fields.serviceId, fields.hook, fields.hookInstance, fields.clientIss ?? null,
          fields.tenant ?? null, fields.patientKey, fields.ruleSetId, fields.ruleSetVersion, fields.ruleSetHash,
          fields.evaluationNow, fields.inputFingerprint, firedJson, JSON.stringify(fields.cards),
          fields.latencyMs, fields.status, snapshot ?? null, fields.snapshotSha256 ?? null, fields.snapshotExpiresAt ?? null,
          fields.appendedAt, decisionFieldDigests(fields),
        );
        for (const card of fields.cards) {
          try {
            insertCard.run(card.uuid, seq, card.ruleId, card.indicator);
          } catch (error) {
            if (!isUniqueViolation(error)) throw error;
            throw new StoreError('conflict', `appendDecision: card uuid ${card.uuid} is already recorded (card uuids must be unique)`);
          }
          for (const ruleId of creditedRuleIds(card)) insertCardRule.run(card.uuid, seq, ruleId);
        }
        for (const ruleId of firedRuleIds) insertFired.run(ruleId, seq);
        outcomes.push({ ...fields, snapshot, seq, prevHash, hash });
        head = { seq, hash };
      }
      if (appended > 0) {
        this.statement('UPDATE decision_chain_head SET seq = ?, hash = ?, last_at_ms = ? WHERE id = 1').run(head.seq, head.hash, appendedMs);
      }
      return outcomes;
    });
    return this.whenUnlocked(() => run.immediate());
  }

  async getDecision(seq: number): Promise<DecisionRecord | undefined> {
    const row = this.db.prepare('SELECT * FROM decisions WHERE seq = ?').get(seq) as Row | undefined;
    return row === undefined ? undefined : publicDecision(decisionFromRow(row));
  }

  async findDecisionByCard(cardUuid: string): Promise<DecisionRecord | undefined> {
    const row = this.db.prepare('SELECT d.* FROM decision_cards c JOIN decisions d ON d.seq = c.seq WHERE c.card_uuid = ?').get(cardUuid) as Row | undefined;
    if (row === undefined) return undefined;
    const record = publicDecision(decisionFromRow(row));
    if (!record.cards.some((card) => card.uuid === cardUuid)) {
      throw new StoreError('integrity', `findDecisionByCard: the card index points card ${cardUuid} at decision ${record.seq}, which has no such card`);
    }
    return record;
  }

  async listDecisions(filter: DecisionFilter): Promise<DecisionRecord[]> {
    const query = listDecisionsQuery(filter);
    return (this.db.prepare(query.text).all(...query.params) as Row[]).map((row) => publicDecision(decisionFromRow(row)));
  }

  /**
   * Runs `work` on a separate read-only connection inside one read transaction: one consistent
   * snapshot (WAL), while writers on the main connection keep going during a long verification.
   */
  private async readSnapshot<T>(work: (sql: AuditSql) => Promise<T>): Promise<T> {
    const reader = new Database(this.options.file, { readonly: true, fileMustExist: true });
    try {
      reader.pragma(`busy_timeout = ${this.busyTimeoutMs}`);
      reader.exec('BEGIN');
      const result = await work({ all: async (sql, params = []) => reader.prepare(sql).all(...params) as Row[] });
      reader.exec('COMMIT');
      return result;
    } finally {
      reader.close();
    }
  }

  async verifyChain(onProgress?: (checked: number) => void): Promise<ChainVerification> {
    return this.readSnapshot(async (sql) => firstDecisionBreak(await walkDecisions(sql, onProgress)));
  }

  async verifyAudit(options: AuditVerifyOptions = {}): Promise<AuditVerification> {
    return this.readSnapshot(async (sql) => verifyAuditWith(sql, options));
  }

  async auditHeads(): Promise<AuditHeads> {
    const db = this.db;
    return readAuditHeads({ all: async (sql, params = []) => db.prepare(sql).all(...params) as Row[] });
  }

  async appendCheckpoint(checkpoint: AuditCheckpoint): Promise<AuditCheckpointRecord> {
    const insert = this.db.prepare('INSERT INTO audit_checkpoints (at, heads, key_id, signature) VALUES (?, ?, ?, ?)');
    const info = await this.whenUnlocked(() => insert.run(checkpoint.at, JSON.stringify(checkpoint.heads), checkpoint.keyId, checkpoint.signature));
    return { id: Number(info.lastInsertRowid), ...checkpoint };
  }

  async listCheckpoints(): Promise<AuditCheckpointRecord[]> {
    return (this.db.prepare('SELECT * FROM audit_checkpoints ORDER BY id').all() as Row[]).map(checkpointFromRow);
  }

  async purgeExpiredSnapshots(now: string): Promise<number> {
    const nowMs = parseInstant(now, 'purgeExpiredSnapshots: now');
    const run = this.db.transaction((): number => {
      const candidates = this.db
        .prepare('SELECT seq, snapshot_expires_at FROM decisions WHERE snapshot IS NOT NULL AND snapshot_expires_at IS NOT NULL')
        .all() as { seq: number; snapshot_expires_at: string }[];
      const purge = this.db.prepare('UPDATE decisions SET snapshot = NULL WHERE seq = ?');
      let purged = 0;
      for (const candidate of candidates) {
        if (Date.parse(candidate.snapshot_expires_at) <= nowMs) purged += purge.run(candidate.seq).changes;
      }
      return purged;
    });
    return this.whenUnlocked(() => run.immediate());
  }

  // ---- Feedback ----------------------------------------------------------------------------

  async recordFeedback(serviceId: string, body: FeedbackRequest, clientIss?: string): Promise<FeedbackResult> {
    const items = prepareFeedback(serviceId, body, this.now().iso, clientIss);
    const run = this.db.transaction((): FeedbackResult => {
      const exists = this.db.prepare('SELECT 1 FROM feedback WHERE card_uuid = ? AND outcome = ? AND outcome_at_ms = ?');
      const insert = this.db.prepare(
        `INSERT INTO feedback (card_uuid, service_id, outcome, accepted_suggestions, override_reason_code, override_reason_system,
           override_reason_display, user_comment, outcome_timestamp, outcome_at_ms, received_at, client_iss, prev_hash, hash, field_digests)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      );
      let head = this.db.prepare("SELECT seq, hash FROM audit_chain_heads WHERE chain = 'feedback'").get() as { seq: number; hash: string };
      let stored = 0;
      for (const { record, outcomeAtMs } of items) {
        if (exists.get(record.cardUuid, record.outcome, outcomeAtMs) !== undefined) continue;
        const columns = feedbackColumns(record, outcomeAtMs);
        const link = linkRecord(head.hash, feedbackBodyFromRow(columns));
        const info = insert.run(
          columns.card_uuid, columns.service_id, columns.outcome, columns.accepted_suggestions, columns.override_reason_code,
          columns.override_reason_system, columns.override_reason_display, columns.user_comment, columns.outcome_timestamp,
          columns.outcome_at_ms, columns.received_at, columns.client_iss, link.prevHash, link.hash, link.fieldDigests,
        );
        head = { seq: Number(info.lastInsertRowid), hash: link.hash };
        stored += 1;
      }
      if (stored > 0) this.db.prepare("UPDATE audit_chain_heads SET seq = ?, hash = ? WHERE chain = 'feedback'").run(head.seq, head.hash);
      const cards = [...new Set(items.map((item) => item.record.cardUuid))];
      const known = new Set<string>();
      for (const chunk of chunks(cards, IN_LIST_CHUNK)) {
        const rows = this.db
          .prepare(
            `SELECT c.card_uuid FROM decision_cards c JOIN decisions d ON d.seq = c.seq
             WHERE d.service_id = ? AND c.card_uuid IN (${chunk.map(() => '?').join(', ')})`,
          )
          .all(serviceId, ...chunk) as { card_uuid: string }[];
        rows.forEach((row) => known.add(row.card_uuid));
      }
      return { stored, duplicates: items.length - stored, unknownCards: cards.filter((card) => !known.has(card)) };
    });
    return this.whenUnlocked(() => run.immediate());
  }

  async feedbackForCards(cardUuids: string[]): Promise<FeedbackRecord[]> {
    const rows: Row[] = [];
    for (const chunk of chunks([...new Set(cardUuids)], IN_LIST_CHUNK)) {
      rows.push(...(this.db.prepare(`SELECT * FROM feedback WHERE card_uuid IN (${chunk.map(() => '?').join(', ')})`).all(...chunk) as Row[]));
    }
    return rows.sort((a, b) => Number(a.id) - Number(b.id)).map(feedbackFromRow);
  }

  async overrideStats(range: { from: string; to: string }): Promise<OverrideStatsRow[]> {
    return sqliteOverrideStats(this.db, range);
  }

  /**
   * Where a separate read-only connection finds this store (the admin worker thread's statistics,
   * store/sqlite-override-stats.ts): the database file and the busy timeout to use on it.
   */
  get readerOptions(): { file: string; busyTimeoutMs: number } {
    return { file: this.options.file, busyTimeoutMs: this.busyTimeoutMs };
  }

  // ---- Client admission --------------------------------------------------------------------

  /**
   * Runs a write of client admission state with synchronous=NORMAL: in WAL mode its commit survives a
   * crash of the process (kill -9) but not necessarily of the machine, and costs no fsync on the request
   * path (the next decision commit, synchronous=FULL, syncs it too). Decisions stay FULL.
   */
  private withoutSync<T>(write: () => T): T {
    this.db.pragma('synchronous = NORMAL');
    try {
      return write();
    } finally {
      this.db.pragma('synchronous = FULL');
    }
  }

  async rememberTokenId(claim: TokenIdClaim): Promise<TokenIdVerdict> {
    checkTokenIdClaim(claim);
    const { issuer, jti, forgetAfterMs, nowMs, maxLivePerIssuer } = claim;
    const run = this.db.transaction((): TokenIdVerdict => {
      const seen = this.statement('SELECT forget_after_ms FROM seen_token_ids WHERE issuer = ? AND jti = ?').get(issuer, jti) as
        | { forget_after_ms: number }
        | undefined;
      if (seen !== undefined && Number(seen.forget_after_ms) >= nowMs) return 'replayed';
      // Only this issuer's expired entries are removed: never another client's.
      const purged = this.statement('DELETE FROM seen_token_ids WHERE issuer = ? AND forget_after_ms < ?').run(issuer, nowMs).changes;
      const counted = this.statement('SELECT live FROM seen_token_id_counts WHERE issuer = ?').get(issuer) as { live: number } | undefined;
      const live = Math.max(0, Number(counted?.live ?? 0) - purged);
      if (live >= maxLivePerIssuer) {
        if (purged > 0) this.statement('UPDATE seen_token_id_counts SET live = ? WHERE issuer = ?').run(live, issuer);
        return 'full';
      }
      this.statement('INSERT INTO seen_token_ids (issuer, jti, forget_after_ms) VALUES (?, ?, ?)').run(issuer, jti, forgetAfterMs);
      this.statement('INSERT INTO seen_token_id_counts (issuer, live) VALUES (?, ?) ON CONFLICT (issuer) DO UPDATE SET live = excluded.live').run(
        issuer,
        live + 1,
      );
      return 'fresh';
    });
    return this.whenUnlocked(() => this.withoutSync(() => run.immediate()));
  }

  /** One attempt: while another process holds the write lock this fails at once (SQLITE_BUSY after the
   * short busy timeout) and the caller lets the request through, rather than queue it behind the lock. */
  async takeRateLimitToken(take: RateLimitTake): Promise<RateLimitVerdict> {
    checkRateLimitTake(take);
    const row = this.withoutSync(
      () =>
        this.statement(takeTokenSql('MIN', 'MAX')).get({
          caller: take.caller,
          cap: take.perMinute,
          now: take.nowMs,
          perMs: take.perMinute / 60_000,
          true: 1,
        }) as { tokens: number; taken: number },
    );
    return rateLimitVerdict(row, take.perMinute);
  }
}
