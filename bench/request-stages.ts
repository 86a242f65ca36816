/**
 * Where one order-sign request's server CPU goes, stage by stage, without HTTP: the same functions the
 * request path calls (server/service-call/call-service.ts), each timed alone over the benchmark request
 * (bench/fixtures/order-sign-esketamine.json). Complements the CPU profiles of `npm run bench -- --profile`
 * with exact per-stage costs; the store append is timed against a real embedded SQLite store in a temporary
 * directory.
 *
 * Usage: npx tsx bench/request-stages.ts [--iterations 500] [--rounds 3]
 */
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { randomUUID } from 'node:crypto';
import { trace, type Tracer } from '@opentelemetry/api';
import { canonicalHash, canonicalJson } from '../lib/canonical-json.js';
import { buildDecisionRecord } from '../use-cases/audit/decision-record.js';
import { loadConfig } from '../server/config.js';
import { exceedsJsonDepth } from '../server/http/json-depth.js';
import { responseProblems } from '../server/service-call/check-response.js';
import { callService } from '../server/service-call/call-service.js';
import { createLogger } from '../server/logger.js';
import { newRequestContext } from '../server/http/request-context.js';
import { ServiceMetrics } from '../server/observability/metrics.js';
import { unexportedTracer } from '../server/observability/tracing.js';
import { checkRecordShape } from '../server/service-call/check-record-shape.js';
import { obtainPatientRecord } from '../server/service-call/obtain-record.js';
import { validateServiceRequest } from '../server/service-call/validate-service-request.js';
import { openStore } from '../store/open-store.js';
import { prepareDecision } from '../store/decision-input.js';
import { decisionHash, GENESIS_HASH } from '../store/decision-hash.js';
import type { CdsServiceRequest } from '../cds-hooks/wire-types.js';
import { bundledBinding, bundledCatalog } from './bundled-binding.js';
import { buildRequests } from './make-request.js';

/** As an EHR that traces would send it (sampled): the calls continue this trace. */
const BENCH_TRACEPARENT = { traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' };

function option(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const value = i === -1 ? fallback : Number(process.argv[i + 1]);
  if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} must be a positive integer`);
  return value;
}

interface Stage {
  name: string;
  meanUs: number;
}

async function time(name: string, iterations: number, fn: (i: number) => unknown): Promise<Stage> {
  for (let i = 0; i < Math.min(100, iterations); i++) await fn(i);
  const t0 = performance.now();
  for (let i = 0; i < iterations; i++) await fn(i);
  return { name, meanUs: ((performance.now() - t0) / iterations) * 1000 };
}

/** Log lines go nowhere: the figure is the call's, not the terminal's. */
function devNull(): NodeJS.WritableStream {
  return createWriteStream('/dev/null');
}

async function main(): Promise<void> {
  const iterations = option('iterations', 500);
  const dataDir = mkdtempSync(path.join(tmpdir(), 'cds-stages-'));
  try {
    const config = loadConfig({ DATA_DIR: dataDir, HOST: '127.0.0.1' });
    const requests = buildRequests();
    const body = JSON.stringify(requests.orderSign);
    const binding = bundledBinding(requests.orderSignServiceId);
    const request = JSON.parse(body) as CdsServiceRequest;
    const obtained = await obtainPatientRecord({ request, binding, client: undefined, config });
    if (!obtained.ok) throw new Error('the benchmark request did not yield a patient record');
    const record = obtained.record;
    const now = new Date();
    const evaluate = (i: number) =>
      binding.evaluate({ hook: binding.service.hook, context: request.context, record, now, idSeed: `${request.hookInstance}-${i}` });
    const result = await evaluate(0);
    const facts = (_i: number, evaluated = result) => ({
      at: new Date(),
      serviceId: binding.service.id,
      hook: binding.service.hook,
      hookInstance: randomUUID(),
      context: request.context,
      ruleSet: binding.ruleSet,
      now,
      record,
      result: evaluated,
      status: 200,
      latencyMs: 1,
    });
    const decision = buildDecisionRecord(facts(0), config);
    const prepared = prepareDecision(decision);
    const response = { cards: result.cards };

    const stages: Stage[] = [];
    stages.push(await time('depth scan of the body (json-depth.ts exceedsJsonDepth)', iterations, () => exceedsJsonDepth(body, config.maxJsonDepth)));
    stages.push(await time('JSON.parse of the body', iterations, () => JSON.parse(body)));
    stages.push(await time('validate request + context (ajv, validate-service-request.ts)', iterations, () => validateServiceRequest(JSON.parse(body))));
    stages.push(await time('  of which JSON.parse (subtract)', iterations, () => JSON.parse(body)));
    stages.push(await time('obtain record from prefetch (resolve-record.ts)', iterations, () => obtainPatientRecord({ request, binding, client: undefined, config })));
    stages.push(await time('check record shape again (check-record-shape.ts checkRecordShape)', iterations, () => checkRecordShape(obtained)));
    stages.push(await time(`evaluate (${result.rulesConsidered} rules considered, ${result.cards.length} cards)`, iterations, (i) => evaluate(i)));
    stages.push(await time('build decision record (decision-record.ts), total', iterations, (i) => buildDecisionRecord(facts(i), config)));
    stages.push(await time('  input fingerprint: canonicalHash({context, record})', iterations, () => canonicalHash({ context: request.context, record })));
    stages.push(await time('  canonicalJson({context, record}) alone (no SHA-256)', iterations, () => canonicalJson({ context: request.context, record })));
    stages.push(await time('  JSON.stringify({context, record}) for comparison', iterations, () => JSON.stringify({ context: request.context, record })));
    stages.push(await time('prepare decision (decision-input.ts prepareDecision)', iterations, () => prepareDecision(decision)));
    stages.push(await time('chain hash (decision-hash.ts decisionHash)', iterations, () => decisionHash(GENESIS_HASH, prepared.fields)));
    stages.push(await time('response self-check (check-response.ts responseProblems)', iterations, () => responseProblems(response)));
    {
      // What tracing and metrics add to a request outside callService: its trace and logger, the metrics of one call.
      const tracer = unexportedTracer();
      const logger = createLogger('warn', devNull());
      const metrics = new ServiceMetrics();
      stages.push(
        await time('request trace and logger (request-context.ts newRequestContext, span ended)', iterations * 10, () =>
          newRequestContext('bench', logger, tracer, BENCH_TRACEPARENT).trace.span.end(),
        ),
      );
      stages.push(
        await time('metrics of one call (duration, cards, audit append, commit size)', iterations * 10, () => {
          metrics.callDuration.observe({ service: 'ketamine-order-sign', hook: 'order-sign', status: '200' }, 0.003);
          metrics.countCards(response.cards);
          metrics.auditAppendDuration.observe({ outcome: 'appended' }, 0.001);
          metrics.auditCommitRecords.observe(3);
        }),
      );
    }
    stages.push(await time('JSON.stringify of the response', iterations, () => JSON.stringify(response)));

    // Each record needs its own card uuids (derived from the hookInstance): evaluate them beforehand.
    // Under load group commit shares one transaction (and one fsync) among the decisions of an event-loop
    // turn: the last variant makes ten appends at once and reports the figure per decision.
    const appends = Math.min(iterations, 300);
    const variants = [
      { mode: 'single', batch: 1 },
      { mode: 'group', batch: 1 },
      { mode: 'group', batch: 10 },
    ] as const;
    for (const [v, { mode, batch }] of variants.entries()) {
      // time() runs up to 100 warm-up rounds first: records for those too.
      const records: ReturnType<typeof buildDecisionRecord>[] = [];
      for (let i = 0; i < (appends + 100) * batch; i++) records.push(buildDecisionRecord(facts(i, await evaluate(i + v * 100_000)), config));
      const store = await openStore({ dataDir: path.join(dataDir, `append-${v}`), appendMode: mode });
      let next = 0;
      try {
        const name =
          batch === 1
            ? `store.appendDecision, one at a time (SQLite, appendMode ${mode})`
            : `store.appendDecision, ${batch} at once, per decision (SQLite, appendMode ${mode})`;
        const stage = await time(name, appends, async () => Promise.all(Array.from({ length: batch }, () => store.appendDecision(records[next++]))));
        stages.push({ ...stage, meanUs: stage.meanUs / batch });
      } finally {
        await store.close();
      }
    }

    const fired = JSON.stringify(decision.fired).length;
    console.log(
      `order-sign request: ${(body.length / 1024).toFixed(1)} KB, response ${(JSON.stringify(response).length / 1024).toFixed(1)} KB, ` +
        `decision record "fired" ${(fired / 1024).toFixed(1)} KB; mean of ${iterations} runs each (node ${process.version})`,
    );
    // The whole call as the route runs it (server/service-call/call-service.ts), ten at a time against a
    // real SQLite store in group mode, with the process's CPU time (all threads: V8's GC helpers too): the
    // figure to compare before and after a change, steadier than HTTP throughput on a shared machine.
    // Two variants, alternated over --rounds rounds (medians shown), so that warm-up and a busy machine
    // do not favour one: as the service runs it (spans with ids, never exported; Prometheus metrics
    // collected) and with OpenTelemetry's no-op tracer and no metrics. The difference is their cost per call.
    const wholeCall = async (tracer: Tracer, metrics: ServiceMetrics | undefined, dir: string): Promise<{ wallUs: number; cpuUs: number }> => {
      const batch = 10;
      const store = await openStore({ dataDir: path.join(dataDir, dir), appendMode: 'group', onCommit: metrics && ((n) => metrics.auditCommitRecords.observe(n)) });
      const catalog = await bundledCatalog(store);
      const logger = createLogger('warn', devNull());
      const deps = { config, catalog, store, logger, clock: () => new Date(), tracer, metrics };
      const call = () => {
        const fresh = { ...request, hookInstance: randomUUID() };
        return callService(deps, requests.orderSignServiceId, JSON.parse(JSON.stringify(fresh)), newRequestContext('bench', logger, tracer, BENCH_TRACEPARENT));
      };
      try {
        const calls = Math.max(100, Math.min(iterations, 1000));
        const cpu0 = process.cpuUsage();
        const stage = await time('whole call', calls / batch, async () => {
          const replies = await Promise.all(Array.from({ length: batch }, call));
          if (replies.some((r) => r.status !== 200)) throw new Error('a call did not answer 200');
        });
        const cpu = process.cpuUsage(cpu0);
        // time() runs a warm-up of min(100, n) rounds before the timed ones: both are in the CPU figure.
        const rounds = calls / batch + Math.min(100, calls / batch);
        return { wallUs: stage.meanUs / batch, cpuUs: (cpu.user + cpu.system) / (rounds * batch) };
      } finally {
        catalog.stop();
        await store.close();
      }
    };
    const callVariants = [
      { label: 'traced + metrics (as served)', tracer: unexportedTracer(), metrics: new ServiceMetrics() as ServiceMetrics | undefined, runs: [] as Array<{ wallUs: number; cpuUs: number }> },
      { label: 'no-op tracer, no metrics', tracer: trace.getTracer('no-op'), metrics: undefined, runs: [] as Array<{ wallUs: number; cpuUs: number }> },
    ];
    const rounds = option('rounds', 3);
    for (let round = 0; round < rounds; round++) {
      for (const [i, variant] of (round % 2 === 0 ? callVariants : [...callVariants].reverse()).entries()) {
        variant.runs.push(await wholeCall(variant.tracer, variant.metrics, `calls-${round}-${i}`));
      }
    }
    const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
    for (const variant of callVariants) {
      stages.push({ name: `whole call (call-service.ts callService), 10 at once, per call, wall, ${variant.label}, median of ${rounds}`, meanUs: median(variant.runs.map((r) => r.wallUs)) });
      stages.push({ name: '  the same, process CPU time per call (user + system, all threads)', meanUs: median(variant.runs.map((r) => r.cpuUs)) });
    }
    const [served, bare] = callVariants.map((variant) => median(variant.runs.map((r) => r.cpuUs)));
    stages.push({ name: '  tracing + metrics: CPU time per call, difference of the medians', meanUs: served - bare });

    const width = Math.max(...stages.map((s) => s.name.length));
    for (const s of stages) console.log(`  ${s.name.padEnd(width)}  ${(s.meanUs / 1000).toFixed(3).padStart(8)} ms`);
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((error: Error) => {
  console.error(`request-stages failed: ${error.stack ?? error.message}`);
  process.exit(1);
});
