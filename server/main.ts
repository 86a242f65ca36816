/**
 * The real start: configuration -> store -> bundled rule sets -> catalog -> app -> listen.
 * Expired replay snapshots are purged at start and hourly.
 * SIGTERM/SIGINT: stop accepting connections, let in-flight requests finish, close the store.
 */
import type { Server } from 'node:http';
import { pathToFileURL } from 'node:url';
import { openStore } from '../store/open-store.js';
import { buildApp } from './app.js';
import { startSnapshotRetention } from './audit/snapshot-retention.js';
import { trustModeFor } from './auth/trust-mode.js';
import { loadBundledRuleSetFiles } from './bundled-rule-sets.js';
import { loadConfig } from './config.js';
import { maxInFlightFromEnv } from './http/in-flight-limit.js';
import { createLogger, type Logger } from './logger.js';
import { compileRuleSet } from '../engine/compile-rule-set.js';
import type { RuleSet } from '../engine/rule-set-types.js';
import { importBundledRuleSets } from '../store/import-bundled.js';
import { RegistryServiceCatalog } from '../use-cases/registry-catalog.js';
import { ruleSetContentHash } from '../store/rule-set-hash.js';
import { storeTimeoutFromEnv } from '../store/store-timeout.js';
import type { Store } from '../store/store.js';

/** How long in-flight requests get to finish on shutdown before connections are cut. */
export const SHUTDOWN_GRACE_MS = 10_000;

function shutdownOnSignals(server: Server, store: Store, logger: Logger, stopTimers: () => void): void {
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    stopTimers();
    const force = setTimeout(() => server.closeAllConnections(), SHUTDOWN_GRACE_MS);
    force.unref();
    server.close(() => {
      store
        .close()
        .then(() => logger.info('store closed; bye'))
        .catch((err: Error) => logger.error({ errorMessage: err.message }, 'store close failed'))
        .finally(() => process.exit(0));
    });
    server.closeIdleConnections();
    // Logged after close(): when this line is out, new connections are already refused.
    logger.info({ signal }, 'shutting down: no new connections, finishing in-flight requests');
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

export async function main(): Promise<void> {
  const config = loadConfig(process.env);
  const maxInFlight = maxInFlightFromEnv(process.env);
  const logger = createLogger(config.logLevel);
  trustModeFor(config); // refuse early, before opening anything, when the trust setup is unsafe
  // Validate and compile every bundled version before touching the store: a bad rule set stops the start.
  const bundled = loadBundledRuleSetFiles();
  const store = await openStore({
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    appendMode: config.storeAppendMode,
    timeoutMs: storeTimeoutFromEnv(process.env),
    onBackgroundError: (err) => logger.warn({ errorMessage: err.message }, 'store connection lost in the background; it is replaced'),
  });
  let catalog: RegistryServiceCatalog | undefined;
  try {
    const imported = await importBundledRuleSets(
      store,
      bundled.map(({ file, compiled }) => ({ file, ruleSet: compiled.ruleSet })),
    );
    for (const outcome of imported) logger.info({ ...outcome, file: undefined }, 'bundled rule set');
    // The registry decides what is served; versions compiled above are reused by content hash.
    const precompiled = new Map(bundled.map(({ compiled }) => [compiled.identity.hash, compiled]));
    const registry = await RegistryServiceCatalog.start({
      store,
      pollIntervalMs: config.registryPollMs,
      compile: (ruleSet: RuleSet) => precompiled.get(ruleSetContentHash(ruleSet)) ?? compileRuleSet(ruleSet),
      onError: (err) => logger.error({ errorMessage: err.message }, 'registry poll failed; serving the last good rule sets'),
      onReload: (revision, problems) => logger.info({ revision, problems }, 'registry loaded'),
    });
    catalog = registry;
    const app = buildApp({ config, catalog: registry, store, logger, clock: () => new Date(), maxInFlight });
    const server = app.listen(config.port, config.host, () => {
      logger.info(
        {
          host: config.host,
          port: config.port,
          publicBaseUrl: config.publicBaseUrl,
          store: store.kind,
          services: registry.list().map((b) => `${b.service.id} (${b.ruleSet.id}@${b.ruleSet.version})`),
          trustedClients: config.clients.map((c) => c.iss),
        },
        'CDS Hooks service listening',
      );
    });
    server.on('error', (err) => {
      logger.fatal({ errorMessage: err.message }, 'cannot listen');
      void store.close().finally(() => process.exit(1));
    });
    const stopRetention = startSnapshotRetention(store, () => new Date(), logger);
    shutdownOnSignals(server, store, logger, () => {
      stopRetention();
      registry.stop();
    });
  } catch (err) {
    catalog?.stop();
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
