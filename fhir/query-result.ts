/**
 * Does a value (a prefetch key's value, or a body the FHIR server returned) answer a given query?
 * Used for prefetched data and fetched data alike, so both obey the same rules:
 *
 *  - read `Type/id`: a resource of that type whose id (if present) is that id; a Bundle holding only such
 *    resources is tolerated (some clients answer reads with a searchset).
 *  - search `Type?...`: a Bundle whose entries are that type; other types are accepted only as
 *    `search.mode: 'include'` entries or when the query uses `_include`/`_revinclude`;
 *    OperationOutcome entries (search warnings) are dropped.
 *
 * Anything else (e.g. a Condition template answered with Observations) means the value does not answer
 * the query: none of its resources enter the record, and the key counts as failed (the resolver then
 * refetches it when it can). Reasons name only resource types, never ids or content.
 */
import type * as fhir4 from 'fhir/r4.js';
import type { QueryShape } from '../cds-hooks/prefetch-template.js';

export type QueryResultCheck = { ok: true; resources: fhir4.Resource[] } | { ok: false; reason: string };

function resourceTypeOf(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const type = (value as { resourceType?: unknown }).resourceType;
  return typeof type === 'string' && type !== '' ? type : undefined;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a JSON array';
  if (typeof value !== 'object') return `a JSON ${typeof value}`;
  const type = resourceTypeOf(value);
  return type ? `a ${type}` : 'an object without resourceType';
}

function checkRead(value: unknown, shape: Extract<QueryShape, { kind: 'read' }>): QueryResultCheck {
  const type = resourceTypeOf(value);
  if (type === shape.resourceType) {
    const id = (value as fhir4.Resource).id;
    if (id !== undefined && id !== shape.id) return { ok: false, reason: `${type} with a different id than requested` };
    return { ok: true, resources: [value as fhir4.Resource] };
  }
  if (type === 'Bundle') {
    const resources: fhir4.Resource[] = [];
    for (const entry of (value as fhir4.Bundle).entry ?? []) {
      const entryType = resourceTypeOf(entry?.resource);
      if (entryType === undefined || entryType === 'OperationOutcome') continue;
      const checked = checkRead(entry.resource, shape);
      if (!checked.ok) return { ok: false, reason: `Bundle entry: ${checked.reason}` };
      resources.push(...checked.resources);
    }
    return { ok: true, resources };
  }
  return { ok: false, reason: `expected a ${shape.resourceType}, got ${describe(value)}` };
}

function checkSearch(value: unknown, shape: Extract<QueryShape, { kind: 'search' }>): QueryResultCheck {
  if (resourceTypeOf(value) !== 'Bundle') {
    return { ok: false, reason: `expected a Bundle of ${shape.resourceType}, got ${describe(value)}` };
  }
  const bundle = value as fhir4.Bundle;
  if (bundle.entry !== undefined && !Array.isArray(bundle.entry)) {
    return { ok: false, reason: 'Bundle.entry is not an array' };
  }
  const resources: fhir4.Resource[] = [];
  for (const entry of bundle.entry ?? []) {
    if (entry?.resource === undefined) continue;
    const entryType = resourceTypeOf(entry.resource);
    if (entryType === undefined) return { ok: false, reason: 'Bundle entry resource without resourceType' };
    if (entryType === 'OperationOutcome') continue;
    const included = entry.search?.mode === 'include' || shape.includesOtherTypes;
    if (entryType !== shape.resourceType && !included) {
      return { ok: false, reason: `Bundle entry of type ${entryType} where ${shape.resourceType} was expected` };
    }
    resources.push(entry.resource);
  }
  return { ok: true, resources };
}

/** Checks a value against a query; on success returns its resources (flattened, OperationOutcomes dropped). */
export function checkQueryResult(value: unknown, shape: QueryShape): QueryResultCheck {
  return shape.kind === 'read' ? checkRead(value, shape) : checkSearch(value, shape);
}

/** The `next` link of a Bundle, if any. */
export function nextLink(value: unknown): string | undefined {
  if (resourceTypeOf(value) !== 'Bundle') return undefined;
  const links = (value as fhir4.Bundle).link;
  if (!Array.isArray(links)) return undefined;
  const next = links.find((l) => l?.relation === 'next' && typeof l.url === 'string' && l.url !== '');
  return next?.url;
}
