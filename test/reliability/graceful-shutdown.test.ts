/**
 * Graceful shutdown of the real server process (server/main.ts): SIGTERM while calls are in flight
 * (held at a FHIR server the test controls, so they are verifiably in progress). The server stops
 * accepting connections at once, finishes the calls in flight (each gets its 200), makes their
 * decision records durable, closes the store and exits 0.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { auditLedger, DecisionLedger } from '../../scripts/reliability/lib/ledger.js';
import { startServerProcess, type ServerProcess } from '../../scripts/reliability/lib/server-process.js';
import { openStore } from '../../store/open-store.js';
import { startGateFhirServer, type GateFhirServer } from './support/gate-fhir-server.js';
import { asNewCall, fixtureRequests } from '../../scripts/reliability/lib/ketamine-requests.js';

const IN_FLIGHT = 5;

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

describe('graceful shutdown: SIGTERM with calls in flight', function () {
  this.timeout(120_000);
  let dataDir: string;
  let gate: GateFhirServer;
  let server: ServerProcess;

  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'cds-shutdown-test-'));
    gate = await startGateFhirServer();
    // A long FHIR deadline: the calls wait on the gate, not on a timer.
    server = await startServerProcess({ dataDir, env: { FHIR_DEADLINE_MS: '60000' } });
  });
  after(async () => {
    await server.stop(1000);
    await gate.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('stops accepting, answers every call in flight with 200, records them, closes the store, exits 0', async () => {
    const base = fixtureRequests('order-sign').find((r) => r.body.prefetch?.conditions !== undefined)!;
    const ledger = new DecisionLedger();
    const calls = Array.from({ length: IN_FLIGHT }, async () => {
      // Without the conditions key the service must fetch it from fhirServer: the gate holds it there.
      const { conditions: _held, ...prefetch } = base.body.prefetch!;
      const body = { ...asNewCall(base.body), prefetch, fhirServer: gate.baseUrl };
      const response = await fetch(`${server.baseUrl}/cds-services/${base.service.id}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
      });
      const json = await response.json();
      if (response.status === 200) ledger.acknowledge(base.service.id, body.hookInstance, json);
      return response.status;
    });

    await gate.whenReceived(IN_FLIGHT);
    server.signal('SIGTERM');
    await server.waitForLog((line) => line.msg?.startsWith('shutting down') === true);
    assert.ok(await connectionRefused(server.port), 'new connections are refused once shutdown began');

    gate.release();
    const statuses = await Promise.all(calls);
    assert.deepEqual(statuses, Array(IN_FLIGHT).fill(200), 'every call in flight was answered');

    const exit = await server.exited;
    assert.deepEqual(exit, { code: 0, signal: null }, `exit: ${JSON.stringify(exit)}; output: ${server.otherOutput.join('\n')}`);
    assert.ok(server.lines.some((line) => line.msg === 'store closed; bye'), 'the store was closed before exit');
    assert.ok(!server.lines.some((line) => (line.level ?? 0) >= 50), 'no error was logged during shutdown');

    const store = await openStore({ dataDir });
    try {
      const audit = await auditLedger(store, ledger);
      assert.equal(audit.acknowledged, IN_FLIGHT);
      assert.deepEqual(audit.lost, [], 'the calls answered during shutdown are on record');
      assert.ok(audit.chain.ok);
    } finally {
      await store.close();
    }
  });
});
