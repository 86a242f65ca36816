/**
 * The shared backend: PostgreSQL through a pg Pool, for several server processes on one database.
 * Cross-process ordering comes from row locks taken at the start of each write transaction:
 *   - registry writes lock the registry_revision row, so lifecycle changes are serialised and the
 *     lifecycle_events seq order is the commit order;
 *   - decision appends lock the decision_chain_head row (SELECT … FOR UPDATE), so seq and prevHash
 *     are assigned atomically; the head row is updated in the same transaction. Registry changes of
 *     the active version lock it too (after registry_revision), so every append is checked against
 *     the active version at its append instant (store/version-check.ts).
 * Commits use the server's synchronous_commit (default on): a resolved write is on disk.
 *
 * Faults: a connection lost while checked out (database restart, pg_terminate_backend, network cut)
 * fails that call and the connection is discarded, never an unhandled 'error' event; idle ones are
 * replaced by the pool. Every connection attempt, statement, reply and close() is bounded by
 * timeoutMs (store/store-timeout.ts), so a database that accepts connections and never answers fails
 * calls instead of hanging them. Registry changes are announced with NOTIFY
 * (store/postgres-registry-listener.ts).
 */
import pg from 'pg';
import { activeVersionFromLog } from './active-version.js';
import { AppendBatcher, appendPrepared, observedCommit, type CommitDecisions, type CommitOutcome, type OnCommit } from './append-batcher.js';
import { decisionFieldDigests, feedbackBodyFromRow, linkRecord, type LifecycleChainBody, type PublicationFields } from './audit-chain.js';
import { readAuditHeads, verifyAuditWith } from './audit-verifier.js';
import { firstDecisionBreak, walkDecisions, type AuditSql } from './chain-verifier.js';
import { decisionHash, type PreparedDecision } from './decision-hash.js';
import { creditedRuleIds, prepareDecision } from './decision-input.js';
import { listDecisionsQuery, numberPlaceholders, overrideCountsQuery, overrideReasonsQuery } from './decision-queries.js';
import { prepareFeedback } from './feedback-items.js';
import { checkRateLimitTake, rateLimitVerdict, takeTokenSql, type RateLimitTake, type RateLimitVerdict } from './rate-limit-buckets.js';
import { checkTokenIdClaim, type TokenIdClaim, type TokenIdVerdict } from './seen-token-ids.js';
import { parseInstant } from './instant.js';
import { checkTransition, requireActorAndReason } from './lifecycle-policy.js';
import { migratePostgres } from './migrations.js';
import { assembleOverrideStats, overrideStatsRange } from './override-stats.js';
import { NOTIFY_REGISTRY_CHANGE, PostgresRegistryListener } from './postgres-registry-listener.js';
import { checkpointFromRow, decisionFromRow, eventFromRow, feedbackColumns, feedbackFromRow, publicDecision, versionFromRow } from './row-mapping.js';
import { existingPublicationOutcome, isWithinEffectivePeriod, preparePublication, sortVersions } from './rule-set-publication.js';
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

export interface PostgresStoreOptions {
  databaseUrl: string;
  clock: () => Date;
  /** 'group': appends queued while a commit is in flight share the next transaction (still durable before resolving). */
  appendMode: 'single' | 'group';
  /** Pool size per process (default 10). */
  maxConnections?: number;
  /** Errors of idle pooled connections (e.g. the server restarted; the pool replaces them) and of
   * the connection listening for registry changes (re-established). */
  onBackgroundError?: (error: Error) => void;
  /** Bound on each connection attempt, statement, reply and close() (ms, default 5000). */
  timeoutMs?: number;
  /** Told after each committed transaction of decision appends: how many records it held. */
  onCommit?: OnCommit;
}

type Row = Record<string, unknown>;

/** The client-side reply timeout is a little longer than the server's statement_timeout, so a
 * database that is alive but slow cancels the statement itself (the connection stays usable) and
 * only a silent one is given up on by the client. */
const REPLY_TIMEOUT_MARGIN_MS = 500;

/** Delay before re-establishing the connection that listens for registry changes. */
const LISTENER_RETRY_MS = 1_000;

/**
 * An error after which the connection cannot be trusted: raised by the client itself (connection
 * terminated, socket error, reply timeout with the statement still running) or a FATAL / connection
 * class error from the server. Refusals of the store's own (StoreError) and statement errors (a
 * constraint, statement_timeout) leave a working connection: it is rolled back and reused.
 */
function isConnectionFailure(error: unknown): boolean {
  if (error instanceof StoreError) return false;
  if (error instanceof pg.DatabaseError) return error.severity === 'FATAL' || error.severity === 'PANIC' || /^(08|57P)/.test(error.code ?? '');
  return true;
}

/** Closes a client's socket at once (pg has no public call for a client that will not end). */
function destroySocket(client: pg.PoolClient): void {
  (client as unknown as { connection?: { stream?: { destroy(): void } } }).connection?.stream?.destroy();
}

function isoOf(ms: number): { iso: string; ms: number } {
  return { iso: new Date(ms).toISOString(), ms };
}

const DECISION_COLUMNS = [
  'seq', 'prev_hash', 'hash', 'at', 'at_ms', 'service_id', 'hook', 'hook_instance', 'client_iss', 'tenant', 'patient_key',
  'rule_set_id', 'rule_set_version', 'rule_set_hash', 'evaluation_now', 'input_fingerprint', 'fired', 'cards', 'latency_ms',
  'status', 'snapshot', 'snapshot_sha256', 'snapshot_expires_at', 'appended_at', 'field_digests',
] as const;

/** Placeholders ($1, $2, …) for `rows` rows of `width` values each. */
function valuesList(rows: number, width: number): string {
  const tuples: string[] = [];
  for (let r = 0; r < rows; r++) {
    tuples.push(`(${Array.from({ length: width }, (_, c) => `$${r * width + c + 1}`).join(', ')})`);
  }
  return tuples.join(', ');
}

/** takeTokenSql with PostgreSQL's placeholders: $1 caller, $2 perMinute, $3 now, $4 per ms. */
const TAKE_TOKEN_SQL = takeTokenSql('LEAST', 'GREATEST').replace(
  /:(caller|cap|now|perMs|true)\b/g,
  (_m, name: string) => ({ caller: '$1::text', cap: '$2::float8', now: '$3::bigint', perMs: '$4::float8', true: 'true' })[name] as string,
);

/** A PostgreSQL data exception (class 22: e.g. a NUL in text, an untranslatable character): the
 * transaction was rolled back because of a value in it, never a lost connection. */
function dataException(error: unknown): StoreError | undefined {
  if (!(error instanceof pg.DatabaseError) || !/^22/.test(error.code ?? '')) return undefined;
  return new StoreError('invalid-input', `appendDecision: the database refused a value (${error.code}: ${error.message})`);
}

function cardConflict(error: unknown): StoreError | undefined {
  const { code, constraint, detail } = error as { code?: string; constraint?: string; detail?: string };
  if (code !== '23505' || constraint !== 'decision_cards_pkey') return undefined;
  const uuid = /\(card_uuid\)=\((.*)\)/.exec(detail ?? '')?.[1] ?? '(unknown)';
  return new StoreError('conflict', `appendDecision: card uuid ${uuid} is already recorded (card uuids must be unique)`);
}

export class PostgresStore implements Store {
  readonly kind = 'postgres' as const;
  private readonly pool: pg.Pool;
  private readonly batcher: AppendBatcher | undefined;
  /** One transaction of decision appends (reported to options.onCommit). */
  private readonly commit: CommitDecisions;
  private readonly timeoutMs: number;
  private readonly connectionConfig: pg.ClientConfig;
  /** Every pooled client that is open, for close() to cut what does not end in time. */
  private readonly clients = new Set<pg.PoolClient>();
  private readonly registryListeners = new Set<() => void>();
  private listener: PostgresRegistryListener | undefined;
  private closed = false;

  constructor(private readonly options: PostgresStoreOptions) {
    this.timeoutMs = options.timeoutMs ?? DEFAULT_STORE_TIMEOUT_MS;
    this.connectionConfig = {
      connectionString: options.databaseUrl,
      connectionTimeoutMillis: this.timeoutMs,
      statement_timeout: this.timeoutMs,
      query_timeout: this.timeoutMs + REPLY_TIMEOUT_MARGIN_MS,
      idle_in_transaction_session_timeout: this.timeoutMs,
      keepAlive: true,
    };
    this.pool = new pg.Pool({ ...this.connectionConfig, max: options.maxConnections ?? 10 });
    // Idle clients: the pool removes a failed one and tells us here.
    this.pool.on('error', (error) => options.onBackgroundError?.(error));
    this.pool.on('connect', (client) => this.clients.add(client));
    this.pool.on('remove', (client) => this.clients.delete(client));
    this.commit = observedCommit(async (records) => this.commitDecisions(records), options.onCommit);
    this.batcher = options.appendMode === 'group' ? new AppendBatcher(this.commit) : undefined;
  }

  private now(): { iso: string; ms: number } {
    const now = this.options.clock();
    return { iso: now.toISOString(), ms: now.getTime() };
  }

  /**
   * One transaction on a checked-out client. While checked out the client has an 'error' listener
   * (pg emits 'error' when its connection is lost; unhandled, that would end the process): a lost
   * connection fails the statement in flight (or the next one), and the client is discarded instead
   * of being rolled back and reused. After a statement error on a working connection it is rolled
   * back and reused. If the connection is lost during COMMIT, the outcome is unknown to us: the call
   * fails (never acknowledged), and the record may or may not be there; it is never half there.
   */
  private async inTransaction<T>(work: (client: pg.PoolClient) => Promise<T>, begin = 'BEGIN'): Promise<T> {
    const client = await this.pool.connect();
    let lost: Error | undefined;
    const onError = (error: Error): void => {
      lost ??= error;
    };
    client.on('error', onError);
    const release = (): void => {
      client.removeListener('error', onError);
      client.release(lost);
    };
    try {
      await client.query(begin);
      const result = await work(client);
      await client.query('COMMIT');
      release();
      return result;
    } catch (error) {
      if (lost === undefined && !isConnectionFailure(error)) {
        try {
          await client.query('ROLLBACK');
        } catch (rollbackError) {
          lost ??= rollbackError as Error;
        }
      } else {
        lost ??= error as Error;
      }
      release();
      throw error;
    }
  }

  async migrate(): Promise<void> {
    await migratePostgres(this.pool, this.options.clock);
  }

  /** Waits for queued appends, then closes every connection; bounded: whatever has not closed
   * within timeoutMs (a silent database) is cut. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.listener?.stop(this.timeoutMs);
    this.listener = undefined;
    await this.batcher?.idle();
    const ended = this.pool.end();
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timed-out'>((resolve) => {
      timer = setTimeout(() => resolve('timed-out'), this.timeoutMs);
      timer.unref();
    });
    const outcome = await Promise.race([ended.then(() => 'ended' as const), timedOut]);
    clearTimeout(timer);
    if (outcome === 'timed-out') {
      ended.catch(() => undefined);
      for (const client of this.clients) destroySocket(client);
    }
  }

  async ping(): Promise<void> {
    await this.pool.query('SELECT 1');
  }

  // ---- Registry ----------------------------------------------------------------------------

  /** Serialises registry writes across processes; returns nothing, the lock is held until commit. */
  private async lockRegistry(client: pg.PoolClient): Promise<void> {
    await client.query('SELECT revision FROM registry_revision WHERE id = 1 FOR UPDATE');
  }

  /** Bumps the revision and announces the change (NOTIFY is delivered when the transaction commits). */
  private async bumpRevision(client: pg.PoolClient): Promise<void> {
    await client.query('UPDATE registry_revision SET revision = revision + 1 WHERE id = 1');
    await client.query(NOTIFY_REGISTRY_CHANGE);
  }

  /**
   * The instant of a change of the active version: takes the chain-head lock (after the registry
   * lock, the order every writer uses), so no append runs while the active version changes, and
   * stamps the change strictly after everything recorded (store/version-check.ts).
   */
  private async lockChainForSwitch(client: pg.PoolClient): Promise<{ iso: string; ms: number }> {
    const head = (await client.query('SELECT last_at_ms FROM decision_chain_head WHERE id = 1 FOR UPDATE')).rows[0] as { last_at_ms: string };
    const ms = switchInstant(this.now().ms, Number(head.last_at_ms));
    await client.query('UPDATE decision_chain_head SET last_at_ms = $1 WHERE id = 1', [ms]);
    return isoOf(ms);
  }

  private async insertEvent(
    client: pg.PoolClient,
    event: Omit<LifecycleEvent, 'seq' | 'at'>,
    at: { iso: string; ms: number },
    publication?: PublicationFields,
  ): Promise<LifecycleEvent> {
    const { ruleSetId, version, from, to, actor, reason } = event;
    // The registry lock is held (every lifecycle write takes it first); the head row is locked too.
    const head = (await client.query("SELECT seq, hash FROM audit_chain_heads WHERE chain = 'lifecycle' FOR UPDATE")).rows[0] as { hash: string };
    const body: LifecycleChainBody = { ruleSetId, version, from, to, actor, reason, at: at.iso, ...(publication === undefined ? {} : { publication }) };
    const link = linkRecord(head.hash, body);
    const result = await client.query(
      `INSERT INTO lifecycle_events (rule_set_id, version, from_state, to_state, actor, reason, at, at_ms, prev_hash, hash, field_digests)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING seq`,
      [ruleSetId, version, from, to, actor, reason, at.iso, at.ms, link.prevHash, link.hash, link.fieldDigests],
    );
    const seq = Number(result.rows[0].seq);
    await client.query("UPDATE audit_chain_heads SET seq = $1, hash = $2 WHERE chain = 'lifecycle'", [seq, link.hash]);
    return { seq, ruleSetId, version, from, to, actor, reason, at: at.iso };
  }

  async publish(content: RuleSet, hash: string, author: string): Promise<RuleSetVersionRecord> {
    const p = preparePublication(content, hash, author);
    return this.inTransaction(async (client) => {
      await this.lockRegistry(client);
      const select = 'SELECT * FROM rule_set_versions WHERE rule_set_id = $1 AND version = $2';
      const existing = (await client.query(select, [p.ruleSetId, p.version])).rows[0] as Row | undefined;
      if (existing !== undefined) return existingPublicationOutcome(versionFromRow(existing), p);
      const publishedAt = this.now().iso;
      await client.query(
        `INSERT INTO rule_set_versions (rule_set_id, version, hash, state, content, author, published_at, effective_start, effective_end)
         VALUES ($1, $2, $3, 'draft', $4, $5, $6, $7, $8)`,
        [p.ruleSetId, p.version, p.hash, p.contentJson, p.author, publishedAt, p.effectiveStart, p.effectiveEnd ?? null],
      );
      await this.insertEvent(
        client,
        { ruleSetId: p.ruleSetId, version: p.version, from: null, to: 'draft', actor: p.author, reason: `published (content hash ${p.hash})` },
        this.now(),
        { contentHash: p.hash, author: p.author, publishedAt, effectiveStart: p.effectiveStart, ...(p.effectiveEnd === undefined ? {} : { effectiveEnd: p.effectiveEnd }) },
      );
      await this.bumpRevision(client);
      return versionFromRow((await client.query(select, [p.ruleSetId, p.version])).rows[0] as Row);
    });
  }

  async getVersion(ruleSetId: string, version: string): Promise<RuleSetVersionRecord | undefined> {
    const row = (await this.pool.query('SELECT * FROM rule_set_versions WHERE rule_set_id = $1 AND version = $2', [ruleSetId, version])).rows[0] as
      | Row
      | undefined;
    return row === undefined ? undefined : versionFromRow(row);
  }

  async listVersions(ruleSetId?: string): Promise<RuleSetVersionRecord[]> {
    const result =
      ruleSetId === undefined
        ? await this.pool.query('SELECT * FROM rule_set_versions ORDER BY rule_set_id')
        : await this.pool.query('SELECT * FROM rule_set_versions WHERE rule_set_id = $1 ORDER BY version', [ruleSetId]);
    return sortVersions((result.rows as Row[]).map(versionFromRow));
  }

  async transition(ruleSetId: string, version: string, to: LifecycleState, actor: string, reason: string): Promise<LifecycleEvent> {
    const where = `transition of ${ruleSetId}@${version}`;
    requireActorAndReason(actor, reason, where);
    return this.inTransaction(async (client) => {
      await this.lockRegistry(client);
      const current = (await client.query('SELECT state, author FROM rule_set_versions WHERE rule_set_id = $1 AND version = $2', [ruleSetId, version]))
        .rows[0] as { state: LifecycleState; author: string } | undefined;
      if (current === undefined) throw new StoreError('not-found', `${where}: no such published version`);
      const approvals =
        current.state === 'retired'
          ? ((
              await client.query(
                "SELECT seq, actor, at FROM lifecycle_events WHERE rule_set_id = $1 AND version = $2 AND to_state = 'approved' ORDER BY seq",
                [ruleSetId, version],
              )
            ).rows as { seq: string; actor: string; at: string }[]).map((r) => ({ seq: Number(r.seq), actor: r.actor, at: r.at }))
          : [];
      const recordedReason = checkTransition({ ruleSetId, version, from: current.state, to, actor, author: current.author, reason, approvals });
      // One instant for the whole change: the retirement of the previous version and the activation.
      const at = to === 'active' || current.state === 'active' ? await this.lockChainForSwitch(client) : this.now();
      if (to === 'active') {
        const active = (await client.query("SELECT version FROM rule_set_versions WHERE rule_set_id = $1 AND state = 'active'", [ruleSetId]))
          .rows[0] as { version: string } | undefined;
        if (active !== undefined) {
          await client.query("UPDATE rule_set_versions SET state = 'retired' WHERE rule_set_id = $1 AND version = $2", [ruleSetId, active.version]);
          await this.insertEvent(
            client,
            { ruleSetId, version: active.version, from: 'active', to: 'retired', actor, reason: `superseded by the activation of ${version}: ${reason}` },
            at,
          );
        }
      }
      await client.query('UPDATE rule_set_versions SET state = $1 WHERE rule_set_id = $2 AND version = $3', [to, ruleSetId, version]);
      const event = await this.insertEvent(client, { ruleSetId, version, from: current.state, to, actor, reason: recordedReason }, at);
      await this.bumpRevision(client);
      return event;
    });
  }

  async history(ruleSetId: string, version?: string): Promise<LifecycleEvent[]> {
    const result =
      version === undefined
        ? await this.pool.query('SELECT * FROM lifecycle_events WHERE rule_set_id = $1 ORDER BY seq', [ruleSetId])
        : await this.pool.query('SELECT * FROM lifecycle_events WHERE rule_set_id = $1 AND version = $2 ORDER BY seq', [ruleSetId, version]);
    return (result.rows as Row[]).map(eventFromRow);
  }

  async activeVersionAt(ruleSetId: string, at: string): Promise<RuleSetVersionRecord | undefined> {
    const atMs = parseInstant(at, 'activeVersionAt: at');
    const events = (
      await this.pool.query('SELECT version, to_state FROM lifecycle_events WHERE rule_set_id = $1 AND at_ms <= $2 ORDER BY seq', [ruleSetId, atMs])
    ).rows as { version: string; to_state: LifecycleState }[];
    const version = activeVersionFromLog(events.map((e) => ({ version: e.version, to: e.to_state })));
    if (version === undefined) return undefined;
    const record = await this.getVersion(ruleSetId, version);
    return record !== undefined && isWithinEffectivePeriod(record, atMs) ? record : undefined;
  }

  async registryRevision(): Promise<number> {
    const row = (await this.pool.query('SELECT revision FROM registry_revision WHERE id = 1')).rows[0] as { revision: string };
    return Number(row.revision);
  }

  onRegistryChange(listener: () => void): () => void {
    this.registryListeners.add(listener);
    if (this.listener === undefined && !this.closed) {
      this.listener = new PostgresRegistryListener({
        client: this.connectionConfig,
        retryMs: LISTENER_RETRY_MS,
        onError: (error) => this.options.onBackgroundError?.(error),
        onChange: () => {
          for (const registered of [...this.registryListeners]) {
            try {
              registered();
            } catch (error) {
              this.options.onBackgroundError?.(error as Error);
            }
          }
        },
      });
      this.listener.start();
    }
    return () => {
      this.registryListeners.delete(listener);
    };
  }

  // ---- Decisions ---------------------------------------------------------------------------

  async appendDecision(input: DecisionRecordInput): Promise<DecisionRecord> {
    return appendPrepared(this.batcher, this.commit, prepareDecision(input));
  }

  private async commitDecisions(records: PreparedDecision[]): Promise<CommitOutcome[]> {
    try {
      return await this.inTransaction(async (client) => {
        const head = (await client.query('SELECT seq, hash, last_at_ms FROM decision_chain_head WHERE id = 1 FOR UPDATE')).rows[0] as {
          seq: string;
          hash: string;
          last_at_ms: string;
        };
        const appendedMs = appendInstant(this.now().ms, Number(head.last_at_ms));
        const appendedAt = new Date(appendedMs).toISOString();
        const ruleSetIds = [...new Set(records.map((record) => record.fields.ruleSetId))];
        const registry = new RegistrySnapshot(
          (await client.query(`SELECT ${REGISTRY_CHECK_COLUMNS} FROM rule_set_versions WHERE rule_set_id = ANY($1::text[])`, [ruleSetIds]))
            .rows as RegistryCheckRow[],
        );
        let seq = Number(head.seq);
        let prevHash = head.hash;
        const outcomes: CommitOutcome[] = [];
        let appended = 0;
        const decisionValues: unknown[] = [];
        const cardValues: unknown[] = [];
        const firedValues: unknown[] = [];
        const cardRuleValues: unknown[] = [];
        for (const { fields: prepared, firedJson, snapshot, atMs, firedRuleIds } of records) {
          const refusal = registry.refusal(prepared.ruleSetId, prepared.ruleSetVersion, appendedMs);
          if (refusal !== undefined) {
            outcomes.push(refusal);
            continue;
          }
          const fields = { ...prepared, appendedAt };
          seq += 1;
          appended += 1;
          const hash = decisionHash(prevHash, fields);
          decisionValues.push(
            seq, prevHash, hash, fields.at, atMs, fields.serviceId, fields.hook, fields.hookInstance, fields.clientIss ?? null,
            fields.tenant ?? null, fields.patientKey, fields.ruleSetId, fields.ruleSetVersion, fields.ruleSetHash,
            fields.evaluationNow, fields.inputFingerprint, firedJson, JSON.stringify(fields.cards),
            fields.latencyMs, fields.status, snapshot ?? null, fields.snapshotSha256 ?? null, fields.snapshotExpiresAt ?? null,
            fields.appendedAt, decisionFieldDigests(fields),
          );
          for (const card of fields.cards) {
            cardValues.push(card.uuid, seq, card.ruleId, card.indicator);
            for (const ruleId of creditedRuleIds(card)) cardRuleValues.push(card.uuid, seq, ruleId);
          }
          for (const ruleId of firedRuleIds) firedValues.push(ruleId, seq);
          outcomes.push({ ...fields, snapshot, seq, prevHash, hash });
          prevHash = hash;
        }
        if (appended === 0) return outcomes;
        await client.query(
          `INSERT INTO decisions (${DECISION_COLUMNS.join(', ')}) VALUES ${valuesList(appended, DECISION_COLUMNS.length)}`,
          decisionValues,
        );
        if (cardValues.length > 0) {
          await client.query(`INSERT INTO decision_cards (card_uuid, seq, rule_id, indicator) VALUES ${valuesList(cardValues.length / 4, 4)}`, cardValues);
        }
        if (cardRuleValues.length > 0) {
          await client.query(`INSERT INTO decision_card_rules (card_uuid, seq, rule_id) VALUES ${valuesList(cardRuleValues.length / 3, 3)}`, cardRuleValues);
        }
        if (firedValues.length > 0) {
          await client.query(`INSERT INTO decision_fired_rules (rule_id, seq) VALUES ${valuesList(firedValues.length / 2, 2)}`, firedValues);
        }
        await client.query('UPDATE decision_chain_head SET seq = $1, hash = $2, last_at_ms = $3 WHERE id = 1', [seq, prevHash, appendedMs]);
        return outcomes;
      });
    } catch (error) {
      throw cardConflict(error) ?? dataException(error) ?? error;
    }
  }

  async getDecision(seq: number): Promise<DecisionRecord | undefined> {
    const row = (await this.pool.query('SELECT * FROM decisions WHERE seq = $1', [seq])).rows[0] as Row | undefined;
    return row === undefined ? undefined : publicDecision(decisionFromRow(row));
  }

  async findDecisionByCard(cardUuid: string): Promise<DecisionRecord | undefined> {
    const row = (await this.pool.query('SELECT d.* FROM decision_cards c JOIN decisions d ON d.seq = c.seq WHERE c.card_uuid = $1', [cardUuid]))
      .rows[0] as Row | undefined;
    if (row === undefined) return undefined;
    const record = publicDecision(decisionFromRow(row));
    if (!record.cards.some((card) => card.uuid === cardUuid)) {
      throw new StoreError('integrity', `findDecisionByCard: the card index points card ${cardUuid} at decision ${record.seq}, which has no such card`);
    }
    return record;
  }

  async listDecisions(filter: DecisionFilter): Promise<DecisionRecord[]> {
    const query = listDecisionsQuery(filter);
    const result = await this.pool.query(numberPlaceholders(query.text), query.params);
    return (result.rows as Row[]).map((row) => publicDecision(decisionFromRow(row)));
  }

  /** One REPEATABLE READ transaction: every read comes from the same snapshot while writers go on. */
  private async readSnapshot<T>(work: (sql: AuditSql) => Promise<T>): Promise<T> {
    return this.inTransaction(
      async (client) => work({ all: async (sql, params = []) => (await client.query(numberPlaceholders(sql), params)).rows as Row[] }),
      'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY',
    );
  }

  async verifyChain(onProgress?: (checked: number) => void): Promise<ChainVerification> {
    return this.readSnapshot(async (sql) => firstDecisionBreak(await walkDecisions(sql, onProgress)));
  }

  async verifyAudit(options: AuditVerifyOptions = {}): Promise<AuditVerification> {
    return this.readSnapshot(async (sql) => verifyAuditWith(sql, options));
  }

  async auditHeads(): Promise<AuditHeads> {
    return this.readSnapshot(readAuditHeads);
  }

  async appendCheckpoint(checkpoint: AuditCheckpoint): Promise<AuditCheckpointRecord> {
    const result = await this.pool.query('INSERT INTO audit_checkpoints (at, heads, key_id, signature) VALUES ($1, $2, $3, $4) RETURNING id', [
      checkpoint.at,
      JSON.stringify(checkpoint.heads),
      checkpoint.keyId,
      checkpoint.signature,
    ]);
    return { id: Number(result.rows[0].id), ...checkpoint };
  }

  async listCheckpoints(): Promise<AuditCheckpointRecord[]> {
    return ((await this.pool.query('SELECT * FROM audit_checkpoints ORDER BY id')).rows as Row[]).map(checkpointFromRow);
  }

  async purgeExpiredSnapshots(now: string): Promise<number> {
    const nowMs = parseInstant(now, 'purgeExpiredSnapshots: now');
    return this.inTransaction(async (client) => {
      const candidates = (
        await client.query('SELECT seq, snapshot_expires_at FROM decisions WHERE snapshot IS NOT NULL AND snapshot_expires_at IS NOT NULL')
      ).rows as { seq: string; snapshot_expires_at: string }[];
      const expired = candidates.filter((row) => Date.parse(row.snapshot_expires_at) <= nowMs).map((row) => Number(row.seq));
      if (expired.length === 0) return 0;
      const result = await client.query('UPDATE decisions SET snapshot = NULL WHERE seq = ANY($1::bigint[])', [expired]);
      return result.rowCount ?? 0;
    });
  }

  // ---- Feedback ----------------------------------------------------------------------------

  async recordFeedback(serviceId: string, body: FeedbackRequest, clientIss?: string): Promise<FeedbackResult> {
    const items = prepareFeedback(serviceId, body, this.now().iso, clientIss);
    return this.inTransaction(async (client) => {
      // The feedback chain's head row serialises feedback writers across processes.
      let head = (await client.query("SELECT seq, hash FROM audit_chain_heads WHERE chain = 'feedback' FOR UPDATE")).rows[0] as { seq: string; hash: string };
      let stored = 0;
      for (const { record, outcomeAtMs } of items) {
        const duplicate = await client.query('SELECT 1 FROM feedback WHERE card_uuid = $1 AND outcome = $2 AND outcome_at_ms = $3', [
          record.cardUuid,
          record.outcome,
          outcomeAtMs,
        ]);
        if (duplicate.rows.length > 0) continue;
        const columns = feedbackColumns(record, outcomeAtMs);
        const link = linkRecord(head.hash, feedbackBodyFromRow(columns));
        const result = await client.query(
          `INSERT INTO feedback (card_uuid, service_id, outcome, accepted_suggestions, override_reason_code, override_reason_system,
             override_reason_display, user_comment, outcome_timestamp, outcome_at_ms, received_at, client_iss, prev_hash, hash, field_digests)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) RETURNING id`,
          [
            columns.card_uuid, columns.service_id, columns.outcome, columns.accepted_suggestions, columns.override_reason_code,
            columns.override_reason_system, columns.override_reason_display, columns.user_comment, columns.outcome_timestamp,
            columns.outcome_at_ms, columns.received_at, columns.client_iss, link.prevHash, link.hash, link.fieldDigests,
          ],
        );
        head = { seq: String(result.rows[0].id), hash: link.hash };
        stored += 1;
      }
      if (stored > 0) await client.query("UPDATE audit_chain_heads SET seq = $1, hash = $2 WHERE chain = 'feedback'", [Number(head.seq), head.hash]);
      const cards = [...new Set(items.map((item) => item.record.cardUuid))];
      const known = new Set(
        (
          await client.query(
            `SELECT c.card_uuid FROM decision_cards c JOIN decisions d ON d.seq = c.seq
             WHERE d.service_id = $1 AND c.card_uuid = ANY($2::text[])`,
            [serviceId, cards],
          )
        ).rows.map((row: { card_uuid: string }) => row.card_uuid),
      );
      return { stored, duplicates: items.length - stored, unknownCards: cards.filter((card) => !known.has(card)) };
    });
  }

  async feedbackForCards(cardUuids: string[]): Promise<FeedbackRecord[]> {
    const result = await this.pool.query('SELECT * FROM feedback WHERE card_uuid = ANY($1::text[]) ORDER BY id', [[...new Set(cardUuids)]]);
    return (result.rows as Row[]).map(feedbackFromRow);
  }

  async overrideStats(range: { from: string; to: string }): Promise<OverrideStatsRow[]> {
    const { fromMs, toMs } = overrideStatsRange(range);
    const counts = overrideCountsQuery(fromMs, toMs);
    const reasons = overrideReasonsQuery(fromMs, toMs);
    const [countRows, reasonRows] = await Promise.all([
      this.pool.query(numberPlaceholders(counts.text), counts.params),
      this.pool.query(numberPlaceholders(reasons.text), reasons.params),
    ]);
    return assembleOverrideStats(countRows.rows as Row[], reasonRows.rows as Row[]);
  }

  // ---- Client admission --------------------------------------------------------------------

  async rememberTokenId(claim: TokenIdClaim): Promise<TokenIdVerdict> {
    checkTokenIdClaim(claim);
    const { issuer, jti, forgetAfterMs, nowMs, maxLivePerIssuer } = claim;
    return this.inTransaction(async (client) => {
      // The issuer's count row is locked first: one issuer's checks are serialised across processes,
      // other issuers' are not touched.
      await client.query('INSERT INTO seen_token_id_counts (issuer, live) VALUES ($1, 0) ON CONFLICT (issuer) DO NOTHING', [issuer]);
      const counted = (await client.query('SELECT live FROM seen_token_id_counts WHERE issuer = $1 FOR UPDATE', [issuer])).rows[0] as { live: string };
      const seen = (await client.query('SELECT forget_after_ms FROM seen_token_ids WHERE issuer = $1 AND jti = $2', [issuer, jti])).rows[0] as
        | { forget_after_ms: string }
        | undefined;
      if (seen !== undefined && Number(seen.forget_after_ms) >= nowMs) return 'replayed';
      const purged = (await client.query('DELETE FROM seen_token_ids WHERE issuer = $1 AND forget_after_ms < $2', [issuer, nowMs])).rowCount ?? 0;
      const live = Math.max(0, Number(counted.live) - purged);
      if (live >= maxLivePerIssuer) {
        if (purged > 0) await client.query('UPDATE seen_token_id_counts SET live = $1 WHERE issuer = $2', [live, issuer]);
        return 'full';
      }
      await client.query('INSERT INTO seen_token_ids (issuer, jti, forget_after_ms) VALUES ($1, $2, $3)', [issuer, jti, forgetAfterMs]);
      await client.query('UPDATE seen_token_id_counts SET live = $1 WHERE issuer = $2', [live + 1, issuer]);
      return 'fresh';
    });
  }

  async takeRateLimitToken(take: RateLimitTake): Promise<RateLimitVerdict> {
    checkRateLimitTake(take);
    const result = await this.pool.query(TAKE_TOKEN_SQL, [take.caller, take.perMinute, take.nowMs, take.perMinute / 60_000]);
    return rateLimitVerdict(result.rows[0] as { tokens: unknown; taken: unknown }, take.perMinute);
  }
}
