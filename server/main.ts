/**
 * The real start: configuration -> tracing -> metrics -> store -> bundled rule sets -> catalog -> app ->
 * metrics listener (METRICS_PORT) -> listen. Expired replay snapshots are purged at start and hourly.
 *
 * Shutdown (shutdown.ts): SIGTERM drains first (SHUTDOWN_DRAIN_MS: /readyz answers 503 while calls are
 * still served), then the listener closes, in-flight requests finish, the metrics listener and the store
 * close and the process exits 0. SIGINT, or a second signal while draining, skips the rest of the drain.
 */
import { pathToFileURL } from 'node:url';
import { openStore } from '../store/open-store.js';
import { buildApp } from './app.js';
import { startSnapshotRetention } from './audit/snapshot-retention.js';
import { trustModeFor } from './auth/trust-mode.js';
import { startWithBundledRuleSets } from './bundled-start.js';
import { startAuditCheckpoints } from './audit/audit-checkpoints.js';
import { loadConfig } from './config.js';
import { Draining } from './http/draining.js';
import { createHttpServer } from './http/http-server.js';
import { maxInFlightFromEnv } from './http/in-flight-limit.js';
import { createLogger } from './logger.js';
import { ServiceMetrics } from './observability/metrics.js';
import { startMetricsServer, type MetricsServer } from './observability/metrics-server.js';
import { startTracing } from './observability/tracing.js';
import { shutdownOnSignals } from './shutdown.js';
import { compileRuleSet } from '../engine/compile-rule-set.js';
import type { RuleSet } from '../engine/rule-set-types.js';
import { installPrebuiltValidators } from '../use-cases/prebuilt-validator-files.js';
import { RegistryServiceCatalog } from '../use-cases/registry-catalog.js';
import { ruleSetContentHash } from '../store/rule-set-hash.js';
import { storeTimeoutFromEnv } from '../store/store-timeout.js';

export async function main(): Promise<void> {
  installPrebuiltValidators(); // dist/validators/ (npm run build): no ajv compile at start when they match
  const config = loadConfig(process.env);
  const maxInFlight = maxInFlightFromEnv(process.env);
  const logger = createLogger(config.logLevel);
  trustModeFor(config); // refuse early, before opening anything, when the trust setup is unsafe
  const tracing = await startTracing(process.env);
  const metrics = config.metricsPort === undefined ? undefined : new ServiceMetrics();
  const store = await openStore({
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    appendMode: config.storeAppendMode,
    timeoutMs: storeTimeoutFromEnv(process.env),
    onBackgroundError: (err) => logger.warn({ errorMessage: err.message }, 'store connection lost in the background; it is replaced'),
    onCommit: metrics && ((records) => metrics.auditCommitRecords.observe(records)),
  });
  let catalog: RegistryServiceCatalog | undefined;
  let metricsServer: MetricsServer | undefined;
  try {
    // Only an empty registry (first start) takes the bundled rule sets; afterwards new or edited
    // bundled files are reported (log and /readyz), never published (server/bundled-start.ts).
    const { notices, precompiled } = await startWithBundledRuleSets(store, logger);
    // The registry decides what is served; bundled versions compiled at start are reused by content hash.
    const registry = await RegistryServiceCatalog.start({
      store,
      pollIntervalMs: config.registryPollMs,
      compile: (ruleSet: RuleSet) => precompiled.get(ruleSetContentHash(ruleSet)) ?? compileRuleSet(ruleSet),
      onError: (err) => logger.error({ errorMessage: err.message }, 'registry poll failed; serving the last good rule sets'),
      onReload: (revision, problems) => logger.info({ revision, problems }, 'registry loaded'),
    });
    catalog = registry;
    const draining = new Draining();
    const app = buildApp({ config, catalog: registry, store, logger, clock: () => new Date(), maxInFlight, tracer: tracing.tracer, metrics, draining, notices });
    // Its own listener, on HOST: never on the port EHRs call.
    if (metrics) metricsServer = await startMetricsServer(metrics, config.host, config.metricsPort ?? 0);
    const server = createHttpServer(app, config);
    server.listen(config.port, config.host, () => {
      logger.info(
        {
          host: config.host,
          port: config.port,
          publicBaseUrls: config.publicBaseUrls,
          httpTimeoutsMs: { headers: config.httpHeadersTimeoutMs, body: config.httpBodyTimeoutMs, keepAlive: config.httpKeepAliveTimeoutMs },
          store: store.kind,
          services: registry.list().map((b) => `${b.service.id} (${b.ruleSet.id}@${b.ruleSet.version})`),
          trustedClients: config.clients.map((c) => c.iss),
          metricsPort: metricsServer?.port,
          tracesExporters: tracing.exporters,
          shutdownDrainMs: config.shutdownDrainMs,
        },
        'CDS Hooks service listening',
      );
    });
    server.on('error', (err) => {
      logger.fatal({ errorMessage: err.message }, 'cannot listen');
      void Promise.all([store.close(), metricsServer?.close()]).finally(() => process.exit(1));
    });
    const stopRetention = startSnapshotRetention(store, () => new Date(), logger);
    const stopCheckpoints =
      config.auditSigningKey === undefined ? () => undefined : startAuditCheckpoints(store, config.auditSigningKey, config.auditCheckpointMs, () => new Date(), logger);
    shutdownOnSignals({
      server,
      draining,
      drainMs: config.shutdownDrainMs,
      logger,
      stopTimers: () => {
        stopRetention();
        stopCheckpoints();
        registry.stop();
      },
      // After the listener has closed and the calls in flight have finished.
      closeResources: async () => {
        await metricsServer?.close();
        await tracing.shutdown().catch((err: Error) => logger.warn({ errorMessage: err.message }, 'trace export flush failed'));
        await store.close();
      },
    });
  } catch (err) {
    catalog?.stop();
    await metricsServer?.close();
    await store.close();
    throw err;
  }
}

/** Starts the service as a program: start-up errors are printed and end the process with status 1. */
export function startFromCommandLine(): void {
  main().catch((err: Error) => {
    // Start-up errors (configuration, rule sets, store) name what is wrong; print and exit non-zero.
    process.stderr.write(`cannot start: ${err.message}\n`);
    process.exit(1);
  });
}

// `tsx server/main.ts` (development); the production bundle (npm run build -> dist/main.js) calls
// startFromCommandLine() from its own entry.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) startFromCommandLine();
