/**
 * POST /course/api/picture: the treatment-course picture (engine/course-picture.ts) of the FHIR
 * resources the course view read from the EHR's FHIR server, under the ACTIVE version of the rule set
 * (the version the service's cards come from):
 *
 *   {ruleSetId?, patientId, resources: [FHIR R4 resources] | Bundle}  ->  CoursePicture
 *
 * `ruleSetId` is the course named by the card's appContext; without it, the one active rule set that
 * has dosing schedules. Every resource is checked for FHIR R4 JSON shape (400 naming the element).
 * Stateless: nothing is stored or logged but error names; "now" is the service clock.
 */
import express, { type Request, type Response, type Router } from 'express';
import type * as fhir4 from 'fhir/r4.js';
import { compileRuleSet, type CompiledRuleSet } from '../../engine/compile-rule-set.js';
import { assemblePatientRecord, flattenResources } from '../../fhir/assemble-record.js';
import type { Store } from '../../store/store.js';
import type { ServiceCatalog } from '../../use-cases/service-catalog.js';
import { coursePicture } from '../../engine/course-picture.js';
import { HttpError, invalidRequest, notFound } from '../http/http-error.js';
import { inFlightLimit } from '../http/in-flight-limit.js';
import { jsonBody } from '../http/json-body.js';
import { fhirResourceProblems } from '../validation/fhir-shape.js';

export const PICTURE_PATH = '/api/picture';
const BODY_FIELDS = ['ruleSetId', 'patientId', 'resources'];
const ID = /^[A-Za-z0-9\-.]{1,64}$/;
/** Picture computations at once (each is CPU work on a posted record); more get 503. */
export const MAX_PICTURES_IN_FLIGHT = 8;
const COMPILED_KEPT = 4;

export interface PictureApiDeps {
  store: Store;
  catalog: ServiceCatalog;
  clock: () => Date;
  config: { maxBodyBytes: number; maxJsonDepth: number; httpBodyTimeoutMs: number };
}

function bad(pointer: string, message: string): HttpError {
  return invalidRequest([{ pointer, message }], `${pointer || 'the body'} ${message}`);
}

/** The active version of each rule set, by id (from the catalog the service answers with). */
function activeVersions(catalog: ServiceCatalog): Map<string, string> {
  const out = new Map<string, string>();
  for (const binding of catalog.list()) out.set(binding.ruleSet.id, binding.ruleSet.version);
  return out;
}

export function pictureRouter(deps: PictureApiDeps): Router {
  const router = express.Router();
  const compiled = new Map<string, CompiledRuleSet>();
  const compile = async (ruleSetId: string, version: string): Promise<CompiledRuleSet> => {
    const record = await deps.store.getVersion(ruleSetId, version);
    if (record === undefined) throw notFound(`rule set ${ruleSetId} has no version ${version}`);
    let ruleSet = compiled.get(record.hash);
    if (ruleSet === undefined) {
      ruleSet = compileRuleSet(record.content, { file: `registry:${ruleSetId}@${version}` });
      compiled.set(record.hash, ruleSet);
      if (compiled.size > COMPILED_KEPT) compiled.delete(compiled.keys().next().value as string);
    }
    return ruleSet;
  };

  router.post(PICTURE_PATH, inFlightLimit(MAX_PICTURES_IN_FLIGHT).handler, ...jsonBody(deps.config), async (req: Request, res: Response) => {
    res.setHeader('Cache-Control', 'no-store');
    const body: unknown = req.body;
    if (body === null || typeof body !== 'object' || Array.isArray(body)) throw bad('', 'must be a JSON object {ruleSetId?, patientId, resources}');
    const fields = body as Record<string, unknown>;
    for (const key of Object.keys(fields)) if (!BODY_FIELDS.includes(key)) throw bad(`/${key}`, `is not a known field (allowed: ${BODY_FIELDS.join(', ')})`);
    if (typeof fields.patientId !== 'string' || !ID.test(fields.patientId)) throw bad('/patientId', 'must be the FHIR id of the patient in context');
    const patientId = fields.patientId;

    const active = activeVersions(deps.catalog);
    let ruleSetId: string;
    if (fields.ruleSetId !== undefined) {
      if (typeof fields.ruleSetId !== 'string' || !active.has(fields.ruleSetId)) {
        throw bad('/ruleSetId', `must name an active rule set (active: ${[...active.keys()].join(', ') || 'none'})`);
      }
      ruleSetId = fields.ruleSetId;
    } else {
      const withSchedules: string[] = [];
      for (const [id, version] of active) if (Object.keys((await compile(id, version)).ruleSet.schedules ?? {}).length > 0) withSchedules.push(id);
      if (withSchedules.length !== 1) throw bad('/ruleSetId', `is required: ${withSchedules.length} active rule sets have dosing schedules`);
      ruleSetId = withSchedules[0];
    }

    const resources = Array.isArray(fields.resources) ? fields.resources : fields.resources === undefined ? undefined : [fields.resources];
    if (resources === undefined) throw bad('/resources', 'is required: the FHIR resources read for the patient (an array, or a Bundle)');
    const problems = resources.flatMap((r, i) => fhirResourceProblems(r, `/resources/${i}`, { limit: 3 })).slice(0, 20);
    if (problems.length > 0) throw invalidRequest(problems, 'resources are not valid FHIR R4 JSON');
    const flat = flattenResources({ resourceType: 'Bundle', type: 'collection', entry: resources.map((resource) => ({ resource })) } as fhir4.Bundle);
    const record = assemblePatientRecord(patientId, {}, [{ status: { key: 'course-view', origin: 'fetched', resourceCount: flat.length }, resources: flat }]);

    const ruleSet = await compile(ruleSetId, active.get(ruleSetId)!);
    res.json(await coursePicture({ ruleSet, record, now: deps.clock() }));
  });
  return router;
}
