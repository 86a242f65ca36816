/**
 * What publishing a rule-set version checks and stores, shared by both backends.
 */
import { canonicalJson } from '../lib/canonical-json.js';
import type { RuleSet } from '../engine/rule-set-types.js';
import { parseInstant } from './instant.js';
import { ruleSetContentHash, ruleSetWithoutSchema } from './rule-set-hash.js';
import { codeUnitOrder, compareSemver, isSemver } from './semver.js';
import { StoreError } from './store-error.js';
import type { RuleSetVersionRecord } from './store.js';

export interface Publication {
  ruleSetId: string;
  version: string;
  hash: string;
  /** Canonical JSON of the content without "$schema": what is stored and hashed. */
  contentJson: string;
  author: string;
  effectiveStart: string;
  effectiveEnd?: string;
}

export function preparePublication(content: RuleSet, hash: string, author: string): Publication {
  if (content === null || typeof content !== 'object' || Array.isArray(content)) {
    throw new StoreError('invalid-input', 'publish: content must be a rule-set object');
  }
  const { id, version, effectivePeriod } = content;
  if (typeof id !== 'string' || id.trim() === '') {
    throw new StoreError('invalid-input', 'publish: content.id must be a non-empty string');
  }
  if (typeof version !== 'string' || !isSemver(version)) {
    throw new StoreError('invalid-input', `publish ${id}: content.version ${JSON.stringify(version)} is not a semantic version (e.g. 1.2.0)`);
  }
  const where = `publish ${id}@${version}`;
  if (typeof author !== 'string' || author.trim() === '') {
    throw new StoreError('invalid-input', `${where}: author must be a non-empty string`);
  }
  if (effectivePeriod === null || typeof effectivePeriod !== 'object') {
    throw new StoreError('invalid-input', `${where}: content.effectivePeriod must be an object with a start`);
  }
  const startMs = parseInstant(effectivePeriod.start, `${where}: content.effectivePeriod.start`);
  if (effectivePeriod.end !== undefined) {
    const endMs = parseInstant(effectivePeriod.end, `${where}: content.effectivePeriod.end`);
    if (endMs <= startMs) {
      throw new StoreError('invalid-input', `${where}: content.effectivePeriod.end (${effectivePeriod.end}) must be after start (${effectivePeriod.start})`);
    }
  }
  const expectedHash = ruleSetContentHash(content);
  if (hash !== expectedHash) {
    throw new StoreError('invalid-input', `${where}: hash ${JSON.stringify(hash)} does not match the content hash ${expectedHash} (canonical JSON without "$schema")`);
  }
  return {
    ruleSetId: id,
    version,
    hash,
    contentJson: canonicalJson(ruleSetWithoutSchema(content)),
    author,
    effectiveStart: effectivePeriod.start,
    effectiveEnd: effectivePeriod.end,
  };
}

/** The answer to publishing when id+version already exists: no-op if identical, else refused. */
export function existingPublicationOutcome(existing: RuleSetVersionRecord, publication: Publication): RuleSetVersionRecord {
  if (existing.hash === publication.hash) return existing;
  throw new StoreError(
    'conflict',
    `publish ${publication.ruleSetId}@${publication.version}: this version is already published with different content ` +
      `(stored hash ${existing.hash}, new hash ${publication.hash}); published versions are immutable: publish a new version number`,
  );
}

/** start <= at < end, with dates as midnight UTC. */
export function isWithinEffectivePeriod(record: Pick<RuleSetVersionRecord, 'effectiveStart' | 'effectiveEnd'>, atMs: number): boolean {
  if (atMs < Date.parse(record.effectiveStart)) return false;
  if (record.effectiveEnd !== undefined && atMs >= Date.parse(record.effectiveEnd)) return false;
  return true;
}

/** By rule-set id, then semantic-version precedence (1.9.0 before 1.10.0). */
export function sortVersions(records: RuleSetVersionRecord[]): RuleSetVersionRecord[] {
  return records.sort((a, b) => codeUnitOrder(a.ruleSetId, b.ruleSetId) || compareSemver(a.version, b.version));
}
