/**
 * Where the server's start-up time goes: the steps of server/main.ts main(), each timed in one fresh
 * process with a fresh data directory (module graph import, configuration, store open + migrate, bundled
 * rule sets load + validate + compile, catalog, app). Run it with the same loader the server uses:
 *
 *   node --import tsx bench/startup-stages.ts
 *
 * (`npx tsx bench/startup-stages.ts` works too but adds the tsx CLI's own process.) Node and the tsx
 * loader themselves are not inside these figures: compare `node --import tsx -e 0` with `node -e 0`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';

const started = performance.now();
const rows: [string, number][] = [];
const lap = async <T>(label: string, fn: () => T | Promise<T>): Promise<T> => {
  const t0 = performance.now();
  const value = await fn();
  rows.push([label, performance.now() - t0]);
  return value;
};

const modules = await lap('import the module graph of server/main.ts', async () => ({
  config: await import('../server/config.js'),
  store: await import('../store/open-store.js'),
  app: await import('../server/app.js'),
  ruleSets: await import('../server/bundled-rule-sets.js'),
  importBundled: await import('../store/import-bundled.js'),
  ruleSetHash: await import('../store/rule-set-hash.js'),
  catalog: await import('../use-cases/registry-catalog.js'),
  logger: await import('../server/logger.js'),
}));
const dataDir = mkdtempSync(path.join(tmpdir(), 'cds-startup-'));
try {
  const config = await lap('loadConfig', () => modules.config.loadConfig({ DATA_DIR: dataDir, HOST: '127.0.0.1', PORT: '0' }));
  const store = await lap('openStore + migrate (fresh SQLite file)', async () => {
    const s = await modules.store.openStore({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, appendMode: config.storeAppendMode });
    await s.migrate();
    return s;
  });
  const compiled = await lap('loadBundledRuleSets (read + validate + compile)', () => modules.ruleSets.loadBundledRuleSets());
  await lap('importBundledRuleSets (publish + activate into the registry)', () =>
    modules.importBundled.importBundledRuleSets(store, compiled.map((c) => ({ file: c.identity.id, ruleSet: c.ruleSet }))),
  );
  const precompiled = new Map(compiled.map((c) => [c.identity.hash, c]));
  const catalog = await lap('RegistryServiceCatalog.start (reuses the compiled versions)', () =>
    modules.catalog.RegistryServiceCatalog.start({ store, pollIntervalMs: 0, compile: (ruleSet) => precompiled.get(modules.ruleSetHash.ruleSetContentHash(ruleSet))! }),
  );
  await lap('buildApp', () =>
    modules.app.buildApp({ config, catalog, store, logger: modules.logger.createLogger('silent'), clock: () => new Date() }),
  );
  catalog.stop();
  await store.close();
} finally {
  rmSync(dataDir, { recursive: true, force: true });
}
rows.push(['total inside the process (after Node + loader start)', performance.now() - started]);
const width = Math.max(...rows.map(([label]) => label.length));
console.log(`start-up stages (node ${process.version}, ${process.execArgv.join(' ') || 'no loader flags'}):`);
for (const [label, ms] of rows) console.log(`  ${label.padEnd(width)}  ${ms.toFixed(0).padStart(6)} ms`);
