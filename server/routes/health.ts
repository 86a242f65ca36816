/**
 * GET /healthz (the process is up) and GET /readyz (store answers a ping and rule sets are loaded; 503
 * at once, without asking the store, while the process drains before shutting down: http/draining.ts).
 * /readyz also lists the start-up notices (bundled rule sets that are new, edited or invalid and so not
 * served as they are): they need an operator, not a restart, and do not affect readiness.
 */
import { Router } from 'express';
import type { Draining } from '../http/draining.js';
import type { ServiceCatalog } from '../../use-cases/service-catalog.js';
import type { StartupNotice } from '../bundled-start.js';
import type { Store } from '../../store/store.js';

export function healthRoutes(store: Store, catalog: ServiceCatalog, draining?: Draining, notices: readonly StartupNotice[] = []): Router {
  return Router()
    .get('/healthz', (_req, res) => void res.json({ status: 'up' }))
    .get('/readyz', async (_req, res) => {
      if (draining?.active) {
        res.status(503).json({ status: 'draining', since: draining.since?.toISOString() });
        return;
      }
      const storeOk = await store.ping().then(
        () => true,
        () => false,
      );
      const ruleSetsLoaded = catalog.ready();
      const ready = storeOk && ruleSetsLoaded;
      res.status(ready ? 200 : 503).json({
        status: ready ? 'ready' : 'not-ready',
        checks: { store: storeOk ? 'ok' : 'failing', ruleSets: ruleSetsLoaded ? 'loaded' : 'none' },
        ...(notices.length === 0 ? {} : { notices }),
      });
    });
}
