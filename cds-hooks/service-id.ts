/**
 * The service id rule: a CDS Service is called at `{baseUrl}/cds-services/{id}` (spec "Calling a CDS
 * Service"), so its id is one URL path segment made of unreserved characters only (RFC 3986 section 2.3).
 */
export const SERVICE_ID_PATTERN = /^[A-Za-z0-9\-._~]+$/;

/** What a refused id is told, after naming the service. */
export const SERVICE_ID_RULE = 'id must be one URL path segment (letters, digits, - . _ ~)';

export function isValidServiceId(id: unknown): id is string {
  return typeof id === 'string' && SERVICE_ID_PATTERN.test(id);
}
