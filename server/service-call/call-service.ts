/**
 * One CDS service call, step by step:
 * find the service (404) -> validate the request (400) -> hook matches the service (400) ->
 * obtain the patient record (412; also when fetched data is malformed) -> evaluate -> build the decision record -> store it durably ->
 * 200 {cards} (links given as paths on this service made absolute with PUBLIC_BASE_URL). Each step lives in its own module; this file only orders them.
 *
 * If the store refuses the record because the rule-set version it was evaluated with is no longer
 * the active one (another replica activated, rolled back or retired a version and this one had not yet
 * heard), the catalog is refreshed from the registry and the whole call runs once more with the
 * version now active, so the clinician gets the cards of the active version and the record says so.
 */
import type { Tracer } from '@opentelemetry/api';
import type { FhirRequestLimit } from '../../fhir/request-limit.js';
import type { Config } from '../config.js';
import type { RequestContext } from '../http/request-context.js';
import { elapsedMs } from '../http/request-context.js';
import type { Logger } from '../logger.js';
import { CALL_STEP, step, stepSync } from '../observability/call-spans.js';
import type { ServiceMetrics } from '../observability/metrics.js';
import type { ServiceCatalog } from '../../use-cases/service-catalog.js';
import type { Store } from '../../store/store.js';
import type { CdsServiceResponse } from '../../cds-hooks/wire-types.js';
import { callIdSeed } from '../../use-cases/audit/call-id-seed.js';
import { buildDecisionRecord } from '../../use-cases/audit/decision-record.js';
import { resolveServiceLinks } from '../../engine/link-url.js';
import { assertHookMatchesService } from './check-hook.js';
import { checkRecordShape } from './check-record-shape.js';
import { checkResponse } from './check-response.js';
import { findService } from './find-service.js';
import { obtainPatientRecord } from './obtain-record.js';
import { recordDecision, type RecordOutcome } from './record-decision.js';
import { validateServiceRequest } from './validate-service-request.js';

export interface ServiceCallDeps {
  config: Config;
  catalog: ServiceCatalog;
  store: Store;
  logger: Logger;
  clock: () => Date;
  /** Requests in flight per FHIR server across all calls (FHIR_MAX_CONCURRENT_REQUESTS); none: unbounded. */
  fhirRequestLimit?: FhirRequestLimit;
  /** Spans of the call's steps, children of the request's span (ctx.trace). */
  tracer: Tracer;
  /** Prometheus metrics (METRICS_PORT); none: not collected. */
  metrics?: ServiceMetrics;
}

export interface Reply {
  status: number;
  body: unknown;
}

/** A catalog that can re-read the registry (use-cases/registry-catalog.ts); a static catalog cannot. */
interface RefreshableCatalog extends ServiceCatalog {
  refresh(options: { force?: boolean }): Promise<void>;
}

/** Logged (info) when a call is evaluated again because the store refused a superseded version. */
export const RE_EVALUATION_MESSAGE = 'the rule-set version changed during the call; evaluating again with the version now active';

function isRefreshable(catalog: ServiceCatalog): catalog is RefreshableCatalog {
  return typeof (catalog as Partial<RefreshableCatalog>).refresh === 'function';
}

export async function callService(deps: ServiceCallDeps, serviceId: string, body: unknown, ctx: RequestContext): Promise<Reply> {
  const catalog = deps.catalog;
  if (!isRefreshable(catalog)) return lastAttempt(await attemptCall(deps, serviceId, body, ctx, { last: true }));
  const first = await attemptCall(deps, serviceId, body, ctx, { last: false });
  if (first !== 'stale-version') return first;
  ctx.log.info({ serviceId }, RE_EVALUATION_MESSAGE);
  // A failed refresh leaves the catalog as it was: the second attempt is then refused again and
  // ends as a store failure (STORE_FAILURE_MODE).
  await catalog.refresh({ force: true }).catch((err: Error) => {
    ctx.log.error({ serviceId, errorMessage: err.message }, 'registry refresh failed');
  });
  return lastAttempt(await attemptCall(deps, serviceId, body, ctx, { last: true }));
}

/** On the last attempt a refusal is a store failure (record-decision.ts), never 'stale-version'. */
function lastAttempt(outcome: Reply | 'stale-version'): Reply {
  if (outcome === 'stale-version') throw new Error('callService: the last attempt cannot end in stale-version');
  return outcome;
}

/** One evaluation and record; 'stale-version' when the store refused the record (only when not the last attempt). */
async function attemptCall(
  deps: ServiceCallDeps,
  serviceId: string,
  body: unknown,
  ctx: RequestContext,
  attempt: { last: boolean },
): Promise<Reply | 'stale-version'> {
  const { tracer, metrics } = deps;
  const parent = ctx.trace.context;
  const binding = findService(deps.catalog, serviceId);
  ctx.serviceId = binding.service.id;
  ctx.serviceHook = binding.service.hook;
  const request = stepSync(tracer, parent, CALL_STEP.validation, () => {
    const validated = validateServiceRequest(body);
    ctx.hook = validated.hook;
    assertHookMatchesService(validated, binding);
    return validated;
  });

  const client = ctx.client?.client;
  const obtained = await step(tracer, parent, CALL_STEP.recordResolution, async (context) =>
    checkRecordShape(
      await obtainPatientRecord({
        request,
        binding,
        client,
        config: deps.config,
        requestLimit: deps.fhirRequestLimit,
        telemetry: { tracer, parent: context, onRequestDone: metrics && ((outcome, seconds) => metrics.fhirRequestDuration.observe({ outcome }, seconds)) },
      }),
    ),
  );
  const now = deps.clock();
  const result = obtained.ok
    ? await step(tracer, parent, CALL_STEP.evaluation, () =>
        binding.evaluate({ hook: binding.service.hook, context: request.context, record: obtained.record, now, idSeed: callIdSeed(request.hookInstance, client?.iss) }),
      )
    : undefined;
  const status = obtained.ok ? 200 : 412;

  const decision = buildDecisionRecord(
    {
      at: deps.clock(),
      serviceId: binding.service.id,
      hook: binding.service.hook,
      hookInstance: request.hookInstance,
      context: request.context,
      clientIss: client?.iss,
      tenant: ctx.client?.tenant,
      ruleSet: binding.ruleSet,
      now,
      record: obtained.ok ? obtained.record : undefined,
      result,
      status,
      latencyMs: elapsedMs(ctx),
    },
    deps.config,
  );
  const appendStarted = process.hrtime.bigint();
  let appendOutcome: RecordOutcome | 'failed' = 'failed';
  let recorded: RecordOutcome;
  try {
    recorded = await step(tracer, parent, CALL_STEP.auditAppend, () => recordDecision(deps.store, decision, deps.config, ctx.log, attempt));
    appendOutcome = recorded;
  } finally {
    metrics?.auditAppendDuration.observe({ outcome: appendOutcome }, Number(process.hrtime.bigint() - appendStarted) / 1e9);
  }
  if (recorded === 'stale-version') return 'stale-version';

  if (!obtained.ok) return { status: 412, body: obtained.outcome };
  // Links the rule set names by their place on this service (a SMART app's launch URL) become absolute here.
  const response: CdsServiceResponse = { cards: resolveServiceLinks(result!.cards, deps.config.publicBaseUrl) };
  checkResponse(response, ctx.log, binding.service.id);
  metrics?.countCards(response.cards);
  return { status: 200, body: response };
}
