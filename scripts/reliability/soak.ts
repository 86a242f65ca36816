/**
 * npm run reliability:soak [-- --connections 50 --seconds 60 --warmup 10]
 *
 * The real server (server/main.ts, embedded SQLite in a temp dir) under closed-loop order-sign load
 * (this process; the server is its own process): --connections keep-alive connections for --seconds.
 * Samples the server's resident memory (VmRSS from /proc/<pid>/status) every second. Prints
 * requests/s, p50/p90/p99/max latency, statuses and errors, and memory: the mean RSS of the first 10 s
 * after --warmup against the mean of the last 10 s. Passes with zero errors, every answer 200, RSS
 * growth under 10 %, and every acknowledged decision on record.
 */
import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { openStore } from '../../store/open-store.js';
import { orderSignLoad } from './lib/crash-run.js';
import { auditLedger, DecisionLedger } from './lib/ledger.js';
import { percentile, runLoad } from './lib/load.js';
import { startServerProcess } from './lib/server-process.js';

const { values } = parseArgs({
  options: {
    connections: { type: 'string', default: '50' },
    seconds: { type: 'string', default: '60' },
    warmup: { type: 'string', default: '10' },
    window: { type: 'string', default: '10' },
  },
});
const connections = Number(values.connections);
const seconds = Number(values.seconds);
const warmup = Number(values.warmup);
const window = Number(values.window);
if (seconds < warmup + 2 * window) throw new Error(`--seconds must be at least --warmup + 2 x --window (${warmup + 2 * window})`);

function rssMb(pid: number): number | undefined {
  try {
    const kb = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb === undefined ? undefined : Number(kb) / 1024;
  } catch {
    return undefined;
  }
}

const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

const dataDir = mkdtempSync(join(tmpdir(), 'cds-soak-'));
// LOG_LEVEL=info as in production: one request line per call, drained by this process.
const server = await startServerProcess({ dataDir });
try {
  const samples: Array<{ t: number; rss: number }> = [];
  const started = Date.now();
  const sampler = setInterval(() => {
    const rss = rssMb(server.pid);
    if (rss !== undefined) samples.push({ t: (Date.now() - started) / 1000, rss });
  }, 1000);
  const ledger = new DecisionLedger();
  process.stdout.write(`soak: ${connections} connections for ${seconds} s against ${server.baseUrl} (server pid ${server.pid})\n`);
  const load = await runLoad({ baseUrl: server.baseUrl, connections, requests: orderSignLoad(), ledger, durationMs: seconds * 1000 });
  clearInterval(sampler);
  const stopped = await server.stop();

  const first = samples.filter((s) => s.t >= warmup && s.t < warmup + window).map((s) => s.rss);
  const last = samples.filter((s) => s.t >= seconds - window).map((s) => s.rss);
  const growth = first.length && last.length ? (mean(last) / mean(first) - 1) * 100 : Number.NaN;
  const store = await openStore({ dataDir });
  const audit = await auditLedger(store, ledger, { cardLookups: 5000 }).finally(() => store.close());
  const l = load.latenciesMs;
  const lines = [
    `calls: ${load.calls} in ${(load.elapsedMs / 1000).toFixed(1)} s = ${(load.calls / (load.elapsedMs / 1000)).toFixed(1)} req/s`,
    `statuses: ${JSON.stringify(load.statuses)}; connection errors: ${load.errors}${load.errorSamples.length ? ` (${load.errorSamples.join('; ')})` : ''}`,
    `latency ms: p50 ${percentile(l, 50).toFixed(1)}, p90 ${percentile(l, 90).toFixed(1)}, p99 ${percentile(l, 99).toFixed(1)}, max ${Math.max(...l).toFixed(1)}`,
    `server RSS MB: first ${window} s after ${warmup} s warm-up ${mean(first).toFixed(1)}, last ${window} s ${mean(last).toFixed(1)}, growth ${growth.toFixed(1)} % (must be < 10 %); peak ${Math.max(...samples.map((s) => s.rss)).toFixed(1)}; ${samples.length} samples`,
    `acknowledged: ${audit.acknowledged}, found: ${audit.found}, lost: ${audit.lost.length}; chain ${audit.chain.ok ? 'verifies' : 'BROKEN'}`,
    `graceful stop: exit code ${stopped.code}`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  const ok =
    load.errors === 0 &&
    Object.keys(load.statuses).every((s) => s === '200') &&
    growth < 10 &&
    audit.lost.length === 0 &&
    audit.chain.ok &&
    stopped.code === 0;
  process.stdout.write(ok ? 'RESULT: PASS\n' : 'RESULT: FAIL\n');
  process.exitCode = ok ? 0 : 1;
} finally {
  await server.stop();
  rmSync(dataDir, { recursive: true, force: true });
}
