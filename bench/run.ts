/**
 * `npm run bench`: the performance suite, measured against the ceiling of this machine.
 *
 * Everything it needs is started here on 127.0.0.1, each as its own child process (servers, the FHIR
 * server, the load generator), and stopped again at the end, on errors and on Ctrl-C. It prints ONE table
 * (also written to artifacts/bench-table.md, figures in artifacts/bench-results.json):
 *   1. Ceiling: bare express 5, same body and body-parser limit.
 *   2. order-sign with prefetch (~30 resources), full bundled rule set, decision audit on (embedded SQLite),
 *      without and with an RS384 JWT (fresh token, unique jti, per request; signed by the load generator).
 *  2o. The same order-sign without JWT in an OPEN loop: 50 connections, fixed offered arrival rates (shares of
 *      row 2's closed-loop req/s at 50 connections, or --open-rates), latency from each intended send time.
 *   3. order-sign with FHIR fallback: no prefetch, the test FHIR server with 50 ms per query.
 *   4. patient-view with prefetch.
 *   5. Engine only (bench/engine-bench.ts): evaluations per second, bundled and 1,000 / 10,000 generated rules.
 *   6. Start-up time to ready, and the server's peak RSS under load.
 *
 * Flags: --duration <s> (default 10) --warmup <s> (default 2) --quick (3 s, 1 s warm-up)
 *        --connections 10,50  --rows 1,2,2o,3,4,5,6 (2 includes 2o; 2o alone runs only the open-loop lines)
 *        --open-rates 100,200 (absolute offered rates for 2o instead of shares of row 2's capacity)
 *        --profile (CPU profiles to artifacts/profiles)
 *        --keep (keep the temporary directory with data dirs and server logs)
 */
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { buildServerBundle, mainThreadProfile, startCdsServer, type CdsServer } from './cds-server.js';
import { generateClientKeys, BENCH_ISSUER, BENCH_KID, tokenSigner } from './jwt.js';
import { runLoad, REPO_ROOT, tsNodeArgs } from './load.js';
import type { LoadConfig, LoadResult } from './load-generator.js';
import { percentile } from './load-generator.js';
import {
  buildRequests,
  ORDER_SIGN_FIXTURE,
  PATIENT_VIEW_FIXTURE,
  countResources,
  loadRuleSet,
  serviceFor,
  type BenchRequests,
} from './make-request.js';
import { sampleMemory, type MemoryReading } from './memory-sampler.js';
import { installCleanup, onExitCleanup, startChild, stopAll, waitForMessage, type Child } from './processes.js';
import { fmtInt, fmtMs, fmtPct, renderMarkdown, renderText, type TableRow } from './report.js';
import { check, OPEN_LOOP, TARGETS, type Check } from './targets.js';
import { formatSummary, summarise } from './top-functions.js';
import { renderPrefetchTemplate } from '../cds-hooks/prefetch-template.js';
import type { CdsServiceRequest } from '../cds-hooks/wire-types.js';
import { runEngineBench, type EngineBenchRow } from './engine-row.js';

// ---- Options ------------------------------------------------------------------------------------------

/** The table's row label (and --rows value) of row 2's open-loop lines. */
const OPEN_LOOP_ROW = '2o';

interface Options {
  durationSeconds: number;
  warmupSeconds: number;
  connections: number[];
  /** Numbered rows to run (their closed-loop lines, for row 2). */
  rows: Set<number>;
  /** Row 2's open-loop lines ("2o"): on with row 2, or alone with --rows 2o. */
  openLoop: boolean;
  /** --open-rates: absolute offered rates (req/s) for the open-loop lines; otherwise shares of row 2's capacity. */
  openRates?: number[];
  profile: boolean;
  keep: boolean;
  quick: boolean;
}

function usage(problem: string): never {
  console.error(`bench: ${problem}`);
  console.error(
    'usage: npm run bench -- [--duration <s>] [--warmup <s>] [--quick] [--connections 10,50] [--rows 1,2,2o,3,4,5,6] [--open-rates 100,200] [--profile] [--keep]',
  );
  process.exit(2);
}

function positiveNumber(flag: string, raw: string | undefined): number {
  const n = Number(raw);
  if (raw === undefined || !Number.isFinite(n) || n <= 0) usage(`${flag} needs a positive number, got ${JSON.stringify(raw)}`);
  return n;
}

function parseOptions(argv: string[]): Options {
  const opts: Options = {
    durationSeconds: 10,
    warmupSeconds: 2,
    connections: [10, 50],
    rows: new Set([1, 2, 3, 4, 5, 6]),
    openLoop: true,
    profile: false,
    keep: false,
    quick: false,
  };
  let duration: number | undefined;
  let warmup: number | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const [flag, inline] = arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const valueOf = (): string | undefined => inline ?? argv[++i];
    switch (flag) {
      case '--duration':
        duration = positiveNumber(flag, valueOf());
        break;
      case '--warmup': {
        const raw = valueOf();
        warmup = Number(raw);
        if (!Number.isFinite(warmup) || warmup < 0) usage(`--warmup needs a number >= 0, got ${JSON.stringify(raw)}`);
        break;
      }
      case '--quick':
        opts.quick = true;
        break;
      case '--connections': {
        const raw = valueOf() ?? '';
        opts.connections = raw.split(',').map((c) => positiveNumber(flag, c.trim()));
        if (opts.connections.some((c) => !Number.isInteger(c))) usage('--connections takes whole numbers, e.g. 10,50');
        break;
      }
      case '--rows': {
        const raw = (valueOf() ?? '').split(',').map((r) => r.trim());
        // "2o" is row 2's open-loop lines alone; row 2 includes them.
        const numbered = raw.filter((r) => r.toLowerCase() !== OPEN_LOOP_ROW);
        opts.rows = new Set(numbered.map((r) => positiveNumber(flag, r)));
        if ([...opts.rows].some((r) => !Number.isInteger(r) || r > 6)) usage(`--rows takes row numbers 1 to 6 and ${OPEN_LOOP_ROW}, e.g. 1,2`);
        opts.openLoop = opts.rows.has(2) || numbered.length < raw.length;
        break;
      }
      case '--open-rates': {
        const raw = valueOf() ?? '';
        opts.openRates = raw.split(',').map((r) => positiveNumber(flag, r.trim()));
        break;
      }
      case '--profile':
        opts.profile = true;
        break;
      case '--keep':
        opts.keep = true;
        break;
      case '--help':
      case '-h':
        usage('help');
        break;
      default:
        usage(`unknown argument ${JSON.stringify(arg)}`);
    }
  }
  if (opts.openRates && !opts.openLoop) usage(`--open-rates needs row 2 or ${OPEN_LOOP_ROW} in --rows`);
  opts.durationSeconds = duration ?? (opts.quick ? 3 : 10);
  opts.warmupSeconds = warmup ?? (opts.quick ? 1 : 2);
  return opts;
}

// ---- Shared state of one run ------------------------------------------------------------------------

interface RunContext {
  opts: Options;
  runDir: string;
  profileDir: string;
  requests: BenchRequests;
  keys: ReturnType<typeof generateClientKeys>;
  rows: TableRow[];
  /** Ceiling requests per second by connections. */
  ceilingRps: Map<number, number>;
  /** Ceiling p99 latency by connections (the floor any p99 target is up against). */
  ceilingP99: Map<number, number>;
  /** order-sign (no JWT) requests per second by connections: sizes the JWT token pool. */
  orderSignRps: Map<number, number>;
  memory: { label: string; reading: MemoryReading }[];
  results: Record<string, unknown>;
  profiles: string[];
  serverCount: number;
}

function log(message: string): void {
  process.stderr.write(`${message}\n`);
}

// ---- Helpers ------------------------------------------------------------------------------------------

/** The hookInstance value as it appears in a compact request body: the load generator replaces it per request. */
function hookInstanceOf(body: string): string {
  return (JSON.parse(body) as CdsServiceRequest).hookInstance;
}

function compact(request: CdsServiceRequest): string {
  return JSON.stringify(request);
}

/**
 * The requests are always built from the current rule set (bench/make-request.ts, deterministic); the
 * committed fixtures are the same requests for reading and reuse. When the rule set's prefetch templates
 * changed since they were written, say so (they should be regenerated and committed) and carry on.
 */
function checkFixtures(requests: BenchRequests): string[] {
  const stale: string[] = [];
  const pairs: [string, CdsServiceRequest, string][] = [
    [ORDER_SIGN_FIXTURE, requests.orderSign, requests.orderSignServiceId],
    [PATIENT_VIEW_FIXTURE, requests.patientView, requests.patientViewServiceId],
  ];
  for (const [file, request, serviceId] of pairs) {
    let stored = '';
    try {
      stored = readFileSync(file, 'utf8');
    } catch {
      // missing: reported below like a stale one
    }
    if (stored !== `${JSON.stringify({ serviceId, request }, null, 2)}\n`) stale.push(path.relative(REPO_ROOT, file));
  }
  if (stale.length > 0) {
    log(
      `NOTE: ${stale.join(', ')} ${stale.length === 1 ? 'is' : 'are'} missing or out of date with the rule set's prefetch templates; ` +
        'this run uses requests built from the current rule set. Regenerate with `npx tsx bench/make-request.ts`.',
    );
  }
  return stale;
}

interface ServerRun {
  server: CdsServer;
  label: string;
  slug: string;
  /** Measured load phases against this server (for cutting its CPU profile). */
  windows: [number, number][];
}

async function startServer(ctx: RunContext, label: string, env: Record<string, string> = {}): Promise<ServerRun> {
  ctx.serverCount += 1;
  const slug = `${ctx.serverCount}-${label.replace(/[^a-z0-9]+/gi, '-').toLowerCase()}`;
  const server = await startCdsServer({
    name: `CDS server (${label})`,
    dataDir: path.join(ctx.runDir, `data-${slug}`),
    logFile: path.join(ctx.runDir, `server-${slug}.log`),
    env,
    profileDir: ctx.opts.profile ? path.join(ctx.profileDir, slug) : undefined,
  });
  return { server, label, slug, windows: [] };
}

function serverTarget(run: ServerRun): { pid: number; windows: [number, number][] } {
  return { pid: run.server.child.pid, windows: run.windows };
}

async function stopServer(ctx: RunContext, run: ServerRun): Promise<void> {
  await run.server.stop();
  if (!ctx.opts.profile) return;
  const file = mainThreadProfile(path.join(ctx.profileDir, run.slug));
  if (file) {
    const named = path.join(ctx.profileDir, `server-${run.slug}.cpuprofile`);
    renameSync(file, named);
    writeFileSync(`${named}.windows.json`, JSON.stringify(run.windows));
    ctx.profiles.push(named);
    // The other files are tsx's module-loader thread: not the server's work.
    rmSync(path.join(ctx.profileDir, run.slug), { recursive: true, force: true });
  } else {
    log(`  (no main-thread CPU profile found for ${run.label})`);
  }
}

/** One request outside the measurement: the answer must be 200 with a cards array. */
async function probe(url: string, body: string, headers: Record<string, string> = {}): Promise<{ cards: number }> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
  const text = await response.text();
  if (response.status !== 200) {
    throw new Error(`probe ${url} answered HTTP ${response.status}: ${text.slice(0, 600)}`);
  }
  const parsed = JSON.parse(text) as { cards?: unknown[] };
  if (!Array.isArray(parsed.cards)) throw new Error(`probe ${url}: the answer has no cards array`);
  return { cards: parsed.cards.length };
}

function fmtRatio(ratio: number): string {
  return ratio >= 0.1 ? ratio.toFixed(2) : ratio.toFixed(3);
}

function httpRow(
  ctx: RunContext,
  row: string,
  what: string,
  result: LoadResult,
  checks: Check[],
  note?: string,
  /** false for lines whose req/s is not the service's capacity (the open loop's achieved rate is the offered one). */
  compareToCeiling = true,
): TableRow {
  const ceiling = compareToCeiling ? ctx.ceilingRps.get(result.connections) : undefined;
  const errorsTotal = result.errors + result.timeouts;
  const warmup =
    result.warmupMaxLatencyMs !== undefined && result.connections > 1
      ? `slowest answer in the warm-up, while the ${result.connections} connections opened: ${fmtMs(result.warmupMaxLatencyMs)} ms`
      : undefined;
  const notes = [note, result.tokensSignedDuringRun > 0 ? `${result.tokensSignedDuringRun} tokens signed during the run` : undefined, warmup]
    .filter(Boolean)
    .join('; ');
  return {
    row,
    what,
    conns: result.connections,
    result: `${fmtInt(result.rps)} req/s`,
    ratio: ceiling ? fmtRatio(result.rps / ceiling) : undefined,
    p50: fmtMs(result.latencyMs.p50),
    p99: fmtMs(result.latencyMs.p99),
    errors: errorsTotal,
    non2xx: result.non2xx,
    checks: [...checks, ...(errorsTotal + result.non2xx > 0 ? [check('errors and non-2xx = 0', false)] : [])],
    note: notes || undefined,
  };
}

async function measure(
  ctx: RunContext,
  label: string,
  base: Omit<LoadConfig, 'connections' | 'durationSeconds' | 'warmupSeconds' | 'label'>,
  connections: number,
  target?: { pid: number; windows?: [number, number][] },
): Promise<LoadResult> {
  const offered = base.openLoop?.ratePerSecond;
  const how = offered === undefined ? '' : `, open loop at ${fmtInt(offered)} req/s offered`;
  log(`  ${label}: ${connections} connections${how}, ${ctx.opts.warmupSeconds} s warm-up + ${ctx.opts.durationSeconds} s...`);
  const sampler = target === undefined ? undefined : sampleMemory(target.pid);
  const result = await runLoad({
    ...base,
    uniqueField: base.body !== undefined ? hookInstanceOf(base.body) : undefined,
    label,
    connections,
    durationSeconds: ctx.opts.durationSeconds,
    warmupSeconds: ctx.opts.warmupSeconds,
  });
  const reading = sampler?.stop();
  target?.windows?.push(result.windowUs);
  if (reading) ctx.memory.push({ label: `${label} @${connections}${offered === undefined ? '' : ` (${fmtInt(offered)} req/s offered)`}`, reading });
  const openLoopFigures = result.openLoop
    ? `, p90 ${fmtMs(result.latencyMs.p90)} ms, max ${fmtMs(result.latencyMs.max)} ms (from intended send time; from actual send: p99 ${fmtMs(result.openLoop.fromSendMs.p99)} ms), ` +
      `send lag p99 ${fmtMs(result.openLoop.sendLagMs.p99)} ms, most in flight ${result.openLoop.maxInFlight} (${result.openLoop.inFlightAtWindowStart} left from the warm-up), ${result.openLoop.connectionsOpened} connections opened`
    : '';
  log(
    `    ${fmtInt(result.rps)} req/s${result.openLoop ? ' achieved' : ''}, p50 ${fmtMs(result.latencyMs.p50)} ms, p99 ${fmtMs(result.latencyMs.p99)} ms${openLoopFigures}, ` +
      `errors ${result.errors + result.timeouts}, non-2xx ${result.non2xx}` +
      (reading ? `, server RSS max ${reading.maxRssMb.toFixed(0)} MB` : ''),
  );
  if (result.non2xx > 0) log(`    status codes: ${JSON.stringify(result.statusCounts)}`);
  if (result.firstErrors.length > 0) log(`    first errors: ${result.firstErrors.join(' | ')}`);
  (ctx.results[label] ??= {} as Record<string, unknown>) as Record<string, unknown>;
  // Closed loop: keyed by connections; open loop: by connections and offered rate.
  const key = offered === undefined ? String(connections) : `${connections} connections, ${offered} req/s offered`;
  (ctx.results[label] as Record<string, unknown>)[key] = result;
  return result;
}

// ---- Row 1: ceiling ---------------------------------------------------------------------------------

async function rowCeiling(ctx: RunContext): Promise<void> {
  log('Row 1: ceiling (bare express 5)');
  const child = startChild({
    name: 'ceiling server',
    command: process.execPath,
    args: tsNodeArgs(path.join(REPO_ROOT, 'bench/ceiling-server.ts')),
    cwd: REPO_ROOT,
    ipc: true,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, NODE_ENV: 'production' },
  });
  try {
    const { port } = await waitForMessage<{ type: 'ready'; port: number }>(child, 'ready', 30_000);
    const url = `http://127.0.0.1:${port}/cds-services/${ctx.requests.orderSignServiceId}`;
    const body = compact(ctx.requests.orderSign);
    await probe(url, body);
    for (const connections of ctx.opts.connections) {
      const result = await measure(ctx, 'ceiling', { url, method: 'POST', body }, connections, { pid: child.pid });
      ctx.ceilingRps.set(connections, result.rps);
      ctx.ceilingP99.set(connections, result.latencyMs.p99);
      ctx.rows.push(httpRow(ctx, '1', 'Ceiling: bare express 5, same body, same body-parser limit', result, []));
    }
  } finally {
    await child.stop();
  }
}

// ---- Row 2: order-sign with prefetch, without and with JWT -----------------------------------------

async function rowOrderSign(ctx: RunContext): Promise<void> {
  const serviceId = ctx.requests.orderSignServiceId;
  const body = compact(ctx.requests.orderSign);
  log(`Row 2: order-sign with prefetch (${countResources(ctx.requests.orderSign)} resources, ${(Buffer.byteLength(body) / 1024).toFixed(1)} KB)`);

  // 2a: open mode (no CDS_CLIENTS), no JWT; then, on the same server, the open-loop lines (2o).
  {
    const run = await startServer(ctx, 'order-sign no JWT');
    try {
      const url = `${run.server.baseUrl}/cds-services/${serviceId}`;
      const { cards } = await probe(url, body);
      for (const connections of ctx.opts.rows.has(2) ? ctx.opts.connections : []) {
        const result = await measure(ctx, 'order-sign', { url, method: 'POST', body }, connections, serverTarget(run));
        ctx.orderSignRps.set(connections, result.rps);
        const ceiling = ctx.ceilingRps.get(connections);
        const checks: Check[] = [];
        if (ceiling) {
          checks.push(check(`rps >= ${fmtPct(TARGETS.orderSignMinShareOfCeiling)} of ceiling`, result.rps >= TARGETS.orderSignMinShareOfCeiling * ceiling));
        }
        let note = `${cards} cards per answer`;
        if (connections === 50) {
          checks.push(check(`p99 <= ${TARGETS.orderSignMaxP99MsAt50} ms`, result.latencyMs.p99 <= TARGETS.orderSignMaxP99MsAt50));
          const ceilingP99 = ctx.ceilingP99.get(connections);
          if (ceilingP99 !== undefined) note += `; the ceiling's own p99 at ${connections} connections: ${fmtMs(ceilingP99)} ms`;
        }
        ctx.rows.push(httpRow(ctx, '2', 'order-sign + prefetch, audit on, no JWT', result, checks, note));
      }
      if (ctx.opts.openLoop) {
        for (const offered of openLoopRates(ctx)) {
          const base = { url, method: 'POST' as const, body, openLoop: { ratePerSecond: offered.ratePerSecond } };
          const result = await measure(ctx, 'order-sign open loop', base, OPEN_LOOP.connections, serverTarget(run));
          ctx.rows.push(openLoopRow(ctx, offered, result, cards));
        }
      }
    } finally {
      await stopServer(ctx, run);
    }
  }
  if (!ctx.opts.rows.has(2)) return;

  // 2b: CDS_CLIENTS with an inline JWKS; every request carries a fresh RS384 JWT.
  {
    const clientsFile = writeClientsFile(ctx, []);
    const run = await startServer(ctx, 'order-sign JWT', { CDS_CLIENTS: clientsFile });
    try {
      const url = `${run.server.baseUrl}/cds-services/${serviceId}`;
      const signer = tokenSigner(ctx.keys.privateKeyPem);
      const { cards } = await probe(url, body, { authorization: `Bearer ${signer.sign(url)}` });
      for (const connections of ctx.opts.connections) {
        const expectedRps = ctx.orderSignRps.get(connections) ?? 2000;
        const poolSize = Math.ceil(expectedRps * (ctx.opts.durationSeconds + ctx.opts.warmupSeconds) * 1.5) + 500;
        const result = await measure(
          ctx,
          'order-sign JWT',
          { url, method: 'POST', body, jwt: { privateKeyPem: ctx.keys.privateKeyPem, aud: url, iss: BENCH_ISSUER, kid: BENCH_KID, poolSize } },
          connections,
          serverTarget(run),
        );
        const ceiling = ctx.ceilingRps.get(connections);
        const checks: Check[] = [];
        if (ceiling) {
          checks.push(check(`rps >= ${fmtPct(TARGETS.orderSignJwtMinShareOfCeiling)} of ceiling`, result.rps >= TARGETS.orderSignJwtMinShareOfCeiling * ceiling));
        }
        ctx.rows.push(
          httpRow(ctx, '2', 'order-sign + prefetch, audit on, RS384 JWT per request', result, checks, `${cards} cards; ${fmtInt(result.tokensPresigned)} tokens pre-signed by the client in ${result.presignSeconds.toFixed(1)} s`),
        );
      }
    } finally {
      await stopServer(ctx, run);
    }
  }
}

// ---- Row 2o: order-sign with prefetch, no JWT, open loop ---------------------------------------------
//
// In the closed loop at saturation every connection always has a request in flight, so mean latency is
// connections / throughput (Little's law) and row 2's p99 at 50 connections reflects the queue, not what
// an EHR sees at a load the service can sustain. These lines offer fixed arrival rates below capacity
// instead (bench/open-loop.ts) and judge the same p99 target there, as an additional line.

/** One offered rate of the open-loop lines and where it came from (shown in the line's note). */
interface OfferedRate {
  ratePerSecond: number;
  /** Where the rate came from, e.g. "50% of the closed-loop capacity, 257 req/s at 50 connections". */
  basis: string;
}

function openLoopRates(ctx: RunContext): OfferedRate[] {
  const capacity = ctx.orderSignRps.get(OPEN_LOOP.connections);
  const capacityText = capacity === undefined ? '' : `${fmtInt(capacity)} req/s at ${OPEN_LOOP.connections} connections`;
  if (ctx.opts.openRates) {
    return ctx.opts.openRates.map((rate) => ({
      ratePerSecond: rate,
      basis: capacity === undefined ? 'given with --open-rates' : `${fmtPct(rate / capacity)} of the closed-loop capacity, ${capacityText}; given with --open-rates`,
    }));
  }
  if (capacity === undefined) {
    const why = `row 2's closed-loop capacity at ${OPEN_LOOP.connections} connections was not measured in this run`;
    log(`  ${why}: the open loop offers the fallback rate, ${fmtInt(OPEN_LOOP.fallbackRatePerSecond)} req/s`);
    return [{ ratePerSecond: OPEN_LOOP.fallbackRatePerSecond, basis: `the fallback rate: ${why}` }];
  }
  return OPEN_LOOP.sharesOfClosedLoopCapacity.map((share) => ({
    ratePerSecond: Math.max(1, Math.round(share * capacity)),
    basis: `${fmtPct(share)} of the closed-loop capacity, ${capacityText}`,
  }));
}

function openLoopRow(ctx: RunContext, offered: OfferedRate, result: LoadResult, cards: number): TableRow {
  const figures = result.openLoop;
  if (!figures) throw new Error('an open-loop line needs an open-loop result');
  const keptUp = result.rps >= OPEN_LOOP.keptUpShareOfOffered * offered.ratePerSecond;
  const notes = [
    `open loop at ${fmtInt(offered.ratePerSecond)} req/s offered (${offered.basis}), ${result.connections} connections`,
    `achieved ${fmtInt(result.rps)} req/s${keptUp ? '' : ' (below the offered rate: the server did not keep up)'}`,
    `p90 ${fmtMs(result.latencyMs.p90)} ms, max ${fmtMs(result.latencyMs.max)} ms over ${fmtInt(result.requests)} requests`,
    "latency timed from each request's intended send time (evenly spaced arrivals, no coordinated omission)",
    // Both say how much of the latency is the load generator's own lateness rather than the server's.
    `timed from the actual send instead: p99 ${fmtMs(figures.fromSendMs.p99)} ms; load generator's send lag p99 ${fmtMs(figures.sendLagMs.p99)} ms`,
    ...(figures.waitedForConnection > 0 ? [`${fmtInt(figures.waitedForConnection)} requests waited for a free connection`] : []),
    // A full pool when the window opens means the warm-up ended in a queue (e.g. a fresh server with --rows 2o).
    ...(figures.inFlightAtWindowStart >= result.connections
      ? [`${figures.inFlightAtWindowStart} requests from the warm-up were still in flight when the window began: a longer --warmup would help`]
      : []),
    `${cards} cards per answer`,
  ];
  const checks = [check(`p99 <= ${TARGETS.orderSignMaxP99MsAt50} ms (open loop)`, result.latencyMs.p99 <= TARGETS.orderSignMaxP99MsAt50)];
  return httpRow(ctx, OPEN_LOOP_ROW, 'order-sign + prefetch, audit on, no JWT, open loop', result, checks, notes.join('; '), false);
}

function writeClientsFile(ctx: RunContext, fhirServers: string[]): string {
  const file = path.join(ctx.runDir, `cds-clients-${ctx.serverCount + 1}.json`);
  const clients = [{ iss: BENCH_ISSUER, jwks: { keys: [ctx.keys.publicJwk] }, fhirServers }];
  writeFileSync(file, JSON.stringify(clients, null, 2));
  return file;
}

// ---- Row 3: order-sign with FHIR fallback ---------------------------------------------------------

const FHIR_LATENCY_MS = 50;
const FHIR_ACCESS_TOKEN = 'bench-fhir-access-token';

interface QueryLatency {
  key: string;
  p50: number;
  p99: number;
}

/** Each prefetch query alone, one at a time (what a sequential fetch would add up): p50 and p99. */
async function singleQueryLatencies(baseUrl: string, templates: Record<string, string>, context: Record<string, unknown>, samples: number): Promise<QueryLatency[]> {
  const queries = Object.entries(templates).map(([key, template]) => {
    const rendered = renderPrefetchTemplate(key, template, context);
    if (!rendered.ok) throw new Error(`prefetch key ${key}: ${rendered.reason}`);
    return { key, url: `${baseUrl}/${rendered.query}` };
  });
  const times = new Map<string, number[]>(queries.map((q) => [q.key, []]));
  const get = async (url: string): Promise<void> => {
    const response = await fetch(url, { headers: { accept: 'application/fhir+json', authorization: `Bearer ${FHIR_ACCESS_TOKEN}` } });
    await response.arrayBuffer();
    if (response.status !== 200) throw new Error(`FHIR query answered HTTP ${response.status}`);
  };
  for (let round = -3; round < samples; round++) {
    for (const q of queries) {
      const t0 = process.hrtime.bigint();
      await get(q.url);
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      if (round >= 0) times.get(q.key)?.push(ms);
    }
  }
  return queries.map((q) => {
    const sorted = Float64Array.from(times.get(q.key) ?? []).sort();
    return { key: q.key, p50: percentile(sorted, 50), p99: percentile(sorted, 99) };
  });
}

/**
 * All prefetch queries at once, straight from a client (no CDS service in between): the best any service
 * could do against this FHIR server, whose own CPU work serialises concurrent queries.
 */
async function allQueriesAtOnce(baseUrl: string, templates: Record<string, string>, context: Record<string, unknown>, samples: number): Promise<{ p50: number; p99: number }> {
  const urls = Object.entries(templates).map(([key, template]) => {
    const rendered = renderPrefetchTemplate(key, template, context);
    if (!rendered.ok) throw new Error(`prefetch key ${key}: ${rendered.reason}`);
    return `${baseUrl}/${rendered.query}`;
  });
  const times: number[] = [];
  for (let round = -3; round < samples; round++) {
    const t0 = process.hrtime.bigint();
    await Promise.all(
      urls.map(async (url) => {
        const response = await fetch(url, { headers: { accept: 'application/fhir+json', authorization: `Bearer ${FHIR_ACCESS_TOKEN}` } });
        await response.arrayBuffer();
      }),
    );
    if (round >= 0) times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  const sorted = Float64Array.from(times).sort();
  return { p50: percentile(sorted, 50), p99: percentile(sorted, 99) };
}

async function fhirStats(fhir: Child): Promise<{ requests: number; maxInFlight: number }> {
  const reply = waitForMessage<{ type: 'stats'; requests: number; maxInFlight: number }>(fhir, 'stats', 10_000);
  fhir.process.send({ type: 'stats' });
  return reply;
}

async function rowFhirFallback(ctx: RunContext): Promise<void> {
  log(`Row 3: order-sign with FHIR fallback (test FHIR server, ${FHIR_LATENCY_MS} ms per query)`);
  const fhir = startChild({
    name: 'FHIR server',
    command: process.execPath,
    args: tsNodeArgs(path.join(REPO_ROOT, 'bench/fhir-server-child.ts'), ['--experimental-websocket', '--no-warnings=ExperimentalWarning']),
    cwd: REPO_ROOT,
    ipc: true,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, FHIR_LATENCY_MS: String(FHIR_LATENCY_MS), FHIR_ACCESS_TOKEN },
  });
  try {
    const { baseUrl: fhirBase } = await waitForMessage<{ type: 'ready'; baseUrl: string }>(fhir, 'ready', 60_000);
    const ruleSet = loadRuleSet();
    const service = serviceFor(ruleSet, 'order-sign');
    const request: CdsServiceRequest = {
      hook: ctx.requests.orderSign.hook,
      hookInstance: ctx.requests.orderSign.hookInstance,
      fhirServer: fhirBase,
      fhirAuthorization: {
        access_token: FHIR_ACCESS_TOKEN,
        token_type: 'Bearer',
        expires_in: 300,
        scope: 'user/Patient.read user/Condition.read user/MedicationRequest.read user/MedicationAdministration.read user/Observation.read',
        subject: 'cds-bench',
      },
      context: ctx.requests.orderSign.context,
    };
    const body = compact(request);
    const queries = await singleQueryLatencies(fhirBase, service.prefetch, request.context, ctx.opts.quick ? 15 : 30);
    const slowestP50 = Math.max(...queries.map((q) => q.p50));
    const slowestP99 = Math.max(...queries.map((q) => q.p99));
    const sumP50 = queries.reduce((s, q) => s + q.p50, 0);
    const direct = await allQueriesAtOnce(fhirBase, service.prefetch, request.context, ctx.opts.quick ? 15 : 30);
    log(`  all ${queries.length} queries at once from a plain client: p50 ${fmtMs(direct.p50)} ms, p99 ${fmtMs(direct.p99)} ms`);
    log(
      `  ${queries.length} prefetch queries, each alone: ` +
        queries.map((q) => `${q.key} p50 ${fmtMs(q.p50)} / p99 ${fmtMs(q.p99)} ms`).join(', '),
    );
    ctx.results['fhir single queries'] = queries;

    const run = await startServer(ctx, 'order-sign FHIR fallback');
    try {
      const url = `${run.server.baseUrl}/cds-services/${ctx.requests.orderSignServiceId}`;
      fhir.process.send({ type: 'reset' });
      const { cards } = await probe(url, body);
      const oneCall = await fhirStats(fhir);
      log(`  one service call: the FHIR server got ${oneCall.requests} queries, at most ${oneCall.maxInFlight} in flight at once`);
      ctx.results['fhir one call'] = oneCall;
      for (const connections of [...new Set([1, ...ctx.opts.connections])]) {
        const result = await measure(ctx, 'order-sign FHIR fallback', { url, method: 'POST', body }, connections, serverTarget(run));
        const ratio50 = result.latencyMs.p50 / slowestP50;
        const ratio99 = result.latencyMs.p99 / slowestP99;
        const checks: Check[] = [];
        if (connections === 1) {
          checks.push(check(`e2e p50 <= ${TARGETS.fhirFallbackMaxRatio}x slowest query p50`, ratio50 <= TARGETS.fhirFallbackMaxRatio));
          checks.push(check(`e2e p99 <= ${TARGETS.fhirFallbackMaxRatio}x slowest query p99`, ratio99 <= TARGETS.fhirFallbackMaxRatio));
        }
        const note =
          `e2e/slowest single query: p50 ${ratio50.toFixed(2)}x, p99 ${ratio99.toFixed(2)}x` +
          (connections === 1
            ? ` (slowest of ${queries.length} queries alone: p50 ${fmtMs(slowestP50)}, p99 ${fmtMs(slowestP99)} ms; ` +
              `all ${queries.length} at once from a plain client: p50 ${fmtMs(direct.p50)}, p99 ${fmtMs(direct.p99)} ms; ` +
              `one after another: ~${fmtMs(sumP50)} ms; FHIR server saw ${oneCall.maxInFlight} of ${oneCall.requests} queries in flight at once); ${cards} cards`
            : '');
        ctx.rows.push(httpRow(ctx, '3', `order-sign, FHIR fallback (${queries.length} queries, +${FHIR_LATENCY_MS} ms each)`, result, checks, note));
      }
    } finally {
      await stopServer(ctx, run);
    }
  } finally {
    await fhir.stop();
  }
}

// ---- Row 4: patient-view with prefetch ------------------------------------------------------------

async function rowPatientView(ctx: RunContext): Promise<void> {
  const body = compact(ctx.requests.patientView);
  log(`Row 4: patient-view with prefetch (${countResources(ctx.requests.patientView)} resources, ${(Buffer.byteLength(body) / 1024).toFixed(1)} KB)`);
  const run = await startServer(ctx, 'patient-view');
  try {
    const url = `${run.server.baseUrl}/cds-services/${ctx.requests.patientViewServiceId}`;
    const { cards } = await probe(url, body);
    for (const connections of ctx.opts.connections) {
      const result = await measure(ctx, 'patient-view', { url, method: 'POST', body }, connections, serverTarget(run));
      ctx.rows.push(httpRow(ctx, '4', 'patient-view + prefetch, audit on, no JWT', result, [], `${cards} cards per answer`));
    }
  } finally {
    await stopServer(ctx, run);
  }
}

// ---- Row 5: engine only ---------------------------------------------------------------------------

async function rowEngine(ctx: RunContext): Promise<void> {
  log('Row 5: engine only (bench/engine-bench.ts)');
  const rows: EngineBenchRow[] = await runEngineBench({ quick: ctx.opts.quick });
  ctx.results['engine'] = rows;
  for (const r of rows) {
    const checks: Check[] = [];
    // The target is for the indexed 10,000-rule set (engine-bench.ts also shows it with the index disabled).
    if (r.rules === 10_000 && r.label.endsWith('indexed')) checks.push(check(`<= ${TARGETS.engine10kMaxMsPerEval} ms per evaluation`, r.msPerEvaluation <= TARGETS.engine10kMaxMsPerEval));
    ctx.rows.push({
      row: '5',
      what: `Engine only: ${r.label}`,
      result: `${r.evaluationsPerSecond < 10 ? r.evaluationsPerSecond.toFixed(1) : fmtInt(r.evaluationsPerSecond)} eval/s`,
      p50: r.p50Ms === undefined ? undefined : fmtMs(r.p50Ms),
      p99: r.p99Ms === undefined ? undefined : fmtMs(r.p99Ms),
      checks,
      note: `${fmtMs(r.msPerEvaluation)} ms per evaluation${r.note ? `; ${r.note}` : ''}`,
    });
  }
}

// ---- Row 6: start-up and memory -------------------------------------------------------------------

async function rowStartup(ctx: RunContext): Promise<void> {
  const runs = ctx.opts.quick ? 3 : 5;
  log(`Row 6: start-up to ready, ${runs} starts with a fresh data dir each`);
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    ctx.serverCount += 1;
    const server = await startCdsServer({
      name: 'CDS server (start-up)',
      dataDir: path.join(ctx.runDir, `data-startup-${i}`),
      logFile: path.join(ctx.runDir, `server-startup-${i}.log`),
    });
    times.push(server.readyMs);
    await server.stop();
  }
  const sorted = [...times].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)];
  ctx.results['startup ms'] = times;
  ctx.rows.push({
    row: '6',
    what: 'Start-up: spawn node dist/main.js (fresh data dir) to GET /readyz 200',
    result: `${fmtInt(median)} ms`,
    checks: [check(`median < ${TARGETS.startupMaxMs} ms`, median < TARGETS.startupMaxMs)],
    note: `median of ${runs}; each: ${times.map((t) => fmtInt(t)).join(', ')} ms (node dist/main.js as npm start runs it, embedded SQLite)`,
  });
}

function rowMemory(ctx: RunContext): void {
  const serverReadings = ctx.memory.filter((m) => !m.label.startsWith('ceiling'));
  if (serverReadings.length === 0) return;
  const peak = serverReadings.reduce((a, b) => (b.reading.hwmMb > a.reading.hwmMb ? b : a));
  ctx.results['memory'] = ctx.memory;
  ctx.rows.push({
    row: '6',
    what: 'Memory: peak RSS of the server under load (VmHWM)',
    result: `${peak.reading.hwmMb.toFixed(0)} MB`,
    checks: [check(`< ${TARGETS.maxRssMb} MB`, peak.reading.hwmMb < TARGETS.maxRssMb)],
    note: `highest in "${peak.label}"; sampled every 100 ms from /proc/<pid>/status during each HTTP row`,
  });
}

// ---- Main -----------------------------------------------------------------------------------------

function machineLine(opts: Options): string[] {
  const cpu = cpus();
  const lines = [
    `CDS Hooks service benchmark — ${new Date().toISOString()}`,
    `Machine: ${cpu.length} cores (${cpu[0]?.model.trim() ?? 'unknown CPU'}), ${(totalmem() / 2 ** 30).toFixed(1)} GB RAM, ${process.platform} ${process.arch}; Node ${process.version}`,
    `Each HTTP figure: ${opts.durationSeconds} s after ${opts.warmupSeconds} s warm-up, closed loop over keep-alive connections (autocannon in its own process; the warm-up opens and warms the connections the measured window uses); latency in ms; "x ceiling" = req/s / row 1 req/s at the same connections`,
  ];
  if (opts.openLoop) {
    lines.push(
      `Row ${OPEN_LOOP_ROW}: open loop instead (bench/open-loop.ts, in the load generator's process): requests evenly spaced at a fixed offered rate over up to ${OPEN_LOOP.connections} keep-alive connections, ` +
        'the same warm-up and duration; Result = achieved req/s; latency timed from each request\'s intended send time, so waiting behind a slow answer counts (no coordinated omission)',
    );
  }
  return lines;
}

async function main(): Promise<void> {
  const opts = parseOptions(process.argv.slice(2));
  installCleanup();
  const runDir = mkdtempSync(path.join(tmpdir(), 'cds-bench-'));
  if (!opts.keep) onExitCleanup(() => rmSync(runDir, { recursive: true, force: true }));
  const artifacts = path.join(REPO_ROOT, 'artifacts');
  mkdirSync(artifacts, { recursive: true });
  const profileDir = path.join(artifacts, 'profiles');
  if (opts.profile) {
    rmSync(profileDir, { recursive: true, force: true });
    mkdirSync(profileDir, { recursive: true });
  }
  const ctx: RunContext = {
    opts,
    runDir,
    profileDir,
    requests: buildRequests(),
    keys: generateClientKeys(),
    rows: [],
    ceilingRps: new Map(),
    ceilingP99: new Map(),
    orderSignRps: new Map(),
    memory: [],
    results: {},
    profiles: [],
    serverCount: 0,
  };
  const staleFixtures = checkFixtures(ctx.requests);
  const title = machineLine(opts);
  const loadBefore = loadavg()[0];
  log(title.join('\n'));
  log(`Temporary directory: ${runDir}${opts.keep ? ' (kept)' : ''}`);
  try {
    if (opts.openLoop || [2, 3, 4, 6].some((r) => opts.rows.has(r))) {
      log('Building the server bundle (npm run build -> dist/main.js), as npm start does...');
      buildServerBundle();
    }
    // The ceiling is needed by every ratio: measure it whenever an HTTP row runs.
    if ([1, 2, 3, 4].some((r) => opts.rows.has(r))) await rowCeiling(ctx);
    if (opts.rows.has(2) || opts.openLoop) await rowOrderSign(ctx);
    if (opts.rows.has(3)) await rowFhirFallback(ctx);
    if (opts.rows.has(4)) await rowPatientView(ctx);
    if (opts.rows.has(5)) await rowEngine(ctx);
    if (opts.rows.has(6)) {
      await rowStartup(ctx);
      rowMemory(ctx);
    }
  } finally {
    await stopAll();
    if (!opts.keep) rmSync(runDir, { recursive: true, force: true });
  }
  title.push(
    `Machine load (1-min load average) at start ${loadBefore.toFixed(1)}, at end ${loadavg()[0].toFixed(1)}: ` +
      `anything else running on these ${cpus().length} cores shares them with the servers and the load generator`,
  );
  if (staleFixtures.length > 0) title.push(`Requests built from the current rule set; out-of-date fixture files: ${staleFixtures.join(', ')}`);
  const misses = ctx.rows.flatMap((r) => r.checks.filter((c) => !c.pass).map((c) => `row ${r.row} ${r.what}${r.conns ? ` @${r.conns}` : ''}: ${c.target}`));
  console.log(`\n${renderText(title, ctx.rows)}\n`);
  console.log(misses.length === 0 ? 'All targets met.' : `Targets missed (${misses.length}):\n${misses.map((m) => `  - ${m}`).join('\n')}`);
  writeFileSync(path.join(artifacts, 'bench-table.md'), `${renderMarkdown(title, ctx.rows)}\n`);
  writeFileSync(path.join(artifacts, 'bench-results.json'), `${JSON.stringify({ title, options: { ...opts, rows: [...opts.rows, ...(opts.openLoop ? [OPEN_LOOP_ROW] : [])] }, rows: ctx.rows, results: ctx.results }, null, 2)}\n`);
  console.log(`\nTable also in artifacts/bench-table.md, all figures in artifacts/bench-results.json.`);
  if (opts.profile) {
    console.log('\nCPU profiles of the server (node --cpu-prof), top functions by self time:\n');
    for (const file of ctx.profiles) {
      try {
        console.log(`${formatSummary(summarise(file, 25), 25, 12)}\n`);
      } catch (error) {
        console.log(`${path.relative(REPO_ROOT, file)}: not readable (${(error as Error).message})\n`);
      }
    }
  }
}

main().catch(async (error: Error) => {
  console.error(`\nbench failed: ${error.message}`);
  await stopAll();
  process.exit(1);
});
