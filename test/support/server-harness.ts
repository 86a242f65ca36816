/**
 * The HTTP service as the tests use it: real configuration (loadConfig over a test environment),
 * a real SQLite store in a temporary folder whose registry holds the test rule set (compiled by the real
 * engine) served by the registry's catalog, a pinned (manually advanced) clock, and a logger whose lines
 * are captured.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { Tracer } from '@opentelemetry/api';
import type express from 'express';
import { compileRuleSet } from '../../engine/compile-rule-set.js';
import { loadRuleSetFile } from '../../use-cases/load-rule-set-file.js';
import { RuleSetInvalidError } from '../../engine/rule-set-problem.js';
import { openStore } from '../../store/open-store.js';
import type { Store } from '../../store/store.js';
import { buildApp } from '../../server/app.js';
import type { InFlightLimit } from '../../server/http/in-flight-limit.js';
import type { AdminAccess } from '../../server/admin/admin-access.js';
import type { JwksFetcher } from '../../server/auth/jwks-cache.js';
import type { TrustedClient } from '../../server/auth/trusted-clients.js';
import { loadConfig, type Config } from '../../server/config.js';
import { createLogger, type Logger } from '../../server/logger.js';
import type { ServiceMetrics } from '../../server/observability/metrics.js';
import type { RegistryServiceCatalog } from '../../use-cases/registry-catalog.js';
import type { CompiledRuleSet } from '../../use-cases/service-catalog.js';
import { servingCatalog } from './serving-catalog.js';

export const NOW = new Date('2026-11-01T10:00:00.000Z');
export const PUBLIC_BASE_URL = 'https://cds.test.example';
export const TEST_PATIENT_KEY_SECRET = 'server-tests-patient-key-secret-0123456789';
export const TEST_RULE_SET_FILE = new URL('../fixtures/server/test-rule-set.json', import.meta.url).pathname;

/** The test rule set, compiled once by the real engine. */
let compiledTestRuleSet: CompiledRuleSet | undefined;
export function testRuleSet(): CompiledRuleSet {
  if (!compiledTestRuleSet) {
    const loaded = loadRuleSetFile(TEST_RULE_SET_FILE);
    if (!loaded.ruleSet) throw new RuleSetInvalidError(loaded.problems);
    compiledTestRuleSet = compileRuleSet(loaded.ruleSet, { file: TEST_RULE_SET_FILE });
  }
  return compiledTestRuleSet;
}

/** The registry's catalog over `store`, serving the test rule set (imported into the registry). */
export function testCatalog(store: Store, clock?: () => Date): Promise<RegistryServiceCatalog> {
  return servingCatalog(store, [testRuleSet()], clock);
}

export class TestClock {
  constructor(public current: Date = NOW) {}
  readonly now = (): Date => new Date(this.current.getTime());
  advance(ms: number): void {
    this.current = new Date(this.current.getTime() + ms);
  }
}

/** Collects every log line the service writes. */
export class LogCapture extends Writable {
  readonly chunks: string[] = [];
  override _write(chunk: Buffer | string, _enc: BufferEncoding, done: (error?: Error | null) => void): void {
    this.chunks.push(chunk.toString());
    done();
  }
  text(): string {
    return this.chunks.join('');
  }
  lines(): Array<Record<string, unknown>> {
    return this.text()
      .split('\n')
      .filter((l) => l.trim().length > 0)
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  }
}

export interface HarnessOptions {
  /** Trusted clients, written to a CDS_CLIENTS file; omitted = open mode on 127.0.0.1. */
  clients?: TrustedClient[] | unknown;
  /** More environment variables (override the defaults here). */
  env?: Record<string, string>;
  /** The rule sets the registry serves (default: the test rule set); [] = none. */
  ruleSets?: CompiledRuleSet[];
  fetchJwks?: JwksFetcher;
  clock?: TestClock;
  /** Prometheus metrics to collect (the app's call metrics and the store's commits). */
  metrics?: ServiceMetrics;
  /** The service's tracer (default: buildApp's, spans with ids never exported). */
  tracer?: Tracer;
  /** A store to use (e.g. PostgreSQL, or one a restarted service reopens); the harness does not close it. Default: a new SQLite store of its own. */
  store?: Store;
  /** Most POSTs in flight (MAX_IN_FLIGHT); default the app's. */
  maxInFlight?: number;
  /** The in-flight limit to use (to observe admissions). */
  inFlightLimit?: InFlightLimit;
  /** Admin API access (default: from the process environment, i.e. disabled in tests). */
  adminAccess?: AdminAccess;
}

export interface Harness {
  app: express.Express;
  store: Store;
  catalog: RegistryServiceCatalog;
  config: Config;
  logger: Logger;
  logs: LogCapture;
  clock: TestClock;
  dataDir: string;
  close(): Promise<void>;
}

export function makeTempDir(prefix = 'cds-server-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function testEnv(dataDir: string, clients?: unknown, extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {
    HOST: '127.0.0.1',
    PORT: '8080',
    PUBLIC_BASE_URL,
    DATA_DIR: dataDir,
    PATIENT_KEY_SECRET: TEST_PATIENT_KEY_SECRET,
    LOG_LEVEL: 'info',
  };
  if (clients !== undefined) {
    const file = join(dataDir, 'cds-clients.json');
    writeFileSync(file, JSON.stringify(clients, null, 2));
    env.CDS_CLIENTS = file;
  }
  return { ...env, ...extra };
}

export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const dataDir = makeTempDir();
  const clock = options.clock ?? new TestClock();
  const config = loadConfig(testEnv(dataDir, options.clients, options.env));
  const logs = new LogCapture();
  const logger = createLogger(config.logLevel, logs);
  const metrics = options.metrics;
  const ownStore = options.store === undefined;
  const store =
    options.store ??
    (await openStore({ dataDir: join(dataDir, 'store'), clock: clock.now, onCommit: metrics && ((n) => metrics.auditCommitRecords.observe(n)) }));
  const catalog = await servingCatalog(store, options.ruleSets ?? [testRuleSet()], clock.now);
  const app = buildApp({
    config,
    catalog,
    store,
    logger,
    clock: clock.now,
    fetchJwks: options.fetchJwks,
    metrics,
    tracer: options.tracer,
    maxInFlight: options.maxInFlight,
    inFlightLimit: options.inFlightLimit,
    adminAccess: options.adminAccess,
  });
  return {
    app,
    store,
    catalog,
    config,
    logger,
    logs,
    clock,
    dataDir,
    async close() {
      catalog.stop();
      if (ownStore) await store.close().catch(() => undefined);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
