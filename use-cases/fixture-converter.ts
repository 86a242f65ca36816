/**
 * Rule-set fixtures as the service sees them: the compact shorthand becomes FHIR resources, a hook
 * context and a CDS Hooks request (engine/fixtures/compact-fhir.ts), and the patient record is
 * assembled from them by the FHIR layer's own assembly (fhir/assemble-record.ts), exactly as for a real
 * request. The engine runs fixtures with whatever converter it is given (it does no I/O and builds no
 * records); the CLI, the console, the admin API's diff, the tests and the benchmarks pass this one.
 */
import type { HookName } from '../engine/rule-set-types.js';
import { fixtureContext, fixtureToRequest, fixtureToResources } from '../engine/fixtures/compact-fhir.js';
import type { CompactFixture } from '../engine/fixtures/compact-types.js';
import type { FixtureConverter } from '../engine/fixtures/run-fixtures.js';
import { assemblePatientRecord } from '../fhir/assemble-record.js';
import type { PatientRecord } from '../fhir/patient-record.js';

/** The PatientRecord the engine would see for this fixture (every data resource, plus the hook context). */
export function fixtureToPatientRecord(fixture: CompactFixture, hook?: HookName): PatientRecord {
  const resources = fixtureToResources(fixture);
  const context = fixtureContext(fixture, hook ?? fixture.hook);
  return assemblePatientRecord(fixture.patient.id, context, [
    { status: { key: 'fixture', origin: 'prefetch', resourceCount: resources.length }, resources },
  ]);
}

export const COMPACT_FHIR_CONVERTER: FixtureConverter = {
  toRecord: (fixture) => fixtureToPatientRecord(fixture, fixture.hook),
  toRequest: (fixture, service) => fixtureToRequest(fixture, service),
};
