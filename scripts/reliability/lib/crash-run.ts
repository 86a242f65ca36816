/**
 * Crash safety, measured: the real server (server/main.ts, embedded SQLite in `dataDir`) under
 * sustained order-sign load is killed with SIGKILL (no shutdown code runs) after a number of
 * acknowledged decisions, restarted on the same files, loaded again, and stopped; then every 200 it
 * ever gave (the ledger) is looked up in the store and the chain is verified.
 */
import { openStore } from '../../../store/open-store.js';
import { fixtureRequests } from './ketamine-requests.js';
import { auditLedger, DecisionLedger, type LedgerAudit } from './ledger.js';
import { runLoad, type LoadRequest } from './load.js';
import { startServerProcess } from './server-process.js';

export interface CrashRunOptions {
  dataDir: string;
  /** Concurrent connections of the load. */
  connections: number;
  /** How many kill -9 / restart cycles. */
  kills: number;
  /** Acknowledged decisions (in this cycle) after which the server is killed. */
  acknowledgedBeforeKill: number;
  /** Calls made after the last restart (all must succeed). */
  callsAfterLastRestart: number;
  env?: Record<string, string>;
  log?: (message: string) => void;
}

export interface CrashCycle {
  acknowledged: number;
  /** Calls that got no answer because the server died under them. */
  cutOff: number;
  statuses: Record<string, number>;
  exitSignal: string | null;
}

export interface CrashRunResult {
  cycles: CrashCycle[];
  afterRestart: { calls: number; statuses: Record<string, number>; errors: number };
  /** Exit code of the final, graceful stop. */
  finalExitCode: number | null;
  audit: LedgerAudit;
}

export function orderSignLoad(): LoadRequest[] {
  return fixtureRequests('order-sign').map((r) => ({ serviceId: r.service.id, body: r.body }));
}

export async function runCrashTest(options: CrashRunOptions): Promise<CrashRunResult> {
  const log = options.log ?? (() => undefined);
  const ledger = new DecisionLedger();
  const requests = orderSignLoad();
  const cycles: CrashCycle[] = [];
  for (let cycle = 0; cycle < options.kills; cycle++) {
    const server = await startServerProcess({ dataDir: options.dataDir, env: options.env });
    const before = ledger.acknowledged.length;
    let killed = false;
    const result = await runLoad({
      baseUrl: server.baseUrl,
      connections: options.connections,
      requests,
      ledger,
      shouldStop: () => killed,
      timeoutMs: 30_000,
      onAnswer: () => {
        if (!killed && ledger.acknowledged.length - before >= options.acknowledgedBeforeKill) {
          killed = true;
          server.signal('SIGKILL'); // mid-load: the other connections have calls in flight
        }
      },
    });
    const exit = await server.exited;
    cycles.push({ acknowledged: ledger.acknowledged.length - before, cutOff: result.errors, statuses: result.statuses, exitSignal: exit.signal });
    log(`cycle ${cycle + 1}: ${ledger.acknowledged.length - before} acknowledged, ${result.errors} cut off by kill -9 (${exit.signal})`);
  }
  const server = await startServerProcess({ dataDir: options.dataDir, env: options.env });
  const after = await runLoad({ baseUrl: server.baseUrl, connections: options.connections, requests, ledger, maxCalls: options.callsAfterLastRestart });
  const stopped = await server.stop();
  log(`after restart: ${JSON.stringify(after.statuses)}, ${after.errors} errors; graceful stop exit code ${stopped.code}`);

  const store = await openStore({ dataDir: options.dataDir });
  try {
    const audit = await auditLedger(store, ledger);
    return {
      cycles,
      afterRestart: { calls: after.calls, statuses: after.statuses, errors: after.errors },
      finalExitCode: stopped.code,
      audit,
    };
  } finally {
    await store.close();
  }
}
