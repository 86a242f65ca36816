/**
 * Cross-site protection of the admin API (and the console's preview API under it). The console is
 * same-origin and the admin API sends no CORS headers, so no other web page can read its answers; this
 * guard also stops other pages from *sending* it state-changing requests (a form post or fetch from a
 * page a developer visits, which in ADMIN_OPEN_LOCAL mode needs no token):
 *   - a request with a method other than GET, HEAD or OPTIONS whose Origin header is not this service's
 *     own origin (an origin of PUBLIC_BASE_URL, or, when the service listens on a loopback address,
 *     http://localhost|127.0.0.1|[::1] on the port the request came in on) is refused with 403; without an Origin header, one whose
 *     Sec-Fetch-Site says another site sent it is refused too (a command-line client sends neither);
 *   - when the service listens on a loopback address, every admin request must name a loopback host
 *     or a PUBLIC_BASE_URL host in its Host header (403 otherwise), so a DNS-rebinding page cannot
 *     reach the admin API under its own host name either.
 */
import type { RequestHandler } from 'express';
import { isLoopbackHost } from '../auth/trust-mode.js';
import { AdminError } from '../../use-cases/admin-error.js';
import { sendAdminError } from './admin-error-response.js';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export interface AdminOriginPolicy {
  publicBaseUrls: readonly string[];
  /** HOST: the address the service listens on. */
  host: string;
}

const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '[::1]'];

/** The origins a state-changing admin request that came in on `localPort` may come from. */
export function adminOrigins(policy: AdminOriginPolicy, localPort: number | undefined): Set<string> {
  const origins = new Set(policy.publicBaseUrls.map((url) => new URL(url).origin));
  if (isLoopbackHost(policy.host) && localPort !== undefined) {
    for (const name of LOOPBACK_NAMES) origins.add(new URL(`http://${name}:${localPort}`).origin);
  }
  return origins;
}

function hostName(hostHeader: string): string {
  try {
    return new URL(`http://${hostHeader}`).hostname;
  } catch {
    return '';
  }
}

export function adminOriginGuard(policy: AdminOriginPolicy): RequestHandler {
  const publicHosts = new Set(policy.publicBaseUrls.map((url) => new URL(url).hostname));
  const listensOnLoopback = isLoopbackHost(policy.host);
  return (req, res, next) => {
    if (listensOnLoopback) {
      const name = hostName(req.headers.host ?? '');
      if (!isLoopbackHost(name) && !publicHosts.has(name)) {
        return sendAdminError(res, new AdminError(403, 'the admin API answers only requests addressed to this service by a loopback name or a PUBLIC_BASE_URL host (Host header)'));
      }
    }
    if (SAFE_METHODS.has(req.method)) return next();
    const origin = req.headers.origin;
    if (origin !== undefined) {
      if (!adminOrigins(policy, req.socket.localPort).has(origin)) {
        return sendAdminError(
          res,
          new AdminError(403, `cross-site request refused: Origin ${JSON.stringify(origin.slice(0, 200))} is not this service's origin (PUBLIC_BASE_URL)`, { field: 'Origin' }),
        );
      }
      return next();
    }
    const site = req.headers['sec-fetch-site'];
    if (site !== undefined && site !== 'same-origin' && site !== 'none') {
      return sendAdminError(res, new AdminError(403, `cross-site request refused: Sec-Fetch-Site is ${JSON.stringify(String(site).slice(0, 40))}`, { field: 'Sec-Fetch-Site' }));
    }
    next();
  };
}
