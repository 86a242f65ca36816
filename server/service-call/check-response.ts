/**
 * Self-check of every response before it leaves: the service-response schema (spec card rules and
 * invariants) and a uuid on every card and suggestion (feedback needs them). A failure is a defect in
 * a rule set or the engine: it is logged as an error (rule ids and pointers only) and the response is
 * still sent, since withholding advice is not safer than a cosmetic spec deviation.
 */
import { ruleIdOfCard } from '../../use-cases/audit/decision-record.js';
import type { Logger } from '../logger.js';
import { validateAgainst } from '../../cds-hooks/json-schemas.js';
import type { Problem } from '../../lib/problem.js';
import type { CdsServiceResponse } from '../../cds-hooks/wire-types.js';

export function responseProblems(response: CdsServiceResponse): Problem[] {
  const problems = validateAgainst('service-response', response);
  response.cards.forEach((card, i) => {
    if (!card.uuid) problems.push({ pointer: `/cards/${i}/uuid`, message: 'is missing (feedback needs it)' });
    (card.suggestions ?? []).forEach((s, j) => {
      if (!s.uuid) problems.push({ pointer: `/cards/${i}/suggestions/${j}/uuid`, message: 'is missing (feedback needs it)' });
    });
  });
  return problems;
}

/** `log` is the request's logger (its lines carry reqId and the trace id). */
export function checkResponse(response: CdsServiceResponse, log: Logger, serviceId: string): void {
  const problems = responseProblems(response);
  if (problems.length === 0) return;
  log.error(
    { serviceId, problems, ruleIds: response.cards.map((c) => ruleIdOfCard(c) ?? null) },
    'response failed its self-check',
  );
}
