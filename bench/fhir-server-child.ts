/**
 * The EHR's FHIR server for the FHIR-fallback row: the project's real test FHIR server
 * (test/support/fhir-server.ts, medplum's FhirRouter over an in-memory repository) in its own child process,
 * loaded with the benchmark patient's chart (bench/make-request.ts) and answering every query after
 * FHIR_LATENCY_MS (default 50 ms) of added latency.
 *
 * Started by bench/run.ts with an IPC channel: reports {type:'ready', baseUrl}, answers
 * {type:'stats'} with {type:'stats', requests, maxInFlight} and {type:'reset'} by clearing its recording;
 * exits when the parent disconnects or on SIGTERM.
 */
import { startFhirServer } from '../test/support/fhir-server.js';
import { patientResources } from './make-request.js';

const ACCESS_TOKEN = process.env.FHIR_ACCESS_TOKEN;

async function main(): Promise<void> {
  const latencyMs = Number(process.env.FHIR_LATENCY_MS ?? 50);
  const fhir = await startFhirServer({ latencyMs, requireToken: ACCESS_TOKEN, pageSize: 100 });
  await fhir.load(patientResources());
  // Keep memory flat under load: the benchmark needs counts, not the request log.
  const stats = { requests: 0 };
  const trim = setInterval(() => {
    stats.requests += fhir.requests.length;
    fhir.requests.length = 0;
  }, 1000);
  process.on('message', (message: { type?: string }) => {
    if (message?.type === 'stats') {
      process.send?.({ type: 'stats', requests: stats.requests + fhir.requests.length, maxInFlight: fhir.maxInFlight });
    } else if (message?.type === 'reset') {
      stats.requests = 0;
      fhir.resetRecording();
    }
  });
  const stop = (): void => {
    clearInterval(trim);
    void fhir.close().finally(() => process.exit(0));
  };
  process.once('disconnect', stop);
  process.once('SIGTERM', stop);
  process.send?.({ type: 'ready', baseUrl: fhir.baseUrl });
}

main().catch((error: Error) => {
  process.send?.({ type: 'error', error: error.stack ?? error.message });
  process.exit(1);
});
