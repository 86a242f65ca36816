/**
 * FHIR server faults end to end, through the real service (app + engine + store), not just fhir/:
 * the service fetches what the client did not prefetch from a real FHIR test server
 * (test/support/fhir-server.ts) that fails in every way we could make it fail. Whatever happens, the
 * answer comes within FHIR_DEADLINE_MS plus a margin, it is a 412 with an OperationOutcome naming the
 * key and why (or a 200 when the data was complete), the call is on record, and nothing hangs.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import request from 'supertest';
import type * as fhir4 from 'fhir/r4.js';
import { fixtureToResources } from '../../engine/fixtures/compact-fhir.js';
import type { CdsServiceRequest } from '../../cds-hooks/wire-types.js';
import { startFhirServer, type FaultRule, type FhirTestServer } from '../support/fhir-server.js';
import { rememberSecret } from '../support/minted-secrets.js';
import { startHarness, TestClock, type Harness } from '../support/server-harness.js';
import { validateAgainst } from '../../server/validation/schemas.js';
import { asNewCall, fixtureRequests, ketamineRuleSet, type FixtureRequest } from '../../scripts/reliability/lib/ketamine-requests.js';

const DEADLINE_MS = 500;
/** Evaluation, the decision record and a loaded CI machine on top of the deadline. */
const MARGIN_MS = 1500;
const TOKEN = rememberSecret('fhir-faults-access-token-2b7d9e4f1a');

async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('FHIR server faults through the service: answered within the deadline, 412 naming the key, on record', function () {
  this.timeout(60_000);
  let h: Harness;
  let fhir: FhirTestServer;
  let call: FixtureRequest;

  before(async () => {
    h = await startHarness({
      ruleSets: [ketamineRuleSet()],
      clock: new TestClock(new Date('2026-03-02T10:00:00Z')),
      env: { FHIR_DEADLINE_MS: String(DEADLINE_MS), FHIR_MAX_PAGES: '3' },
    });
    call = fixtureRequests('order-sign').find((r) => r.fixture.name.startsWith('Whole patient: woman, 52'))!;
    assert.ok(call, 'the whole-patient fixture exists');
    h.clock.current = call.now;
    fhir = await startFhirServer({ requireToken: TOKEN, pageSize: 2 });
    await fhir.load(fixtureToResources(call.fixture) as fhir4.Resource[]);
  });
  after(async () => {
    await fhir.close();
    await h.close();
  });
  beforeEach(() => {
    fhir.setFaults([]);
    fhir.setLatency(0);
    fhir.resetRecording();
  });

  /** The fixture's request without prefetch: every key is fetched from `fhirServer`. */
  function fetchingRequest(fhirServer = fhir.baseUrl, token = TOKEN): CdsServiceRequest {
    const { prefetch: _prefetch, ...body } = asNewCall(call.body);
    return {
      ...body,
      fhirServer,
      fhirAuthorization: { access_token: token, token_type: 'Bearer', expires_in: 300, scope: 'patient/*.read', subject: 'cds-service' },
    };
  }

  async function callService(body: CdsServiceRequest): Promise<{ status: number; outcome: fhir4.OperationOutcome; elapsedMs: number; text: string }> {
    const started = process.hrtime.bigint();
    const res = await request(h.app).post(`/cds-services/${call.service.id}`).send(body).timeout(DEADLINE_MS + 10_000);
    const elapsedMs = Number(process.hrtime.bigint() - started) / 1e6;
    assert.ok(elapsedMs < DEADLINE_MS + MARGIN_MS, `answered after ${Math.round(elapsedMs)} ms (deadline ${DEADLINE_MS} ms)`);
    assert.ok(!res.text.includes(TOKEN), 'the access token came back in the answer');
    const recorded = await h.store.listDecisions({ limit: 10_000 });
    assert.ok(recorded.some((d) => d.hookInstance === body.hookInstance && d.status === res.status), 'the call is on record with its status');
    return { status: res.status, outcome: res.body as fhir4.OperationOutcome, elapsedMs, text: res.text };
  }

  async function expect412(body: CdsServiceRequest, codes: string[]): Promise<void> {
    const { status, outcome, text } = await callService(body);
    assert.equal(status, 412, text.slice(0, 300));
    assert.deepEqual(validateAgainst('operation-outcome', outcome), []);
    const issueCodes = new Set(outcome.issue.map((i) => i.code));
    assert.ok(codes.some((c) => issueCodes.has(c as never)), `issue codes ${[...issueCodes].join(', ')}; expected one of ${codes.join(', ')}`);
    for (const issue of outcome.issue) assert.match(String(issue.diagnostics), /Prefetch key "[^"]+"|patient data/);
  }

  it('control: a healthy FHIR server gives 200 with cards, every query carrying the bearer token', async () => {
    const { status, text } = await callService(fetchingRequest());
    assert.equal(status, 200, text.slice(0, 300));
    assert.ok(fhir.requests.length >= 5);
    assert.ok(fhir.requests.every((r) => r.tokenMatched));
  });

  it('server down (nothing listens on the port): 412 exception', async () => {
    await expect412(fetchingRequest(`http://127.0.0.1:${await closedPort()}/fhir`), ['exception']);
  });

  it('connections reset before any answer: 412 exception', async () => {
    fhir.setFaults([{ match: '', fault: { kind: 'reset' } }]);
    await expect412(fetchingRequest(), ['exception']);
  });

  for (const status of [500, 502, 503]) {
    it(`HTTP ${status} on one query: 412 exception`, async () => {
      fhir.setFaults([{ match: '/Condition', fault: { kind: 'status', status } }]);
      await expect412(fetchingRequest(), ['exception']);
    });
  }

  it('HTTP 401 (the FHIR server does not accept the token): 412 forbidden', async () => {
    await expect412(fetchingRequest(fhir.baseUrl, rememberSecret('a-token-the-fhir-server-refuses-9f3')), ['forbidden']);
  });

  it('slower than the deadline (5 s latency): 412 timeout, answered at the deadline', async () => {
    fhir.setLatency(5000);
    await expect412(fetchingRequest(), ['timeout']);
  });

  it('headers sent, then the body stalls: 412 timeout, answered at the deadline', async () => {
    fhir.setFaults([{ match: '/Observation', fault: { kind: 'stall-body' } }]);
    await expect412(fetchingRequest(), ['timeout']);
  });

  const bodyFaults: Array<[string, FaultRule['fault'], string[]]> = [
    ['truncated JSON', { kind: 'truncated' }, ['invalid', 'exception']],
    ['connection dropped mid-body', { kind: 'drop-mid-body' }, ['exception', 'invalid']],
    ['an HTML page instead of JSON', { kind: 'garbage' }, ['invalid']],
    ['Observations answering a Condition search', { kind: 'body', body: { resourceType: 'Bundle', type: 'searchset', entry: [{ resource: { resourceType: 'Observation', id: 'o1', status: 'final', code: {} } }] } }, ['invalid']],
    ['an OperationOutcome with 200', { kind: 'body', body: { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'exception' }] } }, ['invalid', 'processing', 'exception']],
    ['JSON that is not FHIR (an array)', { kind: 'body', body: [1, 2, 3] }, ['invalid']],
  ];
  for (const [what, fault, codes] of bodyFaults) {
    it(`${what}: 412 ${codes.join(' or ')}`, async () => {
      fhir.setFaults([{ match: '/Condition', fault }]);
      await expect412(fetchingRequest(), codes);
    });
  }

  it('a Condition whose code.coding is a string (malformed FHIR): 412 invalid naming the element, not a failed evaluation', async () => {
    const malformed = { resourceType: 'Condition', id: 'bad-1', subject: { reference: `Patient/${call.body.context.patientId}` }, code: { coding: 'F33.2' } };
    fhir.setFaults([{ match: '/Condition', fault: { kind: 'body', body: { resourceType: 'Bundle', type: 'searchset', entry: [{ resource: malformed }] } } }]);
    const { status, outcome } = await callService(fetchingRequest());
    assert.equal(status, 412);
    assert.equal(outcome.issue[0].code, 'invalid');
    assert.match(String(outcome.issue[0].diagnostics), /\/Condition\/code\/coding must be an object \(FHIR Coding\)/);
    assert.doesNotMatch(String(outcome.issue[0].diagnostics), /F33\.2|bad-1/, 'no data values in the diagnostics');
  });

  // Raw JSON text: JSON.parse turns 1e309 into Infinity, and "\u0000" / "\ud800" into text no database stores as it is.
  const unstorableBodies: Array<[string, string, RegExp]> = [
    ['a number that overflows (1e309)', '"onsetAge":{"value":1e309,"unit":"a"}', /\/Condition\/onsetAge\/value is a number too large to represent/],
    ['a NUL in a string', '"note":[{"text":"a\\u0000b"}]', /\/Condition\/note\/0\/text contains a NUL character/],
    ['a lone surrogate in a string', '"note":[{"text":"a\\ud800b"}]', /\/Condition\/note\/0\/text contains a lone UTF-16 surrogate/],
  ];
  for (const [what, member, diagnostics] of unstorableBodies) {
    it(`a fetched Condition with ${what}: 412 invalid naming the element, never a 500`, async () => {
      const subject = `{"reference":"Patient/${call.body.context.patientId}"}`;
      const body = `{"resourceType":"Bundle","type":"searchset","entry":[{"resource":{"resourceType":"Condition","id":"c-1","subject":${subject},${member}}}]}`;
      fhir.setFaults([{ match: '/Condition', fault: { kind: 'body', body } }]);
      const { status, outcome } = await callService(fetchingRequest());
      assert.equal(status, 412);
      assert.equal(outcome.issue[0].code, 'invalid');
      assert.match(String(outcome.issue[0].diagnostics), diagnostics);
      assert.equal((await h.store.verifyChain()).ok, true);
    });
  }

  it('endless paging (every page has a next link): 412 incomplete after FHIR_MAX_PAGES pages', async () => {
    fhir.setFaults([{ match: '/Condition', fault: { kind: 'endless-paging' } }]);
    await expect412(fetchingRequest(), ['incomplete']);
    assert.ok(fhir.requests.filter((r) => r.url.includes('/Condition')).length <= 3, 'at most FHIR_MAX_PAGES pages were fetched');
  });

  it('twenty faulty calls at once: every one answered within the deadline, no connection left open at the FHIR server', async () => {
    fhir.setLatency(5000);
    const results = await Promise.all(Array.from({ length: 20 }, () => callService(fetchingRequest())));
    assert.ok(results.every((r) => r.status === 412));
    await fhir.whenIdle();
    assert.equal(fhir.inFlight, 0);
  });
});
