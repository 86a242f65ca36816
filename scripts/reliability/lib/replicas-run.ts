/**
 * Two server processes (server/main.ts) on one PostgreSQL database (a fresh schema), under order-sign
 * load spread over both, while rule-set versions are switched through the registry the way people do
 * it (publish by an author, submit, approve by a second user, activate; then roll back by re-activating
 * the previous version). Afterwards every decision is checked against the registry:
 *   - tied to the version then active: decision.ruleSetVersion equals store.activeVersionAt(at);
 *   - otherwise classified: served by a replica that had not yet picked up the switch (the decision
 *     came within the registry poll interval after the activation event: "switch-over"), or a
 *     version that was not active at all around that time ("wrong": must be 0);
 * every acknowledged decision is on record and the chain verifies.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { parseJsonText } from '../../../engine/json-text.js';
import type { RuleSet } from '../../../engine/rule-set-types.js';
import { openStore } from '../../../store/open-store.js';
import { ruleSetContentHash } from '../../../store/rule-set-hash.js';
import type { LifecycleEvent, Store } from '../../../store/store.js';
import { KETAMINE_RULE_SET_FILE } from '../../../test/reliability/support/ketamine-requests.js';
import { orderSignLoad } from './crash-run.js';
import { allDecisions, auditLedger, DecisionLedger, type LedgerAudit } from './ledger.js';
import { runLoad, type LoadResult } from './load.js';
import { startServerProcess, type ServerProcess } from './server-process.js';

export const POSTGRES_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const AUTHOR = 'rel-author';
/** Time a replica may take to reload the registry after the poll that sees a switch (compiles the new version). */
export const RELOAD_SLACK_MS = 1000;
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
  /** ruleSetVersion equals activeVersionAt(at). */
  tiedToActive: number;
  /** The version just superseded, by a call that started within REGISTRY_POLL_MS + RELOAD_SLACK_MS of the switch. */
  switchOver: number;
  /** Largest (at - activation instant) among switch-over decisions (ms). */
  maxSwitchOverLagMs: number;
  /** Anything else: must be 0. */
  wrong: number;
  byVersion: Record<string, number>;
}

export interface ReplicasRunResult {
  schema: string;
  load: LoadResult[];
  activations: LifecycleEvent[];
  versions: VersionCheck;
  audit: LedgerAudit;
  exitCodes: Array<number | null>;
}

function newVersionOf(base: RuleSet, version: string): RuleSet {
  const { $schema: _schema, ...content } = base as RuleSet & { $schema?: string };
  return { ...(content as RuleSet), version, description: `${base.description} (reliability run ${version})` };
}

async function publishAndActivate(store: Store, ruleSet: RuleSet): Promise<LifecycleEvent> {
  await store.publish(ruleSet, ruleSetContentHash(ruleSet), AUTHOR);
  await store.transition(ruleSet.id, ruleSet.version, 'in-review', AUTHOR, 'ready for review (reliability run)');
  await store.transition(ruleSet.id, ruleSet.version, 'approved', REVIEWER, 'diff and fixtures reviewed (reliability run)');
  return store.transition(ruleSet.id, ruleSet.version, 'active', REVIEWER, 'go live under load (reliability run)');
}

/** One activation: the version it superseded (retired in the same transaction) and when. */
interface Switch {
  from: string | undefined;
  to: string;
  /** The first event of the transaction (the superseded version's retirement, if any). */
  startMs: number;
}

/**
 * Activations from the event log. The store writes "previous version retired" and "new version active"
 * in one transaction but with their own timestamps (a few ms apart), so a switch starts at the first.
 */
function switchesOf(events: LifecycleEvent[]): Switch[] {
  const switches: Switch[] = [];
  events.forEach((event, i) => {
    if (event.to !== 'active') return;
    const before = events[i - 1];
    const superseded = before !== undefined && before.seq === event.seq - 1 && before.from === 'active' && before.to === 'retired' ? before : undefined;
    switches.push({ from: superseded?.version, to: event.version, startMs: Date.parse((superseded ?? event).at) });
  });
  return switches;
}

export async function checkVersions(store: Store, registryPollMs: number): Promise<VersionCheck> {
  const decisions = await allDecisions(store);
  const switches = new Map<string, Switch[]>();
  for (const id of new Set(decisions.map((d) => d.ruleSetId))) switches.set(id, switchesOf(await store.history(id)));
  const check: VersionCheck = { decisions: decisions.length, tiedToActive: 0, switchOver: 0, maxSwitchOverLagMs: 0, wrong: 0, byVersion: {} };
  const activeCache = new Map<string, string | undefined>();
  for (const d of decisions) {
    check.byVersion[d.ruleSetVersion] = (check.byVersion[d.ruleSetVersion] ?? 0) + 1;
    const key = `${d.ruleSetId}\u0000${d.at}`;
    if (!activeCache.has(key)) activeCache.set(key, (await store.activeVersionAt(d.ruleSetId, d.at))?.version);
    if (activeCache.get(key) === d.ruleSetVersion) {
      check.tiedToActive += 1;
      continue;
    }
    // Not the version active at `at`: was it the one just superseded, by a call that started before the
    // replica could know (a replica learns of a switch at its next registry poll, plus the reload)?
    const atMs = Date.parse(d.at);
    const startedMs = atMs - d.latencyMs;
    const last = [...(switches.get(d.ruleSetId) ?? [])].reverse().find((s) => s.startMs <= atMs);
    const lag = last === undefined ? Number.POSITIVE_INFINITY : atMs - last.startMs;
    if (last !== undefined && last.from === d.ruleSetVersion && startedMs <= last.startMs + registryPollMs + RELOAD_SLACK_MS) {
      check.switchOver += 1;
      check.maxSwitchOverLagMs = Math.max(check.maxSwitchOverLagMs, lag);
    } else {
      check.wrong += 1;
    }
  }
  return check;
}

export async function runTwoReplicas(options: ReplicasRunOptions): Promise<ReplicasRunResult> {
  const log = options.log ?? (() => undefined);
  const schema = `reliability_replicas_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: POSTGRES_URL, connectionTimeoutMillis: 5000 });
  await admin.connect();
  await admin.query(`CREATE SCHEMA ${schema}`);
  const url = new URL(POSTGRES_URL);
  url.searchParams.set('options', `-c search_path=${schema}`);
  const databaseUrl = url.toString();
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
    // The switches are triggered by progress (acknowledged decisions), not by timers.
    let activation: Promise<void> | undefined;
    let rollback: Promise<void> | undefined;
    let stopAt = Number.POSITIVE_INFINITY;
    const onAnswer = (): void => {
      const acked = ledger.acknowledged.length;
      if (activation === undefined && acked >= options.activateAfter) {
        activation = publishAndActivate(store, newVersionOf(bundled, '1.2.0-rel')).then((event) => {
          activations.push(event);
          log(`activated ${bundled.id}@1.2.0-rel at ${event.at} (after ${acked} acknowledged decisions)`);
        });
      }
      if (activation !== undefined && rollback === undefined && acked >= options.rollbackAfter) {
        rollback = activation
          .then(() => store.transition(bundled.id, initial!, 'active', REVIEWER, 'roll back under load (reliability run)'))
          .then((event) => {
            activations.push(event);
            stopAt = ledger.acknowledged.length + options.tail;
            log(`re-activated ${bundled.id}@${initial} at ${event.at} (after ${ledger.acknowledged.length} acknowledged decisions)`);
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
    for (const server of servers) exitCodes.push((await server.stop()).code);
    servers.length = 0;
    const versions = await checkVersions(store, options.registryPollMs);
    const audit = await auditLedger(store, ledger, { cardLookups: 2000 });
    return { schema, load, activations, versions, audit, exitCodes };
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
    await store.close();
    await admin.query(`DROP SCHEMA ${schema} CASCADE`);
    await admin.end();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  }
}
