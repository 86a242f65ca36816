/**
 * Evaluates the benchmark order-sign request N times in-process (no HTTP, no store), for a CPU profile of
 * the engine alone: `node --cpu-prof --cpu-prof-dir=artifacts/profiles/eval --import tsx bench/profile-evaluate.ts 3000`,
 * then `npx tsx bench/top-functions.ts <file> --whole`. Prints the mean ms per evaluation (wall) and
 * the process CPU time per evaluation (steadier on a shared machine). A second argument rebuilds the
 * request with that many prefetch resources (bench/prefetch-size.ts), e.g. `... profile-evaluate.ts 1000 300`.
 */
import { performance } from 'node:perf_hooks';
import { loadConfig } from '../server/config.js';
import { obtainPatientRecord } from '../server/service-call/obtain-record.js';
import type { CdsServiceRequest } from '../cds-hooks/wire-types.js';
import { bundledBinding } from './bundled-binding.js';
import { buildRequests } from './make-request.js';
import { requestWithResources } from './prefetch-size.js';

const iterations = Number(process.argv[2] ?? 2000);
const config = loadConfig({ DATA_DIR: '/nonexistent', HOST: '127.0.0.1' });
const requests = buildRequests();
const binding = bundledBinding(requests.orderSignServiceId);
const resources = process.argv[3] === undefined ? undefined : Number(process.argv[3]);
const base = JSON.parse(JSON.stringify(requests.orderSign)) as CdsServiceRequest;
const request = resources === undefined ? base : requestWithResources(base, resources);
const obtained = await obtainPatientRecord({ request, binding, client: undefined, config });
if (!obtained.ok) throw new Error('no record');
const now = new Date();
const run = (i: number) => binding.evaluate({ hook: binding.service.hook, context: request.context, record: obtained.record, now, idSeed: `seed-${i}` });
for (let i = 0; i < 300; i++) await run(i);
const started = performance.now();
const cpu0 = process.cpuUsage();
for (let i = 0; i < iterations; i++) await run(i);
const cpu = process.cpuUsage(cpu0);
console.log(
  `evaluate${resources === undefined ? '' : ` (${resources} prefetch resources)`}: ${((performance.now() - started) / iterations).toFixed(3)} ms per evaluation, ` +
    `${((cpu.user + cpu.system) / 1000 / iterations).toFixed(3)} ms CPU (mean of ${iterations})`,
);
