/**
 * Evaluates the benchmark order-sign request N times in-process (no HTTP, no store), for a CPU profile of
 * the engine alone: `node --cpu-prof --cpu-prof-dir=artifacts/profiles/eval --import tsx bench/profile-evaluate.ts 3000`,
 * then `npx tsx bench/top-functions.ts <file> --whole`. Prints the mean ms per evaluation.
 */
import { performance } from 'node:perf_hooks';
import { loadConfig } from '../server/config.js';
import { obtainPatientRecord } from '../server/service-call/obtain-record.js';
import type { CdsServiceRequest } from '../cds-hooks/wire-types.js';
import { bundledBinding } from './bundled-binding.js';
import { buildRequests } from './make-request.js';

const iterations = Number(process.argv[2] ?? 2000);
const config = loadConfig({ DATA_DIR: '/nonexistent', HOST: '127.0.0.1' });
const requests = buildRequests();
const binding = bundledBinding(requests.orderSignServiceId);
const request = JSON.parse(JSON.stringify(requests.orderSign)) as CdsServiceRequest;
const obtained = await obtainPatientRecord({ request, binding, client: undefined, config });
if (!obtained.ok) throw new Error('no record');
const now = new Date();
const run = (i: number) => binding.evaluate({ hook: binding.service.hook, context: request.context, record: obtained.record, now, idSeed: `seed-${i}` });
for (let i = 0; i < 300; i++) await run(i);
const started = performance.now();
for (let i = 0; i < iterations; i++) await run(i);
console.log(`evaluate: ${((performance.now() - started) / iterations).toFixed(3)} ms per evaluation (mean of ${iterations})`);
