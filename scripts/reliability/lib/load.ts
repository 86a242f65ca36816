/**
 * A closed-loop HTTP load: `connections` workers, each sending its next order-sign call when the
 * previous answer arrived (keep-alive fetch), every call a new hook call (fresh hookInstance), every
 * 200 written into the ledger. Stops at a deadline, after a number of calls, or when told to.
 */
import { randomUUID } from 'node:crypto';
import type { CdsServiceRequest } from '../../../cds-hooks/wire-types.js';
import { DecisionLedger } from './ledger.js';

export interface LoadRequest {
  serviceId: string;
  body: CdsServiceRequest;
}

export interface LoadOptions {
  baseUrl: string;
  connections: number;
  requests: LoadRequest[];
  /** Stop starting calls after this many ms. */
  durationMs?: number;
  /** Stop starting calls after this many calls in total. */
  maxCalls?: number;
  /** Checked before every call. */
  shouldStop?: () => boolean;
  /** Per-call timeout (ms, default 30 000). */
  timeoutMs?: number;
  /** Extra headers (e.g. Authorization) per call. */
  headers?: (serviceId: string, hookInstance: string) => Promise<Record<string, string>> | Record<string, string>;
  ledger?: DecisionLedger;
  /** Told about every finished call (after the ledger). */
  onAnswer?: (status: number | 'error', latencyMs: number) => void;
  /** Told about every finished call with its timing and answer headers (for attributing failures). */
  onCall?: (call: CallRecord) => void;
}

export interface CallRecord {
  serviceId: string;
  hookInstance: string;
  status: number | 'error';
  /** Date.now() when the call was sent and when its answer (or error) arrived. */
  sentAtMs: number;
  endedAtMs: number;
  /** Answer headers; undefined when there was no answer. */
  headers?: Headers;
}

export interface LoadResult {
  calls: number;
  statuses: Record<string, number>;
  /** Calls that got no HTTP answer (connection refused or reset, timeout). */
  errors: number;
  errorSamples: string[];
  /** Latency of every answered call (ms), in completion order. */
  latenciesMs: number[];
  elapsedMs: number;
}

export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const ledger = options.ledger;
  const started = Date.now();
  const result: LoadResult = { calls: 0, statuses: {}, errors: 0, errorSamples: [], latenciesMs: [], elapsedMs: 0 };
  let next = 0;
  const stop = (): boolean =>
    (options.durationMs !== undefined && Date.now() - started >= options.durationMs) ||
    (options.maxCalls !== undefined && result.calls >= options.maxCalls) ||
    (options.shouldStop?.() ?? false);

  const worker = async (): Promise<void> => {
    while (!stop()) {
      const template = options.requests[next++ % options.requests.length];
      const body = { ...template.body, hookInstance: randomUUID() };
      result.calls += 1;
      const extraHeaders = await options.headers?.(template.serviceId, body.hookInstance);
      const t0 = process.hrtime.bigint();
      const sentAtMs = Date.now();
      try {
        const response = await fetch(`${options.baseUrl}/cds-services/${template.serviceId}`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', ...extraHeaders },
          body: JSON.stringify(body),
          signal: AbortSignal.timeout(options.timeoutMs ?? 30_000),
        });
        const text = await response.text();
        const latencyMs = Number(process.hrtime.bigint() - t0) / 1e6;
        result.latenciesMs.push(latencyMs);
        result.statuses[response.status] = (result.statuses[response.status] ?? 0) + 1;
        if (response.status === 200) ledger?.acknowledge(template.serviceId, body.hookInstance, JSON.parse(text));
        else if (result.errorSamples.length < 5) result.errorSamples.push(`${response.status} ${text.slice(0, 200)}`);
        options.onCall?.({ serviceId: template.serviceId, hookInstance: body.hookInstance, status: response.status, sentAtMs, endedAtMs: Date.now(), headers: response.headers });
        options.onAnswer?.(response.status, latencyMs);
      } catch (error) {
        result.errors += 1;
        if (result.errorSamples.length < 5) result.errorSamples.push(String((error as Error).cause ?? (error as Error).message));
        options.onCall?.({ serviceId: template.serviceId, hookInstance: body.hookInstance, status: 'error', sentAtMs, endedAtMs: Date.now() });
        options.onAnswer?.('error', Number(process.hrtime.bigint() - t0) / 1e6);
      }
    }
  };
  await Promise.all(Array.from({ length: options.connections }, worker));
  result.elapsedMs = Date.now() - started;
  return result;
}
