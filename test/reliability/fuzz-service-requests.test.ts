/**
 * Bad input to the CDS Hooks routes, generated (fast-check, fixed seeds): mutations of the shipped
 * ketamine fixtures' real requests at random places, whole hostile bodies, unknown hooks, hook contexts
 * and prefetch with FHIR resources of the wrong type and invalid dates, feedback bodies, unicode edge
 * cases (lone surrogates, NUL, RTL, emoji in strings and keys), deep, huge and wide JSON.
 * Every answer: no 5xx, JSON, a 400 names each problem with a pointer into what was sent, a 412 is an
 * OperationOutcome, no secret sent comes back (test/reliability/support/clear-answers.ts).
 */
import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import request, { type Response } from 'supertest';
import { deterministicUuid } from '../../engine/deterministic-uuid.js';
import { startHarness, TestClock, type Harness } from '../support/server-harness.js';
import { specFixture } from '../support/spec-fixtures.js';
import { rememberSecret } from '../support/minted-secrets.js';
import {
  applyMutations,
  edgeKey,
  edgeString,
  fhirishBundle,
  fhirishResource,
  FUZZ_SEED,
  hostileValue,
  mutation,
  toJsonText,
  UNICODE_EDGE_STRINGS,
} from './support/arbitraries.js';
import { assertClearAnswer } from './support/clear-answers.js';
import { asNewCall, fixtureRequests, ketamineRuleSet, type FixtureRequest } from '../../scripts/reliability/lib/ketamine-requests.js';

const RUNS = 200;

/** Every UTF-8 byte percent-encoded (lone surrogates become U+FFFD, as a client library would send them). */
function percentEncodeBytes(text: string): string {
  return [...Buffer.from(text, 'utf8')].map((byte) => `%${byte.toString(16).padStart(2, '0')}`).join('');
}
const FHIR_TOKEN = rememberSecret('fuzz-fhir-access-token-7c1e9b0d');

describe('fuzzing the CDS Hooks routes (seeded, no 5xx, every rejection names its problem)', function () {
  this.timeout(120_000);
  let h: Harness;
  let server: Server;
  let baseUrl: string;
  let requests: FixtureRequest[];
  let serviceIds: string[];

  before(async () => {
    h = await startHarness({
      ruleSets: [ketamineRuleSet()],
      clock: new TestClock(new Date('2026-03-02T10:00:00Z')),
      env: { MAX_BODY_BYTES: String(1024 * 1024), MAX_JSON_DEPTH: '64', FHIR_DEADLINE_MS: '300' },
    });
    server = await new Promise<Server>((resolve) => {
      const s = h.app.listen(0, '127.0.0.1', () => resolve(s));
    });
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    requests = fixtureRequests();
    serviceIds = [...new Set(requests.map((r) => r.service.id))];
    assert.ok(requests.length > 50 && serviceIds.length >= 3);
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await h.close();
  });

  let calls = 0;
  /** The request as a new hook call: a fresh (but deterministic) hookInstance. */
  const freshCall = <T extends { hookInstance: string }>(body: T): T => ({ ...body, hookInstance: deterministicUuid('reliability-fuzz', (calls += 1)) });

  const postText = (path: string, text: string) => request(h.app).post(path).set('Content-Type', 'application/json').send(text);

  /** Sends bytes exactly as given (supertest would serialise a Buffer as JSON). */
  async function postBytes(path: string, bytes: Uint8Array, headers: Record<string, string> = {}): Promise<Response> {
    const res = await fetch(baseUrl + path, { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body: bytes as unknown as BodyInit });
    const text = await res.text();
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
    return { status: res.status, text, body, headers: Object.fromEntries(res.headers) } as unknown as Response;
  }

  it(`mutated real requests (1-4 mutations anywhere in the body): 200, 400 or 412, and some get through to the engine (${RUNS} runs)`, async () => {
    const statuses = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(fc.nat(), fc.array(mutation(), { minLength: 1, maxLength: 4 }), async (pick, mutations) => {
        const base = requests[pick % requests.length];
        const body = applyMutations(freshCall(base.body), mutations);
        const res = await postText(`/cds-services/${base.service.id}`, toJsonText(body));
        assertClearAnswer(res, { allowed: [200, 400, 412], sent: body, what: `${base.service.id} ${JSON.stringify(mutations).slice(0, 200)}` });
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      }),
      { seed: FUZZ_SEED, numRuns: RUNS },
    );
    // The inputs reach evaluation, not only the validators (shrinking runs are counted too, hence >=).
    assert.ok((statuses.get(200) ?? 0) >= 10, `only ${statuses.get(200) ?? 0} mutated requests were evaluated: ${JSON.stringify([...statuses])}`);
    assert.ok((statuses.get(400) ?? 0) >= 50, `statuses ${JSON.stringify([...statuses])}`);
  });

  it(`whole hostile bodies, unknown hooks and service ids, to every route (${RUNS} runs)`, async () => {
    const requestLike = fc.record(
      {
        hook: fc.oneof(fc.constantFrom('order-sign', 'order-select', 'patient-view', 'appointment-book', 'encounter-start', 'unknown-hook'), edgeString),
        hookInstance: fc.oneof(fc.uuid(), edgeString),
        fhirServer: fc.oneof(fc.constant('http://10.255.255.1/fhir'), edgeString),
        fhirAuthorization: fc.record({ access_token: fc.constant(FHIR_TOKEN), token_type: fc.constant('Bearer'), expires_in: fc.integer(), scope: edgeString, subject: edgeString }),
        context: fc.dictionary(fc.oneof(fc.constantFrom('userId', 'patientId', 'encounterId', 'draftOrders', 'selections', 'appointments'), edgeKey), hostileValue, { maxKeys: 6 }),
        prefetch: fc.dictionary(edgeKey, fc.oneof(fhirishResource, fhirishBundle, hostileValue), { maxKeys: 4 }),
      },
      { requiredKeys: [] },
    );
    const path = fc.oneof(
      fc.constantFrom(...serviceIds).map((id) => `/cds-services/${id}`),
      fc.constantFrom(...serviceIds).map((id) => `/cds-services/${id}/feedback`),
      edgeString.map((id) => `/cds-services/${percentEncodeBytes(id || 'x')}`),
      fc.constantFrom('/cds-services/%ED%A0%80', '/cds-services/%', '/cds-services/%00', '/cds-services/..%2F..%2Fadmin', '/cds-services/a%2Fb/feedback'),
    );
    await fc.assert(
      fc.asyncProperty(path, fc.oneof(requestLike, hostileValue), async (route, body) => {
        const res = await postText(route, toJsonText(body));
        assertClearAnswer(res, { allowed: [200, 400, 404, 412], sent: body, secrets: [FHIR_TOKEN], what: `POST ${route}` });
      }),
      { seed: FUZZ_SEED + 1, numRuns: RUNS },
    );
  });

  it(`prefetch: FHIR resources of the wrong type, invalid dates, OperationOutcomes, nulls (${RUNS} runs)`, async () => {
    const prefetchValue = fc.oneof(fhirishResource, fhirishBundle, fc.constant(null), fc.constant({ resourceType: 'OperationOutcome', issue: [] }));
    await fc.assert(
      fc.asyncProperty(fc.nat(), fc.array(fc.tuple(fc.nat(), prefetchValue), { minLength: 1, maxLength: 3 }), async (pick, replacements) => {
        const base = requests[pick % requests.length];
        const body = structuredClone(freshCall(base.body));
        const keys = Object.keys(base.service.prefetch ?? {});
        for (const [at, value] of replacements) (body.prefetch ??= {})[keys[at % keys.length]] = value as never;
        const res = await postText(`/cds-services/${base.service.id}`, toJsonText(body));
        assertClearAnswer(res, { allowed: [200, 400, 412], sent: body, what: `${base.service.id} prefetch ${toJsonText(replacements).slice(0, 300)}` });
      }),
      { seed: FUZZ_SEED + 2, numRuns: RUNS },
    );
  });

  it(`hook contexts: draft orders, selections and appointments replaced by hostile or wrong-type resources (${RUNS} runs)`, async () => {
    await fc.assert(
      fc.asyncProperty(fc.nat(), fc.array(fc.oneof(fhirishResource, hostileValue), { maxLength: 3 }), fc.array(edgeString, { maxLength: 3 }), async (pick, entries, selections) => {
        const base = requests[pick % requests.length];
        const body = structuredClone(freshCall(base.body));
        const context = body.context as Record<string, unknown>;
        if ('draftOrders' in context) context.draftOrders = { resourceType: 'Bundle', type: 'collection', entry: entries.map((resource) => ({ resource })) };
        if ('appointments' in context) context.appointments = { resourceType: 'Bundle', type: 'collection', entry: entries.map((resource) => ({ resource })) };
        if ('selections' in context) context.selections = selections;
        const res = await postText(`/cds-services/${base.service.id}`, toJsonText(body));
        assertClearAnswer(res, { allowed: [200, 400, 412], sent: body, what: `${base.service.id} context ${toJsonText(context).slice(0, 300)}` });
      }),
      { seed: FUZZ_SEED + 3, numRuns: RUNS },
    );
  });

  it(`feedback bodies: mutated spec examples and hostile bodies: 200 or 400 (${RUNS} runs)`, async () => {
    const examples = ['feedback-accepted.json', 'feedback-overridden-no-reason.json', 'feedback-overridden-with-reason.json'].map((f) => specFixture(f));
    await fc.assert(
      fc.asyncProperty(fc.nat(), fc.array(mutation(), { maxLength: 4 }), fc.constantFrom(...serviceIds), async (pick, mutations, serviceId) => {
        const body = applyMutations(examples[pick % examples.length], mutations);
        const res = await postText(`/cds-services/${serviceId}/feedback`, toJsonText(body));
        assertClearAnswer(res, { allowed: [200, 400], sent: body, what: `feedback ${JSON.stringify(mutations).slice(0, 300)}` });
      }),
      { seed: FUZZ_SEED + 4, numRuns: RUNS },
    );
  });

  describe('unicode edge cases', () => {
    it('every edge string as hookInstance, patient id, prefetch key, context key and draft order id: never a 5xx', async () => {
      const base = requests.find((r) => r.service.id === 'ketamine-order-sign')!;
      for (const text of UNICODE_EDGE_STRINGS) {
        const variants: Array<[string, (b: Record<string, any>) => void]> = [
          ['hookInstance', (b) => (b.hookInstance = text)],
          ['patientId', (b) => (b.context.patientId = text)],
          ['prefetch key', (b) => (b.prefetch[text] = b.prefetch.patient)],
          ['context key', (b) => Object.defineProperty(b.context, text, { value: text, enumerable: true })],
          ['draft order id', (b) => (b.context.draftOrders.entry[0].resource.id = text)],
          ['condition code', (b) => { for (const e of b.prefetch.conditions?.entry ?? []) e.resource.code = { coding: [{ system: text, code: text }] }; }],
        ];
        for (const [what, change] of variants) {
          const body = structuredClone(base.body) as Record<string, any>;
          change(body);
          const res = await postText('/cds-services/ketamine-order-sign', toJsonText(body));
          assertClearAnswer(res, { allowed: [200, 400, 412], sent: body, what: `${what} = ${JSON.stringify(text).slice(0, 40)}` });
        }
      }
    });

    it('bytes that are not UTF-8 (a lone surrogate encoded raw, an overlong NUL, a cut multi-byte character): 400 naming the encoding', async () => {
      const valid = Buffer.from(toJsonText(requests[0].body));
      for (const bad of [Buffer.from([0xed, 0xa0, 0x80]), Buffer.from([0xc0, 0x80]), Buffer.from([0xf0, 0x9f, 0x98])]) {
        const at = valid.indexOf('"hookInstance"');
        const body = Buffer.concat([valid.subarray(0, at + 1), bad, valid.subarray(at + 1)]);
        const res = await postBytes(`/cds-services/${requests[0].service.id}`, body);
        assertClearAnswer(res, { allowed: [400], what: 'invalid UTF-8' });
        assert.deepEqual(res.body.problems, [{ pointer: '', message: 'is not valid UTF-8' }]);
      }
    });

    it('a NUL after the JSON text, a JSON text that is only a string, null or a number: 400; a leading byte order mark is ignored (RFC 8259 8.1)', async () => {
      const text = toJsonText(requests[0].body);
      for (const body of [`${text}\u0000`, '"just a string"', 'null', '1e999', '\ufeff']) {
        const res = await postText(`/cds-services/${requests[0].service.id}`, body);
        assertClearAnswer(res, { allowed: [400], what: JSON.stringify(body.slice(0, 20)) });
      }
      const withBom = await postText(`/cds-services/${requests[0].service.id}`, `\ufeff${toJsonText(asNewCall(requests[0].body))}`);
      assertClearAnswer(withBom, { allowed: [200], what: 'leading BOM' });
    });
  });

  describe('deep, huge and wide JSON', () => {
    it('nesting past MAX_JSON_DEPTH (65, 10 000, 400 000 levels; arrays, objects, inside a string-heavy body): 400 naming the limit', async () => {
      for (const depth of [65, 10_000, 400_000]) {
        for (const [open, close] of [['[', ']'], ['{"a":', '}']]) {
          const body = `{"hook":"order-sign","x":${open.repeat(depth)}1${close.repeat(depth)}}`;
          if (body.length > 1024 * 1024) continue;
          const res = await postText('/cds-services/ketamine-order-sign', body);
          assertClearAnswer(res, { allowed: [400], what: `depth ${depth}` });
          assert.match(res.body.problems[0].message, /deeper than 64 levels \(MAX_JSON_DEPTH\)/);
        }
      }
      const res = await postText('/cds-services/ketamine-order-sign/feedback', `{"feedback":${'['.repeat(100)}${']'.repeat(100)}}`);
      assertClearAnswer(res, { allowed: [400], what: 'deep feedback' });
    });

    it('a body one byte over MAX_BODY_BYTES: 413; gzip that inflates past it (a zip bomb): 413', async () => {
      const big = `{"hook":"order-sign","pad":"${'x'.repeat(1024 * 1024)}"}`;
      const res = await postText('/cds-services/ketamine-order-sign', big);
      assertClearAnswer(res, { allowed: [413], what: 'too large' });
      const { gzipSync } = await import('node:zlib');
      const bomb = gzipSync(Buffer.from(`{"pad":"${'0'.repeat(20 * 1024 * 1024)}"}`));
      assert.ok(bomb.length < 64 * 1024, 'the compressed body is small');
      const inflated = await postBytes('/cds-services/ketamine-order-sign', bomb, { 'Content-Encoding': 'gzip' });
      assertClearAnswer(inflated, { allowed: [413], what: 'gzip bomb' });
    });

    it('just under MAX_BODY_BYTES: a prefetch Bundle of 1 000 conditions, and a context with 30 000 members: answered, not a 5xx', async () => {
      const base = requests.find((r) => r.service.id === 'ketamine-order-sign' && r.body.prefetch?.conditions)!;
      const body = structuredClone(asNewCall(base.body)) as Record<string, any>;
      const condition = body.prefetch.conditions.entry?.[0]?.resource ?? { resourceType: 'Condition', subject: { reference: `Patient/${body.context.patientId}` }, code: { coding: [{ system: 'http://hl7.org/fhir/sid/icd-10-cm', code: 'F33.2' }] } };
      body.prefetch.conditions.entry = Array.from({ length: 1000 }, (_, i) => ({ resource: { ...condition, id: `c${i}` } }));
      const text = toJsonText(body);
      assert.ok(text.length < 1024 * 1024, `body is ${text.length} bytes`);
      const res = await postText('/cds-services/ketamine-order-sign', text);
      assertClearAnswer(res, { allowed: [200, 412], sent: body, what: '1000 conditions' });

      const wide = structuredClone(asNewCall(base.body)) as Record<string, any>;
      for (let i = 0; i < 30_000; i++) wide.context[`k${i}`] = i;
      const wideRes = await postText('/cds-services/ketamine-order-sign', toJsonText(wide));
      assertClearAnswer(wideRes, { allowed: [200, 400, 412], sent: wide, what: 'wide context' });
      if (wideRes.status === 400) assert.ok(wideRes.body.problems.length <= 20, 'problems are bounded');
    });
  });
});
