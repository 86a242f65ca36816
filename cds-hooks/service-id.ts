/**
 * The service id rule: a CDS Service is called at `{baseUrl}/cds-services/{id}` (spec "Calling a CDS
 * Service"), so its id is one URL path segment: letters, digits, ".", "_" and "-" (RFC 3986 unreserved
 * characters but "~"), starting with a letter or digit, so that "." and ".." can never be ids. The
 * rule-set schema (engine/rule-set.schema.json, $defs/service/properties/id) states the same pattern for
 * authors' editors; test/cds-hooks/service-id.test.ts keeps the two equal.
 */
export const SERVICE_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** What a refused id is told, after naming the service. */
export const SERVICE_ID_RULE = 'id must be one URL path segment (letters, digits, . _ -, starting with a letter or digit)';

export function isValidServiceId(id: unknown): id is string {
  return typeof id === 'string' && SERVICE_ID_PATTERN.test(id);
}
