/**
 * `npx tsx bench/admin-contention.ts [--calls N]`: does heavy admin work stall clinical calls? Starts the
 * real service (server/main.ts as a child process, embedded SQLite store, ADMIN_OPEN_LOCAL=1, open mode
 * on 127.0.0.1), then measures order-sign latency (one call at a time, the bundled rule set, a fixture
 * patient with prefetch) twice: alone, and while three diffs with fixture impact
 * (GET /admin/api/rule-sets/ketamine-esketamine/diff?from=1.1.0&to=<working version>&impact=true) run
 * back to back from three clients. The impact runs on the admin worker thread
 * (server/admin/admin-work-pool.ts). Prints p50, p95 and the max of each run and their ratios; the
 * issue's target is "within 3x its latency alone" (before: one call took 1.8 s). Figures, not a test:
 * they depend on the machine and its load, which the output states (cores, load average).
 */
import { cpus, loadavg, tmpdir } from 'node:os';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { asNewCall, fixtureRequests } from '../scripts/reliability/lib/ketamine-requests.js';
import { freePort, startServerProcess } from '../scripts/reliability/lib/server-process.js';

const callsArg = process.argv.indexOf('--calls');
const CALLS = callsArg === -1 ? 60 : Number(process.argv[callsArg + 1]);
const CONCURRENT_DIFFS = 3;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

function summary(latencies: number[]): { p50: number; p95: number; max: number } {
  const sorted = [...latencies].sort((a, b) => a - b);
  return { p50: percentile(sorted, 50), p95: percentile(sorted, 95), max: sorted[sorted.length - 1] };
}

const ms = (n: number) => `${n.toFixed(1)} ms`;

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'cds-admin-contention-'));
  const port = await freePort();
  const server = await startServerProcess({
    dataDir,
    port,
    env: { ADMIN_OPEN_LOCAL: '1', RATE_LIMIT_PER_MINUTE: '0', MAX_IN_FLIGHT: '0' },
  });
  try {
    const base = server.baseUrl;
    const versions = (await (await fetch(`${base}/admin/api/rule-sets/ketamine-esketamine/versions`)).json()) as { versions: Array<{ version: string; state: string }> };
    const active = versions.versions.find((v) => v.state === 'active')!.version;
    const from = versions.versions.find((v) => v.version !== active)!.version;
    const diffUrl = `${base}/admin/api/rule-sets/ketamine-esketamine/diff?from=${from}&to=${active}&impact=true`;
    const call = fixtureRequests('order-sign')[0];
    const orderSign = async (): Promise<number> => {
      const started = performance.now();
      const res = await fetch(`${base}/cds-services/${call.service.id}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(asNewCall(call.body)),
      });
      await res.text();
      if (res.status !== 200) throw new Error(`order-sign answered ${res.status}`);
      return performance.now() - started;
    };
    const measure = async (): Promise<number[]> => {
      const latencies: number[] = [];
      for (let i = 0; i < CALLS; i++) latencies.push(await orderSign());
      return latencies;
    };

    for (let i = 0; i < 20; i++) await orderSign(); // warm-up
    const alone = summary(await measure());

    let stop = false;
    const diffTimes: number[] = [];
    const diffLoops = Array.from({ length: CONCURRENT_DIFFS }, async () => {
      while (!stop) {
        const started = performance.now();
        const res = await fetch(diffUrl);
        await res.text();
        if (res.status !== 200) throw new Error(`diff answered ${res.status}`);
        diffTimes.push(performance.now() - started);
      }
    });
    const withDiffs = summary(await measure());
    stop = true;
    await Promise.all(diffLoops);

    console.log(`admin contention: order-sign latency, ${CALLS} calls one at a time (${cpus().length} cores, load average ${loadavg().map((l) => l.toFixed(2)).join(' ')})`);
    console.log(`  alone:                                  p50 ${ms(alone.p50)}, p95 ${ms(alone.p95)}, max ${ms(alone.max)}`);
    console.log(`  with ${CONCURRENT_DIFFS} impact diffs (${from} -> ${active}) running: p50 ${ms(withDiffs.p50)}, p95 ${ms(withDiffs.p95)}, max ${ms(withDiffs.max)}`);
    console.log(`  ratio: p50 ${(withDiffs.p50 / alone.p50).toFixed(2)}x, p95 ${(withDiffs.p95 / alone.p95).toFixed(2)}x (target: within 3x)`);
    const diffs = summary(diffTimes);
    console.log(`  impact diffs completed meanwhile: ${diffTimes.length} (each ${ms(diffs.p50)} p50, queued on one worker thread)`);
  } finally {
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
