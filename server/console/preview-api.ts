/**
 * The card preview API the console uses (any admin role), mounted by server/console/mount.ts under the admin
 * API's base path and protected by the admin API's own authorisation middleware (admin-auth.ts):
 *
 *   GET  /admin/api/preview/fixtures?ruleSetId=<id>   the rule set's sample patients (fixtures)
 *   POST /admin/api/preview {ruleSetId, version, hook?, fixture? | bundle? | request?, now?}
 *        -> the cards that version gives for that patient (with their explanation extension), the
 *           rules that fired and the facts they read. Any registry version may be previewed,
 *           drafts included. "now": the body's `now`, else the fixture's, else the service clock.
 *
 * Nothing is recorded: a preview is not a decision. Nothing is logged but error names.
 */
import { join } from 'node:path';
import express, { type ErrorRequestHandler, type Request, type RequestHandler, type Response, type Router } from 'express';
import { compileRuleSet, type CompiledRuleSet } from '../../engine/compile-rule-set.js';
import { loadFixtures } from '../../use-cases/load-fixtures.js';
import type { Fixture } from '../../engine/fixtures/fixture-types.js';
import { RuleSetInvalidError } from '../../engine/rule-set-problem.js';
import { resolveServiceLinks } from '../../engine/link-url.js';
import type { HookName } from '../../engine/rule-set-types.js';
import type { AdminAccess } from '../admin/admin-access.js';
import { adminAuthorisation } from '../admin/admin-auth.js';
import { AdminError, notFound } from '../../use-cases/admin-error.js';
import { sendAdminError } from '../admin/admin-error-response.js';
import { ADMIN_ROLES, type AdminRoutePolicy } from '../admin/admin-policy.js';
import { jsonBody } from '../http/json-body.js';
import type { RuleSetVersionRecord, Store } from '../../store/store.js';
import { badInput, patientFromBundle, patientFromFixture, patientFromRequest, type PreviewPatient } from './preview-input.js';

export const PREVIEW_PATH = '/preview';
export const HOOKS: readonly HookName[] = ['patient-view', 'order-select', 'order-sign', 'appointment-book'];
const BODY_FIELDS = ['ruleSetId', 'version', 'hook', 'fixture', 'bundle', 'request', 'now'] as const;
const INPUT_FIELDS = ['fixture', 'bundle', 'request'] as const;
/** Rule-set ids double as folder names under rules/: nothing that could leave that folder. */
const RULE_SET_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;
const VERSION = /^[0-9A-Za-z.+-]{1,100}$/;
const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;
/** Compiled versions kept (by content hash); previews of the same version reuse them. */
export const COMPILED_CACHE_SIZE = 16;

/**
 * The preview routes as rows shaped like the admin policy table (admin-policy.ts), so the admin
 * API's authorisation middleware can guard them. Their operation ids are the console's own.
 */
type ConsoleRoutePolicy = Omit<AdminRoutePolicy, 'operationId'> & { operationId: 'previewCards' | 'listPreviewFixtures' };
export const PREVIEW_ROUTE_POLICY: readonly ConsoleRoutePolicy[] = [
  { operationId: 'previewCards', method: 'POST', path: PREVIEW_PATH, allowed: ADMIN_ROLES },
  { operationId: 'listPreviewFixtures', method: 'GET', path: `${PREVIEW_PATH}/fixtures`, allowed: ADMIN_ROLES },
];

export interface PreviewApiDeps {
  store: Store;
  access: AdminAccess;
  /** Folder of rule-set folders (rules/<id>/fixtures/*.yaml). */
  rulesDir: string;
  clock: () => Date;
  maxBodyBytes: number;
  maxJsonDepth: number;
  httpBodyTimeoutMs: number;
  /** PUBLIC_BASE_URL: links given as paths on this service are made absolute with it, as in a real answer. */
  publicBaseUrl: string;
}

export interface FixtureSummary {
  name: string;
  description?: string;
  hook: HookName;
  now: string;
  expectedCards: { rule: string; indicator: string }[];
}

/** Compiled rule-set versions by content hash, least recently used dropped first. */
class CompiledVersions {
  private readonly byHash = new Map<string, CompiledRuleSet>();
  get(record: RuleSetVersionRecord): CompiledRuleSet {
    const cached = this.byHash.get(record.hash);
    if (cached !== undefined) {
      this.byHash.delete(record.hash);
      this.byHash.set(record.hash, cached);
      return cached;
    }
    const compiled = compileRuleSet(record.content, { file: `registry:${record.ruleSetId}@${record.version}` });
    this.byHash.set(record.hash, compiled);
    if (this.byHash.size > COMPILED_CACHE_SIZE) this.byHash.delete(this.byHash.keys().next().value as string);
    return compiled;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function ruleSetIdFrom(value: unknown, pointer: string): string {
  if (typeof value !== 'string' || value === '') throw badInput(pointer, 'is required: the rule-set id');
  if (!RULE_SET_ID.test(value)) throw badInput(pointer, 'must be a rule-set id (letters, digits, . _ -)');
  return value;
}

function readFixtures(rulesDir: string, ruleSetId: string): Fixture[] {
  return loadFixtures(join(rulesDir, ruleSetId, 'fixtures')).fixtures;
}

export function previewRouter(deps: PreviewApiDeps): Router {
  const router = express.Router();
  const compiled = new CompiledVersions();
  const [previewPolicy, fixturesPolicy] = PREVIEW_ROUTE_POLICY;
  const guard = (policy: ConsoleRoutePolicy): RequestHandler => adminAuthorisation(policy as unknown as AdminRoutePolicy, deps.access);
  const noStore: RequestHandler = (_req, res, next) => {
    res.setHeader('Cache-Control', 'no-store');
    if (deps.access.mode === 'disabled') throw new AdminError(404, deps.access.reason);
    next();
  };

  router.get(fixturesPolicy.path, noStore, guard(fixturesPolicy), async (req: Request, res: Response) => {
    const ruleSetId = ruleSetIdFrom(req.query.ruleSetId, 'ruleSetId');
    if ((await deps.store.listVersions(ruleSetId)).length === 0) throw notFound(`no rule set ${ruleSetId} in the registry`);
    const fixtures: FixtureSummary[] = readFixtures(deps.rulesDir, ruleSetId).map((f) => ({
      name: f.name,
      ...(f.description === undefined ? {} : { description: f.description }),
      hook: f.hook,
      now: f.now,
      expectedCards: f.expect.cards.map((c) => ({ rule: c.rule, indicator: c.indicator })),
    }));
    res.json({ ruleSetId, fixtures });
  });

  router.post(previewPolicy.path, noStore, guard(previewPolicy), ...jsonBody(deps), async (req: Request, res: Response) => {
    const body: unknown = req.body;
    if (!isObject(body)) throw badInput('', 'must be a JSON object {ruleSetId, version, hook, fixture | bundle | request, now?}');
    for (const key of Object.keys(body)) {
      if (!(BODY_FIELDS as readonly string[]).includes(key)) throw badInput(`/${key}`, `unknown field (allowed: ${BODY_FIELDS.join(', ')})`);
    }
    const ruleSetId = ruleSetIdFrom(body.ruleSetId, '/ruleSetId');
    if (typeof body.version !== 'string' || !VERSION.test(body.version)) throw badInput('/version', 'is required: a version of the rule set');
    let hook: HookName | undefined;
    if (body.hook !== undefined) {
      if (!HOOKS.includes(body.hook as HookName)) throw badInput('/hook', `must be one of ${HOOKS.join(', ')}`);
      hook = body.hook as HookName;
    }
    let now: Date | undefined;
    if (body.now !== undefined) {
      if (typeof body.now !== 'string' || !INSTANT.test(body.now) || Number.isNaN(Date.parse(body.now))) {
        throw badInput('/now', 'must be an ISO 8601 date-time with a zone, e.g. 2026-11-01T10:00:00Z');
      }
      now = new Date(body.now);
    }
    const given = INPUT_FIELDS.filter((f) => body[f] !== undefined);
    if (given.length !== 1) {
      throw badInput('', `give exactly one of fixture, bundle or request (got ${given.length === 0 ? 'none' : given.join(' and ')})`);
    }

    const record = await deps.store.getVersion(ruleSetId, body.version);
    if (record === undefined) throw notFound(`rule set ${ruleSetId} has no version ${body.version}`);
    const ruleSet = compiled.get(record);

    let patient: PreviewPatient;
    let input: Record<string, unknown>;
    if (body.fixture !== undefined) {
      if (typeof body.fixture !== 'string' || body.fixture === '') throw badInput('/fixture', 'must be the name of a sample patient');
      const fixture = readFixtures(deps.rulesDir, ruleSetId).find((f) => f.name === body.fixture);
      if (fixture === undefined) throw badInput('/fixture', `rule set ${ruleSetId} has no sample patient named ${JSON.stringify(body.fixture)}`);
      patient = patientFromFixture(ruleSet, fixture, hook);
      input = { kind: 'fixture', name: fixture.name, ...(fixture.description === undefined ? {} : { description: fixture.description }) };
    } else {
      if (hook === undefined) throw badInput('/hook', 'is required with a pasted bundle or request');
      patient = body.bundle !== undefined ? patientFromBundle(ruleSet, body.bundle, hook) : await patientFromRequest(ruleSet, body.request, hook);
      input = { kind: body.bundle !== undefined ? 'bundle' : 'request' };
    }
    const evaluationNow = now ?? (patient.suggestedNow !== undefined ? new Date(patient.suggestedNow) : deps.clock());
    const result = await ruleSet.evaluate({
      hook: patient.hook,
      context: patient.context,
      record: patient.record,
      now: evaluationNow,
      idSeed: patient.idSeed,
    });
    res.json({
      ruleSet: { ...result.ruleSet, state: record.state, title: record.content.title },
      hook: result.hook,
      service: { id: patient.service.id, title: patient.service.title },
      now: result.now,
      input,
      sources: patient.sources,
      patientId: typeof patient.context.patientId === 'string' ? patient.context.patientId : null,
      cards: resolveServiceLinks(result.cards, deps.publicBaseUrl),
      fired: result.fired,
      rulesConsidered: result.rulesConsidered,
    });
  });

  router.use(previewErrorHandler);
  return router;
}

/**
 * AdminErrors answer in the admin API's error shape, a registry version this engine cannot compile
 * in 422 with its problems; anything else (body-reader errors, bugs) goes on to the app's handler,
 * which answers and logs it.
 */
const previewErrorHandler: ErrorRequestHandler = (err, _req, res, next) => {
  if (err instanceof AdminError) {
    sendAdminError(res, err);
    return;
  }
  if (err instanceof RuleSetInvalidError) {
    res.status(422).json({
      error: 'invalid_rule_set',
      message: "this registry version does not compile with this service's engine",
      problems: err.problems.map((p) => ({ pointer: p.pointer, message: p.message })),
    });
    return;
  }
  next(err);
};

