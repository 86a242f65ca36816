/**
 * Exporting spans, off by default, on through the standard OpenTelemetry variables: the real server
 * process (server/main.ts) with OTEL_TRACES_EXPORTER=otlp over http/json sends the spans of a call to an
 * OTLP receiver (a recording HTTP server standing in for an OpenTelemetry Collector), in the EHR's trace,
 * with OTEL_SERVICE_NAME as the resource's service name; spans still queued are sent when the process
 * stops. Without OTEL_TRACES_EXPORTER nothing is sent, even with an OTLP endpoint configured.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { asNewCall, fixtureRequests } from '../../scripts/reliability/lib/ketamine-requests.js';
import { READY_LOG_MESSAGE, startServerProcess, type ServerProcess } from '../../scripts/reliability/lib/server-process.js';
import { CALL_STEP } from '../../server/observability/call-spans.js';

const EHR_TRACE_ID = '5b8aa5a2d2c872e8321cf37308d69df2';
const TRACEPARENT = `00-${EHR_TRACE_ID}-051581bf3cb55c13-01`;

interface ExportedSpan {
  traceId: string;
  name: string;
}

/** An OTLP/HTTP JSON receiver: records the spans of every POST /v1/traces. */
async function startOtlpReceiver(): Promise<{ endpoint: string; spans: ExportedSpan[]; serviceNames: Set<string>; requests: number; close(): Promise<void> }> {
  const spans: ExportedSpan[] = [];
  const serviceNames = new Set<string>();
  let requests = 0;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      requests += 1;
      if (req.url === '/v1/traces') {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
          resourceSpans?: Array<{
            resource?: { attributes?: Array<{ key: string; value: { stringValue?: string } }> };
            scopeSpans?: Array<{ spans?: Array<{ traceId: string; name: string }> }>;
          }>;
        };
        for (const resourceSpans of body.resourceSpans ?? []) {
          const name = resourceSpans.resource?.attributes?.find((a) => a.key === 'service.name')?.value.stringValue;
          if (name) serviceNames.add(name);
          for (const scope of resourceSpans.scopeSpans ?? []) for (const span of scope.spans ?? []) spans.push({ traceId: span.traceId, name: span.name });
        }
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    spans,
    serviceNames,
    get requests() {
      return requests;
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

describe('exporting spans through the standard OTEL_* variables (real server process)', function () {
  this.timeout(120_000);
  let dataDir: string;
  let server: ServerProcess | undefined;

  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'cds-trace-export-'));
  });
  afterEach(async () => {
    await server?.stop(1000);
    rmSync(dataDir, { recursive: true, force: true });
  });

  async function oneCall(s: ServerProcess): Promise<void> {
    const base = fixtureRequests('order-sign')[0];
    const response = await fetch(`${s.baseUrl}/cds-services/${base.service.id}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', traceparent: TRACEPARENT },
      body: JSON.stringify(asNewCall(base.body)),
    });
    await response.arrayBuffer();
    assert.equal(response.status, 200);
  }

  it('OTEL_TRACES_EXPORTER=otlp (http/json): the spans of a call reach the OTLP endpoint, in the EHR trace', async () => {
    const receiver = await startOtlpReceiver();
    try {
      server = await startServerProcess({
        dataDir,
        env: {
          OTEL_TRACES_EXPORTER: 'otlp',
          OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
          OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
          OTEL_SERVICE_NAME: 'cds-hooks-export-test',
        },
      });
      assert.deepEqual(server.lines.find((line) => line.msg === READY_LOG_MESSAGE)?.tracesExporters, ['otlp']);
      await oneCall(server);
      assert.deepEqual(await server.stop(), { code: 0, signal: null }, 'queued spans are flushed at shutdown');

      const ours = receiver.spans.filter((span) => span.traceId.toLowerCase() === EHR_TRACE_ID);
      const names = new Set(ours.map((span) => span.name));
      for (const name of ['POST /cds-services/:id', ...Object.values(CALL_STEP)]) assert.ok(names.has(name), `${name} exported (got ${[...names].join(', ')})`);
      assert.deepEqual([...receiver.serviceNames], ['cds-hooks-export-test']);
    } finally {
      await receiver.close();
    }
  });

  it('exports nothing without OTEL_TRACES_EXPORTER, even with an OTLP endpoint set', async () => {
    const receiver = await startOtlpReceiver();
    try {
      server = await startServerProcess({ dataDir, env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint } });
      assert.deepEqual(server.lines.find((line) => line.msg === READY_LOG_MESSAGE)?.tracesExporters, []);
      await oneCall(server);
      assert.deepEqual(await server.stop(), { code: 0, signal: null });
      assert.equal(receiver.requests, 0);
    } finally {
      await receiver.close();
    }
  });
});
