/**
 * Feedback for a service's cards (spec "Feedback"): find the service (404), validate the body
 * (feedback.schema.json: cds-fb-1..3, RFC 3339 timestamps; 400), store every entry durably via the
 * store, which treats repeated reports idempotently, then 200 {"stored": n, "duplicates": m}.
 */
import type { Logger } from '../logger.js';
import { invalidRequest, unavailable } from '../http/http-error.js';
import type { RequestContext } from '../http/request-context.js';
import type { ServiceCatalog } from '../../use-cases/service-catalog.js';
import { findService } from '../service-call/find-service.js';
import type { Reply } from '../service-call/call-service.js';
import { validateAgainst } from '../../cds-hooks/json-schemas.js';
import type { FeedbackRequest } from '../../cds-hooks/wire-types.js';
import type { FeedbackResult, Store } from '../../store/store.js';

export interface FeedbackDeps {
  catalog: ServiceCatalog;
  store: Store;
  logger: Logger;
}

export async function receiveFeedback(deps: FeedbackDeps, serviceId: string, body: unknown, ctx: RequestContext): Promise<Reply> {
  const binding = findService(deps.catalog, serviceId);
  ctx.serviceId = binding.service.id;
  ctx.hook = binding.service.hook;
  ctx.serviceHook = binding.service.hook;
  const problems = validateAgainst('feedback', body);
  if (problems.length > 0) throw invalidRequest(problems, 'the feedback body is not valid');
  let outcome: FeedbackResult;
  try {
    outcome = await deps.store.recordFeedback(binding.service.id, body as FeedbackRequest, ctx.client?.client.iss);
  } catch (err) {
    ctx.log.error({ serviceId, errorMessage: (err as Error).message }, 'feedback could not be stored');
    throw unavailable('the feedback could not be stored; send it again later');
  }
  if (outcome.unknownCards.length > 0) {
    // Stored anyway (evidence of what arrived); worth an operator's look if it persists.
    ctx.log.warn({ serviceId, unknownCards: outcome.unknownCards.length }, 'feedback names cards this service did not issue');
  }
  return { status: 200, body: { stored: outcome.stored, duplicates: outcome.duplicates } };
}
