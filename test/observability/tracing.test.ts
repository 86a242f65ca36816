/**
 * Trace context through a real call: the EHR's W3C `traceparent` is continued by the service, every
 * request the service sends to the (real, test/support/fhir-server.ts) FHIR server carries a traceparent
 * of the same trace, and every log line of the call names the trace id. The spans (collected here with
 * the SDK's in-memory exporter) form one tree: the request's server span, the steps (validation, record
 * resolution, evaluation, audit append), one client span per FHIR request under record resolution; none
 * of them carries the patient id or a token. Without a traceparent the call starts a trace of its own.
 */
import assert from 'node:assert/strict';
import request from 'supertest';
import type * as fhir4 from 'fhir/r4.js';
import { SpanKind } from '@opentelemetry/api';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { fixtureToResources } from '../../engine/fixtures/compact-fhir.js';
import { CALL_STEP } from '../../server/observability/call-spans.js';
import type { CdsServiceRequest } from '../../cds-hooks/wire-types.js';
import { startFhirServer, type FhirTestServer } from '../support/fhir-server.js';
import { rememberSecret } from '../support/minted-secrets.js';
import { startHarness, TestClock, type Harness } from '../support/server-harness.js';
import { asNewCall, fixtureRequests, type FixtureRequest, ketamineRuleSet } from '../../scripts/reliability/lib/ketamine-requests.js';

const TOKEN = rememberSecret('tracing-test-fhir-access-token-4e8b2d6f0a');
const EHR_TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const EHR_SPAN_ID = '00f067aa0ba902b7';
const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

describe('OpenTelemetry trace context: traceparent continued into FHIR requests, spans and log lines', function () {
  this.timeout(60_000);
  let h: Harness;
  let fhir: FhirTestServer;
  let call: FixtureRequest;
  const exporter = new InMemorySpanExporter();

  before(async () => {
    call = fixtureRequests('order-sign').find((r) => r.fixture.name.startsWith('Whole patient: woman, 52'))!;
    const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
    h = await startHarness({
      ruleSets: [ketamineRuleSet()],
      clock: new TestClock(call.now),
      env: { FHIR_DEADLINE_MS: '10000' },
      tracer: provider.getTracer('tracing-test'),
    });
    fhir = await startFhirServer({ requireToken: TOKEN });
    await fhir.load(fixtureToResources(call.fixture) as fhir4.Resource[]);
  });
  after(async () => {
    await fhir.close();
    await h.close();
  });
  beforeEach(() => {
    fhir.resetRecording();
    exporter.reset();
  });

  function fetchingCall(): CdsServiceRequest {
    const { prefetch: _prefetch, ...body } = asNewCall(call.body);
    return {
      ...body,
      fhirServer: fhir.baseUrl,
      fhirAuthorization: { access_token: TOKEN, token_type: 'Bearer', expires_in: 300, scope: 'patient/*.read', subject: 'cds-service' },
    };
  }

  function linesOf(requestId: string): Array<Record<string, unknown>> {
    return h.logs.lines().filter((line) => line.reqId === requestId);
  }

  it("continues the EHR's trace: every FHIR request carries it, every log line of the call names it", async () => {
    const response = await request(h.app)
      .post(`/cds-services/${call.service.id}`)
      .set('traceparent', `00-${EHR_TRACE_ID}-${EHR_SPAN_ID}-01`)
      .send(fetchingCall());
    assert.equal(response.status, 200, response.text);

    assert.ok(fhir.requests.length >= 12, `the record was fetched (${fhir.requests.length} requests)`);
    const parentIds = new Set<string>();
    for (const received of fhir.requests) {
      const match = TRACEPARENT.exec(received.traceparent ?? '');
      assert.ok(match, `${received.url.split('?')[0]} carries a traceparent (got ${JSON.stringify(received.traceparent)})`);
      assert.equal(match[1], EHR_TRACE_ID, "the EHR's trace id");
      assert.notEqual(match[2], EHR_SPAN_ID, "a span of this service, not the EHR's");
      assert.equal(match[3], '01', "the EHR's sampling decision is passed on");
      parentIds.add(match[2]);
    }
    assert.equal(parentIds.size, fhir.requests.length, 'each FHIR request is a span of its own');

    const lines = linesOf(response.headers['x-request-id']);
    assert.ok(lines.some((line) => line.msg === 'request' && line.status === 200), 'the request line');
    for (const line of lines) assert.equal(line.trace_id, EHR_TRACE_ID, `log line "${String(line.msg)}" names the trace`);

    const spans = exporter.getFinishedSpans();
    const byName = (name: string) => spans.filter((s) => s.name === name);
    const server = spans.find((s) => s.kind === SpanKind.SERVER);
    assert.ok(server, 'a server span');
    assert.equal(server.name, 'POST /cds-services/:id');
    assert.equal(server.parentSpanContext?.spanId, EHR_SPAN_ID, "child of the EHR's span");
    assert.equal(server.spanContext().spanId, lines[0].span_id, 'the log lines name the server span');
    for (const name of Object.values(CALL_STEP)) {
      assert.equal(byName(name).length, 1, `one ${name} span`);
      assert.equal(byName(name)[0].parentSpanContext?.spanId, server.spanContext().spanId, `${name} is a child of the server span`);
    }
    const resolution = byName(CALL_STEP.recordResolution)[0];
    const fhirSpans = spans.filter((s) => s.kind === SpanKind.CLIENT);
    assert.equal(fhirSpans.length, fhir.requests.length, 'one client span per FHIR request');
    assert.deepEqual(new Set(fhirSpans.map((s) => s.spanContext().spanId)), parentIds, 'each FHIR request carried its own span');
    for (const span of fhirSpans) {
      assert.equal(span.parentSpanContext?.spanId, resolution.spanContext().spanId, 'FHIR requests are children of record resolution');
      assert.equal(span.attributes['cds.fhir.outcome'], 'ok');
    }
    for (const span of spans) assert.equal(span.spanContext().traceId, EHR_TRACE_ID);
    const spanText = JSON.stringify(spans.map((s) => ({ name: s.name, attributes: s.attributes, status: s.status })));
    const patientId = String(call.body.context.patientId);
    assert.ok(!spanText.includes(patientId), 'no patient id in span names or attributes');
    assert.ok(!spanText.includes(TOKEN), 'no token in span names or attributes');
  });

  it('starts a trace of its own when the EHR sends no traceparent (or an invalid one)', async () => {
    for (const traceparent of [undefined, 'not-a-traceparent', `00-${'0'.repeat(32)}-${EHR_SPAN_ID}-01`]) {
      fhir.resetRecording();
      const post = request(h.app).post(`/cds-services/${call.service.id}`);
      if (traceparent !== undefined) post.set('traceparent', traceparent);
      const response = await post.send(fetchingCall());
      assert.equal(response.status, 200, response.text);
      const lines = linesOf(response.headers['x-request-id']);
      const traceId = String(lines[0]?.trace_id);
      assert.match(traceId, /^[0-9a-f]{32}$/);
      assert.notEqual(traceId, '0'.repeat(32));
      for (const line of lines) assert.equal(line.trace_id, traceId);
      for (const received of fhir.requests) assert.equal(TRACEPARENT.exec(received.traceparent ?? '')?.[1], traceId, 'FHIR requests carry the new trace');
    }
  });
});
