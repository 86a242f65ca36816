/**
 * Decision-append throughput of both store backends: one transaction per decision ('single')
 * against group commit ('group'), sequential and with concurrent callers, plus verifyChain speed.
 * Every append is durable when it resolves in both modes (SQLite WAL + synchronous=FULL;
 * PostgreSQL synchronous_commit as configured on the server, default on).
 *
 *   npx tsx bench/store-bench.ts [--records 2000] [--concurrency 32]
 *
 * PostgreSQL: BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test); a scratch
 * schema is created and dropped. Skipped with a note when not reachable.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { openStore, type AppendMode } from '../store/open-store.js';
import type { DecisionRecordInput, Store } from '../store/store.js';

function option(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const value = i === -1 ? fallback : Number(process.argv[i + 1]);
  if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} must be a positive integer`);
  return value;
}

const RECORDS = option('records', 2000);
const CONCURRENCY = option('concurrency', 32);
const PG_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

let counter = 0;
/** A realistic record: two cards, three fired rules with their facts, a 600-byte snapshot. */
function decision(): DecisionRecordInput {
  counter += 1;
  const at = new Date(Date.UTC(2026, 2, 1) + counter * 1000).toISOString();
  const facts = [{ name: 'esketamineOrder', kind: 'draft-order', value: { present: true, code: '2201625', refs: ['MedicationRequest/draft-1'] } }];
  return {
    at,
    serviceId: 'ketamine-order-sign',
    hook: 'order-sign',
    hookInstance: `bench-${counter}`,
    clientIss: 'https://ehr.example.org',
    patientKey: randomBytes(32).toString('hex'),
    ruleSetId: 'ketamine-esketamine',
    ruleSetVersion: '1.0.0',
    ruleSetHash: 'a'.repeat(64),
    evaluationNow: at,
    inputFingerprint: randomBytes(32).toString('hex'),
    fired: ['contraindication-aneurysm', 'bp-above-caution', 'bp-missing'].map((ruleId) => ({ ruleId, facts, suppressed: false })),
    cards: [
      { uuid: `bench-${counter}-1`, ruleId: 'contraindication-aneurysm', indicator: 'critical', summary: 'Esketamine is contraindicated: aneurysm I71.3 on record' },
      { uuid: `bench-${counter}-2`, ruleId: 'bp-above-caution', indicator: 'warning', summary: 'Systolic BP 152 mmHg is above 140: consider delaying' },
    ],
    latencyMs: 23.4,
    status: 200,
    snapshot: randomBytes(600),
    snapshotExpiresAt: '2026-06-01T00:00:00.000Z',
  };
}

interface Figures {
  backend: string;
  mode: AppendMode;
  callers: number;
  records: number;
  seconds: number;
  perSecond: number;
  p50: number;
  p99: number;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function measure(store: Store, backend: string, mode: AppendMode, callers: number, records: number): Promise<Figures> {
  const latencies: number[] = [];
  let issued = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: callers }, async () => {
      while (issued < records) {
        issued += 1;
        const t = performance.now();
        await store.appendDecision(decision());
        latencies.push(performance.now() - t);
      }
    }),
  );
  const seconds = (performance.now() - start) / 1000;
  latencies.sort((a, b) => a - b);
  return { backend, mode, callers, records, seconds, perSecond: records / seconds, p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
}

async function benchBackend(backend: 'sqlite' | 'postgres', location: { databaseUrl?: string; dataDir: string }): Promise<Figures[]> {
  const figures: Figures[] = [];
  for (const [mode, callers, records] of [
    ['single', 1, Math.min(RECORDS, 500)],
    ['single', CONCURRENCY, RECORDS],
    ['group', 1, Math.min(RECORDS, 500)],
    ['group', CONCURRENCY, RECORDS],
  ] as [AppendMode, number, number][]) {
    const store = await openStore({ ...location, appendMode: mode });
    try {
      figures.push(await measure(store, backend, mode, callers, records));
    } finally {
      await store.close();
    }
  }
  const store = await openStore(location);
  try {
    const start = performance.now();
    const result = await store.verifyChain();
    const seconds = (performance.now() - start) / 1000;
    if (!result.ok) throw new Error(`chain broken after the benchmark: ${JSON.stringify(result.problem)}`);
    process.stdout.write(`${backend.padEnd(8)} verifyChain: ${result.checked} records in ${seconds.toFixed(2)} s = ${Math.round(result.checked / seconds)} records/s\n`);
  } finally {
    await store.close();
  }
  return figures;
}

function print(figures: Figures[]): void {
  process.stdout.write('\nbackend  mode    callers  records  seconds  appends/s  p50 ms  p99 ms\n');
  for (const f of figures) {
    process.stdout.write(
      `${f.backend.padEnd(8)} ${f.mode.padEnd(7)} ${String(f.callers).padStart(7)}  ${String(f.records).padStart(7)}  ${f.seconds.toFixed(2).padStart(7)}  ` +
        `${Math.round(f.perSecond).toString().padStart(9)}  ${f.p50.toFixed(2).padStart(6)}  ${f.p99.toFixed(2).padStart(6)}\n`,
    );
  }
}

async function main(): Promise<void> {
  process.stdout.write(`store-bench: ${RECORDS} records per concurrent run, ${CONCURRENCY} concurrent callers, node ${process.version}\n`);
  const figures: Figures[] = [];

  const dataDir = mkdtempSync(join(tmpdir(), 'store-bench-'));
  try {
    figures.push(...(await benchBackend('sqlite', { dataDir })));
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }

  const admin = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 2000 });
  try {
    await admin.connect();
  } catch (error) {
    process.stdout.write(`postgres: not reachable at ${new URL(PG_URL).host} (${(error as Error).message}); skipped\n`);
    print(figures);
    return;
  }
  const schema = `store_bench_${randomBytes(6).toString('hex')}`;
  await admin.query(`CREATE SCHEMA ${schema}`);
  try {
    const url = new URL(PG_URL);
    url.searchParams.set('options', `-c search_path=${schema}`);
    const pgDataDir = mkdtempSync(join(tmpdir(), 'store-bench-pg-'));
    try {
      figures.push(...(await benchBackend('postgres', { databaseUrl: url.toString(), dataDir: pgDataDir })));
    } finally {
      rmSync(pgDataDir, { recursive: true, force: true });
    }
  } finally {
    await admin.query(`DROP SCHEMA ${schema} CASCADE`);
    await admin.end();
  }
  print(figures);
}

await main();
