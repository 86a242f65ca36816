/**
 * The card preview API (server/console/preview-api.ts) over real HTTP against the real service: the same
 * cards as the engine for a sample patient, a pasted Bundle and a pasted CDS Hooks request; never a
 * call to a FHIR server; nothing recorded; admin authentication; and errors that name the field.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { compileRuleSet, type CompiledRuleSet } from '../../engine/compile-rule-set.js';
import { CARD_EXTENSION_KEY } from '../../engine/evaluation-types.js';
import { fixtureDraftOrders, fixtureToRequest, fixtureToResources } from '../../engine/fixtures/compact-fhir.js';
import type { Fixture } from '../../engine/fixtures/fixture-types.js';
import { loadFixtures } from '../../use-cases/load-fixtures.js';
import { runFixture, serviceForFixture } from '../../engine/fixtures/run-fixtures.js';
import { loadRuleSetFile } from '../../use-cases/load-rule-set-file.js';
import { RULES_DIR } from '../../server/bundled-rule-sets.js';
import type { Card } from '../../cds-hooks/wire-types.js';
import { ACTIVE_VERSION, CONSOLE_USERS, KETAMINE, startConsoleHarness, type ConsoleHarness } from './support/console-harness.js';
import { COMPACT_FHIR_CONVERTER } from '../../use-cases/fixture-converter.js';

const ANEURYSM = 'Active abdominal aortic aneurysm';

interface PreviewBody {
  ruleSet: { id: string; version: string; hash: string; state: string };
  hook: string;
  now: string;
  input: { kind: string; name?: string };
  sources: Array<{ key: string; origin: string; problem?: string }>;
  cards: Card[];
  fired: Array<{ ruleId: string }>;
}

function ruleOf(card: Card): string {
  return (card.extension?.[CARD_EXTENSION_KEY] as { rule: { id: string } }).rule.id;
}

function shape(cards: Card[]): string[] {
  return cards.map((c) => `${c.indicator} ${ruleOf(c)} ${c.summary}`).sort();
}

describe('card preview API', function () {
  this.timeout(60_000);
  let h: ConsoleHarness;
  let compiled: CompiledRuleSet;
  let aneurysm: Fixture;
  let fhirHits = 0;
  let fhirServer: Server;
  let fhirBase: string;

  /** token null: no Authorization header. */
  const preview = (body: unknown, token: string | null = CONSOLE_USERS.author.token) =>
    fetch(`${h.baseUrl}/admin/api/preview`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...(token === null ? {} : { Authorization: `Bearer ${token}` }) },
      body: JSON.stringify(body),
    });

  before(async () => {
    h = await startConsoleHarness();
    const loaded = loadRuleSetFile(join(RULES_DIR, KETAMINE, 'rule-set.json'));
    assert.ok(loaded.ruleSet);
    compiled = compileRuleSet(loaded.ruleSet);
    const found = loadFixtures(join(RULES_DIR, KETAMINE, 'fixtures')).fixtures.find((f) => f.name === ANEURYSM);
    assert.ok(found);
    aneurysm = found;
    fhirServer = createServer((_req, res) => {
      fhirHits += 1;
      res.writeHead(500).end();
    });
    await new Promise<void>((resolve) => fhirServer.listen(0, '127.0.0.1', resolve));
    fhirBase = `http://127.0.0.1:${(fhirServer.address() as AddressInfo).port}/fhir`;
  });
  after(async () => {
    await new Promise<void>((resolve) => fhirServer?.close(() => resolve()));
    await h?.close();
  });

  it('gives a sample patient the engine\'s cards, at the sample\'s instant, for every role, and records nothing', async () => {
    const before = (await h.store.listDecisions({ limit: 1000 })).length;
    const expected = await runFixture(compiled, aneurysm, COMPACT_FHIR_CONVERTER);
    for (const user of Object.values(CONSOLE_USERS)) {
      const res = await preview({ ruleSetId: KETAMINE, version: ACTIVE_VERSION, fixture: ANEURYSM }, user.token);
      assert.equal(res.status, 200, `${user.role}: ${res.status}`);
      const body = (await res.json()) as PreviewBody;
      assert.equal(body.hook, aneurysm.hook);
      assert.equal(body.now, new Date(aneurysm.now).toISOString());
      assert.deepEqual(body.input, { kind: 'fixture', name: ANEURYSM, description: aneurysm.description });
      assert.equal(body.ruleSet.state, 'active');
      assert.equal(body.ruleSet.hash, compiled.identity.hash);
      assert.deepEqual(shape(body.cards), shape(expected.result?.cards ?? []));
      assert.deepEqual(body.cards.map((c) => c.uuid), expected.result?.cards.map((c) => c.uuid), 'the fixture runner\'s card ids');
      assert.ok(body.cards.some((c) => c.indicator === 'critical' && ruleOf(c) === 'contraindication-aneurysm'));
    }
    assert.equal((await h.store.listDecisions({ limit: 1000 })).length, before, 'a preview is not a decision');
  });

  it('evaluates at the given instant when `now` is sent', async () => {
    const res = await preview({ ruleSetId: KETAMINE, version: ACTIVE_VERSION, fixture: ANEURYSM, now: '2026-03-05T08:30:00Z' });
    assert.equal(res.status, 200);
    assert.equal(((await res.json()) as PreviewBody).now, '2026-03-05T08:30:00.000Z');
  });

  it('gives a pasted FHIR Bundle (draft orders in it) the same cards as the sample patient it holds', async () => {
    const bundle = {
      resourceType: 'Bundle',
      type: 'collection',
      entry: [...fixtureToResources(aneurysm), ...fixtureDraftOrders(aneurysm).map((d) => d.order)].map((resource) => ({ resource })),
    };
    const res = await preview({ ruleSetId: KETAMINE, version: ACTIVE_VERSION, hook: aneurysm.hook, bundle, now: aneurysm.now });
    assert.equal(res.status, 200, await res.clone().text());
    const body = (await res.json()) as PreviewBody;
    assert.equal(body.input.kind, 'bundle');
    const expected = await runFixture(compiled, aneurysm, COMPACT_FHIR_CONVERTER);
    assert.deepEqual(shape(body.cards), shape(expected.result?.cards ?? []));
  });

  it('gives a pasted CDS Hooks request its cards from prefetch only, never calling its fhirServer', async () => {
    const service = serviceForFixture(compiled, aneurysm);
    assert.ok(typeof service !== 'string');
    const request = fixtureToRequest(aneurysm, service);
    const full = await preview({ ruleSetId: KETAMINE, version: ACTIVE_VERSION, hook: aneurysm.hook, request, now: aneurysm.now });
    assert.equal(full.status, 200, await full.clone().text());
    const fullBody = (await full.json()) as PreviewBody;
    assert.deepEqual(shape(fullBody.cards), shape((await runFixture(compiled, aneurysm, COMPACT_FHIR_CONVERTER)).result?.cards ?? []));

    const [dropped, ...kept] = Object.keys(request.prefetch ?? {});
    assert.ok(dropped, 'the service declares prefetch keys');
    const partial = {
      ...request,
      fhirServer: fhirBase,
      fhirAuthorization: { access_token: 'secret-ehr-token', token_type: 'Bearer', expires_in: 300, scope: 'patient/*.read', subject: 'x' },
      prefetch: Object.fromEntries(kept.map((k) => [k, request.prefetch?.[k]])),
    };
    const res = await preview({ ruleSetId: KETAMINE, version: ACTIVE_VERSION, hook: aneurysm.hook, request: partial, now: aneurysm.now });
    assert.equal(res.status, 200, await res.clone().text());
    const body = (await res.json()) as PreviewBody;
    assert.equal(fhirHits, 0, 'the preview never calls a FHIR server');
    const missing = body.sources.find((s) => s.key === dropped);
    assert.equal(missing?.origin, 'failed', 'the key not prefetched is reported as missing');
    assert.ok(!h.logText().includes('secret-ehr-token'), 'the pasted token is never logged');
  });

  it('previews any registry version, drafts included', async () => {
    const res = await preview({ ruleSetId: KETAMINE, version: '1.0.0', fixture: ANEURYSM });
    assert.equal(res.status, 200);
    const body = (await res.json()) as PreviewBody;
    assert.equal(body.ruleSet.version, '1.0.0');
    assert.equal(body.ruleSet.state, 'draft');
  });

  it('lists the rule set\'s sample patients', async () => {
    const res = await fetch(`${h.baseUrl}/admin/api/preview/fixtures?ruleSetId=${KETAMINE}`, {
      headers: { Authorization: `Bearer ${CONSOLE_USERS.auditor.token}` },
    });
    assert.equal(res.status, 200);
    const body = (await res.json()) as { fixtures: Array<{ name: string; hook: string; expectedCards: unknown[] }> };
    const all = loadFixtures(join(RULES_DIR, KETAMINE, 'fixtures')).fixtures;
    assert.deepEqual(body.fixtures.map((f) => f.name), all.map((f) => f.name));
    const unknown = await fetch(`${h.baseUrl}/admin/api/preview/fixtures?ruleSetId=no-such-set`, {
      headers: { Authorization: `Bearer ${CONSOLE_USERS.auditor.token}` },
    });
    assert.equal(unknown.status, 404);
  });

  it('needs an admin token', async () => {
    const none = await preview({ ruleSetId: KETAMINE, version: ACTIVE_VERSION, fixture: ANEURYSM }, null);
    assert.equal(none.status, 401);
    assert.match(none.headers.get('www-authenticate') ?? '', /^Bearer/);
    const wrong = await preview({ ruleSetId: KETAMINE, version: ACTIVE_VERSION, fixture: ANEURYSM }, 'not-a-token');
    assert.equal(wrong.status, 401);
    const list = await fetch(`${h.baseUrl}/admin/api/preview/fixtures?ruleSetId=${KETAMINE}`);
    assert.equal(list.status, 401);
  });

  const bad: Array<{ what: string; body: unknown; status: number; field?: string; message: RegExp }> = [
    { what: 'an unknown field', body: { ruleSetId: KETAMINE, version: ACTIVE_VERSION, fixture: ANEURYSM, patient: 'x' }, status: 400, field: '/patient', message: /unknown field/ },
    { what: 'two inputs', body: { ruleSetId: KETAMINE, version: ACTIVE_VERSION, fixture: ANEURYSM, bundle: {} }, status: 400, message: /exactly one of fixture, bundle or request/ },
    { what: 'no input', body: { ruleSetId: KETAMINE, version: ACTIVE_VERSION }, status: 400, message: /got none/ },
    { what: 'a missing version', body: { ruleSetId: KETAMINE, fixture: ANEURYSM }, status: 400, field: '/version', message: /required/ },
    { what: 'an unknown version', body: { ruleSetId: KETAMINE, version: '9.9.9', fixture: ANEURYSM }, status: 404, message: /has no version 9\.9\.9/ },
    { what: 'a path in the rule-set id', body: { ruleSetId: '../etc', version: ACTIVE_VERSION, fixture: ANEURYSM }, status: 400, field: '/ruleSetId', message: /rule-set id/ },
    { what: 'an unknown sample patient', body: { ruleSetId: KETAMINE, version: ACTIVE_VERSION, fixture: 'nobody' }, status: 400, field: '/fixture', message: /no sample patient named "nobody"/ },
    { what: 'an unknown hook', body: { ruleSetId: KETAMINE, version: ACTIVE_VERSION, fixture: ANEURYSM, hook: 'encounter-start' }, status: 400, field: '/hook', message: /must be one of/ },
    { what: 'a bad instant', body: { ruleSetId: KETAMINE, version: ACTIVE_VERSION, fixture: ANEURYSM, now: 'yesterday' }, status: 400, field: '/now', message: /ISO 8601/ },
    { what: 'a bundle without a hook', body: { ruleSetId: KETAMINE, version: ACTIVE_VERSION, bundle: { resourceType: 'Bundle' } }, status: 400, field: '/hook', message: /required with a pasted bundle/ },
    { what: 'a bundle without a Patient', body: { ruleSetId: KETAMINE, version: ACTIVE_VERSION, hook: 'patient-view', bundle: { resourceType: 'Bundle', type: 'collection', entry: [] } }, status: 400, field: '/bundle', message: /exactly one Patient resource \(found 0\)/ },
    { what: 'a request that is not CDS Hooks', body: { ruleSetId: KETAMINE, version: ACTIVE_VERSION, hook: 'patient-view', request: { hook: 'patient-view' } }, status: 400, field: '/request', message: /\/request\/hookInstance|\/request.*hookInstance/ },
    {
      what: 'a request for another hook',
      body: { ruleSetId: KETAMINE, version: ACTIVE_VERSION, hook: 'order-sign', request: { hook: 'patient-view', hookInstance: 'd1577c69-dfbe-44ad-ba6d-3e05e953b2ea', context: { userId: 'Practitioner/1', patientId: 'p1' } } },
      status: 400,
      field: '/request/hook',
      message: /is "patient-view" but the preview asks for order-sign/,
    },
  ];
  for (const b of bad) {
    it(`refuses ${b.what}, naming what is wrong`, async () => {
      const res = await preview(b.body);
      const body = (await res.json()) as { message: string; field?: string };
      assert.equal(res.status, b.status, JSON.stringify(body));
      assert.match(body.message, b.message);
      if (b.field !== undefined) assert.equal(body.field, b.field);
    });
  }

  it('refuses a body that is not JSON', async () => {
    const res = await fetch(`${h.baseUrl}/admin/api/preview`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${CONSOLE_USERS.author.token}` },
      body: '{"ruleSetId": ',
    });
    assert.equal(res.status, 400);
    assert.match(((await res.json()) as { problems: Array<{ message: string }> }).problems[0].message, /not valid JSON/);
  });
});
