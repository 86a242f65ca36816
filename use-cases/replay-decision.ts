/**
 * Replay of one recorded decision, shared by POST /admin/api/decisions/{seq}/replay and
 * `cds-rules replay <seq>`:
 *
 * 1. Reproduction: decrypt the decision's snapshot ({hook, context, record, now}) with SNAPSHOT_KEY,
 *    compile the rule-set version that made the decision (from the registry; its hash must equal the
 *    recorded one), evaluate with the recorded evaluation instant and the idSeed the decision was made with
 *    (audit/call-id-seed.ts: the recorded hookInstance scoped by the recorded client), and compare the cards (uuid, rule id, indicator, summary) with the recorded ones:
 *    "reproduced", or every difference.
 * 2. Shadow (optional target version): evaluate the same input with another version and list, per
 *    rule, the cards that would be added, removed or changed (uuids differ across versions by design:
 *    they include the rule-set hash, so shadow cards are matched by rule id).
 *
 * When replay cannot run (no key configured, snapshot never taken, expired or purged, unreadable with
 * this key, or the decision made no evaluation) it throws a 409 AdminError whose `reason` is a stable
 * code and whose message says why, in words.
 */
import { canonicalHash } from '../lib/canonical-json.js';
import { compileRuleSet, type CompiledRuleSet } from '../engine/compile-rule-set.js';
import type { EvaluationResult } from '../engine/evaluation-types.js';
import type { HookName } from '../engine/rule-set-types.js';
import type { PatientRecord } from '../fhir/patient-record.js';
import type { DecisionCard, DecisionRecord, RuleSetVersionRecord, Store } from '../store/store.js';
import { recordedIdSeed } from './audit/call-id-seed.js';
import { decisionCards } from './audit/decision-record.js';
import { decryptSnapshot, type SnapshotContent } from './audit/snapshot.js';
import { AdminError, notFound } from './admin-error.js';

export type ReplayNotPossibleReason =
  | 'no-snapshot-key'
  | 'snapshot-not-recorded'
  | 'snapshot-expired'
  | 'snapshot-unreadable'
  | 'not-evaluated'
  | 'version-missing';

export interface CardDifference {
  ruleId: string;
  /** missing: recorded but not produced now; added: produced now but not recorded; changed: both, fields differ. */
  kind: 'missing' | 'added' | 'changed';
  recorded?: DecisionCard;
  replayed?: DecisionCard;
  /** For 'changed': which of uuid, ruleId, indicator, summary differ. */
  fields: string[];
}

export interface ReplayRun {
  ruleSetId: string;
  version: string;
  hash: string;
  cards: DecisionCard[];
  differences: CardDifference[];
}

export interface ReplayReport {
  seq: number;
  recorded: {
    ruleSetId: string;
    version: string;
    hash: string;
    evaluationNow: string;
    hookInstance: string;
    cards: DecisionCard[];
  };
  /** "reproduced" when the version in force gives exactly the recorded cards, else "differs". */
  outcome: 'reproduced' | 'differs';
  /** True when the snapshot is the input the decision fingerprinted (SHA-256 of {context, record}). */
  inputFingerprintMatches: boolean;
  reproduction: ReplayRun;
  /** Present when a target version was asked for: cards that version would change, by rule. */
  shadow?: ReplayRun & { wouldChange: boolean };
  /** One sentence per finding, for people. */
  summary: string[];
}

export interface ReplayRequest {
  seq: number;
  targetVersion?: string;
  snapshotKey?: Buffer;
  now: Date;
}

export async function replayDecision(store: Store, request: ReplayRequest): Promise<ReplayReport> {
  const decision = await store.getDecision(request.seq);
  if (decision === undefined) throw notFound(`no decision ${request.seq}`);
  const target =
    request.targetVersion === undefined ? undefined : await store.getVersion(decision.ruleSetId, request.targetVersion);
  if (request.targetVersion !== undefined && target === undefined) {
    throw notFound(`rule set ${decision.ruleSetId} has no version ${request.targetVersion} to replay against`);
  }
  const snapshot = openSnapshot(decision, request.snapshotKey, request.now);
  const inForce = await store.getVersion(decision.ruleSetId, decision.ruleSetVersion);
  if (inForce === undefined || inForce.hash !== decision.ruleSetHash) {
    throw cannotReplay(
      'version-missing',
      inForce === undefined
        ? `decision ${decision.seq} was made with ${decision.ruleSetId} ${decision.ruleSetVersion}, which is not in the registry`
        : `decision ${decision.seq} was made with ${decision.ruleSetId} ${decision.ruleSetVersion} hash ${decision.ruleSetHash}, ` +
            `but the registry holds that version with hash ${inForce.hash}`,
    );
  }

  const reproducedCards = decisionCards((await evaluate(inForce, decision, snapshot)).cards);
  const reproduction: ReplayRun = {
    ...runIdentity(inForce),
    cards: reproducedCards,
    differences: compareCards(decision.cards, reproducedCards, (c) => c.uuid),
  };
  const inputFingerprintMatches = canonicalHash({ context: snapshot.context, record: snapshot.record }) === decision.inputFingerprint;
  const outcome = reproduction.differences.length === 0 ? 'reproduced' : 'differs';

  const summary = [
    outcome === 'reproduced'
      ? `reproduced: ${decision.ruleSetId} ${inForce.version} gives the same ${plural(decision.cards.length, 'card')} (uuid, rule, indicator, summary) as recorded`
      : `differs: ${decision.ruleSetId} ${inForce.version} gives ${reproduction.differences.length} card difference(s) from the record`,
  ];
  if (!inputFingerprintMatches) summary.push('warning: the snapshot does not match the recorded input fingerprint');

  const report: ReplayReport = {
    seq: decision.seq,
    recorded: {
      ruleSetId: decision.ruleSetId,
      version: decision.ruleSetVersion,
      hash: decision.ruleSetHash,
      evaluationNow: decision.evaluationNow,
      hookInstance: decision.hookInstance,
      cards: decision.cards,
    },
    outcome,
    inputFingerprintMatches,
    reproduction,
    summary,
  };
  if (target !== undefined) {
    const shadowCards = decisionCards((await evaluate(target, decision, snapshot)).cards);
    const differences = compareCards(decision.cards, shadowCards, (c) => c.ruleId, ['indicator', 'summary']);
    report.shadow = { ...runIdentity(target), cards: shadowCards, differences, wouldChange: differences.length > 0 };
    summary.push(
      differences.length === 0
        ? `shadow: ${target.version} would show the same cards (by rule, indicator and summary)`
        : `shadow: ${target.version} would change ${plural(differences.length, 'card')}: ` +
            differences.map((d) => `${d.ruleId} ${d.kind}${d.kind === 'changed' ? ` (${d.fields.join(', ')})` : ''}`).join('; '),
    );
  }
  return report;
}

function openSnapshot(decision: DecisionRecord, key: Buffer | undefined, now: Date): SnapshotContent & { record: PatientRecord } {
  if (key === undefined) {
    throw cannotReplay(
      'no-snapshot-key',
      'replay needs SNAPSHOT_KEY (the key the service encrypts decision snapshots with); none is configured here',
    );
  }
  if (decision.snapshot === undefined) {
    const expired = decision.snapshotExpiresAt !== undefined && Date.parse(decision.snapshotExpiresAt) <= now.getTime();
    throw expired
      ? cannotReplay('snapshot-expired', `the input snapshot of decision ${decision.seq} expired at ${decision.snapshotExpiresAt} and was purged`)
      : cannotReplay(
          'snapshot-not-recorded',
          `decision ${decision.seq} has no input snapshot: the service had no SNAPSHOT_KEY when it made this decision`,
        );
  }
  if (decision.snapshotExpiresAt !== undefined && Date.parse(decision.snapshotExpiresAt) <= now.getTime()) {
    throw cannotReplay('snapshot-expired', `the input snapshot of decision ${decision.seq} expired at ${decision.snapshotExpiresAt}`);
  }
  let snapshot: SnapshotContent;
  try {
    snapshot = decryptSnapshot(key, decision.snapshot);
  } catch {
    throw cannotReplay(
      'snapshot-unreadable',
      `the input snapshot of decision ${decision.seq} cannot be decrypted with this SNAPSHOT_KEY (a different key, or altered bytes)`,
    );
  }
  if (snapshot.record === null || snapshot.record === undefined) {
    throw cannotReplay('not-evaluated', `decision ${decision.seq} (status ${decision.status}) evaluated no patient record: there is nothing to replay`);
  }
  return snapshot as SnapshotContent & { record: PatientRecord };
}

/** Compiled versions by content hash (compiled rule sets are immutable, so sharing them is safe). */
const COMPILED_CACHE = new Map<string, CompiledRuleSet>();
const COMPILED_CACHE_SIZE = 8;

function compiledVersion(version: RuleSetVersionRecord): CompiledRuleSet {
  let compiled = COMPILED_CACHE.get(version.hash);
  if (compiled === undefined) {
    compiled = compileRuleSet(version.content, { file: `registry:${version.ruleSetId}@${version.version}` });
    if (COMPILED_CACHE.size >= COMPILED_CACHE_SIZE) COMPILED_CACHE.delete(COMPILED_CACHE.keys().next().value as string);
    COMPILED_CACHE.set(version.hash, compiled);
  }
  return compiled;
}

async function evaluate(
  version: RuleSetVersionRecord,
  decision: DecisionRecord,
  snapshot: SnapshotContent & { record: PatientRecord },
): Promise<EvaluationResult> {
  const compiled = compiledVersion(version);
  return compiled.evaluate({
    hook: snapshot.hook as HookName,
    context: snapshot.context,
    record: snapshot.record,
    now: new Date(decision.evaluationNow),
    idSeed: recordedIdSeed(decision),
  });
}

/**
 * Card differences, matching cards by `keyOf` (uuid for a reproduction, rule id across versions) and
 * comparing `fields`.
 */
export function compareCards(
  recorded: readonly DecisionCard[],
  replayed: readonly DecisionCard[],
  keyOf: (card: DecisionCard) => string,
  fields: ReadonlyArray<keyof DecisionCard> = ['uuid', 'ruleId', 'indicator', 'summary'],
): CardDifference[] {
  const replayedByKey = new Map(replayed.map((c) => [keyOf(c), c]));
  const recordedKeys = new Set(recorded.map(keyOf));
  const differences: CardDifference[] = [];
  for (const card of recorded) {
    const other = replayedByKey.get(keyOf(card));
    if (other === undefined) {
      differences.push({ ruleId: card.ruleId, kind: 'missing', recorded: card, fields: [] });
      continue;
    }
    const differing = fields.filter((f) => card[f] !== other[f]);
    if (differing.length > 0) differences.push({ ruleId: card.ruleId, kind: 'changed', recorded: card, replayed: other, fields: differing });
  }
  for (const card of replayed) {
    if (!recordedKeys.has(keyOf(card))) differences.push({ ruleId: card.ruleId, kind: 'added', replayed: card, fields: [] });
  }
  return differences;
}

function runIdentity(version: RuleSetVersionRecord): Pick<ReplayRun, 'ruleSetId' | 'version' | 'hash'> {
  return { ruleSetId: version.ruleSetId, version: version.version, hash: version.hash };
}

function cannotReplay(reason: ReplayNotPossibleReason, message: string): AdminError {
  return new AdminError(409, `cannot replay: ${message}`, { reason });
}

function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}
