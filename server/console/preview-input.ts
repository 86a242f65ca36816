/**
 * The three ways the console's card preview gets a patient, each turned into what one evaluation
 * needs ({hook, context, record} and the default "now"):
 *
 *   fixture  a sample patient of the rule set (rules/<id>/fixtures/<file>.yaml, by its `name`), via
 *            the engine's compact-FHIR converter, exactly as the fixture runner evaluates it;
 *   bundle   a pasted FHIR R4 Bundle (or one resource) holding exactly one Patient; draft
 *            MedicationRequests become the order hooks' draftOrders (all selected on order-select),
 *            proposed Appointments become appointment-book's appointments;
 *   request  a pasted CDS Hooks 2.0 request, validated like a real call; its record comes from its
 *            prefetch only. fhirServer and fhirAuthorization are dropped before resolving, so the
 *            preview never calls any FHIR server (keys not prefetched are reported as missing).
 *
 * Every problem is a 400 AdminError naming the field (a JSON pointer into the preview body).
 */
import type * as fhir4 from 'fhir/r4.js';
import type { CompiledRuleSet } from '../../engine/compile-rule-set.js';
import { fixtureToRequest } from '../../engine/fixtures/compact-fhir.js';
import type { Fixture } from '../../engine/fixtures/fixture-types.js';
import type { HookName, ServiceDefinition } from '../../engine/rule-set-types.js';
import { assemblePatientRecord, flattenResources } from '../../fhir/assemble-record.js';
import type { PatientRecord, PrefetchKeyStatus } from '../../fhir/patient-record.js';
import { resolvePatientRecord } from '../../fhir/resolve-record.js';
import { AdminError } from '../../use-cases/admin-error.js';
import { HttpError } from '../http/http-error.js';
import { contextSchemaFor } from '../../cds-hooks/hooks.js';
import { validateServiceRequest } from '../service-call/validate-service-request.js';
import { validateAgainst } from '../../cds-hooks/json-schemas.js';
import type { CdsServiceRequest } from '../../cds-hooks/wire-types.js';
import { fixtureToPatientRecord } from '../../use-cases/fixture-converter.js';

/** The practitioner a pasted Bundle is previewed as (the hook context needs a userId). */
export const PREVIEW_USER_ID = 'Practitioner/console-preview';

/** Bounds for resolving a pasted request's prefetch (nothing is fetched, so these never wait). */
const PASTED_REQUEST_RESOLVE = Object.freeze({ deadlineMs: 1000, maxPages: 1 });

export interface PreviewPatient {
  hook: HookName;
  service: ServiceDefinition;
  context: Record<string, unknown>;
  record: PatientRecord;
  /** Seeds the deterministic card uuids (the fixture runner's seed for fixtures). */
  idSeed: string;
  /** The evaluation instant the input itself suggests (a fixture's `now`). */
  suggestedNow?: string;
  /** How each prefetch key was satisfied (request input), for the console to show missing data. */
  sources: PrefetchKeyStatus[];
}

export function badInput(pointer: string, message: string): AdminError {
  return new AdminError(400, `${pointer}: ${message}`, { field: pointer, problems: [{ pointer, message }] });
}

/** The rule set's first service for the hook (the one the fixture runner would call). */
export function serviceForHook(compiled: CompiledRuleSet, hook: HookName, preferredId?: string): ServiceDefinition {
  if (preferredId !== undefined) {
    const preferred = compiled.service(preferredId);
    if (preferred !== undefined && preferred.hook === hook) return preferred;
  }
  const service = compiled.services.find((s) => s.hook === hook);
  if (service === undefined) {
    const hooks = [...new Set(compiled.services.map((s) => s.hook))].join(', ');
    throw badInput('/hook', `rule set ${compiled.identity.id} ${compiled.identity.version} has no service for ${hook} (it answers ${hooks})`);
  }
  return service;
}

export function patientFromFixture(compiled: CompiledRuleSet, fixture: Fixture, hook: HookName | undefined): PreviewPatient {
  const chosenHook = hook ?? fixture.hook;
  const service = serviceForHook(compiled, chosenHook, fixture.service);
  let request: CdsServiceRequest;
  let record: PatientRecord;
  try {
    request = fixtureToRequest(fixture, service);
    record = fixtureToPatientRecord(fixture, chosenHook);
  } catch (err) {
    throw badInput('/fixture', (err as Error).message);
  }
  return {
    hook: chosenHook,
    service,
    context: request.context,
    record,
    idSeed: `fixture:${fixture.name}`,
    suggestedNow: fixture.now,
    sources: record.sources,
  };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function collection(resources: fhir4.Resource[]): fhir4.Bundle {
  return { resourceType: 'Bundle', type: 'collection', entry: resources.map((resource) => ({ resource: resource as fhir4.FhirResource })) };
}

export function patientFromBundle(compiled: CompiledRuleSet, bundle: unknown, hook: HookName): PreviewPatient {
  if (!isObject(bundle) || typeof bundle.resourceType !== 'string') {
    throw badInput('/bundle', 'must be a FHIR resource (a JSON object with resourceType), normally a Bundle');
  }
  const resources = flattenResources(bundle);
  const patients = resources.filter((r): r is fhir4.Patient => r.resourceType === 'Patient');
  if (patients.length !== 1) {
    throw badInput('/bundle', `must contain exactly one Patient resource (found ${patients.length})`);
  }
  const patientId = patients[0].id;
  if (typeof patientId !== 'string' || patientId === '') throw badInput('/bundle', 'the Patient resource must have an id');
  const service = serviceForHook(compiled, hook);

  const drafts = resources.filter(
    (r): r is fhir4.MedicationRequest => r.resourceType === 'MedicationRequest' && (r as fhir4.MedicationRequest).status === 'draft',
  );
  const proposed = resources.filter(
    (r): r is fhir4.Appointment => r.resourceType === 'Appointment' && (r as fhir4.Appointment).status === 'proposed',
  );
  const context: Record<string, unknown> = { userId: PREVIEW_USER_ID, patientId };
  if ((hook === 'order-select' || hook === 'order-sign') && drafts.length > 0) context.draftOrders = collection(drafts);
  if (hook === 'order-select' && drafts.length > 0) {
    context.selections = drafts.map((d, i) => {
      if (typeof d.id !== 'string' || d.id === '') throw badInput('/bundle', `draft MedicationRequest #${i + 1} needs an id to be selectable`);
      return `MedicationRequest/${d.id}`;
    });
  }
  if (hook === 'appointment-book' && proposed.length > 0) context.appointments = collection(proposed);
  const problems = validateAgainst(contextSchemaFor(hook), context);
  if (problems.length > 0) {
    const first = problems[0];
    throw badInput('/bundle', `cannot form a ${hook} context from this Bundle: ${first.pointer || 'context'} ${first.message}`);
  }
  const inContext = new Set<fhir4.Resource>([...(context.draftOrders ? drafts : []), ...(context.appointments ? proposed : [])]);
  const data = resources.filter((r) => !inContext.has(r));
  const record = assemblePatientRecord(patientId, context, [
    { status: { key: 'bundle', origin: 'prefetch', resourceCount: data.length }, resources: data },
  ]);
  return { hook, service, context, record, idSeed: 'console-preview:bundle', sources: record.sources };
}

export async function patientFromRequest(compiled: CompiledRuleSet, body: unknown, hook: HookName): Promise<PreviewPatient> {
  let request: CdsServiceRequest;
  try {
    request = validateServiceRequest(body);
  } catch (err) {
    if (err instanceof HttpError && err.body.problems) {
      const problems = err.body.problems.map((p) => ({ pointer: `/request${p.pointer}`, message: p.message }));
      throw new AdminError(400, `/request: is not a valid CDS Hooks request: ${problems.map((p) => `${p.pointer} ${p.message}`).join('; ')}`, {
        field: '/request',
        problems,
      });
    }
    throw err;
  }
  if (request.hook !== hook) {
    throw badInput('/request/hook', `is ${JSON.stringify(request.hook)} but the preview asks for ${hook}; choose the request's hook`);
  }
  const service = serviceForHook(compiled, hook);
  const { fhirServer: _server, fhirAuthorization: _authorization, ...offline } = request;
  const resolved = await resolvePatientRecord({
    request: offline,
    templates: service.prefetch ?? {},
    allowedFhirServers: [],
    deadlineMs: PASTED_REQUEST_RESOLVE.deadlineMs,
    maxPages: PASTED_REQUEST_RESOLVE.maxPages,
    missingData: 'partial',
  });
  if (!resolved.ok) throw badInput('/request', 'its prefetch cannot be used to build a patient record');
  return {
    hook,
    service,
    context: request.context,
    record: resolved.record,
    idSeed: request.hookInstance,
    sources: resolved.record.sources,
  };
}
