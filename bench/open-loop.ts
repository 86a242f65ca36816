/**
 * Open-loop load: requests are sent at a fixed offered arrival rate, evenly spaced, whether or not earlier
 * answers have arrived (an EHR's clinicians do not wait for each other's cards). Run inside the load
 * generator's process (bench/load-generator.ts).
 *
 * Why not autocannon's `overallRate`: autocannon 9 stays a closed loop with a per-connection budget of
 * `overallRate / connections` requests per one-second window (lib/httpClient.js `_doRequest`, reset by a
 * 1 s `setInterval`). Every connection spends its budget at the start of each second, back to back, then
 * waits: at 100 req/s over 50 connections the server gets the whole second's 100 requests in the first
 * ~0.4 s and nothing for the rest (measured against a 4 ms-per-request server: p50 163 ms, p99 410 ms at
 * 40 % utilisation). Its latencies are timed from the actual write, and its coordinated-omission
 * correction uses an expected interval of ceil(1 / rate) = 1 ms (rate is per second), so it cannot stand
 * for "the latency an EHR sees at a load the service can sustain".
 *
 * Here request i is due at start + i / rate. Its latency is timed from that INTENDED send time to the
 * end of the answer, so time spent waiting behind a slow answer (for a free connection, or because this
 * process's timer fired late) counts against the service: no coordinated omission. Up to `connections`
 * keep-alive connections carry the requests (a node:http Agent, least recently used socket first so all
 * of them stay in use); all of them are opened before the warm-up. Beyond `connections` requests in
 * flight, the next ones wait in the agent's queue, as they would in an EHR's connection pool.
 *
 * Phases on one continuous schedule: warm-up (sent, not counted), the measured window (requests due in it
 * are counted, each followed to its answer), then the same rate continues until every counted request is
 * answered (so the last ones are not measured against an idle server), bounded by `drainLimitSeconds`.
 */
import http from 'node:http';
import type { Socket } from 'node:net';

export interface OpenLoopPlan {
  url: string;
  method: 'POST' | 'GET';
  /** Headers of every request (content-length is added per body). */
  headers: Record<string, string>;
  /** Extra headers of the next request (e.g. a fresh JWT), if any. */
  nextHeaders?: () => Record<string, string>;
  /** Body of the next request (a fresh hookInstance each time), or undefined for none. */
  nextBody: () => Buffer | undefined;
  /** Most keep-alive connections (and so most requests in flight at once). */
  connections: number;
  /** Offered arrival rate: requests per second across all connections. */
  ratePerSecond: number;
  warmupSeconds: number;
  durationSeconds: number;
  /** A request with no answer this long after it got its connection is a timeout (s). */
  timeoutSeconds: number;
}

export interface OpenLoopOutcome {
  /** Each counted request: intended send time to the end of its answer (ms). Successful and non-2xx alike. */
  fromIntendedMs: number[];
  /** The same requests from the moment they got a connection (ms): what a generator timing the write would report. */
  fromSendMs: number[];
  /** How late each counted request was handed to node:http after its intended time (ms): this process's own timeliness. */
  sendLagMs: number[];
  /** Requests due in the measured window. */
  scheduled: number;
  /** Answers (any status) that arrived inside the measured window, whichever request they belonged to. */
  answeredInWindow: number;
  windowSeconds: number;
  non2xx: number;
  /** Connection errors of counted requests. */
  errors: number;
  /** Counted requests without an answer within the timeout (or still unanswered when the drain limit ran out). */
  timeouts: number;
  statusCounts: Record<string, number>;
  firstErrors: string[];
  /** Most requests in flight at once during the measured window (including those waiting for a connection). */
  maxInFlight: number;
  /** Requests in flight when the measured window began: a backlog the warm-up left (the server was slower then). */
  inFlightAtWindowStart: number;
  /** Counted requests that found every connection busy and waited in the client-side queue. */
  waitedForConnection: number;
  /** Distinct connections used over the whole run (more than `connections` means some were re-opened). */
  connectionsOpened: number;
  /** The measured window on the machine's monotonic clock (process.hrtime, µs): lets a CPU profile be cut to it. */
  windowUs: [number, number];
}

/** After the window, how long the schedule may run on for the counted requests still unanswered (s, beyond their timeout). */
const DRAIN_SLACK_SECONDS = 5;

export function drainLimitSeconds(timeoutSeconds: number): number {
  return timeoutSeconds + DRAIN_SLACK_SECONDS;
}

const FIRST_ERRORS_KEPT = 5;

export async function runOpenLoop(plan: OpenLoopPlan): Promise<OpenLoopOutcome> {
  if (!(plan.ratePerSecond > 0)) throw new Error(`open loop: the offered rate must be > 0 req/s, got ${plan.ratePerSecond}`);
  const target = new URL(plan.url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: plan.connections, scheduling: 'fifo' });
  const sockets = new Set<Socket>();
  const origin = process.hrtime.bigint();
  const nowMs = (): number => Number(process.hrtime.bigint() - origin) / 1e6;
  const timeoutMs = plan.timeoutSeconds * 1000;

  const outcome: OpenLoopOutcome = {
    fromIntendedMs: [],
    fromSendMs: [],
    sendLagMs: [],
    scheduled: 0,
    answeredInWindow: 0,
    windowSeconds: plan.durationSeconds,
    non2xx: 0,
    errors: 0,
    timeouts: 0,
    statusCounts: {},
    firstErrors: [],
    maxInFlight: 0,
    inFlightAtWindowStart: -1,
    waitedForConnection: 0,
    connectionsOpened: 0,
    windowUs: [0, 0],
  };
  let inFlight = 0;
  let window: [number, number] = [Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY];
  /** Counted requests not yet answered, timed out or failed. */
  let countedOpen = 0;
  /** Set at the drain limit: what is still open is counted as timed out once, and nothing more is counted. */
  let abandoned = false;
  let onSettled: (() => void) | undefined;
  /** Every request in flight (on a connection or waiting for one), with the function that settles it once. */
  const open = new Map<http.ClientRequest, (settlement: Settlement) => void>();

  type Settlement = { status?: number; error?: Error; timedOut?: boolean };

  /** Sends one request now; `intendedMs` is when it was due; `counted` when it is due in the measured window. */
  const send = (intendedMs: number, counted: boolean): void => {
    const handedMs = nowMs();
    if (counted) {
      outcome.scheduled += 1;
      outcome.sendLagMs.push(handedMs - intendedMs);
      countedOpen += 1;
      if (inFlight >= plan.connections) outcome.waitedForConnection += 1;
    }
    if (counted && outcome.inFlightAtWindowStart < 0) outcome.inFlightAtWindowStart = inFlight;
    inFlight += 1;
    if (handedMs >= window[0] && handedMs < window[1]) outcome.maxInFlight = Math.max(outcome.maxInFlight, inFlight);
    const body = plan.nextBody();
    const headers: Record<string, string> = { ...plan.headers, ...(plan.nextHeaders?.() ?? {}) };
    if (body) headers['content-length'] = String(body.length);
    let connectedMs = handedMs;
    let settled = false;
    const request = http.request({
      agent,
      protocol: target.protocol,
      hostname: target.hostname,
      port: target.port,
      path: `${target.pathname}${target.search}`,
      method: plan.method,
      headers,
    });
    const settle = ({ status, error, timedOut }: Settlement): void => {
      if (settled) return;
      settled = true;
      open.delete(request);
      inFlight -= 1;
      const doneMs = nowMs();
      if (status !== undefined && doneMs >= window[0] && doneMs < window[1]) outcome.answeredInWindow += 1;
      if (counted && !abandoned) {
        countedOpen -= 1;
        if (status !== undefined) {
          outcome.fromIntendedMs.push(doneMs - intendedMs);
          outcome.fromSendMs.push(doneMs - connectedMs);
          outcome.statusCounts[String(status)] = (outcome.statusCounts[String(status)] ?? 0) + 1;
          if (status < 200 || status > 299) outcome.non2xx += 1;
        } else if (timedOut) {
          outcome.timeouts += 1;
        } else {
          outcome.errors += 1;
          if (error && outcome.firstErrors.length < FIRST_ERRORS_KEPT) outcome.firstErrors.push(error.message);
        }
      }
      onSettled?.();
    };
    open.set(request, settle);
    request.on('socket', (socket: Socket) => {
      connectedMs = nowMs();
      sockets.add(socket);
    });
    request.setTimeout(timeoutMs, () => {
      settle({ timedOut: true });
      request.destroy();
    });
    let response: http.IncomingMessage | undefined;
    request.on('response', (res) => {
      response = res;
      res.on('data', () => {});
      res.on('end', () => settle({ status: res.statusCode }));
      res.on('error', (error: Error) => settle({ error }));
    });
    request.on('error', (error: Error) => settle({ error }));
    // node:http may emit the request's 'close' before the response's 'end' on a kept-alive socket: a
    // complete response is an answer either way.
    request.on('close', () => {
      if (response?.complete) settle({ status: response.statusCode });
      else settle({ error: new Error('the connection closed before the answer was complete') });
    });
    request.end(body);
  };

  /** Settles everything still in flight as not answered and closes it (drain limit reached). */
  const abandonAll = (): void => {
    outcome.timeouts += countedOpen;
    countedOpen = 0;
    abandoned = true;
    for (const [request, settle] of [...open]) {
      settle({ error: new Error('abandoned at the drain limit') });
      request.destroy();
    }
  };

  try {
    // Open every connection first (one request each, at once, not counted), so the measured requests never
    // pay for a TCP handshake and all `connections` are in the pool from the start.
    await new Promise<void>((resolve) => {
      onSettled = () => {
        if (inFlight === 0) resolve();
      };
      for (let i = 0; i < plan.connections; i++) send(nowMs(), false);
    });

    const intervalMs = 1000 / plan.ratePerSecond;
    const startMs = nowMs();
    window = [startMs + plan.warmupSeconds * 1000, startMs + (plan.warmupSeconds + plan.durationSeconds) * 1000];
    const drainEndMs = window[1] + drainLimitSeconds(plan.timeoutSeconds) * 1000;
    const originUs = Number(origin / 1000n);
    outcome.windowUs = [Math.round(originUs + window[0] * 1000), Math.round(originUs + window[1] * 1000)];

    await new Promise<void>((resolve) => {
      let next = 0;
      let stopped = false;
      let timer: NodeJS.Timeout | undefined;
      const finish = (): void => {
        clearTimeout(timer);
        resolve();
      };
      const dueAt = (i: number): number => startMs + i * intervalMs;
      // Once the schedule has stopped, wait for the (uncounted) requests still in flight, so the server is
      // not left with aborted requests; they too are bounded by the drain limit.
      onSettled = () => {
        if (stopped && inFlight === 0) finish();
      };
      const tick = (): void => {
        const now = nowMs();
        if (now >= drainEndMs) {
          stopped = true;
          abandonAll();
          finish();
          return;
        }
        if (!stopped) {
          while (dueAt(next) <= now) {
            const due = dueAt(next);
            send(due, due >= window[0] && due < window[1]);
            next += 1;
          }
          if (now >= window[1] && countedOpen === 0) {
            stopped = true;
            if (inFlight === 0) return finish();
          }
        }
        timer = setTimeout(tick, stopped ? drainEndMs - now : Math.max(0, dueAt(next) - nowMs()));
      };
      tick();
    });
  } finally {
    outcome.connectionsOpened = sockets.size;
    agent.destroy();
  }
  return outcome;
}
