/**
 * The JSON shapes the admin API answers with for rule-set versions: a summary (lists) and the full
 * view (content, hash and lifecycle history).
 */
import type { LifecycleEvent, RuleSetVersionRecord } from '../../../store/store.js';

export interface VersionSummary {
  ruleSetId: string;
  version: string;
  title: string;
  hash: string;
  state: RuleSetVersionRecord['state'];
  author: string;
  publishedAt: string;
  effectiveStart: string;
  effectiveEnd?: string;
}

export function versionSummary(record: RuleSetVersionRecord): VersionSummary {
  return {
    ruleSetId: record.ruleSetId,
    version: record.version,
    title: record.content.title,
    hash: record.hash,
    state: record.state,
    author: record.author,
    publishedAt: record.publishedAt,
    effectiveStart: record.effectiveStart,
    ...(record.effectiveEnd === undefined ? {} : { effectiveEnd: record.effectiveEnd }),
  };
}

export function versionView(record: RuleSetVersionRecord, history: LifecycleEvent[]): VersionSummary & { history: LifecycleEvent[]; content: unknown } {
  return { ...versionSummary(record), history, content: record.content };
}
