/**
 * The web console for informaticists and compliance, mounted by server/app.ts with one line:
 *   mountConsole(app, deps)   (before mountAdminApi, whose router answers every other /admin/api path)
 *
 *   /console/<page>            the console pages (docs/console.md): preview, rule-sets, diff,
 *                              decisions (and decisions/<seq>), stats; /console redirects to preview
 *   /console/assets/<file>     its script, styles and icon
 *   /admin/api/preview…        the card preview API (server/console/preview-api.ts), behind the admin
 *                              API's authentication and roles
 * The pages themselves are public shells: everything they show comes from the admin API, called
 * with the signed-in user's bearer token.
 */
import express, { type Express, type Request, type Response } from 'express';
import { resolveAdminDeps, type AdminMountDeps } from '../admin/admin-deps.js';
import { ADMIN_API_BASE } from '../admin/admin-router.js';
import { CONSOLE_SECURITY_HEADERS, consoleAsset, pageShell } from './console-assets.js';
import { previewRouter } from './preview-api.js';

export const CONSOLE_BASE = '/console';
/** The pages under /console (the client picks the view from the path). */
export const CONSOLE_PAGES = ['preview', 'rule-sets', 'diff', 'decisions', 'stats'] as const;

export interface ConsoleMountDeps extends AdminMountDeps {
  config: AdminMountDeps['config'] & { maxBodyBytes: number; maxJsonDepth: number; httpBodyTimeoutMs: number; publicBaseUrl: string };
}

function sendShell(_req: Request, res: Response): void {
  const shell = pageShell();
  res.set(CONSOLE_SECURITY_HEADERS).type(shell.contentType).send(shell.body);
}

export function consoleRouter(): express.Router {
  const router = express.Router();
  router.get('/', (_req, res) => {
    res.set(CONSOLE_SECURITY_HEADERS).redirect(302, `${CONSOLE_BASE}/preview`);
  });
  router.get('/assets/:name', async (req, res, next) => {
    const asset = await consoleAsset(req.params.name as string);
    if (asset === undefined) return next();
    res.set(CONSOLE_SECURITY_HEADERS).type(asset.contentType).send(asset.body);
  });
  for (const page of CONSOLE_PAGES) router.get(`/${page}`, sendShell);
  router.get('/decisions/:seq', sendShell);
  return router;
}

/** Throws ConfigError for a bad ADMIN_USERS / ADMIN_OPEN_LOCAL setup (as mountAdminApi does). */
export function mountConsole(app: Express, deps: ConsoleMountDeps): void {
  const admin = resolveAdminDeps(deps);
  app.use(
    ADMIN_API_BASE,
    previewRouter({
      store: admin.store,
      access: admin.access,
      rulesDir: admin.rulesDir,
      clock: admin.clock,
      maxBodyBytes: deps.config.maxBodyBytes,
      maxJsonDepth: deps.config.maxJsonDepth,
      httpBodyTimeoutMs: deps.config.httpBodyTimeoutMs,
      publicBaseUrl: deps.config.publicBaseUrl,
    }),
  );
  app.use(CONSOLE_BASE, consoleRouter());
}
