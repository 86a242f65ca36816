/**
 * All configuration, from the environment, parsed and validated once at start into one typed
 * object. Every variable is documented in docs/configuration.md. Errors name the variable.
 */
import type { KeyObject } from 'node:crypto';
import { resolve } from 'node:path';
import { ConfigError } from '../lib/config-error.js';
import { loadPatientKeySecret } from '../use-cases/audit/patient-key.js';
import { parseSnapshotKey } from '../use-cases/audit/snapshot.js';
import { DEFAULT_REPLAY_CACHE_PER_CLIENT } from './auth/replay-cache.js';
import { loadTrustedClients, normaliseBaseUrl, type TrustedClient } from './auth/trusted-clients.js';
import { loadSigningKey } from '../store/audit-checkpoint.js';

export type StoreFailureMode = 'fail-closed' | 'fail-open';
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export interface Config {
  port: number;
  host: string;
  /** The first of publicBaseUrls (the URL the service names itself by, e.g. in its start-up line). */
  publicBaseUrl: string;
  /** Every URL clients reach this service at, without a trailing slash (PUBLIC_BASE_URL, comma-separated);
   * a client JWT's `aud` must be one of them + the path called. */
  publicBaseUrls: string[];
  /** Path of the CDS_CLIENTS file, when set. */
  clientsFile?: string;
  /** Trusted clients; empty = open mode (allowed only on a loopback HOST). */
  clients: TrustedClient[];
  /** DATABASE_URL; undefined = embedded SQLite file DATA_DIR/cds.db. */
  databaseUrl?: string;
  dataDir: string;
  maxBodyBytes: number;
  maxJsonDepth: number;
  fhirDeadlineMs: number;
  fhirMaxPages: number;
  /** Requests in flight to one FHIR server (origin) across all calls, more wait in order; 0: no bound. */
  fhirMaxConcurrentRequests: number;
  jwtClockSkewS: number;
  /** Oldest accepted token (now - iat); also how long a jti is remembered at most. */
  jwtMaxTokenAgeS: number;
  /** Most live remembered jti values per client (its share of the replay cache in the store). */
  jwtReplayCachePerClient: number;
  /** '*' or the list of allowed origins. */
  corsOrigin: '*' | string[];
  logLevel: LogLevel;
  patientKeySecret: Buffer;
  patientKeySecretSource: 'PATIENT_KEY_SECRET' | 'file';
  /** AES-256-GCM key for replay snapshots; undefined = no snapshot kept. */
  snapshotKey?: Buffer;
  snapshotRetentionDays: number;
  storeFailureMode: StoreFailureMode;
  /** FHIR base URLs callable in open mode besides loopback ones. */
  openModeFhirServers: string[];
  /** How often the registry is polled for activations (ms; 0 = never, only on admin actions). */
  registryPollMs: number;
  /** Decision appends: 'group' commits concurrent appends together (each still durable before ack). */
  storeAppendMode: 'single' | 'group';
  /** Requests per minute (and burst) per client iss, or per peer IP in open mode; 0 = no limit. */
  rateLimitPerMinute: number;
  /** Port of the Prometheus metrics listener (bound to HOST); undefined = no metrics. 0 = chosen by the kernel. */
  metricsPort?: number;
  /** After SIGTERM: how long /readyz answers 503 while calls are still served, before the listener closes (ms). */
  shutdownDrainMs: number;
  /** How long a client may take to send a request's headers (ms). */
  httpHeadersTimeoutMs: number;
  /** How long a client may take to send a request's body once its headers are in (ms): then 408. */
  httpBodyTimeoutMs: number;
  /** How long an idle keep-alive connection stays open (ms). */
  httpKeepAliveTimeoutMs: number;
  /** AUDIT_SIGNING_KEY (path of an Ed25519 private key, PEM): signs checkpoints of the audit chain heads; undefined = none. */
  auditSigningKey?: KeyObject;
  /** How often the service signs a checkpoint when AUDIT_SIGNING_KEY is set (ms). */
  auditCheckpointMs: number;
  /** The course view (SMART app, docs/course-view.md): its client id at the EHRs' authorization servers. */
  courseClientId: string;
  /** Origins of EHR authorization servers whose token endpoints the course view may call (CSP connect-src). */
  courseAuthServers: string[];
  /** Origins allowed to show the course view in a frame (an EHR side panel); empty = none. */
  courseFrameAncestors: string[];
  /** FHIR server the demonstration launch (/course/demo) offers by default; must be one clients may use. */
  courseDemoFhirServer?: string;
}

/** Default AUDIT_CHECKPOINT_MS: hourly. */
export const DEFAULT_AUDIT_CHECKPOINT_MS = 3_600_000;

export type Env = Record<string, string | undefined>;

/** Far above what one EHR sends (and above what the benchmarks drive); a guard against runaway clients. */
export const DEFAULT_RATE_LIMIT_PER_MINUTE = 60_000;

/** HTTP server timeouts (server/http/http-server.ts): headers, body, idle keep-alive. */
export const DEFAULT_HTTP_HEADERS_TIMEOUT_MS = 10_000;
export const DEFAULT_HTTP_BODY_TIMEOUT_MS = 10_000;
export const DEFAULT_HTTP_KEEP_ALIVE_TIMEOUT_MS = 5_000;

const LOG_LEVELS: LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

function value(env: Env, name: string): string | undefined {
  const v = env[name];
  return v === undefined || v.trim() === '' ? undefined : v.trim();
}

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = value(env, name);
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw)) throw new ConfigError(`${name} must be a whole number, got ${JSON.stringify(raw)}`);
  const n = Number(raw);
  if (n < min || n > max) throw new ConfigError(`${name} must be between ${min} and ${max}, got ${n}`);
  return n;
}

function absoluteUrl(name: string, raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(`${name} must be an absolute URL, got ${JSON.stringify(raw)}`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new ConfigError(`${name} must be an http(s) URL`);
  if (url.search || url.hash) throw new ConfigError(`${name} must not have a query or fragment`);
  return normaliseBaseUrl(url.toString());
}

function hostForUrl(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

export function loadConfig(env: Env = process.env): Config {
  const port = integer(env, 'PORT', 8080, 0, 65535);
  const host = value(env, 'HOST') ?? '127.0.0.1';
  const publicBaseUrls = [
    ...new Set(
      (value(env, 'PUBLIC_BASE_URL') ?? `http://${hostForUrl(host)}:${port}`)
        .split(',')
        .map((u) => u.trim())
        .filter((u) => u !== '')
        .map((u) => absoluteUrl('PUBLIC_BASE_URL', u)),
    ),
  ];
  const publicBaseUrl = publicBaseUrls[0];
  const dataDir = resolve(value(env, 'DATA_DIR') ?? './data');

  const clientsFile = value(env, 'CDS_CLIENTS');
  const clients = clientsFile ? loadTrustedClients(resolve(clientsFile)) : [];

  const corsRaw = value(env, 'CORS_ORIGIN') ?? '*';
  const corsOrigin: Config['corsOrigin'] =
    corsRaw === '*' ? '*' : corsRaw.split(',').map((o) => absoluteUrl('CORS_ORIGIN', o.trim()));

  const logLevel = (value(env, 'LOG_LEVEL') ?? 'info') as LogLevel;
  if (!LOG_LEVELS.includes(logLevel)) throw new ConfigError(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}`);

  const storeFailureMode = (value(env, 'STORE_FAILURE_MODE') ?? 'fail-closed') as StoreFailureMode;
  if (storeFailureMode !== 'fail-closed' && storeFailureMode !== 'fail-open') {
    throw new ConfigError('STORE_FAILURE_MODE must be fail-closed or fail-open');
  }

  const snapshotKey = parseSnapshotKey(value(env, 'SNAPSHOT_KEY'));

  const databaseUrl = value(env, 'DATABASE_URL');
  const openModeFhirServers = (value(env, 'OPEN_MODE_FHIR_SERVERS') ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map((s) => absoluteUrl('OPEN_MODE_FHIR_SERVERS', s));

  const storeAppendMode = value(env, 'STORE_APPEND_MODE') ?? 'group';
  if (storeAppendMode !== 'single' && storeAppendMode !== 'group') {
    throw new ConfigError('STORE_APPEND_MODE must be single or group');
  }

  const metricsPort = value(env, 'METRICS_PORT') === undefined ? undefined : integer(env, 'METRICS_PORT', 0, 0, 65535);
  if (metricsPort !== undefined && metricsPort !== 0 && metricsPort === port) {
    throw new ConfigError(`METRICS_PORT must differ from PORT (${port}): metrics are never served on the port EHRs call`);
  }

  const secret = loadPatientKeySecret(value(env, 'PATIENT_KEY_SECRET'), dataDir);
  const auditSigningKey = parseAuditSigningKey(env);

  const origins = (name: string): string[] =>
    (value(env, name) ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s.length > 0)
      .map((s) => new URL(absoluteUrl(name, s)).origin);
  const courseClientId = value(env, 'COURSE_SMART_CLIENT_ID') ?? 'ketamine-course-view';
  if (!/^[A-Za-z0-9._~-]{1,200}$/.test(courseClientId)) throw new ConfigError('COURSE_SMART_CLIENT_ID must use letters, digits and . _ ~ - only');
  const demoFhir = value(env, 'COURSE_DEMO_FHIR_SERVER');

  return {
    port,
    host,
    publicBaseUrl,
    publicBaseUrls,
    clientsFile: clientsFile ? resolve(clientsFile) : undefined,
    clients,
    databaseUrl,
    dataDir,
    maxBodyBytes: integer(env, 'MAX_BODY_BYTES', 1024 * 1024, 1024, 100 * 1024 * 1024),
    maxJsonDepth: integer(env, 'MAX_JSON_DEPTH', 64, 8, 1000),
    fhirDeadlineMs: integer(env, 'FHIR_DEADLINE_MS', 1500, 50, 60_000),
    fhirMaxPages: integer(env, 'FHIR_MAX_PAGES', 5, 1, 100),
    fhirMaxConcurrentRequests: integer(env, 'FHIR_MAX_CONCURRENT_REQUESTS', 0, 0, 10_000),
    jwtClockSkewS: integer(env, 'JWT_CLOCK_SKEW_S', 60, 0, 600),
    jwtMaxTokenAgeS: integer(env, 'JWT_MAX_TOKEN_AGE_S', 3600, 60, 86_400),
    jwtReplayCachePerClient: integer(env, 'JWT_REPLAY_CACHE_PER_CLIENT', DEFAULT_REPLAY_CACHE_PER_CLIENT, 100, 100_000_000),
    corsOrigin,
    logLevel,
    patientKeySecret: secret.secret,
    patientKeySecretSource: secret.source,
    snapshotKey,
    snapshotRetentionDays: integer(env, 'SNAPSHOT_RETENTION_DAYS', 30, 1, 3650),
    storeFailureMode,
    openModeFhirServers,
    registryPollMs: integer(env, 'REGISTRY_POLL_MS', 5000, 0, 3_600_000),
    storeAppendMode,
    rateLimitPerMinute: integer(env, 'RATE_LIMIT_PER_MINUTE', DEFAULT_RATE_LIMIT_PER_MINUTE, 0, 100_000_000),
    metricsPort,
    shutdownDrainMs: integer(env, 'SHUTDOWN_DRAIN_MS', 0, 0, 600_000),
    httpHeadersTimeoutMs: integer(env, 'HTTP_HEADERS_TIMEOUT_MS', DEFAULT_HTTP_HEADERS_TIMEOUT_MS, 100, 600_000),
    httpBodyTimeoutMs: integer(env, 'HTTP_BODY_TIMEOUT_MS', DEFAULT_HTTP_BODY_TIMEOUT_MS, 50, 600_000),
    httpKeepAliveTimeoutMs: integer(env, 'HTTP_KEEP_ALIVE_TIMEOUT_MS', DEFAULT_HTTP_KEEP_ALIVE_TIMEOUT_MS, 100, 600_000),
    ...(auditSigningKey === undefined ? {} : { auditSigningKey }),
    auditCheckpointMs: integer(env, 'AUDIT_CHECKPOINT_MS', DEFAULT_AUDIT_CHECKPOINT_MS, 1000, 7 * 86_400_000),
    courseClientId,
    courseAuthServers: origins('COURSE_AUTH_SERVERS'),
    courseFrameAncestors: origins('COURSE_FRAME_ANCESTORS'),
    ...(demoFhir === undefined ? {} : { courseDemoFhirServer: absoluteUrl('COURSE_DEMO_FHIR_SERVER', demoFhir) }),
  };
}

/** AUDIT_SIGNING_KEY: the Ed25519 private key (PEM file) checkpoints are signed with; also used by `cds-rules audit checkpoint`. */
export function parseAuditSigningKey(env: Env): KeyObject | undefined {
  const file = value(env, 'AUDIT_SIGNING_KEY');
  if (file === undefined) return undefined;
  try {
    return loadSigningKey(resolve(file));
  } catch (error) {
    throw new ConfigError((error as Error).message);
  }
}
