/** The test FHIR server itself (benchmarks reuse it): reads, searches with paging, token check, faults. */
import assert from 'node:assert/strict';
import type * as fhir4 from 'fhir/r4.js';
import { startFhirServer, type FhirTestServer } from '../support/fhir-server.js';
import { FIXTURE_PATIENT_IDS, fixturePatientBundle } from '../support/fhir-fixtures.js';

describe('test FHIR server (medplum in-memory behind node:http)', () => {
  let fhir: FhirTestServer;
  const get = (path: string, token = 'server-token') =>
    fetch(`${fhir.baseUrl}${path}`, { headers: { authorization: `Bearer ${token}` }, redirect: 'manual' });

  before(async () => {
    fhir = await startFhirServer({ requireToken: 'server-token', pageSize: 2 });
    await fhir.load(FIXTURE_PATIENT_IDS.map(fixturePatientBundle));
  });
  after(() => fhir.close());
  beforeEach(() => {
    fhir.setFaults([]);
    fhir.resetRecording();
  });

  it('listens on 127.0.0.1 with an ephemeral port and a /fhir base', () => {
    assert.match(fhir.baseUrl, /^http:\/\/127\.0\.0\.1:\d+\/fhir$/);
  });

  it('reads a resource by id as application/fhir+json', async () => {
    const response = await get('/Patient/ptsd-adult');
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^application\/fhir\+json/);
    const patient = (await response.json()) as fhir4.Patient;
    assert.equal(patient.id, 'ptsd-adult');
    assert.equal((await get('/Patient/nobody')).status, 404);
  });

  it('searches by token and pages with next links (default page size)', async () => {
    const response = await get('/Condition?patient=trd-adult&code=http://hl7.org/fhir/sid/icd-10-cm|F33.2');
    const bundle = (await response.json()) as fhir4.Bundle;
    assert.deepEqual(bundle.entry?.map((e) => e.resource?.id), ['trd-adult-mdd']);
    assert.equal(bundle.link?.find((l) => l.relation === 'next'), undefined);

    const page1 = (await (await get('/MedicationRequest?patient=trd-adult')).json()) as fhir4.Bundle;
    assert.equal(page1.entry?.length, 2);
    const next = page1.link?.find((l) => l.relation === 'next')?.url;
    assert.equal(next, `${fhir.baseUrl}/MedicationRequest?patient=trd-adult&_count=2&_offset=2`);
    const page2 = (await (await fetch(next as string, { headers: { authorization: 'Bearer server-token' } })).json()) as fhir4.Bundle;
    assert.equal(page2.entry?.length, 1);
    assert.equal(page2.link?.find((l) => l.relation === 'next'), undefined);
  });

  it('answers 401 without the expected token and records what arrived', async () => {
    assert.equal((await get('/Patient/trd-adult', 'wrong')).status, 401);
    assert.equal((await fetch(`${fhir.baseUrl}/Patient/trd-adult`)).status, 401);
    assert.deepEqual(
      fhir.requests.map((r) => [r.method, r.url, r.hasAuthorization, r.tokenMatched]),
      [
        ['GET', '/fhir/Patient/trd-adult', true, false],
        ['GET', '/fhir/Patient/trd-adult', false, false],
      ],
    );
  });

  it('injects faults by path pattern', async () => {
    fhir.setFaults([
      { match: /^\/Condition\?/, fault: { kind: 'status', status: 500 } },
      { match: '/Observation?', fault: { kind: 'garbage' } },
      { match: '/Patient/', fault: { kind: 'truncated' } },
    ]);
    assert.equal((await get('/Condition?patient=trd-adult')).status, 500);
    const garbage = await (await get('/Observation?patient=trd-adult')).text();
    assert.throws(() => JSON.parse(garbage), SyntaxError);
    const truncated = await (await get('/Patient/trd-adult')).text();
    assert.ok(truncated.startsWith('{"resourceType":"Patient"'));
    assert.throws(() => JSON.parse(truncated), SyntaxError);
    await assert.rejects(
      (async () => {
        fhir.setFaults([{ match: '/Patient/', fault: { kind: 'reset' } }]);
        await get('/Patient/trd-adult');
      })(),
      TypeError,
    );
  });

  it('only serves GET', async () => {
    const response = await fetch(`${fhir.baseUrl}/Patient`, {
      method: 'POST',
      headers: { authorization: 'Bearer server-token', 'content-type': 'application/fhir+json' },
      body: JSON.stringify({ resourceType: 'Patient' }),
    });
    assert.equal(response.status, 405);
  });
});
