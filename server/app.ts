/**
 * Builds the HTTP application (no port: main.ts listens through server/http/http-server.ts, tests use
 * supertest). Middleware order: request id and trace -> security headers -> request log ->
 * `Connection: close` while draining -> health -> on /cds-services: CORS (answers preflights) -> call
 * metrics (when enabled) -> client authentication (401 before anything is held) -> in-flight limit
 * shared fairly between clients (POSTs; 503) -> rate limit per client (in the store) -> routes (each
 * one line delegating; bodies read within HTTP_BODY_TIMEOUT_MS) -> on /admin: the cross-site guard,
 * no CORS -> console and admin API -> 405/404 -> JSON error handler.
 */
import type { Tracer } from '@opentelemetry/api';
import express from 'express';
import { JwksCache, fetchJwksOverHttp, type JwksFetcher } from './auth/jwks-cache.js';
import { StoreReplayCache, type ReplayCache } from './auth/replay-cache.js';
import { requireClient } from './auth/require-client.js';
import { OPEN_MODE_WARNING, trustModeFor } from './auth/trust-mode.js';
import { ClientTokenVerifier } from './auth/verify-client-token.js';
import type { Config } from './config.js';
import { mountConsole } from './console/mount.js';
import { adminOriginGuard } from './admin/admin-origin-guard.js';
import { mountCourseView } from './course/mount.js';
import { mountAdminApi } from './admin/admin-router.js';
import type { AdminAccess } from './admin/admin-access.js';
import { cors } from './http/cors.js';
import { closeConnectionsWhileDraining, Draining } from './http/draining.js';
import { errorHandler, methodNotAllowed, unknownRoute } from './http/error-handler.js';
import { DEFAULT_MAX_IN_FLIGHT, inFlightLimit, type InFlightLimit } from './http/in-flight-limit.js';
import { jsonBody } from './http/json-body.js';
import { rateLimit } from './http/rate-limit.js';
import { assignRequestContext } from './http/request-context.js';
import { requestLog } from './http/request-log.js';
import { securityHeaders } from './http/security-headers.js';
import type { Logger } from './logger.js';
import { callMetrics } from './observability/call-metrics.js';
import type { ServiceMetrics } from './observability/metrics.js';
import { unexportedTracer } from './observability/tracing.js';
import { discoveryRoutes } from './routes/discovery.js';
import { feedbackRoutes } from './routes/feedback.js';
import { healthRoutes } from './routes/health.js';
import { serviceRoutes } from './routes/service.js';
import type { ServiceCatalog } from '../use-cases/service-catalog.js';
import type { StartupNotice } from './bundled-start.js';
import type { Store } from '../store/store.js';
import { FhirRequestLimit } from '../fhir/request-limit.js';

export interface AppDeps {
  config: Config;
  catalog: ServiceCatalog;
  store: Store;
  logger: Logger;
  /** "Now" for evaluations, token checks and records; pinned in tests. */
  clock: () => Date;
  /** Fetches a client's JWK Set from its allowlisted jku (default: HTTP GET with timeout). */
  fetchJwks?: JwksFetcher;
  /** Replay cache for client token jti values (default: in the store, JWT_REPLAY_CACHE_PER_CLIENT per client). */
  replayCache?: ReplayCache;
  /** Admin API access (default: from ADMIN_USERS / ADMIN_OPEN_LOCAL in the environment). */
  adminAccess?: AdminAccess;
  /** What an operator should know about the bundled rule sets (shown by /readyz; server/bundled-notices.ts). */
  notices?: StartupNotice[];
  /** Most POSTs under /cds-services in flight at once, 0 = no limit (default 64; main.ts reads MAX_IN_FLIGHT). */
  maxInFlight?: number;
  /** The in-flight limit itself (default: inFlightLimit(maxInFlight)); tests pass one to observe admissions. */
  inFlightLimit?: InFlightLimit;
  /** The service's tracer (main.ts: startTracing); default: spans with ids, propagated, never exported. */
  tracer?: Tracer;
  /** Prometheus metrics, served on their own listener (METRICS_PORT); default: none collected. */
  metrics?: ServiceMetrics;
  /** Set when the process drains before shutting down (main.ts, SIGTERM); /readyz then answers 503. */
  draining?: Draining;
}

/** Throws ConfigError when no clients are configured and HOST is not loopback. */
export function buildApp(deps: AppDeps): express.Express {
  const { config, logger } = deps;
  const mode = trustModeFor(config);
  if (mode === 'open') logger.warn({ host: config.host }, OPEN_MODE_WARNING);

  const verifier =
    mode === 'clients'
      ? new ClientTokenVerifier({
          clients: config.clients,
          jwks: new JwksCache(deps.fetchJwks ?? fetchJwksOverHttp, deps.clock, undefined, (url, error) =>
            logger.warn({ jku: url, errorMessage: error.message }, 'JWK Set fetch failed'),
          ),
          replay:
            deps.replayCache ??
            new StoreReplayCache(deps.store, config.jwtReplayCachePerClient, (error) =>
              logger.error({ errorMessage: error.message }, 'replay cache: the store did not answer'),
            ),
          clock: deps.clock,
          clockSkewS: config.jwtClockSkewS,
          maxTokenAgeS: config.jwtMaxTokenAgeS,
        })
      : undefined;
  const readJson = jsonBody(config);
  const tracer = deps.tracer ?? unexportedTracer();
  const draining = deps.draining ?? new Draining();

  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use(assignRequestContext(logger, tracer));
  app.use(securityHeaders(config.publicBaseUrls));
  app.use(requestLog());
  app.use(closeConnectionsWhileDraining(draining));
  app.use(healthRoutes(deps.store, deps.catalog, draining, deps.notices ?? []));
  // CORS for browser-based CDS clients only: the admin API and the console are same-origin.
  app.use('/cds-services', cors(config.corsOrigin));
  if (deps.metrics) app.use('/cds-services', callMetrics(deps.metrics));
  app.use('/cds-services', requireClient({ mode, verifier, publicBaseUrls: config.publicBaseUrls }));
  // After authentication: an unauthenticated request holds no slot; each client has its fair share.
  app.use('/cds-services', (deps.inFlightLimit ?? inFlightLimit(deps.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT)).handler);
  app.use('/cds-services', rateLimit({ perMinute: config.rateLimitPerMinute, clock: deps.clock, store: deps.store }));
  app.use(discoveryRoutes(deps.catalog));
  // One bound on requests to each FHIR server for every call this app serves (fhir/request-limit.ts), if set.
  const fhirRequestLimit = config.fhirMaxConcurrentRequests > 0 ? new FhirRequestLimit(config.fhirMaxConcurrentRequests) : undefined;
  app.use(serviceRoutes({ ...deps, tracer, fhirRequestLimit }, readJson));
  app.use(feedbackRoutes(deps, readJson));
  app.use('/admin', adminOriginGuard({ publicBaseUrls: config.publicBaseUrls, host: config.host }));
  mountCourseView(app, deps); // the course view, a SMART on FHIR app opened from cards (docs/course-view.md)
  mountConsole(app, deps); // web console + card preview API; must come before the admin API router
  mountAdminApi(app, deps); // registry, lifecycle and decision audit under /admin/api (docs/admin-api.md)
  app.all('/cds-services', methodNotAllowed('GET, OPTIONS'));
  app.all('/cds-services/:id', methodNotAllowed('POST, OPTIONS'));
  app.all('/cds-services/:id/feedback', methodNotAllowed('POST, OPTIONS'));
  app.use(unknownRoute);
  app.use(errorHandler(logger, config.maxBodyBytes));
  return app;
}
