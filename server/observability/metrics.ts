/**
 * The service's Prometheus metrics (prom-client), in a registry of their own, served only on the
 * metrics listener (METRICS_PORT, server/observability/metrics-server.ts), never on the EHR-facing port.
 * Labels are bounded values only: service ids and hooks of the catalog, rule ids of the rule sets, card
 * indicators, status codes, outcome codes. Never a client-supplied string, a patient id or a token.
 * Every name and label is listed in docs/configuration.md ("Metrics").
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Card } from '../../cds-hooks/wire-types.js';
import { ruleIdOfCard } from '../../use-cases/audit/decision-record.js';

/** Seconds: from 1 ms (an answer from prefetch) to 10 s (far past the FHIR deadline). */
const CALL_SECONDS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** Seconds: a durable commit takes about 0.5 ms (SQLite) to a few ms (PostgreSQL); STORE_TIMEOUT_MS bounds it. */
const APPEND_SECONDS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5];
/** Decisions per committed transaction (group commit shares one among concurrent calls). */
const COMMIT_RECORDS = [1, 2, 4, 8, 16, 32, 64, 128, 256, 500];

/** Status codes counted as refusals, with the reason label each gets (docs/errors.md). */
export const REFUSAL_REASONS: Readonly<Record<number, string>> = Object.freeze({
  401: 'unauthorized',
  412: 'missing_data',
  429: 'rate_limited',
  503: 'unavailable',
});

export class ServiceMetrics {
  readonly registry = new Registry();

  readonly callDuration = new Histogram({
    name: 'cds_service_call_duration_seconds',
    help: 'Service calls (POST /cds-services/{id}) from the first byte read to the answer sent, by service, hook and HTTP status',
    labelNames: ['service', 'hook', 'status'] as const,
    buckets: CALL_SECONDS,
    registers: [this.registry],
  });

  readonly cardsReturned = new Counter({
    name: 'cds_cards_returned_total',
    help: 'Cards returned in 200 answers, by indicator and by the rule that produced the card',
    labelNames: ['indicator', 'rule'] as const,
    registers: [this.registry],
  });

  readonly fhirRequestDuration = new Histogram({
    name: 'cds_fhir_request_duration_seconds',
    help: "Requests to the client's FHIR server (one per page), by outcome: ok, or the prefetch problem code (timeout, forbidden, not-found, exception, invalid, ...)",
    labelNames: ['outcome'] as const,
    buckets: CALL_SECONDS,
    registers: [this.registry],
  });

  readonly auditAppendDuration = new Histogram({
    name: 'cds_audit_append_duration_seconds',
    help: 'Making one decision record durable, as the call waits for it (group commit wait included), by outcome',
    labelNames: ['outcome'] as const,
    buckets: APPEND_SECONDS,
    registers: [this.registry],
  });

  readonly auditCommitRecords = new Histogram({
    name: 'cds_audit_commit_records',
    help: 'Decision records per committed store transaction (the group-commit size; always 1 with STORE_APPEND_MODE=single)',
    buckets: COMMIT_RECORDS,
    registers: [this.registry],
  });

  readonly callsInFlight = new Gauge({
    name: 'cds_calls_in_flight',
    help: 'POST requests under /cds-services (service calls and feedback) being answered now, counted from their arrival (before authentication and the MAX_IN_FLIGHT limit)',
    registers: [this.registry],
  });

  readonly refusals = new Counter({
    name: 'cds_refusals_total',
    help: 'Requests to /cds-services refused, by HTTP status and reason: 401 unauthorized, 412 missing_data, 429 rate_limited, 503 unavailable',
    labelNames: ['status', 'reason'] as const,
    registers: [this.registry],
  });

  constructor() {
    // Node process metrics: CPU, resident memory, heap, event-loop lag, GC, handles, open file descriptors.
    collectDefaultMetrics({ register: this.registry });
  }

  /** One increment per card of a 200 answer. */
  countCards(cards: readonly Card[]): void {
    for (const card of cards) this.cardsReturned.inc({ indicator: card.indicator, rule: ruleIdOfCard(card) ?? 'unknown' });
  }

  /** The text a Prometheus scrape gets, and its content type. */
  async exposition(): Promise<{ contentType: string; text: string }> {
    return { contentType: this.registry.contentType, text: await this.registry.metrics() };
  }
}
