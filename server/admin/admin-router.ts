/**
 * The admin API (JSON under /admin/api). Routes are mounted from ADMIN_ROUTE_POLICY, each with its
 * authorisation first, then its body reader, then its handler; `ADMIN_HANDLERS` must name a handler
 * for every operation in the policy table (the type checker enforces it). server/admin/openapi.json
 * describes the same routes (test/admin/openapi.test.ts checks they agree).
 *
 * server/app.ts mounts it with one line: mountAdminApi(app, deps).
 */
import { readFileSync } from 'node:fs';
import express, { type ErrorRequestHandler, type Express, type Request, type RequestHandler, type Response, type Router } from 'express';
import { HttpError } from '../http/http-error.js';
import { clientText } from '../http/log-text.js';
import { resolveAdminDeps, type AdminApiDeps, type AdminMountDeps } from './admin-deps.js';
import { AdminError } from '../../use-cases/admin-error.js';
import { sendAdminError } from './admin-error-response.js';
import { adminAuthorisation, principalOf } from './admin-auth.js';
import { ADMIN_ROUTE_POLICY, type AdminOperationId, type AdminRoutePolicy } from './admin-policy.js';
import {
  exportDecisionsRoute,
  getDecision,
  listDecisions,
  listFeedback,
  overrideStats,
  replayDecisionRoute,
  verifyChain,
} from './routes/decision-routes.js';
import { diffVersions, getVersion, lifecycleRoute, listRuleSets, listVersions, publishVersion } from './routes/rule-set-routes.js';

export const ADMIN_API_BASE = '/admin/api';
/** Largest rule-set document POST /rule-sets accepts. */
export const MAX_RULE_SET_BYTES = 5 * 1024 * 1024;
/** Largest body of the small JSON requests (lifecycle reason, replay target). */
export const MAX_SMALL_BODY_BYTES = 64 * 1024;

type AdminHandler = (req: Request, res: Response, deps: AdminApiDeps) => Promise<void>;

export const OPENAPI_DOCUMENT_URL = new URL('./openapi.json', import.meta.url);

const ADMIN_HANDLERS: Record<AdminOperationId, AdminHandler> = {
  getOpenApi: async (_req, res) => {
    res.type('application/json').send(readFileSync(OPENAPI_DOCUMENT_URL, 'utf8'));
  },
  whoAmI: async (_req, res, deps) => {
    const principal = principalOf(res);
    res.json({ name: principal.name, roles: principal.roles, mode: deps.access.mode });
  },
  listRuleSets,
  listVersions,
  getVersion,
  publishVersion,
  submitVersion: lifecycleRoute('submit'),
  approveVersion: lifecycleRoute('approve'),
  activateVersion: lifecycleRoute('activate'),
  retireVersion: lifecycleRoute('retire'),
  diffVersions,
  listDecisions,
  getDecision,
  listFeedback,
  overrideStats,
  exportDecisions: exportDecisionsRoute,
  verifyChain,
  replayDecision: replayDecisionRoute,
};

/** How each POST reads its body; GETs read none. */
const BODY_READERS: Partial<Record<AdminOperationId, RequestHandler[]>> = {
  publishVersion: jsonBytes(MAX_RULE_SET_BYTES, true),
  submitVersion: smallJsonBody(),
  approveVersion: smallJsonBody(),
  activateVersion: smallJsonBody(),
  retireVersion: smallJsonBody(),
  replayDecision: smallJsonBody(),
};

/** Mount before the app's 404 handler. Throws ConfigError for a bad ADMIN_USERS / ADMIN_OPEN_LOCAL setup. */
export function mountAdminApi(app: Express, deps: AdminMountDeps): void {
  app.use(ADMIN_API_BASE, adminRouter(resolveAdminDeps(deps)));
}

export function adminRouter(deps: AdminApiDeps): Router {
  const router = express.Router();
  router.use((_req, res, next) => {
    res.setHeader('Cache-Control', 'no-store');
    if (deps.access.mode === 'disabled') throw new AdminError(404, deps.access.reason);
    next();
  });
  for (const policy of ADMIN_ROUTE_POLICY) {
    const handler = ADMIN_HANDLERS[policy.operationId];
    const chain: RequestHandler[] = [
      adminAuthorisation(policy, deps.access),
      ...(BODY_READERS[policy.operationId] ?? []),
      async (req, res) => handler(req, res, deps),
    ];
    if (policy.method === 'GET') router.get(policy.path, ...chain);
    else router.post(policy.path, ...chain);
  }
  router.use((req, _res, next) => next(unknownAdminRoute(req)));
  router.use(adminErrorHandler(deps));
  return router;
}

function unknownAdminRoute(req: Request): AdminError {
  const samePath = ADMIN_ROUTE_POLICY.filter((p) => routePattern(p).test(req.path));
  if (samePath.length > 0) {
    return new AdminError(405, `${req.method} is not allowed on ${ADMIN_API_BASE}${req.path} (use ${samePath.map((p) => p.method).join(' or ')})`);
  }
  return new AdminError(404, `no admin route ${req.method} ${ADMIN_API_BASE}${req.path} (see ${ADMIN_API_BASE}/openapi.json)`);
}

function routePattern(policy: AdminRoutePolicy): RegExp {
  return new RegExp(`^${policy.path.replace(/[.]/g, '\\.').replace(/:[A-Za-z]+/g, '[^/]+')}/?$`);
}

/**
 * Reads the body as bytes (so a rule set's duplicate keys and syntax positions can be reported):
 * Content-Type must be JSON. `required`: an empty body is an error; otherwise it leaves req.body undefined.
 */
function jsonBytes(limit: number, required: boolean): RequestHandler[] {
  const checkType: RequestHandler = (req, _res, next) => {
    const hasBody = Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined;
    if (!hasBody) {
      if (required) throw new AdminError(400, 'body: is empty; send the rule-set JSON document', { field: 'body' });
      return next();
    }
    const mediaType = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
    if (mediaType !== 'application/json' && !(mediaType.startsWith('application/') && mediaType.endsWith('+json'))) {
      throw new AdminError(415, `Content-Type must be application/json${mediaType === '' ? '' : `, not ${mediaType}`}`, { field: 'Content-Type' });
    }
    next();
  };
  return [checkType, express.raw({ type: () => true, limit, inflate: true })];
}

/** A small optional JSON object body, parsed (400 naming the problem when it is not JSON). */
function smallJsonBody(): RequestHandler[] {
  const parse: RequestHandler = (req, _res, next) => {
    if (!Buffer.isBuffer(req.body)) {
      req.body = undefined;
      return next();
    }
    if (req.body.length === 0) {
      req.body = undefined;
      return next();
    }
    try {
      req.body = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(req.body)) as unknown;
    } catch (err) {
      throw new AdminError(400, `body: is not valid JSON (${(err as Error).message})`, { field: 'body' });
    }
    next();
  };
  return [...jsonBytes(MAX_SMALL_BODY_BYTES, false), parse];
}

function adminErrorHandler(deps: AdminApiDeps): ErrorRequestHandler {
  return (err, req, res, _next) => {
    if (res.headersSent) {
      // A streamed export failed half-way: the status is gone, so cut the stream (the client sees it truncated).
      deps.logger?.error({ path: clientText(req.path), errorName: clientText(err?.name, 64), errorMessage: clientText(err?.message ?? err, 1000) }, 'admin stream failed');
      res.destroy();
      return;
    }
    if (err instanceof AdminError) {
      sendAdminError(res, err);
      return;
    }
    if (err instanceof HttpError) {
      res.status(err.status).set(err.headers).json(err.body);
      return;
    }
    const bodyError = err as { type?: string; status?: number };
    if (bodyError?.type === 'entity.too.large') {
      res.status(413).json({ error: 'payload_too_large', message: 'body: is larger than this route accepts', field: 'body' });
      return;
    }
    if (typeof bodyError?.status === 'number' && bodyError.status >= 400 && bodyError.status < 500) {
      res.status(400).json({ error: 'invalid_request', message: 'body: could not be read', field: 'body' });
      return;
    }
    deps.logger?.error({ path: clientText(req.path), errorName: clientText(err?.name, 64), errorMessage: clientText(err?.message ?? err, 1000) }, 'admin API failed unexpectedly');
    res.status(500).json({ error: 'internal_error', message: 'the admin API failed unexpectedly; see the service log' });
  };
}
