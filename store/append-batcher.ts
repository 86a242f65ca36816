/**
 * Group commit for decision appends. Appends made while a commit is being prepared or is in flight
 * are queued and committed together in one transaction; each caller's promise resolves only after
 * that transaction has committed, so "resolved" still means "durable". If a group transaction is
 * refused because of one record's data (StoreError 'conflict': a card uuid already recorded;
 * 'invalid-input': a value the database refused, e.g. PostgreSQL's data exceptions), its records are
 * retried one transaction each, so that record fails alone and the others are committed. (Records are
 * checked before they join a group, store/decision-input.ts; this is the second line of defence.) Any other failure (e.g. a
 * lost connection, where the commit outcome is unknown) rejects the whole group without a retry,
 * so a record is never appended twice. A record refused because its rule-set version is not the
 * active one (StaleVersionError, store/version-check.ts) is refused alone: the transaction commits
 * the others.
 */
import type { PreparedDecision } from './decision-hash.js';
import { StaleVersionError, StoreError } from './store-error.js';
import type { DecisionRecord } from './store.js';

/** What became of one record of a commit: appended (with seq and hashes) or refused alone. */
export type CommitOutcome = DecisionRecord | StaleVersionError;

/** Commits the records as one transaction, in order, returning one outcome per record, in order. */
export type CommitDecisions = (records: PreparedDecision[]) => Promise<CommitOutcome[]>;

/** Told after each committed transaction of decision appends: how many records it held (metrics). */
export type OnCommit = (records: number) => void;

/** `commit`, reporting each transaction that committed to `onCommit` (when given). */
export function observedCommit(commit: CommitDecisions, onCommit: OnCommit | undefined): CommitDecisions {
  if (onCommit === undefined) return commit;
  return async (records) => {
    const outcomes = await commit(records);
    onCommit(records.length);
    return outcomes;
  };
}

/** Resolves or rejects one caller with its record's outcome. */
function settle(pending: Pending, outcome: CommitOutcome): void {
  if (outcome instanceof StaleVersionError) pending.reject(outcome);
  else pending.resolve(outcome);
}

interface Pending {
  record: PreparedDecision;
  resolve: (record: DecisionRecord) => void;
  reject: (error: unknown) => void;
}

export class AppendBatcher {
  private queue: Pending[] = [];
  private running: Promise<void> | undefined;

  constructor(
    private readonly commit: CommitDecisions,
    private readonly maxGroupSize = 500,
  ) {}

  append(record: PreparedDecision): Promise<DecisionRecord> {
    return new Promise<DecisionRecord>((resolve, reject) => {
      this.queue.push({ record, resolve, reject });
      // setImmediate: every append made in the current turn of the event loop joins the group.
      this.running ??= new Promise<void>((done) => setImmediate(done)).then(() => this.drain());
    });
  }

  /** Resolves when every queued append has been committed or rejected. */
  async idle(): Promise<void> {
    while (this.running !== undefined) await this.running;
  }

  private async drain(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        const group = this.queue.splice(0, this.maxGroupSize);
        try {
          const outcomes = await this.commit(group.map((pending) => pending.record));
          group.forEach((pending, i) => settle(pending, outcomes[i]));
        } catch (error) {
          if (!(error instanceof StoreError && (error.code === 'conflict' || error.code === 'invalid-input'))) {
            group.forEach((pending) => pending.reject(error));
            continue;
          }
          for (const pending of group) {
            try {
              const [outcome] = await this.commit([pending.record]);
              settle(pending, outcome);
            } catch (recordError) {
              pending.reject(recordError);
            }
          }
        }
      }
    } finally {
      this.running = undefined;
    }
  }
}

/**
 * One decision append as both backends do it: through the group-commit batcher when appends are grouped
 * (STORE_APPEND_MODE=group), else one transaction of its own; a refused record's error is thrown.
 */
export async function appendPrepared(
  batcher: AppendBatcher | undefined,
  commit: CommitDecisions,
  prepared: PreparedDecision,
): Promise<DecisionRecord> {
  if (batcher !== undefined) return batcher.append(prepared);
  const [outcome] = await commit([prepared]);
  if (outcome instanceof Error) throw outcome;
  return outcome;
}
