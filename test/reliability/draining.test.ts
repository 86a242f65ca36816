/**
 * Draining on SIGTERM, in the real server process (server/main.ts) with SHUTDOWN_DRAIN_MS: while a call
 * is in flight (held at a FHIR server the test controls), SIGTERM turns /readyz to 503 at once while new
 * calls are still answered (with `Connection: close`); when the drain ends the listener closes (new
 * connections refused), the call in flight finishes with its 200 and its record, the store closes and
 * the process exits 0. The same process shows the operations wiring of main.ts: the EHR's traceparent
 * reaches the FHIR server and the call's log lines, and the Prometheus metrics are on METRICS_PORT only.
 *
 * The drain's end is made an event for the test: a second SIGTERM ends it at once (as Ctrl-C would);
 * the second test lets a short drain end by itself. No sleeps: the test waits on log lines and the gate.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { auditLedger, DecisionLedger } from '../../scripts/reliability/lib/ledger.js';
import { READY_LOG_MESSAGE, startServerProcess, type ServerProcess } from '../../scripts/reliability/lib/server-process.js';
import { DRAINING_MESSAGE, SHUTTING_DOWN_MESSAGE } from '../../server/shutdown.js';
import { openStore } from '../../store/open-store.js';
import { parsePrometheusText, sampleValue } from '../support/prometheus-text.js';
import { startGateFhirServer, type GateFhirServer } from './support/gate-fhir-server.js';
import { asNewCall, fixtureRequests } from '../../scripts/reliability/lib/ketamine-requests.js';

const EHR_TRACE_ID = '0af7651916cd43dd8448eb211c80319c';
const EHR_TRACEPARENT = `00-${EHR_TRACE_ID}-b7ad6b7169203331-01`;

function connectionRefused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code === 'ECONNREFUSED'));
  });
}

describe('draining on SIGTERM (SHUTDOWN_DRAIN_MS), real server process', function () {
  this.timeout(120_000);
  let dataDir: string;
  let gate: GateFhirServer;
  let server: ServerProcess | undefined;

  beforeEach(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'cds-drain-test-'));
    gate = await startGateFhirServer();
  });
  afterEach(async () => {
    await server?.stop(1000);
    await gate.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('/readyz 503 at once while calls are served; then the listener closes, the call in flight finishes, the store closes, exit 0', async () => {
    // A drain far longer than the test: a second SIGTERM ends it when the test has looked.
    server = await startServerProcess({ dataDir, env: { SHUTDOWN_DRAIN_MS: '600000', FHIR_DEADLINE_MS: '60000', METRICS_PORT: '0' } });
    const s = server;
    const metricsPort = Number(s.lines.find((line) => line.msg === READY_LOG_MESSAGE)?.metricsPort);
    assert.ok(metricsPort > 0 && metricsPort !== s.port, `metrics on a port of their own (${metricsPort})`);
    const base = fixtureRequests('order-sign').find((r) => r.body.prefetch?.conditions !== undefined)!;
    const ledger = new DecisionLedger();
    const send = async (body: typeof base.body, headers: Record<string, string> = {}) => {
      const response = await fetch(`${s.baseUrl}/cds-services/${base.service.id}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', ...headers },
        body: JSON.stringify(body),
      });
      const json = await response.json();
      if (response.status === 200) ledger.acknowledge(base.service.id, body.hookInstance, json);
      return response;
    };

    assert.equal((await fetch(`${s.baseUrl}/readyz`)).status, 200);

    // Without the conditions key the service fetches it from fhirServer, where the gate holds it.
    const { conditions: _held, ...prefetch } = base.body.prefetch!;
    const heldBody = { ...asNewCall(base.body), prefetch, fhirServer: gate.baseUrl };
    const inFlight = send(heldBody, { traceparent: EHR_TRACEPARENT });
    await gate.whenReceived(1);

    s.signal('SIGTERM');
    await s.waitForLog((line) => line.msg === DRAINING_MESSAGE);
    const ready = await fetch(`${s.baseUrl}/readyz`);
    assert.equal(ready.status, 503, 'not ready as soon as draining started');
    assert.equal((await ready.json()).status, 'draining');

    const servedWhileDraining = await send(asNewCall(base.body));
    assert.equal(servedWhileDraining.status, 200, 'a call arriving while draining is served');
    assert.equal(servedWhileDraining.headers.get('connection'), 'close', 'and its connection is not kept alive');

    const metricsText = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    const samples = parsePrometheusText(metricsText);
    assert.equal(sampleValue(samples, 'cds_calls_in_flight'), 1, 'the held call is in flight');
    assert.equal(sampleValue(samples, 'cds_service_call_duration_seconds_count', { service: base.service.id, status: '200' }), 1);
    const mainPortMetrics = await fetch(`${s.baseUrl}/metrics`);
    assert.equal(mainPortMetrics.status, 404, 'nothing on the EHR-facing port');
    assert.doesNotMatch(await mainPortMetrics.text(), /cds_calls_in_flight/);

    s.signal('SIGTERM'); // ends the drain now
    await s.waitForLog((line) => line.msg === SHUTTING_DOWN_MESSAGE);
    assert.ok(await connectionRefused(s.port), 'new connections are refused once the listener closed');

    gate.release();
    const held = await inFlight;
    assert.equal(held.status, 200, 'the call in flight finished');

    const exit = await s.exited;
    assert.deepEqual(exit, { code: 0, signal: null }, `exit: ${JSON.stringify(exit)}; output: ${s.otherOutput.join('\n')}`);
    assert.ok(s.lines.some((line) => line.msg === 'store closed; bye'), 'the store was closed before exit');
    assert.deepEqual(s.lines.filter((line) => (line.level ?? 0) >= 50), [], "no error was logged");

    // Tracing from main.ts: the EHR's trace reached the FHIR server and names every log line of the call.
    assert.equal(gate.traceparents[0]?.split('-')[1], EHR_TRACE_ID, 'the FHIR request continued the trace');
    const heldLines = s.lines.filter((line) => line.trace_id === EHR_TRACE_ID);
    assert.ok(heldLines.some((line) => line.msg === 'request' && line.status === 200), 'the call logged under its trace id');
    assert.equal(new Set(heldLines.map((line) => line.reqId)).size, 1, 'one call, one trace');

    const store = await openStore({ dataDir });
    try {
      const audit = await auditLedger(store, ledger);
      assert.equal(audit.acknowledged, 2);
      assert.deepEqual(audit.lost, [], 'both calls are on record');
      assert.ok(audit.chain.ok);
    } finally {
      await store.close();
    }
  });

  it('a drain ends by itself after SHUTDOWN_DRAIN_MS; SIGINT does not drain', async () => {
    server = await startServerProcess({ dataDir, env: { SHUTDOWN_DRAIN_MS: '300' } });
    server.signal('SIGTERM');
    await server.waitForLog((line) => line.msg === DRAINING_MESSAGE);
    const closed = await server.waitForLog((line) => line.msg === SHUTTING_DOWN_MESSAGE);
    assert.equal(closed.signal, 'drain over');
    assert.deepEqual(await server.exited, { code: 0, signal: null });

    server = await startServerProcess({ dataDir, env: { SHUTDOWN_DRAIN_MS: '600000' } });
    server.signal('SIGINT');
    const stopped = await server.waitForLog((line) => line.msg === SHUTTING_DOWN_MESSAGE);
    assert.equal(stopped.signal, 'SIGINT');
    assert.ok(!server.lines.some((line) => line.msg === DRAINING_MESSAGE), 'no drain on SIGINT');
    assert.deepEqual(await server.exited, { code: 0, signal: null });
  });
});
