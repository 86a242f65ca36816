/**
 * The CDS clients (EHRs) this service trusts, read from the JSON file named by CDS_CLIENTS and
 * validated against server/schemas/cds-clients.schema.json at start.
 */
import { readFileSync } from 'node:fs';
import type { JSONWebKeySet } from 'jose';
import { ConfigError } from '../../lib/config-error.js';
import { validateAgainst } from '../validation/schemas.js';

export interface TrustedClient {
  /** JWT `iss` this client signs with (exact match). */
  iss: string;
  /** Public keys given out of band (spec: "the JWK Set SHALL be communicated out-of-band"). */
  jwks?: JSONWebKeySet;
  /** The JWK Set URL(s) this service may fetch for this client (the `jku` allowlist). */
  jku?: string | string[];
  /** When set, the token's `sub` claim must equal it (Epic sends the CDS client id as `sub`). */
  clientId?: string;
  /** FHIR base URLs this service may call with the client's fhirAuthorization. */
  fhirServers: string[];
  /** When set, the token's `tenant` claim must equal it. */
  tenant?: string;
}

export function parseTrustedClients(json: unknown, source: string): TrustedClient[] {
  const problems = validateAgainst('cds-clients', json);
  if (problems.length > 0) {
    throw new ConfigError(
      `CDS_CLIENTS file ${source} is invalid:\n` +
        problems.map((p) => `  - ${p.pointer || '(whole file)'}: ${p.message}`).join('\n'),
    );
  }
  const clients = json as TrustedClient[];
  const seen = new Set<string>();
  clients.forEach((client, index) => {
    if (seen.has(client.iss)) {
      throw new ConfigError(`CDS_CLIENTS file ${source} is invalid:\n  - /${index}/iss: "${client.iss}" is listed twice`);
    }
    seen.add(client.iss);
  });
  return clients.map((c) => ({ ...c, fhirServers: c.fhirServers.map(normaliseBaseUrl) }));
}

export function loadTrustedClients(file: string): TrustedClient[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`CDS_CLIENTS file ${file} cannot be read: ${(err as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(`CDS_CLIENTS file ${file} is not valid JSON: ${(err as Error).message}`);
  }
  return parseTrustedClients(json, file);
}

/** The JWK Set URLs this service may fetch for `client` (none when its keys are only inline). */
export function jkuAllowlist(client: TrustedClient): string[] {
  if (client.jku === undefined) return [];
  return typeof client.jku === 'string' ? [client.jku] : client.jku;
}

/** FHIR base URLs are compared without a trailing slash. */
export function normaliseBaseUrl(url: string): string {
  return url.replace(/\/+$/, '');
}
