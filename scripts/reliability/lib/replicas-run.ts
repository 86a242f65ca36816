/**
 * Two server processes (server/main.ts) on one PostgreSQL database (a fresh schema), under order-sign
 * load spread over both, while rule-set versions are switched through the registry the way people do
 * it (publish by an author, submit, approve by a second user, activate; then roll back by re-activating
 * the previous version). Afterwards every decision is checked against the registry, strictly:
 * decision.ruleSetVersion must equal store.activeVersionAt(ruleSetId, appendedAt), the instant the
 * store appended it (store/version-check.ts); anything else is "wrong" and must be 0. For information
 * it also counts the decisions whose version is activeVersionAt(at), the instant the call was
 * answered, and how many calls a replica evaluated again because the store refused a superseded
 * version (the replica had not yet heard of the switch). Every acknowledged decision is on record and
 * the chain verifies.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseJsonText } from '../../../lib/json-text.js';
import type { RuleSet } from '../../../engine/rule-set-types.js';
import { RE_EVALUATION_MESSAGE } from '../../../server/service-call/call-service.js';
import { openStore } from '../../../store/open-store.js';
import { ruleSetContentHash } from '../../../store/rule-set-hash.js';
import type { LifecycleEvent, Store } from '../../../store/store.js';
import { KETAMINE_RULE_SET_FILE } from './ketamine-requests.js';
import { orderSignLoad } from './crash-run.js';
import { allDecisions, auditLedger, DecisionLedger, type LedgerAudit } from './ledger.js';
import { runLoad, type LoadResult } from './load.js';
import { createScratchSchema } from './scratch-schema.js';
import { startServerProcess, type ServerProcess } from './server-process.js';

export const AUTHOR = 'rel-author';
export const REVIEWER = 'rel-reviewer';


export interface ReplicasRunOptions {
  /** Connections per replica. */
  connectionsPerReplica: number;
  /** REGISTRY_POLL_MS of the replicas. */
  registryPollMs: number;
  /** Acknowledged decisions (both replicas) after which the new version is activated. */
  activateAfter: number;
  /** Acknowledged decisions after which the previous version is re-activated (roll back). */
  rollbackAfter: number;
  /** Acknowledged decisions made after the roll back, then the load stops. */
  tail: number;
  /** Bound on the whole load, whatever happens (default 10 minutes). */
  maxDurationMs?: number;
  log?: (message: string) => void;
}

export interface VersionCheck {
  decisions: number;
  /** ruleSetVersion equals activeVersionAt(appendedAt): must be every decision. */
  tiedToActive: number;
  /** Anything else (or no appendedAt): must be 0. */
  wrong: number;
  /** For information: ruleSetVersion also equals activeVersionAt(at), the instant the call was answered. */
  tiedAtCallInstant: number;
  byVersion: Record<string, number>;
}

export interface ReplicasRunResult {
  schema: string;
  load: LoadResult[];
  activations: LifecycleEvent[];
  versions: VersionCheck;
  /** Calls evaluated again after the store refused a superseded version, per replica. */
  reEvaluated: number[];
  /** Per switch and replica: ms from the activation instant to the replica's "registry loaded" log line. */
  reloadLagsMs: number[];
  audit: LedgerAudit;
  exitCodes: Array<number | null>;
}

export function newVersionOf(base: RuleSet, version: string): RuleSet {
  const { $schema: _schema, ...content } = base as RuleSet & { $schema?: string };
  return { ...(content as RuleSet), version, description: `${base.description} (reliability run ${version})` };
}

export async function publishAndActivate(store: Store, ruleSet: RuleSet): Promise<LifecycleEvent> {
  await store.publish(ruleSet, ruleSetContentHash(ruleSet), AUTHOR);
  await store.transition(ruleSet.id, ruleSet.version, 'in-review', AUTHOR, 'ready for review (reliability run)');
  await store.transition(ruleSet.id, ruleSet.version, 'approved', REVIEWER, 'diff and fixtures reviewed (reliability run)');
  return store.transition(ruleSet.id, ruleSet.version, 'active', REVIEWER, 'go live under load (reliability run)');
}

export async function checkVersions(store: Store): Promise<VersionCheck> {
  const decisions = await allDecisions(store);
  const check: VersionCheck = { decisions: decisions.length, tiedToActive: 0, wrong: 0, tiedAtCallInstant: 0, byVersion: {} };
  const activeCache = new Map<string, string | undefined>();
  const activeAt = async (ruleSetId: string, at: string): Promise<string | undefined> => {
    const key = `${ruleSetId}\u0000${at}`;
    if (!activeCache.has(key)) activeCache.set(key, (await store.activeVersionAt(ruleSetId, at))?.version);
    return activeCache.get(key);
  };
  for (const d of decisions) {
    check.byVersion[d.ruleSetVersion] = (check.byVersion[d.ruleSetVersion] ?? 0) + 1;
    if (d.appendedAt !== undefined && (await activeAt(d.ruleSetId, d.appendedAt)) === d.ruleSetVersion) check.tiedToActive += 1;
    else check.wrong += 1;
    if ((await activeAt(d.ruleSetId, d.at)) === d.ruleSetVersion) check.tiedAtCallInstant += 1;
  }
  return check;
}

export async function runTwoReplicas(options: ReplicasRunOptions): Promise<ReplicasRunResult> {
  const log = options.log ?? (() => undefined);
  const scratch = await createScratchSchema('reliability_replicas');
  const { schema, databaseUrl } = scratch;
  const dirs = [0, 1].map(() => mkdtempSync(join(tmpdir(), 'cds-replica-')));
  const env = { DATABASE_URL: databaseUrl, REGISTRY_POLL_MS: String(options.registryPollMs) };
  const servers: ServerProcess[] = [];
  const store = await openStore({ databaseUrl, dataDir: dirs[0] });
  try {
    // Started one after the other would hide the start-up race: both import the bundled rule sets at once.
    servers.push(...(await Promise.all(dirs.map((dataDir) => startServerProcess({ dataDir, env })))));
    const parsed = parseJsonText(readFileSync(KETAMINE_RULE_SET_FILE, 'utf8'));
    if (!parsed.ok) throw new Error(parsed.error.message);
    const bundled = parsed.value as RuleSet;
    const initial = (await store.activeVersionAt(bundled.id, new Date().toISOString()))?.version;
    log(`replicas up on schema ${schema}; ${bundled.id}@${initial} active`);

    const ledger = new DecisionLedger();
    const requests = orderSignLoad();
    const activations: LifecycleEvent[] = [];
    const reloadLagsMs: number[] = [];
    /** How long after `event` each replica logged that it had loaded the registry revision it made. */
    const measureReload = async (event: LifecycleEvent): Promise<void> => {
      const revision = await store.registryRevision();
      for (const server of servers) {
        const line = await server.waitForLog((l) => l.msg === 'registry loaded' && Number(l.revision) >= revision, 30_000);
        reloadLagsMs.push(Date.parse(String(line.time)) - Date.parse(event.at));
      }
    };
    // The switches are triggered by progress (acknowledged decisions), not by timers.
    let activation: Promise<void> | undefined;
    let rollback: Promise<void> | undefined;
    let stopAt = Number.POSITIVE_INFINITY;
    const onAnswer = (): void => {
      const acked = ledger.acknowledged.length;
      if (activation === undefined && acked >= options.activateAfter) {
        activation = publishAndActivate(store, newVersionOf(bundled, '1.2.0-rel')).then(async (event) => {
          activations.push(event);
          log(`activated ${bundled.id}@1.2.0-rel at ${event.at} (after ${acked} acknowledged decisions)`);
          await measureReload(event);
        });
      }
      if (activation !== undefined && rollback === undefined && acked >= options.rollbackAfter) {
        rollback = activation
          .then(() => store.transition(bundled.id, initial!, 'active', REVIEWER, 'roll back under load (reliability run)'))
          .then(async (event) => {
            activations.push(event);
            stopAt = ledger.acknowledged.length + options.tail;
            log(`re-activated ${bundled.id}@${initial} at ${event.at} (after ${ledger.acknowledged.length} acknowledged decisions)`);
            await measureReload(event);
          });
      }
    };
    const load = await Promise.all(
      servers.map((server) =>
        runLoad({
          baseUrl: server.baseUrl,
          connections: options.connectionsPerReplica,
          requests,
          ledger,
          onAnswer,
          shouldStop: () => ledger.acknowledged.length >= stopAt,
          durationMs: options.maxDurationMs ?? 600_000,
        }),
      ),
    );
    await activation;
    await rollback;
    const exitCodes = [];
    const reEvaluated = servers.map((server) => server.messageCounts.get(RE_EVALUATION_MESSAGE) ?? 0);
    for (const server of servers) exitCodes.push((await server.stop()).code);
    servers.length = 0;
    const versions = await checkVersions(store);
    const audit = await auditLedger(store, ledger, { cardLookups: 2000 });
    return { schema, load, activations, versions, reEvaluated, reloadLagsMs, audit, exitCodes };
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
    await store.close();
    await scratch.drop();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  }
}
