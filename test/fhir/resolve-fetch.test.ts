/** resolvePatientRecord fetching what prefetch lacks from a real FHIR server (medplum, in-process). */
import assert from 'node:assert/strict';
import net from 'node:net';
import type * as fhir4 from 'fhir/r4.js';
import { resolvePatientRecord, type ResolveResult } from '../../fhir/resolve-record.js';
import type { PatientRecord } from '../../fhir/patient-record.js';
import { startFhirServer, type FhirTestServer } from '../support/fhir-server.js';
import { fixturePatientBundle, fixtureResources, searchset } from '../support/fhir-fixtures.js';
import { TEMPLATES, TEST_TOKEN, patientViewRequest, resolveOptions } from './request-builders.js';

const ALL_PATHS = [
  '/fhir/Patient/trd-adult',
  '/fhir/Condition?patient=trd-adult',
  '/fhir/MedicationRequest?patient=trd-adult',
  '/fhir/Observation?patient=trd-adult&code=http://loinc.org|85354-9,http://loinc.org|44261-6,http://loinc.org|29463-7',
];

function okRecord(result: ResolveResult): PatientRecord {
  if (!result.ok) assert.fail(`expected a record, got 412: ${JSON.stringify(result.outcome)}`);
  return result.record;
}

function failedOutcome(result: ResolveResult): fhir4.OperationOutcome {
  if (result.ok) assert.fail(`expected 412, got a record with sources ${JSON.stringify(result.record.sources)}`);
  assert.equal(result.status, 412);
  const text = JSON.stringify(result.outcome);
  assert.doesNotMatch(text, new RegExp(TEST_TOKEN), 'the token never appears in the outcome');
  assert.doesNotMatch(text, /trd-adult/, 'patient ids never appear in the outcome');
  return result.outcome;
}

function issues(outcome: fhir4.OperationOutcome): Array<[string, string]> {
  return outcome.issue.map((i) => [i.code, i.diagnostics ?? '']);
}

function sortedPaths(fhir: FhirTestServer): string[] {
  return fhir.requests.map((r) => r.url).sort();
}

async function load(fhir: FhirTestServer): Promise<void> {
  await fhir.load([fixturePatientBundle('trd-adult'), fixturePatientBundle('ptsd-adult'), fixturePatientBundle('no-data')]);
}

describe('resolvePatientRecord against a real FHIR server', () => {
  let fhir: FhirTestServer;

  before(async () => {
    fhir = await startFhirServer({ requireToken: TEST_TOKEN });
    await load(fhir);
  });
  after(() => fhir.close());
  beforeEach(() => {
    fhir.setFaults([]);
    fhir.resetRecording();
  });

  const request = (prefetch?: Record<string, unknown>, token: string | undefined = TEST_TOKEN) =>
    patientViewRequest({ fhirServer: fhir.baseUrl, token, ...(prefetch ? { prefetch } : {}) });

  it('fetches every key when prefetch is absent, each request with the bearer token', async () => {
    const record = okRecord(await resolvePatientRecord(resolveOptions(request())));
    assert.deepEqual(record.sources, [
      { key: 'patient', origin: 'fetched', resourceCount: 1 },
      { key: 'conditions', origin: 'fetched', resourceCount: 3 },
      { key: 'medicationRequests', origin: 'fetched', resourceCount: 3 },
      { key: 'observations', origin: 'fetched', resourceCount: 8 },
    ]);
    assert.equal(record.patient?.id, 'trd-adult');
    assert.deepEqual(record.conditions.map((c) => c.code?.coding?.[0].code).sort(), ['F33.2', 'F41.1', 'I10']);
    assert.deepEqual(sortedPaths(fhir), [...ALL_PATHS].sort());
    for (const r of fhir.requests) {
      assert.equal(r.method, 'GET');
      assert.equal(r.tokenMatched, true, `${r.url} carried the bearer token`);
    }
  });

  it('fetches only the omitted keys and uses the prefetched ones', async () => {
    const prefetch = {
      patient: fixtureResources('trd-adult', 'Patient')[0],
      conditions: searchset(fixtureResources('trd-adult', 'Condition')),
    };
    const record = okRecord(await resolvePatientRecord(resolveOptions(request(prefetch))));
    assert.deepEqual(record.sources.map((s) => [s.key, s.origin]), [
      ['patient', 'prefetch'],
      ['conditions', 'prefetch'],
      ['medicationRequests', 'fetched'],
      ['observations', 'fetched'],
    ]);
    assert.deepEqual(sortedPaths(fhir), [ALL_PATHS[2], ALL_PATHS[3]].sort());
  });

  it('does not fetch keys the client answered with null', async () => {
    const record = okRecord(await resolvePatientRecord(resolveOptions(request({ patient: null, conditions: null }))));
    assert.deepEqual(record.sources.map((s) => [s.key, s.origin, s.resourceCount]), [
      ['patient', 'null', 0],
      ['conditions', 'null', 0],
      ['medicationRequests', 'fetched', 3],
      ['observations', 'fetched', 8],
    ]);
    assert.deepEqual(sortedPaths(fhir), [ALL_PATHS[2], ALL_PATHS[3]].sort());
  });

  it('refetches keys the client filled with OperationOutcomes or with data that does not match the template', async () => {
    const outcome = { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'timeout' }] };
    const prefetch = {
      patient: fixtureResources('trd-adult', 'Patient')[0],
      conditions: outcome,
      medicationRequests: { resourceType: 'Bundle', type: 'searchset', entry: [{ resource: outcome }] },
      observations: searchset(fixtureResources('trd-adult', 'Condition')),
    };
    const record = okRecord(await resolvePatientRecord(resolveOptions(request(prefetch))));
    assert.deepEqual(record.sources, [
      { key: 'patient', origin: 'prefetch', resourceCount: 1 },
      { key: 'conditions', origin: 'fetched', resourceCount: 3 },
      { key: 'medicationRequests', origin: 'fetched', resourceCount: 3 },
      { key: 'observations', origin: 'fetched', resourceCount: 8 },
    ]);
    assert.equal(record.conditions.length, 3, 'the mismatched Conditions in the observations key were not used');
    assert.deepEqual(sortedPaths(fhir), ALL_PATHS.slice(1).sort());
  });

  it('sends no Authorization header when the request has no fhirAuthorization', async () => {
    const open = await startFhirServer();
    try {
      await load(open);
      const req = patientViewRequest({ fhirServer: open.baseUrl, token: undefined });
      okRecord(await resolvePatientRecord(resolveOptions(req)));
      assert.equal(open.requests.length, 4);
      assert.ok(open.requests.every((r) => !r.hasAuthorization));
    } finally {
      await open.close();
    }
  });

  it('answers 412 (forbidden) when the FHIR server rejects the token with 401', async () => {
    const outcome = failedOutcome(await resolvePatientRecord(resolveOptions(request(undefined, 'not-the-token'))));
    assert.deepEqual(issues(outcome), Object.keys(TEMPLATES).map((key) => [
      'forbidden',
      `Prefetch key "${key}" could not be obtained: FHIR server refused access (HTTP 401)`,
    ]));
  });

  it('answers 412 naming only the key whose query got HTTP 500', async () => {
    fhir.setFaults([{ match: '/Condition?', fault: { kind: 'status', status: 500 } }]);
    const outcome = failedOutcome(await resolvePatientRecord(resolveOptions(request())));
    assert.deepEqual(issues(outcome), [['exception', 'Prefetch key "conditions" could not be obtained: FHIR server answered HTTP 500']]);
  });

  it('names both problems when a key held an OperationOutcome and refetching it failed', async () => {
    fhir.setFaults([{ match: '/Condition?', fault: { kind: 'status', status: 500 } }]);
    const prefetch = { conditions: { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'transient' }] } };
    const outcome = failedOutcome(await resolvePatientRecord(resolveOptions(request(prefetch))));
    assert.deepEqual(issues(outcome), [
      [
        'exception',
        'Prefetch key "conditions" could not be obtained: the client sent an OperationOutcome (issue codes: transient); ' +
          'fetching it failed: FHIR server answered HTTP 500',
      ],
    ]);
  });

  it("with policy 'partial', continues past a 503 with the key marked failed", async () => {
    fhir.setFaults([{ match: '/MedicationRequest?', fault: { kind: 'status', status: 503 } }]);
    const record = okRecord(await resolvePatientRecord({ ...resolveOptions(request()), missingData: 'partial' }));
    assert.deepEqual(record.sources[2], {
      key: 'medicationRequests',
      origin: 'failed',
      resourceCount: 0,
      problem: 'FHIR server answered HTTP 503',
    });
    assert.equal(record.medicationRequests.length, 0);
    assert.equal(record.conditions.length, 3);
  });

  it('answers 412 (not-found) when the Patient read is 404', async () => {
    const req = patientViewRequest({ fhirServer: fhir.baseUrl, patientId: 'no-such-patient' });
    const result = await resolvePatientRecord(resolveOptions(req));
    assert.ok(!result.ok);
    assert.deepEqual(issues(result.outcome), [['not-found', 'Prefetch key "patient" could not be obtained: FHIR server answered HTTP 404']]);
  });

  const badBodies: Array<[string, Parameters<FhirTestServer['setFaults']>[0][number]['fault'], string, string]> = [
    ['a non-JSON body', { kind: 'garbage' }, 'invalid', 'FHIR server sent a body that is not JSON'],
    ['truncated JSON', { kind: 'truncated' }, 'invalid', 'FHIR server sent truncated or malformed JSON'],
    [
      'a connection dropped mid-body',
      { kind: 'drop-mid-body' },
      'exception',
      'FHIR server closed the connection before the answer was complete',
    ],
    ['a connection reset', { kind: 'reset' }, 'exception', 'FHIR server closed the connection before the answer was complete'],
    [
      'Observations for a Condition search',
      { kind: 'body', body: searchset(fixtureResources('trd-adult', 'Observation')) },
      'invalid',
      'FHIR server answer does not match the query: Bundle entry of type Observation where Condition was expected',
    ],
    [
      'a single resource for a search',
      { kind: 'body', body: fixtureResources('trd-adult', 'Condition')[0] },
      'invalid',
      'FHIR server answer does not match the query: expected a Bundle of Condition, got a Condition',
    ],
    [
      'an OperationOutcome with status 200',
      { kind: 'body', body: { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'too-costly' }] } },
      'processing',
      'FHIR server answered with an OperationOutcome',
    ],
    ['an empty 200 body', { kind: 'body', body: '' }, 'invalid', 'FHIR server answer does not match the query: expected a Bundle of Condition, got an object without resourceType'],
  ];
  for (const [name, fault, code, reason] of badBodies) {
    it(`marks the key failed when the server sends ${name}`, async () => {
      fhir.setFaults([{ match: '/Condition?', fault }]);
      const outcome = failedOutcome(await resolvePatientRecord(resolveOptions(request())));
      assert.deepEqual(issues(outcome), [[code, `Prefetch key "conditions" could not be obtained: ${reason}`]]);
    });
  }

  it('answers 412 and sends nothing when fhirServer is not on the allowlist', async () => {
    const result = await resolvePatientRecord({ ...resolveOptions(request()), allowedFhirServers: [`${fhir.origin}/other-fhir`] });
    const outcome = failedOutcome(result);
    assert.deepEqual(issues(outcome)[0], [
      'forbidden',
      `Prefetch key "patient" could not be obtained: not in prefetch, and the request's fhirServer is not on this service's allowlist`,
    ]);
    assert.equal(outcome.issue.length, 4);
    assert.equal(fhir.requests.length, 0, 'the FHIR server received zero requests');
  });

  it('accepts an allowlist entry that is a path prefix with a trailing slash', async () => {
    okRecord(await resolvePatientRecord({ ...resolveOptions(request()), allowedFhirServers: [`${fhir.origin}/`] }));
    assert.equal(fhir.requests.length, 4);
  });

  it('refuses redirects, so the token never reaches another host', async () => {
    const elsewhere = await startFhirServer();
    try {
      fhir.setFaults([{ match: '/Condition?', fault: { kind: 'redirect', location: `${elsewhere.baseUrl}/Condition?patient=trd-adult` } }]);
      const outcome = failedOutcome(await resolvePatientRecord(resolveOptions(request())));
      assert.deepEqual(issues(outcome), [
        ['forbidden', 'Prefetch key "conditions" could not be obtained: FHIR server answered with a redirect (not followed)'],
      ]);
      assert.equal(elsewhere.requests.length, 0);
    } finally {
      await elsewhere.close();
    }
  });
});

describe('resolvePatientRecord: concurrency and the overall deadline', () => {
  it('sends all queries concurrently (latency 200 ms, 4 keys: total < 2 x 200 ms)', async () => {
    const fhir = await startFhirServer({ requireToken: TEST_TOKEN, latencyMs: 200 });
    try {
      await load(fhir);
      const started = Date.now();
      const record = okRecord(await resolvePatientRecord(resolveOptions(patientViewRequest({ fhirServer: fhir.baseUrl }))));
      const elapsed = Date.now() - started;
      assert.equal(record.sources.filter((s) => s.origin === 'fetched').length, 4);
      assert.equal(fhir.maxInFlight, 4, 'all four requests were in progress at once');
      assert.ok(elapsed < 400, `took ${elapsed} ms`);
      assert.ok(fhir.requests.every((r) => r.tokenMatched));
    } finally {
      await fhir.close();
    }
  });

  it('answers 412 (timeout) within the deadline when the server is slower, and aborts every request', async () => {
    const latencyMs = 2000;
    const deadlineMs = 150;
    const fhir = await startFhirServer({ latencyMs });
    try {
      await load(fhir);
      const started = Date.now();
      const result = await resolvePatientRecord({ ...resolveOptions(patientViewRequest({ fhirServer: fhir.baseUrl })), deadlineMs });
      const elapsed = Date.now() - started;
      assert.ok(elapsed >= deadlineMs - 5 && elapsed < deadlineMs + 250, `answered after ${elapsed} ms`);
      const outcome = failedOutcome(result);
      assert.deepEqual(issues(outcome), Object.keys(TEMPLATES).map((key) => [
        'timeout',
        `Prefetch key "${key}" could not be obtained: no complete answer within the ${deadlineMs} ms deadline`,
      ]));
      // Every connection was closed by the abort: the server sees all requests end long before its latency.
      await fhir.whenIdle();
      assert.ok(Date.now() - started < latencyMs / 2, 'no query outlived the deadline');
    } finally {
      await fhir.close();
    }
  });

  it('aborts a response whose body stalls after the headers, at the deadline', async () => {
    const fhir = await startFhirServer({ faults: [{ match: '/Condition?', fault: { kind: 'stall-body' } }] });
    try {
      await load(fhir);
      const started = Date.now();
      const options = resolveOptions(patientViewRequest({ fhirServer: fhir.baseUrl }));
      const result = await resolvePatientRecord({ ...options, deadlineMs: 200 });
      const elapsed = Date.now() - started;
      assert.ok(elapsed < 200 + 250, `answered after ${elapsed} ms`);
      assert.deepEqual(issues(failedOutcome(result)), [
        ['timeout', 'Prefetch key "conditions" could not be obtained: no complete answer within the 200 ms deadline'],
      ]);
      await fhir.whenIdle();
    } finally {
      await fhir.close();
    }
  });

  it("times out only the slow key; with policy 'partial' the others are used", async () => {
    const fhir = await startFhirServer({ faults: [{ match: '/Observation?', fault: { kind: 'latency', ms: 2000 } }] });
    try {
      await load(fhir);
      const options = resolveOptions(patientViewRequest({ fhirServer: fhir.baseUrl }));
      const record = okRecord(await resolvePatientRecord({ ...options, deadlineMs: 300, missingData: 'partial' }));
      assert.deepEqual(record.sources.map((s) => [s.key, s.origin]), [
        ['patient', 'fetched'],
        ['conditions', 'fetched'],
        ['medicationRequests', 'fetched'],
        ['observations', 'failed'],
      ]);
      assert.equal(record.sources[3].problem, 'no complete answer within the 300 ms deadline');
    } finally {
      await fhir.close();
    }
  });

  it('answers 412 when the FHIR server is down (connection refused)', async () => {
    const port = await new Promise<number>((resolve) => {
      const probe = net.createServer().listen(0, '127.0.0.1', () => {
        const { port: p } = probe.address() as net.AddressInfo;
        probe.close(() => resolve(p));
      });
    });
    const fhirServer = `http://127.0.0.1:${port}/fhir`;
    const outcome = failedOutcome(await resolvePatientRecord(resolveOptions(patientViewRequest({ fhirServer }))));
    assert.deepEqual(issues(outcome), Object.keys(TEMPLATES).map((key) => [
      'exception',
      `Prefetch key "${key}" could not be obtained: FHIR server refused the connection`,
    ]));
  });
});
