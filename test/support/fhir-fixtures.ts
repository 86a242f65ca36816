/**
 * Synthetic FHIR R4 test patients (test/fixtures/fhir/patient-*.json, collection Bundles): codes are
 * ICD-10-CM (conditions), RxNorm ingredients (medications) and LOINC (BP panel 85354-9 with 8480-6/8462-4,
 * PHQ-9 total 44261-6, body weight 29463-7). Patient ids equal the file suffix.
 */
import { readFileSync } from 'node:fs';
import type * as fhir4 from 'fhir/r4.js';

export const FIXTURE_PATIENT_IDS = ['trd-adult', 'ptsd-adult', 'no-data'] as const;
export type FixturePatientId = (typeof FIXTURE_PATIENT_IDS)[number];

/** The collection Bundle of one fixture patient. */
export function fixturePatientBundle(id: FixturePatientId): fhir4.Bundle {
  const url = new URL(`../fixtures/fhir/patient-${id}.json`, import.meta.url);
  return JSON.parse(readFileSync(url, 'utf8')) as fhir4.Bundle;
}

/** The resources of one fixture patient (optionally only one type). */
export function fixtureResources<T extends fhir4.Resource = fhir4.Resource>(
  id: FixturePatientId,
  resourceType?: T['resourceType'],
): T[] {
  const resources = (fixturePatientBundle(id).entry ?? []).map((e) => e.resource as fhir4.Resource);
  return (resourceType ? resources.filter((r) => r.resourceType === resourceType) : resources) as T[];
}

/** A searchset Bundle, as a CDS client would send it in prefetch. */
export function searchset(resources: fhir4.Resource[]): fhir4.Bundle {
  return {
    resourceType: 'Bundle',
    type: 'searchset',
    total: resources.length,
    entry: resources.map((resource) => ({ resource, search: { mode: 'match' } })),
  };
}
