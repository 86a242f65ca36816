/**
 * One CDS service call, step by step:
 * find the service (404) -> validate the request (400) -> hook matches the service (400) ->
 * obtain the patient record (412; also when fetched data is malformed) -> evaluate -> build the decision record -> store it durably ->
 * 200 {cards}. Each step lives in its own module; this file only orders them.
 */
import type { Config } from '../config.js';
import type { RequestContext } from '../http/request-context.js';
import { elapsedMs } from '../http/request-context.js';
import type { Logger } from '../logger.js';
import type { ServiceCatalog } from '../service-catalog.js';
import type { Store } from '../../store/store.js';
import type { CdsServiceResponse } from '../wire-types.js';
import { buildDecisionRecord } from '../audit/decision-record.js';
import { assertHookMatchesService } from './check-hook.js';
import { checkRecordShape } from './check-record-shape.js';
import { checkResponse } from './check-response.js';
import { findService } from './find-service.js';
import { obtainPatientRecord } from './obtain-record.js';
import { recordDecision } from './record-decision.js';
import { validateServiceRequest } from './validate-service-request.js';

export interface ServiceCallDeps {
  config: Config;
  catalog: ServiceCatalog;
  store: Store;
  logger: Logger;
  clock: () => Date;
}

export interface Reply {
  status: number;
  body: unknown;
}

export async function callService(deps: ServiceCallDeps, serviceId: string, body: unknown, ctx: RequestContext): Promise<Reply> {
  const binding = findService(deps.catalog, serviceId);
  ctx.serviceId = binding.service.id;
  const request = validateServiceRequest(body);
  ctx.hook = request.hook;
  assertHookMatchesService(request, binding);

  const client = ctx.client?.client;
  const obtained = checkRecordShape(await obtainPatientRecord({ request, binding, client, config: deps.config }));
  const now = deps.clock();
  const result = obtained.ok
    ? await binding.evaluate({ hook: binding.service.hook, context: request.context, record: obtained.record, now, idSeed: request.hookInstance })
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
  await recordDecision(deps.store, decision, deps.config, deps.logger, ctx.requestId);

  if (!obtained.ok) return { status: 412, body: obtained.outcome };
  const response: CdsServiceResponse = { cards: result!.cards };
  checkResponse(response, deps.logger, ctx.requestId, binding.service.id);
  return { status: 200, body: response };
}
