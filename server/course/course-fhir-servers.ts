/**
 * Which FHIR servers the course view (a SMART app) may read from: the FHIR servers the service's
 * clients are allowed to use (every trusted client's `fhirServers`, OPEN_MODE_FHIR_SERVERS and, in open
 * mode, loopback servers), the same policy as the service's own FHIR calls. A launch naming another
 * server (`iss`) is refused, and the page's Content-Security-Policy lets the browser talk to no other.
 */
import { isLoopbackUrl } from '../auth/trust-mode.js';
import type { Config } from '../config.js';
import { isFhirServerAllowed } from '../../fhir/server-allowlist.js';

type CourseConfig = Pick<Config, 'clients' | 'openModeFhirServers'>;

/** The allowlist entries (base URLs). */
export function courseFhirServers(config: CourseConfig): string[] {
  return [...config.clients.flatMap((c) => c.fhirServers), ...config.openModeFhirServers];
}

/** True when the course view may read from this FHIR base URL. */
export function isCourseFhirServer(url: string, config: CourseConfig): boolean {
  if (config.clients.length === 0 && isLoopbackUrl(url)) return true;
  return isFhirServerAllowed(url, courseFhirServers(config));
}

/** CSP sources for the allowed FHIR servers (origins; loopback with any port in open mode). */
export function courseFhirSources(config: CourseConfig): string[] {
  const origins = new Set(courseFhirServers(config).map((u) => new URL(u).origin));
  if (config.clients.length === 0) for (const host of ['http://127.0.0.1:*', 'http://localhost:*']) origins.add(host);
  return [...origins];
}
