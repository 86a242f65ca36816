/**
 * FhirRequestLimit (fhir/request-limit.ts): at most N requests in flight per FHIR server origin across
 * calls, the rest in arrival order; a waiter whose deadline passes leaves the queue. Then the same bound
 * end to end: several calls' prefetch queries against a real FHIR server (medplum) with added latency.
 */
import assert from 'node:assert/strict';
import { resolvePatientRecord } from '../../fhir/resolve-record.js';
import { FhirRequestLimit } from '../../fhir/request-limit.js';
import { startFhirServer, type FhirTestServer } from '../support/fhir-server.js';
import { fixturePatientBundle } from '../support/fhir-fixtures.js';
import { TEST_TOKEN, patientViewRequest, resolveOptions } from './request-builders.js';

const SERVER = 'http://fhir.example.org/r4';
const ORIGIN = 'http://fhir.example.org';

/** A request that finishes when the test says so. */
function heldRequest(): { promise: Promise<string>; finish: (value: string) => void } {
  let finish!: (value: string) => void;
  const promise = new Promise<string>((resolve) => (finish = resolve));
  return { promise, finish };
}

describe('FhirRequestLimit', () => {
  it('refuses a bound that is not a positive integer', () => {
    for (const bad of [0, -1, 1.5, Number.NaN]) assert.throws(() => new FhirRequestLimit(bad), /positive integer/);
  });

  it('runs at most maxPerServer requests per origin at once; the rest start in arrival order as slots free', async () => {
    const limit = new FhirRequestLimit(2);
    const signal = new AbortController().signal;
    const held = [heldRequest(), heldRequest(), heldRequest(), heldRequest()];
    const started: number[] = [];
    const runs = held.map((h, i) =>
      limit.run(`${SERVER}/Condition`, signal, () => {
        started.push(i);
        return h.promise;
      }),
    );
    await Promise.resolve();
    assert.deepEqual(started, [0, 1]);
    assert.deepEqual(limit.usage(ORIGIN), { active: 2, waiting: 2 });
    held[1].finish('b');
    assert.equal(await runs[1], 'b');
    await Promise.resolve();
    assert.deepEqual(started, [0, 1, 2], 'the first waiter got the freed slot');
    held[0].finish('a');
    held[2].finish('c');
    await Promise.all([runs[0], runs[2]]);
    await Promise.resolve();
    assert.deepEqual(started, [0, 1, 2, 3]);
    held[3].finish('d');
    assert.deepEqual(await Promise.all(runs), ['a', 'b', 'c', 'd']);
    assert.deepEqual(limit.usage(ORIGIN), { active: 0, waiting: 0 }, 'nothing left behind');
  });

  it('counts origins separately: a slow server does not hold back another', async () => {
    const limit = new FhirRequestLimit(1);
    const signal = new AbortController().signal;
    const slow = heldRequest();
    const first = limit.run('http://slow.example/fhir', signal, () => slow.promise);
    assert.equal(await limit.run('http://other.example/fhir', signal, async () => 'other'), 'other');
    slow.finish('slow');
    assert.equal(await first, 'slow');
  });

  it('a waiter whose deadline passes leaves the queue with the abort reason and never runs; a failed request frees its slot', async () => {
    const limit = new FhirRequestLimit(1);
    const held = heldRequest();
    const running = limit.run(SERVER, new AbortController().signal, () => held.promise);
    const deadline = new AbortController();
    let ran = false;
    const waiting = limit.run(SERVER, deadline.signal, async () => {
      ran = true;
      return 'late';
    });
    deadline.abort(new Error('prefetch deadline passed'));
    await assert.rejects(waiting, /prefetch deadline passed/);
    assert.deepEqual(limit.usage(ORIGIN), { active: 1, waiting: 0 });
    held.finish('done');
    await running;
    assert.equal(ran, false);
    await assert.rejects(limit.run(SERVER, new AbortController().signal, async () => Promise.reject(new Error('HTTP 500'))), /HTTP 500/);
    assert.equal(await limit.run(SERVER, new AbortController().signal, async () => 'next'), 'next', 'the slot was freed');
    const aborted = new AbortController();
    aborted.abort(new Error('already past'));
    await assert.rejects(limit.run(SERVER, aborted.signal, async () => 'never'), /already past/);
  });

  describe('end to end, against a real FHIR server', () => {
    let fhir: FhirTestServer;
    before(async () => {
      fhir = await startFhirServer({ requireToken: TEST_TOKEN, latencyMs: 30 });
      await fhir.load([fixturePatientBundle('trd-adult')]);
    });
    after(() => fhir.close());

    it('three calls of four queries each with a bound of 3: the FHIR server never sees more than 3 at once, and every record is complete', async () => {
      const requestLimit = new FhirRequestLimit(3);
      fhir.resetRecording();
      const request = patientViewRequest({ fhirServer: fhir.baseUrl, token: TEST_TOKEN });
      const results = await Promise.all([1, 2, 3].map(() => resolvePatientRecord({ ...resolveOptions(request), requestLimit })));
      for (const result of results) {
        assert.ok(result.ok, 'a complete record');
        assert.deepEqual(result.record.sources.map((s) => s.origin), ['fetched', 'fetched', 'fetched', 'fetched']);
      }
      assert.equal(fhir.requests.length, 12);
      assert.equal(fhir.maxInFlight, 3);
    });

    it('without a bound, the same calls reach the FHIR server all at once (what the bound prevents)', async () => {
      fhir.resetRecording();
      const request = patientViewRequest({ fhirServer: fhir.baseUrl, token: TEST_TOKEN });
      await Promise.all([1, 2, 3].map(() => resolvePatientRecord(resolveOptions(request))));
      assert.ok(fhir.maxInFlight > 3, `max in flight ${fhir.maxInFlight}`);
    });

    it('queries still waiting for a slot when the deadline passes: 412 naming the deadline, as for a slow answer', async () => {
      fhir.setLatency(200);
      try {
        const request = patientViewRequest({ fhirServer: fhir.baseUrl, token: TEST_TOKEN });
        const result = await resolvePatientRecord({ ...resolveOptions(request), deadlineMs: 300, requestLimit: new FhirRequestLimit(1) });
        assert.equal(result.ok, false);
        if (!result.ok) assert.match(JSON.stringify(result.outcome), /300 ms deadline/);
      } finally {
        fhir.setLatency(30);
        await fhir.whenIdle();
      }
    });
  });
});
