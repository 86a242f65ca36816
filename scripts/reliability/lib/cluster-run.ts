/**
 * Three replicas of the service (server/main.ts, real processes) on one PostgreSQL database (a fresh
 * schema), behind a real HAProxy (lib/haproxy.ts) with health checks on /readyz, as docs/deployment.md
 * describes it, on loopback ports only. Client JWTs are required (CDS_CLIENTS), every call has a fresh
 * one. Under order-sign load through the balancer:
 *
 *  1. a token already accepted by one replica is replayed to another replica directly and through the
 *     balancer: it must be refused (401) everywhere;
 *  2. after `drainAfter` acknowledged decisions replica r1 gets SIGTERM (SHUTDOWN_DRAIN_MS): /readyz
 *     turns 503, HAProxy takes it out of rotation while it still answers, it exits 0, no call fails;
 *  3. once r1 has exited and `killAfter` decisions are acknowledged, replica r2 gets SIGKILL: the calls
 *     in flight on it fail (HAProxy answers 502), every other call succeeds (connections HAProxy cannot
 *     make to r2 are made to r3), until HAProxy's checks take r2 out of rotation;
 *  4. `tail` more acknowledged decisions, all on r3.
 *
 * Afterwards every acknowledged decision is looked up in the store and the chain is verified. Every
 * failed call is attributed (the `X-Served-By` header HAProxy adds, and the instants it was sent and
 * answered): a failure that was not in flight on the killed replica when it was killed is a defect.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '../../../store/open-store.js';
import { DRAINING_MESSAGE, SHUTTING_DOWN_MESSAGE } from '../../../server/shutdown.js';
import { createClientSigner, type ClientSigner } from './client-jwt.js';
import { orderSignLoad } from './crash-run.js';
import { findHaproxy, requestLog, SERVED_BY_HEADER, startHaproxy, stateLine, type Haproxy } from './haproxy.js';
import { auditLedger, DecisionLedger, type LedgerAudit } from './ledger.js';
import { createScratchSchema } from './scratch-schema.js';
import { runLoad, type CallRecord, type LoadRequest, type LoadResult } from './load.js';
import { freePorts, startServerProcess, type ServerProcess } from './server-process.js';

export const CLUSTER_CLIENT_ISS = 'https://ehr.cluster-run.example';
const REPLICA_NAMES = ['r1', 'r2', 'r3'] as const;

export interface ClusterRunOptions {
  /** Concurrent connections through the balancer. */
  connections: number;
  /** Acknowledged decisions after which r1 is drained (SIGTERM). */
  drainAfter: number;
  /** Acknowledged decisions (in all) after which r2 is killed (SIGKILL), once r1 has exited. */
  killAfter: number;
  /** Acknowledged decisions after the kill, then the load stops. */
  tail: number;
  /** SHUTDOWN_DRAIN_MS of the replicas: longer than HAProxy needs to see /readyz fail. */
  drainMs: number;
  /** HAProxy health-check interval (ms); fall 2, rise 2. */
  checkIntervalMs: number;
  /** Bound on the whole load, whatever happens (default 10 minutes). */
  maxDurationMs?: number;
  /** Where to keep HAProxy's log of the run (request lines, health-check changes); default: not kept. */
  haproxyLogFile?: string;
  log?: (message: string) => void;
}

export interface ReplayCheck {
  /** The first use of the token, directly at r1. */
  firstUse: number;
  /** The same token at r2 and r3 directly, and through the balancer: each must be 401. */
  replayedAt: Record<string, number>;
  refusedEverywhere: boolean;
}

export interface FailedCall {
  hookInstance: string;
  status: number | 'error';
  /** The replica HAProxy sent it to (its request log line), or `X-Served-By` of the answer. */
  servedBy: string;
  /** HAProxy's termination state for the request (`SD--`: the replica closed the connection mid-request). */
  termination: string;
  sentAtMs: number;
  endedAtMs: number;
  /** Sent to the killed replica before its exit was seen, and ended after SIGKILL: in flight on it when it died. */
  inFlightOnKilled: boolean;
}

export interface ClusterRunResult {
  schema: string;
  load: LoadResult;
  /** Acknowledged (200) calls per replica that answered them. */
  servedBy: Record<string, number>;
  replay: ReplayCheck;
  drain: {
    /** ms from SIGTERM to HAProxy taking r1 out of rotation, and to r1's listener closing. */
    outOfRotationAfterMs: number;
    listenerClosedAfterMs: number;
    /** Calls r1 answered (200) after SIGTERM, while draining. */
    answeredWhileDraining: number;
    exitCode: number | null;
  };
  kill: {
    /** Date.now() at SIGKILL, and when its exit was seen (the process dies some ms after the signal). */
    atMs: number;
    exitSeenAtMs: number;
    /** ms from SIGKILL to HAProxy taking r2 out of rotation. */
    outOfRotationAfterMs: number;
    /** Calls sent before the kill and answered after it (the ones that could be in flight on r2). */
    spanningTheKill: number;
  };
  failed: FailedCall[];
  /** Failures not explained by the kill: must be 0. */
  unexplainedFailures: number;
  audit: LedgerAudit;
  /** Exit code of r3 (stopped with SIGTERM at the end). */
  lastExitCode: number | null;
}

/** What is needed to run the cluster, or why it cannot run here. */
export function clusterPrerequisites(): { haproxy: string } | { missing: string } {
  const haproxy = findHaproxy();
  if (haproxy === undefined) return { missing: 'haproxy is not installed (Debian: apt-get install -y haproxy; or set HAPROXY_PATH)' };
  return { haproxy };
}

function token(client: ClientSigner, baseUrl: string, serviceId: string): Promise<string> {
  return client.token(`${baseUrl}/cds-services/${serviceId}`);
}

async function post(baseUrl: string, request: LoadRequest, bearer: string): Promise<number> {
  const response = await fetch(`${baseUrl}/cds-services/${request.serviceId}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${bearer}` },
    body: JSON.stringify({ ...request.body, hookInstance: randomUUID() }),
  });
  await response.arrayBuffer();
  return response.status;
}

export async function runCluster(options: ClusterRunOptions): Promise<ClusterRunResult> {
  const log = options.log ?? (() => undefined);
  const prerequisites = clusterPrerequisites();
  if ('missing' in prerequisites) throw new Error(prerequisites.missing);

  const scratch = await createScratchSchema('reliability_cluster');
  const { schema, databaseUrl } = scratch;
  const workDir = mkdtempSync(join(tmpdir(), 'cds-cluster-'));
  const replicas = new Map<string, ServerProcess>();
  let haproxy: Haproxy | undefined;
  const store = await openStore({ databaseUrl, dataDir: workDir });
  try {
    const key = await createClientSigner(CLUSTER_CLIENT_ISS);
    const clientsFile = join(workDir, 'cds-clients.json');
    writeFileSync(clientsFile, JSON.stringify([{ iss: CLUSTER_CLIENT_ISS, jwks: key.publicJwks, fhirServers: [] }], null, 2));
    // Four distinct ports (the balancer's and the replicas'), asked of the kernel at once.
    const [balancerPort, ...replicaPorts] = await freePorts(1 + REPLICA_NAMES.length);
    const balancerUrl = `http://127.0.0.1:${balancerPort}`;
    const env = {
      DATABASE_URL: databaseUrl,
      CDS_CLIENTS: clientsFile,
      // JWT audiences name the balancer: the URL the EHR calls, whichever replica answers.
      PUBLIC_BASE_URL: balancerUrl,
      SHUTDOWN_DRAIN_MS: String(options.drainMs),
    };
    const started = await Promise.all(
      REPLICA_NAMES.map(async (name, i) => {
        const dataDir = join(workDir, name);
        const port = replicaPorts[i];
        // Every line kept: each request line (reqId = the call's X-Request-Id) attributes a call to its replica.
        return [name, await startServerProcess({ dataDir, env, port, keepLines: Number.MAX_SAFE_INTEGER })] as const;
      }),
    );
    for (const [name, server] of started) replicas.set(name, server);
    const replica = (name: (typeof REPLICA_NAMES)[number]): ServerProcess => replicas.get(name)!;

    haproxy = await startHaproxy(prerequisites.haproxy, {
      dir: workDir,
      port: balancerPort,
      backends: started.map(([name, server]) => ({ name, port: server.port })),
      checkIntervalMs: options.checkIntervalMs,
      fall: 2,
      rise: 2,
    });
    const lb = haproxy;
    log(`3 replicas on PostgreSQL schema ${schema}, HAProxy on ${balancerUrl} (health checks on /readyz every ${options.checkIntervalMs} ms)`);

    const requests = orderSignLoad();
    const ledger = new DecisionLedger();

    // 1. A token accepted by one replica, replayed to the others.
    const replayed = requests[0];
    const once = await token(key, balancerUrl, replayed.serviceId);
    const firstUse = await post(replica('r1').baseUrl, replayed, once);
    const replayedAt: Record<string, number> = {
      'r2 directly': await post(replica('r2').baseUrl, replayed, once),
      'r3 directly': await post(replica('r3').baseUrl, replayed, once),
      'through the balancer': await post(balancerUrl, replayed, once).catch((error: Error) => {
        throw new Error(`the balancer did not answer (${error.message}); HAProxy's last lines:\n${lb.lines.slice(-15).join('\n')}`);
      }),
    };
    const replay: ReplayCheck = { firstUse, replayedAt, refusedEverywhere: Object.values(replayedAt).every((status) => status === 401) };
    log(`replay: first use ${firstUse}; replayed ${JSON.stringify(replayedAt)}`);

    // 2-4. Load through the balancer; the drain and the kill are triggered by progress, not timers.
    const calls: CallRecord[] = [];
    let drainAt: number | undefined;
    let drainDone: Promise<void> | undefined;
    let killAt: number | undefined;
    let killDone: Promise<void> | undefined;
    let r1Exited = false;
    let stopAt = Number.POSITIVE_INFINITY;
    const drain = { outOfRotationAfterMs: Number.NaN, listenerClosedAfterMs: Number.NaN, answeredWhileDraining: 0, exitCode: null as number | null };
    const kill = { atMs: Number.NaN, exitSeenAtMs: Number.NaN, outOfRotationAfterMs: Number.NaN, spanningTheKill: 0 };
    const onAnswer = (): void => {
      const acked = ledger.acknowledged.length;
      if (drainAt === undefined && acked >= options.drainAfter) {
        drainAt = Date.now();
        const r1 = replica('r1');
        r1.signal('SIGTERM');
        log(`SIGTERM to r1 after ${acked} acknowledged decisions`);
        drainDone = (async () => {
          await r1.waitForLog((line) => line.msg === DRAINING_MESSAGE);
          await lb.waitForLine(stateLine('r1', 'DOWN'));
          drain.outOfRotationAfterMs = Date.now() - drainAt!;
          const closed = await r1.waitForLog((line) => line.msg === SHUTTING_DOWN_MESSAGE, 120_000);
          drain.listenerClosedAfterMs = Date.parse(String(closed.time)) - drainAt!;
          drain.exitCode = (await r1.exited).code;
          r1Exited = true;
          log(`r1 out of rotation after ${drain.outOfRotationAfterMs} ms, listener closed after ${drain.listenerClosedAfterMs} ms, exit code ${drain.exitCode}`);
        })();
      }
      if (killAt === undefined && r1Exited && acked >= options.killAfter) {
        killAt = Date.now();
        kill.atMs = killAt;
        const r2 = replica('r2');
        void r2.exited.then(() => (kill.exitSeenAtMs = Date.now()));
        r2.signal('SIGKILL');
        log(`SIGKILL to r2 after ${acked} acknowledged decisions`);
        killDone = (async () => {
          await lb.waitForLine(stateLine('r2', 'DOWN'));
          kill.outOfRotationAfterMs = Date.now() - killAt!;
          stopAt = ledger.acknowledged.length + options.tail;
          log(`r2 out of rotation after ${kill.outOfRotationAfterMs} ms`);
        })();
      }
    };
    const load = await runLoad({
      baseUrl: balancerUrl,
      connections: options.connections,
      requests,
      ledger,
      // X-Request-Id: the hookInstance, so HAProxy's request log line of each call can be found.
      headers: async (serviceId, hookInstance) => ({ Authorization: `Bearer ${await token(key, balancerUrl, serviceId)}`, 'X-Request-Id': hookInstance }),
      onCall: (call) => calls.push(call),
      onAnswer,
      shouldStop: () => ledger.acknowledged.length >= stopAt,
      durationMs: options.maxDurationMs ?? 600_000,
    });
    await drainDone;
    await killDone;
    if (killAt === undefined) throw new Error('the load ended before the kill (raise --max-duration or lower the counts)');

    await replica('r2').exited;
    if (options.haproxyLogFile) writeFileSync(options.haproxyLogFile, `${lb.lines.join('\n')}\n`);
    const balancerLog = new Map(requestLog(lb.lines).map((line) => [line.requestId, line]));
    // HAProxy logs no line for a request cut off by a replica's death (seen in every run), and the dead
    // replica logs nothing for its calls in flight: such a call is attributed to the killed replica when
    // neither HAProxy nor a replica that lived logged it, and it was sent before the death was seen.
    const answeredBy = new Map<string, string>();
    for (const [name, server] of replicas) {
      for (const line of server.lines) if (line.msg === 'request' && typeof line.reqId === 'string') answeredBy.set(line.reqId, name);
    }
    const servedBy: Record<string, number> = {};
    const failed: FailedCall[] = [];
    for (const call of calls) {
      const logged = balancerLog.get(call.hookInstance);
      const by = logged?.server ?? call.headers?.get(SERVED_BY_HEADER) ?? answeredBy.get(call.hookInstance) ?? 'r2 (no log line anywhere)';
      if (call.status === 200) {
        servedBy[by] = (servedBy[by] ?? 0) + 1;
        if (by === 'r1' && call.sentAtMs >= drainAt!) drain.answeredWhileDraining += 1;
      } else {
        const inFlightOnKilled = by.startsWith('r2') && call.sentAtMs <= kill.exitSeenAtMs && call.endedAtMs >= killAt;
        failed.push({ hookInstance: call.hookInstance, status: call.status, servedBy: by, termination: logged?.termination ?? '(not logged)', sentAtMs: call.sentAtMs, endedAtMs: call.endedAtMs, inFlightOnKilled });
      }
      if (call.sentAtMs <= killAt && call.endedAtMs >= killAt) kill.spanningTheKill += 1;
    }

    const r3 = replica('r3');
    const lastExitCode = (await r3.stop()).code;
    await lb.stop();
    const audit = await auditLedger(store, ledger, { cardLookups: 2000 });
    return {
      schema,
      load,
      servedBy,
      replay,
      drain,
      kill,
      failed,
      unexplainedFailures: failed.filter((f) => !f.inFlightOnKilled).length,
      audit,
      lastExitCode,
    };
  } finally {
    await haproxy?.stop();
    await Promise.all([...replicas.values()].map((s) => s.stop()));
    await store.close();
    await scratch.drop();
    rmSync(workDir, { recursive: true, force: true });
  }
}
