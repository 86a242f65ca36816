/**
 * Whether this service checks client tokens ("clients": CDS_CLIENTS names trusted clients) or runs
 * open (no clients configured). Open mode is only allowed when the server listens on a loopback
 * address: for local development and demos, never reachable from another machine. Anywhere else
 * without clients the service refuses to start.
 */
import { isIP } from 'node:net';
import type { Config } from '../config.js';
import { ConfigError } from '../../lib/config-error.js';
import { normaliseBaseUrl, type TrustedClient } from './trusted-clients.js';

export type TrustMode = 'clients' | 'open';

export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost' || h === '::1' || h === '0:0:0:0:0:0:0:1') return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  if (h.startsWith('::ffff:')) return h.slice(7).startsWith('127.');
  return false;
}

/** Throws ConfigError when no clients are configured and HOST is not a loopback address. */
export function trustModeFor(config: Pick<Config, 'clients' | 'host'>): TrustMode {
  if (config.clients.length > 0) return 'clients';
  if (isLoopbackHost(config.host)) return 'open';
  throw new ConfigError(
    `refusing to start: no trusted CDS clients are configured (CDS_CLIENTS is unset) and HOST=${config.host} ` +
      'is not a loopback address. Set CDS_CLIENTS to a JSON file of trusted clients, or bind HOST=127.0.0.1 ' +
      'for local use without client authentication.',
  );
}

export const OPEN_MODE_WARNING =
  'OPEN MODE: no CDS_CLIENTS configured; client JWTs are NOT verified. Allowed only because HOST is a ' +
  'loopback address. Never expose this process to a network.';

export function isLoopbackUrl(url: string): boolean {
  try {
    return isLoopbackHost(new URL(url).hostname);
  } catch {
    return false;
  }
}

/**
 * FHIR servers this service may call (with the request's fhirAuthorization) for one request:
 * the authenticated client's `fhirServers`; in open mode only loopback servers plus
 * OPEN_MODE_FHIR_SERVERS, so an unauthenticated caller cannot make this process call arbitrary hosts.
 */
export function allowedFhirServers(
  config: Pick<Config, 'openModeFhirServers'>,
  client: TrustedClient | undefined,
  requestedFhirServer: string | undefined,
): string[] {
  if (client) return client.fhirServers;
  const allowed = [...config.openModeFhirServers];
  if (requestedFhirServer && isLoopbackUrl(requestedFhirServer)) allowed.push(normaliseBaseUrl(requestedFhirServer));
  return allowed;
}
