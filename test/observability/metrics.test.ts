/**
 * Prometheus metrics after real calls: the service (app + engine + SQLite store) answers a call from
 * prefetch, a call whose record it fetches from a real FHIR server (test/support/fhir-server.ts), a call
 * whose data cannot be had (412), one the store cannot record (503), one over the rate limit (429) and,
 * on a service with trusted clients, one without a token (401). The metrics listener
 * (server/observability/metrics-server.ts, a real HTTP listener) then shows each of them counted; the
 * EHR-facing app has no /metrics.
 */
import assert from 'node:assert/strict';
import request from 'supertest';
import type * as fhir4 from 'fhir/r4.js';
import { fixtureToResources } from '../../engine/fixtures/compact-fhir.js';
import { ServiceMetrics } from '../../server/observability/metrics.js';
import { startMetricsServer, type MetricsServer } from '../../server/observability/metrics-server.js';
import type { Card, CdsServiceRequest } from '../../cds-hooks/wire-types.js';
import { ruleIdOfCard } from '../../use-cases/audit/decision-record.js';
import { generateTestKey, jwks } from '../support/client-tokens.js';
import { startFhirServer, type FhirTestServer } from '../support/fhir-server.js';
import { rememberSecret } from '../support/minted-secrets.js';
import { hasSeries, parsePrometheusText, sampleValue, type Sample } from '../support/prometheus-text.js';
import { startHarness, TestClock, type Harness } from '../support/server-harness.js';
import { asNewCall, fixtureRequests, ketamineRuleSet, type FixtureRequest } from '../../scripts/reliability/lib/ketamine-requests.js';

const TOKEN = rememberSecret('metrics-test-fhir-access-token-7c1e9a3b5d');
const SERVICE = { service: 'ketamine-order-sign', hook: 'order-sign' };

describe('Prometheus metrics, counting real calls (METRICS_PORT listener)', function () {
  this.timeout(60_000);
  let h: Harness;
  let fhir: FhirTestServer;
  let call: FixtureRequest;
  let metrics: ServiceMetrics;
  let listener: MetricsServer;

  before(async () => {
    metrics = new ServiceMetrics();
    call = fixtureRequests('order-sign').find((r) => r.fixture.name.startsWith('Whole patient: woman, 52'))!;
    assert.ok(call, 'the whole-patient fixture exists');
    h = await startHarness({
      ruleSets: [ketamineRuleSet()],
      clock: new TestClock(call.now),
      // Three calls fit in the bucket (the clock is pinned, so it never refills): the fourth is refused.
      env: { RATE_LIMIT_PER_MINUTE: '3', FHIR_DEADLINE_MS: '10000' },
      metrics,
    });
    fhir = await startFhirServer({ requireToken: TOKEN });
    await fhir.load(fixtureToResources(call.fixture) as fhir4.Resource[]);
    listener = await startMetricsServer(metrics, '127.0.0.1', 0);
  });
  after(async () => {
    await listener.close();
    await fhir.close();
    await h.close();
  });

  async function scrape(): Promise<Sample[]> {
    const response = await fetch(`http://127.0.0.1:${listener.port}/metrics`);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^text\/plain/);
    return parsePrometheusText(await response.text());
  }

  const post = (body: CdsServiceRequest) => request(h.app).post(`/cds-services/${call.service.id}`).send(body);

  it('counts calls by service, hook and status, cards by indicator and rule, FHIR requests, audit appends and commits, refusals', async () => {
    const fromPrefetch = await post(asNewCall(call.body));
    assert.equal(fromPrefetch.status, 200, fromPrefetch.text);

    const { prefetch: _prefetch, ...withoutPrefetch } = asNewCall(call.body);
    const fetched = await post({
      ...withoutPrefetch,
      fhirServer: fhir.baseUrl,
      fhirAuthorization: { access_token: TOKEN, token_type: 'Bearer', expires_in: 300, scope: 'patient/*.read', subject: 'cds-service' },
    });
    assert.equal(fetched.status, 200, fetched.text);
    assert.ok(fhir.requests.length >= 12, `the record was fetched from the FHIR server (${fhir.requests.length} requests)`);

    const missingData = await post({ ...asNewCall(withoutPrefetch as CdsServiceRequest) });
    assert.equal(missingData.status, 412, missingData.text);

    const overLimit = await post(asNewCall(call.body));
    assert.equal(overLimit.status, 429, overLimit.text);

    // The rate-limit buckets live in the store too: with the store gone the limit lets calls through,
    // and the next decision cannot be recorded: 503 (STORE_FAILURE_MODE=fail-closed).
    await h.store.close();
    const notRecorded = await post(asNewCall(call.body));
    assert.equal(notRecorded.status, 503, notRecorded.text);

    const samples = await scrape();
    const calls = (labels: Record<string, string>) => sampleValue(samples, 'cds_service_call_duration_seconds_count', labels);
    assert.equal(calls({ ...SERVICE, status: '200' }), 2);
    assert.equal(calls({ ...SERVICE, status: '412' }), 1);
    assert.equal(calls({ ...SERVICE, status: '503' }), 1);
    assert.equal(calls({ service: 'unknown', hook: 'unknown', status: '429' }), 1, 'refused before the service was resolved');
    assert.ok(sampleValue(samples, 'cds_service_call_duration_seconds_sum', { ...SERVICE, status: '200' }) > 0);

    const cards = [...(fromPrefetch.body.cards as Card[]), ...(fetched.body.cards as Card[])];
    assert.ok(cards.length > 0);
    assert.equal(sampleValue(samples, 'cds_cards_returned_total'), cards.length);
    for (const card of cards) {
      const sameKind = cards.filter((c) => c.indicator === card.indicator && ruleIdOfCard(c) === ruleIdOfCard(card)).length;
      assert.equal(sampleValue(samples, 'cds_cards_returned_total', { indicator: card.indicator, rule: ruleIdOfCard(card)! }), sameKind);
    }

    assert.equal(sampleValue(samples, 'cds_fhir_request_duration_seconds_count', { outcome: 'ok' }), fhir.requests.length);
    assert.equal(sampleValue(samples, 'cds_fhir_request_duration_seconds_count'), fhir.requests.length, 'no other outcome');

    assert.equal(sampleValue(samples, 'cds_audit_append_duration_seconds_count', { outcome: 'appended' }), 3, 'two 200s and the 412 are on record');
    assert.equal(sampleValue(samples, 'cds_audit_append_duration_seconds_count', { outcome: 'failed' }), 1);
    assert.equal(sampleValue(samples, 'cds_audit_commit_records_count'), 3, 'three committed transactions (single append mode)');
    assert.equal(sampleValue(samples, 'cds_audit_commit_records_sum'), 3, 'of one record each');

    assert.equal(sampleValue(samples, 'cds_refusals_total', { status: '412', reason: 'missing_data' }), 1);
    assert.equal(sampleValue(samples, 'cds_refusals_total', { status: '503', reason: 'unavailable' }), 1);
    assert.equal(sampleValue(samples, 'cds_refusals_total', { status: '429', reason: 'rate_limited' }), 1);
    assert.equal(sampleValue(samples, 'cds_refusals_total'), 3);
    assert.equal(sampleValue(samples, 'cds_calls_in_flight'), 0, 'every call has finished');

    for (const name of ['process_cpu_user_seconds_total', 'process_resident_memory_bytes', 'nodejs_eventloop_lag_seconds', 'nodejs_heap_size_used_bytes']) {
      assert.ok(hasSeries(samples, name), `Node process metric ${name}`);
    }
  });

  it('counts a call refused for want of a client token (401)', async () => {
    const key = await generateTestKey('ES384', 'metrics-test-key');
    const clientMetrics = new ServiceMetrics();
    const withClients = await startHarness({
      ruleSets: [ketamineRuleSet()],
      clients: [{ iss: 'https://ehr.metrics.test', jwks: jwks(key), fhirServers: [] }],
      metrics: clientMetrics,
    });
    try {
      const refused = await request(withClients.app).post(`/cds-services/${call.service.id}`).send(asNewCall(call.body));
      assert.equal(refused.status, 401);
      const samples = parsePrometheusText((await clientMetrics.exposition()).text);
      assert.equal(sampleValue(samples, 'cds_refusals_total', { status: '401', reason: 'unauthorized' }), 1);
      assert.equal(sampleValue(samples, 'cds_service_call_duration_seconds_count', { status: '401' }), 1);
    } finally {
      await withClients.close();
    }
  });

  it('is served only by the metrics listener: the EHR-facing app has no /metrics', async () => {
    const onMainPort = await request(h.app).get('/metrics');
    assert.equal(onMainPort.status, 404);
    assert.doesNotMatch(onMainPort.text, /cds_|process_cpu/);
    const other = await fetch(`http://127.0.0.1:${listener.port}/cds-services`);
    assert.equal(other.status, 404, 'the metrics listener serves nothing else');
    const post = await fetch(`http://127.0.0.1:${listener.port}/metrics`, { method: 'POST' });
    assert.equal(post.status, 405);
  });
});
