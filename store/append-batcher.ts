/**
 * Group commit for decision appends. Appends made while a commit is being prepared or is in flight
 * are queued and committed together in one transaction; each caller's promise resolves only after
 * that transaction has committed, so "resolved" still means "durable". If a group transaction is
 * refused because of one record's data (StoreError 'conflict': a card uuid already recorded), its
 * records are retried one transaction each, so that record fails alone. Any other failure (e.g. a
 * lost connection, where the commit outcome is unknown) rejects the whole group without a retry,
 * so a record is never appended twice.
 */
import type { PreparedDecision } from './decision-hash.js';
import { StoreError } from './store-error.js';
import type { DecisionRecord } from './store.js';

/** Commits the records as one transaction, in order, returning them with seq and hashes. */
export type CommitDecisions = (records: PreparedDecision[]) => Promise<DecisionRecord[]>;

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
          const committed = await this.commit(group.map((pending) => pending.record));
          group.forEach((pending, i) => pending.resolve(committed[i]));
        } catch (error) {
          if (!(error instanceof StoreError && error.code === 'conflict')) {
            group.forEach((pending) => pending.reject(error));
            continue;
          }
          for (const pending of group) {
            try {
              const [committed] = await this.commit([pending.record]);
              pending.resolve(committed);
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
