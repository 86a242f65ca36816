/**
 * Which FHIR servers the service may call with a client's token. A base URL is allowed when its origin
 * (scheme, host, port) equals an allowlisted entry's origin and its path equals, or lies under, that
 * entry's path, after removing trailing slashes. `https://ehr.example/fhir` allows
 * `https://ehr.example/fhir/` and `https://ehr.example/fhir/r4`, never `https://ehr.example/fhir-evil`,
 * `https://ehr.example.evil.com/fhir` or `http://ehr.example/fhir`. URLs with credentials, a query or a
 * fragment are never allowed as base URLs.
 */

export interface NormalisedBase {
  origin: string;
  /** Path without trailing slashes; '' for the root. */
  path: string;
}

/** Parses and normalises a base URL; undefined if it is not a usable http(s) base URL. */
export function normaliseBaseUrl(url: string): NormalisedBase | undefined {
  if (typeof url !== 'string') return undefined;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') return undefined;
  if (parsed.username || parsed.password || parsed.search || parsed.hash) return undefined;
  return { origin: parsed.origin, path: parsed.pathname.replace(/\/+$/, '') };
}

function pathIsUnder(path: string, prefix: string): boolean {
  return path === prefix || path.startsWith(`${prefix}/`);
}

/** True when `fhirServer` is on the allowlist (exact origin + path-prefix match). */
export function isFhirServerAllowed(fhirServer: string, allowedFhirServers: readonly string[]): boolean {
  const candidate = normaliseBaseUrl(fhirServer);
  if (!candidate) return false;
  return allowedFhirServers.some((entry) => {
    const allowed = normaliseBaseUrl(entry);
    return allowed !== undefined && allowed.origin === candidate.origin && pathIsUnder(candidate.path, allowed.path);
  });
}

/**
 * True when an absolute URL (e.g. a Bundle `next` link) lies on the FHIR server we were given: same
 * origin, path under its base path. Query strings are allowed here (paging links carry them).
 */
export function isUrlOnServer(url: string, fhirServer: string): boolean {
  const base = normaliseBaseUrl(fhirServer);
  if (!base) return false;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  if (parsed.username || parsed.password) return false;
  return parsed.origin === base.origin && pathIsUnder(parsed.pathname.replace(/\/+$/, ''), base.path);
}
