/**
 * The load generator: a separate Node process (forked by bench/load.ts) so that it never shares an event
 * loop with a server under test. It drives autocannon's programmatic API over keep-alive connections
 * (closed loop: each connection sends its next request when the previous answer arrived), records every
 * response time itself (autocannon's own histogram has 1 ms resolution) and reports the figures over IPC.
 *
 * With `uniqueField`, one string in the body (the hookInstance) is replaced by a fresh UUID in every request,
 * as an EHR does (each hook call has its own hookInstance; the service derives card uuids from it and its
 * audit store refuses a repeated one as a retry).
 *
 * With `openLoop`, the requests are not sent in a closed loop but at a fixed offered arrival rate, timed
 * from each request's intended send time (bench/open-loop.ts, which also says why autocannon's
 * `overallRate` is not used for that).
 *
 * With `jwt`, every request carries `Authorization: Bearer <JWT>` with a unique jti. Tokens are signed
 * HERE, before the clock starts (a pre-signed pool sized by the parent), and handed out one per request
 * from autocannon's setupRequest; if the pool runs dry the rest are signed on the fly (counted in
 * `tokensSignedDuringRun`). Signing never runs in the server's process.
 */
import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { tokenSigner } from './jwt.js';
import { drainLimitSeconds, runOpenLoop } from './open-loop.js';

const require = createRequire(import.meta.url);
// autocannon is CommonJS without types.
const autocannon = require('autocannon') as (opts: Record<string, unknown>, cb?: (err: Error | null, result: AutocannonResult) => void) => AutocannonInstance;

interface AutocannonInstance {
  on(event: 'response', listener: (client: unknown, statusCode: number, resBytes: number, responseTime: number) => void): void;
  on(event: 'reqError', listener: (error: Error) => void): void;
  stop(): void;
}

interface AutocannonResult {
  errors: number;
  timeouts: number;
  non2xx: number;
  resets: number;
  duration: number;
  statusCodeStats: Record<string, { count: number }>;
  requests: { sent: number };
}

export interface LoadConfig {
  label: string;
  url: string;
  method: 'POST' | 'GET';
  /** Request body (sent as is, compact JSON). */
  body?: string;
  /** A string that occurs exactly once in `body`, replaced by a fresh randomUUID() in every request. */
  uniqueField?: string;
  headers?: Record<string, string>;
  connections: number;
  durationSeconds: number;
  warmupSeconds: number;
  jwt?: {
    privateKeyPem: string;
    aud: string;
    iss?: string;
    kid?: string;
    tenant?: string;
    /** How many tokens to sign before the clock starts (warm-up + measured run). */
    poolSize: number;
  };
  /** Per-request timeout (s). */
  timeoutSeconds?: number;
  /** Open loop instead of the closed loop: requests per second offered across all connections. */
  openLoop?: { ratePerSecond: number };
}

/** Figures only an open-loop run has (bench/open-loop.ts). */
export interface OpenLoopFigures {
  offeredRps: number;
  /** Requests due in the measured window (offeredRps x duration). */
  scheduled: number;
  /** The same latencies timed from the moment each request got its connection (ms): coordinated omission NOT corrected. */
  fromSendMs: LatencySummary;
  /** How late the generator handed each request to node:http after its intended time (ms). */
  sendLagMs: LatencySummary;
  maxInFlight: number;
  /** Requests still in flight from the warm-up when the measured window began. */
  inFlightAtWindowStart: number;
  waitedForConnection: number;
  connectionsOpened: number;
}

export interface LatencySummary {
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
}

export interface LoadResult {
  label: string;
  connections: number;
  durationSeconds: number;
  /** Answers counted (open loop: answers to the requests due in the measured window). */
  requests: number;
  /** Answers per second in the measured window (open loop: the achieved rate). */
  rps: number;
  /** Closed loop: from the write of each request; open loop: from each request's intended send time. */
  latencyMs: LatencySummary;
  non2xx: number;
  errors: number;
  timeouts: number;
  statusCounts: Record<string, number>;
  firstErrors: string[];
  tokensPresigned: number;
  presignSeconds: number;
  tokensSignedDuringRun: number;
  /** The measured phase on the machine's monotonic clock (process.hrtime, µs): lets a CPU profile be cut to it. */
  windowUs: [number, number];
  /** Closed loop: the slowest answer to a request written during the warm-up (ms): opening the connections under load. */
  warmupMaxLatencyMs?: number;
  openLoop?: OpenLoopFigures;
}

/** Per-request timeout when the config gives none (s), closed and open loop alike. */
const DEFAULT_TIMEOUT_SECONDS = 10;

export function percentile(sorted: Float64Array | number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank];
}

export function summariseLatencies(values: number[]): LatencySummary {
  const sorted = Float64Array.from(values).sort();
  const total = sorted.length;
  let sum = 0;
  for (const v of sorted) sum += v;
  return {
    p50: percentile(sorted, 50),
    p90: percentile(sorted, 90),
    p99: percentile(sorted, 99),
    max: total > 0 ? sorted[total - 1] : Number.NaN,
    mean: total > 0 ? sum / total : Number.NaN,
  };
}

/**
 * The body of each request: `config.body` with `uniqueField` replaced by a fresh UUID every time, or the
 * same body every time without `uniqueField`.
 */
function bodyFactory(config: LoadConfig): (() => Buffer) | undefined {
  if (config.uniqueField === undefined) return undefined;
  const text = config.body ?? '';
  const at = text.indexOf(config.uniqueField);
  if (at < 0 || text.indexOf(config.uniqueField, at + 1) >= 0) {
    throw new Error(`uniqueField must occur exactly once in the body`);
  }
  const prefix = Buffer.from(text.slice(0, at));
  const suffix = Buffer.from(text.slice(at + config.uniqueField.length));
  return () => Buffer.concat([prefix, Buffer.from(randomUUID()), suffix]);
}

/** One closed-loop run: warm-up and measured window on the same connections. */
interface ClosedLoopRun extends MeasuredWindow {
  /** Latencies of the requests sent in the measured window (ms, from the write of each request). */
  latencies: number[];
  /** The slowest answer to a request sent during the warm-up (ms): the cost of opening the connections. */
  warmupMaxLatencyMs: number;
}

/**
 * Closed loop (autocannon): ONE run of warm-up + duration, so the measured window uses the connections the
 * warm-up opened and warmed. (Two runs would open a fresh set of connections at the start of the measured
 * window: against a saturated Node server, the first requests of 50 new connections are answered one
 * connection per event-loop turn, some only seconds later, and that start-up storm, not the steady state,
 * would decide the p99.) Counted: requests written after the warm-up ended (latency) and answers that arrived
 * after it (throughput). The warm-up's slowest answer is reported separately.
 */
function runClosedLoop(config: LoadConfig, nextToken: (() => string) | undefined): Promise<ClosedLoopRun> {
  return new Promise<ClosedLoopRun>((resolve, reject) => {
    const firstErrors: string[] = [];
    const body = config.body === undefined ? undefined : Buffer.from(config.body);
    const headers = { ...(config.headers ?? {}) };
    if (body) headers['content-type'] = headers['content-type'] ?? 'application/json';
    const freshBody = bodyFactory(config);
    const request: Record<string, unknown> = {};
    if (nextToken || freshBody) {
      request.setupRequest = (req: { headers: Record<string, string>; body?: Buffer }) => {
        if (nextToken) req.headers = { ...req.headers, authorization: `Bearer ${nextToken()}` };
        if (freshBody) req.body = freshBody();
        return req;
      };
    }
    const nowMs = (): number => Number(process.hrtime.bigint()) / 1e6;
    const startedMs = nowMs();
    const windowStartMs = startedMs + config.warmupSeconds * 1000;
    const latencies: number[] = [];
    const statusCounts: Record<string, number> = {};
    let answeredInWindow = 0;
    let non2xx = 0;
    let errors = 0;
    let warmupMaxLatencyMs = 0;
    const instance = autocannon(
      {
        url: config.url,
        method: config.method,
        body,
        headers,
        connections: config.connections,
        duration: config.warmupSeconds + config.durationSeconds,
        pipelining: 1,
        timeout: config.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS,
        requests: [request],
      },
      (err, result) => {
        if (err) return reject(err);
        const finishedMs = nowMs();
        resolve({
          latencies,
          answeredInWindow,
          windowSeconds: (finishedMs - windowStartMs) / 1000,
          non2xx,
          statusCounts,
          errors,
          // autocannon counts timeouts over the whole run (warm-up included): stricter, never fewer.
          timeouts: result.timeouts,
          firstErrors,
          windowUs: [Math.round(windowStartMs * 1000), Math.round(finishedMs * 1000)],
          warmupMaxLatencyMs,
        });
      },
    );
    instance.on('response', (_client, statusCode, _bytes, responseTime) => {
      const answeredMs = nowMs();
      if (answeredMs >= windowStartMs) answeredInWindow += 1;
      if (answeredMs - responseTime < windowStartMs) {
        warmupMaxLatencyMs = Math.max(warmupMaxLatencyMs, responseTime);
        return;
      }
      latencies.push(responseTime);
      statusCounts[String(statusCode)] = (statusCounts[String(statusCode)] ?? 0) + 1;
      if (statusCode < 200 || statusCode > 299) non2xx += 1;
    });
    instance.on('reqError', (error) => {
      if (nowMs() < windowStartMs) return;
      errors += 1;
      if (firstErrors.length < 5) firstErrors.push(error.message);
    });
  });
}

export async function generateLoad(config: LoadConfig): Promise<LoadResult> {
  let nextToken: (() => string) | undefined;
  let tokensPresigned = 0;
  let presignSeconds = 0;
  let tokensSignedDuringRun = 0;
  if (config.jwt) {
    const jwt = config.jwt;
    const signer = tokenSigner(jwt.privateKeyPem, { iss: jwt.iss, kid: jwt.kid, tenant: jwt.tenant });
    const t0 = process.hrtime.bigint();
    const pool: string[] = new Array(jwt.poolSize);
    for (let i = 0; i < jwt.poolSize; i++) pool[i] = signer.sign(jwt.aud);
    presignSeconds = Number(process.hrtime.bigint() - t0) / 1e9;
    tokensPresigned = pool.length;
    let next = 0;
    nextToken = () => {
      if (next < pool.length) {
        const token = pool[next];
        pool[next++] = '';
        return token;
      }
      tokensSignedDuringRun += 1;
      return signer.sign(jwt.aud);
    };
  }
  const signing = { tokensPresigned, presignSeconds, tokensSignedDuringRun: () => tokensSignedDuringRun };
  if (config.openLoop) return generateOpenLoad(config, config.openLoop.ratePerSecond, nextToken, signing);
  const run = await runClosedLoop(config, nextToken);
  return { ...windowResult(config, run, run.latencies, signing), warmupMaxLatencyMs: run.warmupMaxLatencyMs };
}

/** What both loops measure in their window, with the latencies each counts. */
interface MeasuredWindow {
  windowSeconds: number;
  answeredInWindow: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  statusCounts: Record<string, number>;
  firstErrors: string[];
  windowUs: [number, number];
}

function windowResult(
  config: LoadConfig,
  window: MeasuredWindow,
  latencies: number[],
  signing: { tokensPresigned: number; presignSeconds: number; tokensSignedDuringRun: () => number },
): LoadResult {
  return {
    label: config.label,
    connections: config.connections,
    durationSeconds: window.windowSeconds,
    requests: latencies.length,
    rps: window.answeredInWindow / window.windowSeconds,
    latencyMs: summariseLatencies(latencies),
    non2xx: window.non2xx,
    errors: window.errors,
    timeouts: window.timeouts,
    statusCounts: window.statusCounts,
    firstErrors: window.firstErrors,
    tokensPresigned: signing.tokensPresigned,
    presignSeconds: signing.presignSeconds,
    tokensSignedDuringRun: signing.tokensSignedDuringRun(),
    windowUs: window.windowUs,
  };
}

async function generateOpenLoad(
  config: LoadConfig,
  ratePerSecond: number,
  nextToken: (() => string) | undefined,
  signing: { tokensPresigned: number; presignSeconds: number; tokensSignedDuringRun: () => number },
): Promise<LoadResult> {
  const freshBody = bodyFactory(config);
  const sameBody = config.body === undefined ? undefined : Buffer.from(config.body);
  const headers = { ...(config.headers ?? {}) };
  if (config.body !== undefined) headers['content-type'] = headers['content-type'] ?? 'application/json';
  const outcome = await runOpenLoop({
    url: config.url,
    method: config.method,
    headers,
    nextHeaders: nextToken ? () => ({ authorization: `Bearer ${nextToken()}` }) : undefined,
    nextBody: freshBody ?? (() => sameBody),
    connections: config.connections,
    ratePerSecond,
    warmupSeconds: config.warmupSeconds,
    durationSeconds: config.durationSeconds,
    timeoutSeconds: config.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS,
  });
  return {
    ...windowResult(config, outcome, outcome.fromIntendedMs, signing),
    openLoop: {
      offeredRps: ratePerSecond,
      scheduled: outcome.scheduled,
      fromSendMs: summariseLatencies(outcome.fromSendMs),
      sendLagMs: summariseLatencies(outcome.sendLagMs),
      maxInFlight: outcome.maxInFlight,
      inFlightAtWindowStart: outcome.inFlightAtWindowStart,
      waitedForConnection: outcome.waitedForConnection,
      connectionsOpened: outcome.connectionsOpened,
    },
  };
}

/** The time the parent must allow an open-loop run beyond warm-up and duration (s): opening, then the drain. */
export function openLoopExtraSeconds(config: LoadConfig): number {
  const timeout = config.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS;
  return config.openLoop ? timeout + drainLimitSeconds(timeout) : 0;
}

// ---- Child-process entry: one {type:'run', config} message in, one {type:'result'} message out ----------

// Only when this file is the child's entry: other modules import values from it (bench/load.ts), and the
// engine row's child must not answer the parent's messages as a load generator.
const isEntry = process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href;
if (process.send && isEntry) {
  process.once('message', (message: { type: string; config: LoadConfig }) => {
    if (message?.type !== 'run') return;
    generateLoad(message.config)
      .then((result) => process.send?.({ type: 'result', result }, () => process.exit(0)))
      .catch((error: Error) => process.send?.({ type: 'error', error: error.stack ?? error.message }, () => process.exit(1)));
  });
  // The parent went away: nothing left to report to.
  process.once('disconnect', () => process.exit(0));
  process.send({ type: 'ready' });
}
