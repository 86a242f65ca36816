/** Bundle `next` links: followed on the same server, bounded by maxPages, never to another origin. */
import assert from 'node:assert/strict';
import type * as fhir4 from 'fhir/r4.js';
import { resolvePatientRecord, type ResolveResult } from '../../fhir/resolve-record.js';
import { startFhirServer, type FhirTestServer } from '../support/fhir-server.js';
import { fixturePatientBundle, fixtureResources } from '../support/fhir-fixtures.js';
import { TEST_TOKEN, patientViewRequest, resolveOptions } from './request-builders.js';

/** 8 observations for trd-adult, 3 per page: pages of 3, 3, 2. */
const TEMPLATES = {
  patient: 'Patient/{{context.patientId}}',
  observations: 'Observation?patient={{context.patientId}}&_count=3',
};
const OBSERVATION_COUNT = fixtureResources('trd-adult', 'Observation').length;

function observationsKey(result: ResolveResult) {
  if (!result.ok) assert.fail(`expected a record, got 412: ${JSON.stringify(result.outcome)}`);
  return { record: result.record, status: result.record.sources.find((s) => s.key === 'observations') };
}

function observationRequests(fhir: FhirTestServer): string[] {
  return fhir.requests.filter((r) => r.url.includes('/Observation?')).map((r) => r.url);
}

describe('resolvePatientRecord: paging', () => {
  let fhir: FhirTestServer;
  let elsewhere: FhirTestServer;

  before(async () => {
    fhir = await startFhirServer({ requireToken: TEST_TOKEN });
    elsewhere = await startFhirServer();
    await fhir.load([fixturePatientBundle('trd-adult')]);
    await elsewhere.load([fixturePatientBundle('trd-adult')]);
  });
  after(async () => {
    await fhir.close();
    await elsewhere.close();
  });
  beforeEach(() => {
    fhir.setFaults([]);
    fhir.resetRecording();
    elsewhere.resetRecording();
  });

  const options = (extra: Partial<Parameters<typeof resolveOptions>[1]> = {}, prefetch?: Record<string, unknown>) =>
    resolveOptions(patientViewRequest({ fhirServer: fhir.baseUrl, ...(prefetch ? { prefetch } : {}) }), {
      templates: TEMPLATES,
      ...extra,
    });

  it('follows next links (with the token) until the last page', async () => {
    const { record, status } = observationsKey(await resolvePatientRecord(options()));
    assert.deepEqual(status, { key: 'observations', origin: 'fetched', resourceCount: OBSERVATION_COUNT });
    assert.equal(record.observations.length, OBSERVATION_COUNT);
    assert.equal(new Set(record.observations.map((o) => o.id)).size, OBSERVATION_COUNT);
    assert.deepEqual(observationRequests(fhir), [
      '/fhir/Observation?patient=trd-adult&_count=3',
      '/fhir/Observation?patient=trd-adult&_count=3&_offset=3',
      '/fhir/Observation?patient=trd-adult&_count=3&_offset=6',
    ]);
    assert.ok(fhir.requests.every((r) => r.tokenMatched));
  });

  it('stops at maxPages: 412 (incomplete) by default, partial data marked failed with policy partial', async () => {
    const strict = await resolvePatientRecord(options({ maxPages: 2 }));
    assert.ok(!strict.ok);
    assert.deepEqual(strict.outcome.issue.map((i) => [i.code, i.diagnostics]), [
      ['incomplete', 'Prefetch key "observations" could not be obtained: more than 2 pages of results; stopped following next links'],
    ]);
    assert.equal(observationRequests(fhir).length, 2);

    const { record, status } = observationsKey(await resolvePatientRecord(options({ maxPages: 2, missingData: 'partial' })));
    assert.deepEqual(status, {
      key: 'observations',
      origin: 'failed',
      resourceCount: 6,
      problem: 'more than 2 pages of results; stopped following next links',
    });
    assert.equal(record.observations.length, 6);
  });

  it('stops endless paging after maxPages requests', async () => {
    fhir.setFaults([{ match: '/Observation?', fault: { kind: 'endless-paging' } }]);
    const result = await resolvePatientRecord(options({ maxPages: 5 }));
    assert.ok(!result.ok);
    assert.equal(result.outcome.issue[0].code, 'incomplete');
    assert.equal(observationRequests(fhir).length, 5);
  });

  it('never follows a next link to another origin', async () => {
    const foreignNext = `${elsewhere.baseUrl}/Observation?patient=trd-adult&_count=3&_offset=3`;
    fhir.setFaults([{ match: '/Observation?', fault: { kind: 'next-link', url: foreignNext } }]);
    const result = await resolvePatientRecord(options({ missingData: 'partial' }));
    const { status } = observationsKey(result);
    assert.deepEqual(status, {
      key: 'observations',
      origin: 'failed',
      resourceCount: 3,
      problem: 'a Bundle next link points outside the FHIR server; it was not followed',
    });
    assert.equal(elsewhere.requests.length, 0, 'the other origin received nothing (and so never saw the token)');
    assert.equal(observationRequests(fhir).length, 1);
  });

  it('never follows a next link to another path on the same origin', async () => {
    fhir.setFaults([{ match: '/Observation?', fault: { kind: 'next-link', url: `${fhir.origin}/admin/export?page=2` } }]);
    const result = await resolvePatientRecord(options());
    assert.ok(!result.ok);
    assert.equal(result.outcome.issue[0].code, 'incomplete');
    assert.ok(fhir.requests.every((r) => r.url.startsWith('/fhir/')));
  });

  it('continues a prefetched first page by following its next link on fhirServer', async () => {
    const firstPage = (await (
      await fetch(`${fhir.baseUrl}/Observation?patient=trd-adult&_count=3`, { headers: { authorization: `Bearer ${TEST_TOKEN}` } })
    ).json()) as fhir4.Bundle;
    assert.equal(firstPage.entry?.length, 3);
    fhir.resetRecording();
    const prefetch = { patient: fixtureResources('trd-adult', 'Patient')[0], observations: firstPage };
    const { record, status } = observationsKey(await resolvePatientRecord(options({}, prefetch)));
    assert.deepEqual(status, { key: 'observations', origin: 'prefetch', resourceCount: OBSERVATION_COUNT });
    assert.equal(record.observations.length, OBSERVATION_COUNT);
    assert.deepEqual(observationRequests(fhir), [
      '/fhir/Observation?patient=trd-adult&_count=3&_offset=3',
      '/fhir/Observation?patient=trd-adult&_count=3&_offset=6',
    ]);
    assert.equal(fhir.requests.length, 2, 'the prefetched patient was not fetched again');
  });

  it('does not follow a prefetched next link that points off the fhirServer', async () => {
    const firstPage: fhir4.Bundle = {
      resourceType: 'Bundle',
      type: 'searchset',
      entry: fixtureResources('trd-adult', 'Observation').slice(0, 3).map((resource) => ({ resource })),
      link: [{ relation: 'next', url: `${elsewhere.baseUrl}/Observation?patient=trd-adult&_offset=3` }],
    };
    const prefetch = { patient: fixtureResources('trd-adult', 'Patient')[0], observations: firstPage };
    const result = await resolvePatientRecord(options({}, prefetch));
    assert.ok(!result.ok);
    assert.equal(result.outcome.issue[0].code, 'incomplete');
    assert.equal(elsewhere.requests.length, 0);
    assert.equal(fhir.requests.length, 0);
  });
});
