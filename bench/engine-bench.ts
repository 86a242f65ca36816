/**
 * Engine-only benchmark (a script, not a test): time per evaluation (mean, p50, p99) and evaluations
 * per second, without HTTP, for
 *   - each bundled rule set (rules/<id>/rule-set.json) cycling through its fixtures;
 *   - generated rule sets of 1,000 and 10,000 rules (bench/generate-rule-set.ts);
 *   - the same 10,000 rules with the required-fact index disabled, to show what indexing buys.
 * Target: 10,000 rules <= 50 ms per evaluation.
 *
 * Run: npx tsx bench/engine-bench.ts [--quick]
 * bench/run.ts imports runEngineBench() for its table.
 */
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { compileRuleSet, type CompiledRuleSet, type EvaluateInput } from '../engine/compile-rule-set.js';
import { serviceForFixture } from '../engine/fixtures/run-fixtures.js';
import { COMPACT_FHIR_CONVERTER } from '../use-cases/fixture-converter.js';
import { loadFixtures } from '../use-cases/load-fixtures.js';
import { loadRuleSetFile } from '../use-cases/load-rule-set-file.js';
import { findRuleSetFolders } from '../use-cases/rule-set-files.js';
import { benchRecord, generateRuleSet } from './generate-rule-set.js';

export const ENGINE_TARGET_MS_10K = 50;

export interface EngineBenchRow {
  label: string;
  rules: number;
  evaluations: number;
  meanMs: number;
  p50Ms: number;
  p99Ms: number;
  /** = meanMs */
  msPerEvaluation: number;
  evaluationsPerSecond: number;
  /** Mean rules evaluated after indexing. */
  rulesConsidered: number;
  compileMs: number;
  note?: string;
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

async function measure(label: string, compiled: CompiledRuleSet, inputs: readonly EvaluateInput[], evaluations: number, compileMs: number, note?: string): Promise<EngineBenchRow> {
  const warmup = Math.min(50, Math.max(5, Math.floor(evaluations / 5)));
  for (let i = 0; i < warmup; i++) await compiled.evaluate(inputs[i % inputs.length]);
  const times: number[] = [];
  let considered = 0;
  const started = performance.now();
  for (let i = 0; i < evaluations; i++) {
    const t0 = performance.now();
    const result = await compiled.evaluate(inputs[i % inputs.length]);
    times.push(performance.now() - t0);
    considered += result.rulesConsidered;
  }
  const total = performance.now() - started;
  const sorted = [...times].sort((a, b) => a - b);
  const meanMs = times.reduce((a, b) => a + b, 0) / times.length;
  return {
    label,
    rules: compiled.rules.length,
    evaluations,
    meanMs,
    p50Ms: percentile(sorted, 50),
    p99Ms: percentile(sorted, 99),
    msPerEvaluation: meanMs,
    evaluationsPerSecond: (evaluations / total) * 1000,
    rulesConsidered: considered / evaluations,
    compileMs,
    note,
  };
}

function timedCompile(make: () => CompiledRuleSet): { compiled: CompiledRuleSet; ms: number } {
  const t0 = performance.now();
  const compiled = make();
  return { compiled, ms: performance.now() - t0 };
}

export async function runEngineBench(opts: { quick?: boolean } = {}): Promise<EngineBenchRow[]> {
  const n = (full: number): number => (opts.quick ? Math.max(10, Math.floor(full / 5)) : full);
  const now = new Date('2026-11-01T10:00:00Z');
  const rows: EngineBenchRow[] = [];

  for (const folder of findRuleSetFolders(fileURLToPath(new URL('../rules', import.meta.url)))) {
    const loaded = loadRuleSetFile(folder.main);
    if (!loaded.ruleSet) continue;
    const { compiled, ms } = timedCompile(() => compileRuleSet(loaded.ruleSet!, { file: folder.main }));
    const { fixtures } = loadFixtures(folder.fixturesDir);
    const inputs: EvaluateInput[] = [];
    for (const f of fixtures) {
      const service = serviceForFixture(compiled, f);
      if (typeof service === 'string') continue;
      const request = COMPACT_FHIR_CONVERTER.toRequest(f, service);
      inputs.push({ hook: f.hook, context: request.context, record: COMPACT_FHIR_CONVERTER.toRecord(f), now: new Date(f.now), idSeed: request.hookInstance });
    }
    if (inputs.length === 0) {
      rows.push({ label: `${compiled.identity.id}@${compiled.identity.version}`, rules: compiled.rules.length, evaluations: 0, meanMs: NaN, p50Ms: NaN, p99Ms: NaN, msPerEvaluation: NaN, evaluationsPerSecond: NaN, rulesConsidered: NaN, compileMs: ms, note: 'no fixtures to evaluate' });
      continue;
    }
    rows.push(await measure(`${compiled.identity.id}@${compiled.identity.version} (bundled, ${inputs.length} fixtures)`, compiled, inputs, n(2000), ms));
  }

  const record = benchRecord();
  const input: EvaluateInput = { hook: 'order-sign', context: { patientId: record.patientId }, record, now, idSeed: 'bench' };
  for (const count of [1_000, 10_000]) {
    const ruleSet = generateRuleSet(count);
    const { compiled, ms } = timedCompile(() => compileRuleSet(ruleSet));
    rows.push(await measure(`generated ${count.toLocaleString('en-US')} rules, indexed`, compiled, [input], n(count === 1_000 ? 1000 : 300), ms));
    if (count === 10_000) {
      const unindexed = timedCompile(() => compileRuleSet(ruleSet, { useRequiredFactIndex: false }));
      rows.push(await measure(`generated ${count.toLocaleString('en-US')} rules, index disabled`, unindexed.compiled, [input], n(50), unindexed.ms, 'same rules, every order-sign rule evaluated'));
    }
  }
  return rows;
}

function formatRows(rows: readonly EngineBenchRow[]): string {
  const head = ['what', 'rules', 'considered', 'evals', 'mean ms', 'p50 ms', 'p99 ms', 'eval/s', 'compile ms'];
  const body = rows.map((r) => [
    r.label + (r.note ? ` (${r.note})` : ''),
    String(r.rules),
    Number.isNaN(r.rulesConsidered) ? '-' : r.rulesConsidered.toFixed(0),
    String(r.evaluations),
    ...[r.meanMs, r.p50Ms, r.p99Ms].map((v) => (Number.isNaN(v) ? '-' : v.toFixed(2))),
    Number.isNaN(r.evaluationsPerSecond) ? '-' : r.evaluationsPerSecond.toFixed(0),
    r.compileMs.toFixed(0),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((row) => row[i].length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [line(head), ...body.map(line)].join('\n');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const rows = await runEngineBench({ quick: process.argv.includes('--quick') });
  console.log(`Engine benchmark (node ${process.version}, one evaluation at a time)`);
  console.log(formatRows(rows));
  const tenK = rows.find((r) => r.rules === 10_000 && r.label.endsWith('indexed'));
  if (tenK) {
    const ok = tenK.msPerEvaluation <= ENGINE_TARGET_MS_10K;
    console.log(`target: 10,000 rules <= ${ENGINE_TARGET_MS_10K} ms per evaluation: ${ok ? 'met' : 'NOT met'} (${tenK.msPerEvaluation.toFixed(2)} ms)`);
    if (!ok) process.exitCode = 1;
  }
}
