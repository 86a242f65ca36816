/**
 * The registry over HTTP: publishing (every validation problem with its pointer, 422), the approval
 * lifecycle with reasons and history, the four-eyes rule (self-approval refused with 409), bad input
 * named (never a 500), and the diff between two versions.
 */
import assert from 'node:assert/strict';
import request from 'supertest';
import { bearer, sampleRuleSet, startAdminHarness, USERS, type AdminHarness } from './support/admin-harness.js';

const API = '/admin/api';

describe('admin API: registry and lifecycle', () => {
  let h: AdminHarness;
  const ruleSet = sampleRuleSet();
  const versionPath = `${API}/rule-sets/${ruleSet.id}/versions/${ruleSet.version}`;

  beforeEach(async () => {
    h = await startAdminHarness();
  });
  afterEach(async () => h.close());

  it('publishes a valid rule set as a draft (201), and the same content again is a no-op (200)', async () => {
    const first = await request(h.app).post(`${API}/rule-sets`).set(bearer(USERS.alice)).send(ruleSet);
    assert.equal(first.status, 201, first.text);
    assert.equal(first.body.created, true);
    assert.equal(first.body.version.state, 'draft');
    assert.equal(first.body.version.author, 'alice');
    assert.match(first.body.version.hash, /^[0-9a-f]{64}$/);
    assert.equal(first.headers.location, versionPath);
    const again = await request(h.app).post(`${API}/rule-sets`).set(bearer(USERS.alice)).send(ruleSet);
    assert.equal(again.status, 200);
    assert.equal(again.body.created, false);

    const changed = structuredClone(ruleSet);
    changed.title = `${ruleSet.title} (edited)`;
    const conflict = await request(h.app).post(`${API}/rule-sets`).set(bearer(USERS.alice)).send(changed);
    assert.equal(conflict.status, 409);
    assert.match(conflict.body.message, /already published with different content/);
  });

  it('refuses invalid content with 422 and every problem as {pointer, message}', async () => {
    const broken = structuredClone(ruleSet) as unknown as Record<string, unknown>;
    delete broken.title;
    const rules = broken.rules as Array<Record<string, unknown>>;
    rules[0].hooks = ['not-a-hook'];
    (rules[0].card as Record<string, unknown>).indicator = 'urgent';
    const res = await request(h.app).post(`${API}/rule-sets`).set(bearer(USERS.alice)).send(broken);
    assert.equal(res.status, 422, res.text);
    assert.equal(res.body.error, 'invalid_rule_set');
    assert.ok(res.body.problems.length >= 3, JSON.stringify(res.body.problems));
    for (const p of res.body.problems) {
      assert.equal(typeof p.pointer, 'string');
      assert.equal(typeof p.message, 'string');
    }
    const pointers = res.body.problems.map((p: { pointer: string }) => p.pointer);
    assert.ok(pointers.some((p: string) => p === '' || p === '/title'), `title problem: ${pointers}`);
    assert.ok(pointers.some((p: string) => p.startsWith('/rules/0/hooks')), `hooks problem: ${pointers}`);
    assert.ok(pointers.some((p: string) => p.startsWith('/rules/0/card/indicator')), `indicator problem: ${pointers}`);
    assert.deepEqual((await h.store.listVersions()).length, 0, 'nothing was stored');
  });

  it('reports JSON syntax errors with line and column, and duplicate keys with their pointer', async () => {
    const syntax = await request(h.app).post(`${API}/rule-sets`).set(bearer(USERS.alice)).set('Content-Type', 'application/json').send('{"id": "x",\n  "version": }');
    assert.equal(syntax.status, 422);
    assert.match(syntax.body.problems[0].message, /line 2, column \d+/);
    const text = JSON.stringify(ruleSet, null, 2).replace('"title":', '"title": "first title",\n  "title":');
    const duplicate = await request(h.app).post(`${API}/rule-sets`).set(bearer(USERS.alice)).set('Content-Type', 'application/json').send(text);
    assert.equal(duplicate.status, 422);
    assert.ok(duplicate.body.problems.some((p: { pointer: string; message: string }) => p.pointer === '/title' && /duplicate key "title"/.test(p.message)));
  });

  it('refuses a body that is not JSON (415) or is empty (400)', async () => {
    const notJson = await request(h.app).post(`${API}/rule-sets`).set(bearer(USERS.alice)).set('Content-Type', 'text/plain').send('hello');
    assert.equal(notJson.status, 415);
    const empty = await request(h.app).post(`${API}/rule-sets`).set(bearer(USERS.alice)).set('Content-Type', 'application/json');
    assert.equal(empty.status, 400);
    assert.equal(empty.body.field, 'body');
  });

  it('runs the lifecycle with reasons: submit (author), approve, activate, retire (reviewer), with history', async () => {
    await request(h.app).post(`${API}/rule-sets`).set(bearer(USERS.alice)).send(ruleSet).expect(201);
    const submit = await request(h.app).post(`${versionPath}/submit`).set(bearer(USERS.alice)).send({ reason: 'ready for review' });
    assert.equal(submit.status, 200, submit.text);
    assert.equal(submit.body.version.state, 'in-review');
    await request(h.app).post(`${versionPath}/approve`).set(bearer(USERS.bob)).send({ reason: 'checked every rule' }).expect(200);
    await request(h.app).post(`${versionPath}/activate`).set(bearer(USERS.bob)).send({ reason: 'go live' }).expect(200);

    const view = await request(h.app).get(versionPath).set(bearer(USERS.carol)).expect(200);
    assert.equal(view.body.state, 'active');
    assert.equal(view.body.content.id, ruleSet.id);
    assert.deepEqual(
      view.body.history.map((e: { to: string; actor: string; reason: string }) => [e.to, e.actor, e.reason]),
      [
        ['draft', 'alice', view.body.history[0].reason],
        ['in-review', 'alice', 'ready for review'],
        ['approved', 'bob', 'checked every rule'],
        ['active', 'bob', 'go live'],
      ],
    );
    const list = await request(h.app).get(`${API}/rule-sets`).set(bearer(USERS.alice)).expect(200);
    assert.equal(list.body.ruleSets[0].activeVersion, ruleSet.version);

    const retire = await request(h.app).post(`${versionPath}/retire`).set(bearer(USERS.bob)).send({ reason: 'superseded' });
    assert.equal(retire.status, 200);
    assert.equal(retire.body.version.state, 'retired');
  });

  it('refuses self-approval with 409: the author, or whoever submitted, cannot approve', async () => {
    // dana holds author and reviewer: the roles allow it, the four-eyes rule does not.
    await request(h.app).post(`${API}/rule-sets`).set(bearer(USERS.dana)).send(ruleSet).expect(201);
    await request(h.app).post(`${versionPath}/submit`).set(bearer(USERS.dana)).send({ reason: 'please review' }).expect(200);
    const own = await request(h.app).post(`${versionPath}/approve`).set(bearer(USERS.dana)).send({ reason: 'looks fine to me' });
    assert.equal(own.status, 409, own.text);
    assert.equal(own.body.error, 'conflict');
    assert.match(own.body.message, /self-approval refused: dana published .* another reviewer must approve/);

    const other = structuredClone(ruleSet);
    other.version = '99.0.0';
    await request(h.app).post(`${API}/rule-sets`).set(bearer(USERS.alice)).send(other).expect(201);
    const otherPath = `${API}/rule-sets/${ruleSet.id}/versions/99.0.0`;
    await request(h.app).post(`${otherPath}/submit`).set(bearer(USERS.dana)).send({ reason: 'submitting for alice' }).expect(200);
    const submitter = await request(h.app).post(`${otherPath}/approve`).set(bearer(USERS.dana)).send({ reason: 'fine' });
    assert.equal(submitter.status, 409);
    assert.match(submitter.body.message, /self-approval refused: dana submitted/);

    await request(h.app).post(`${versionPath}/approve`).set(bearer(USERS.bob)).send({ reason: 'second pair of eyes' }).expect(200);
    const state = (await h.store.getVersion(ruleSet.id, ruleSet.version))?.state;
    assert.equal(state, 'approved');
  });

  it('names the bad field and never answers 500 for bad input', async () => {
    await request(h.app).post(`${API}/rule-sets`).set(bearer(USERS.alice)).send(ruleSet).expect(201);
    const noReason = await request(h.app).post(`${versionPath}/submit`).set(bearer(USERS.alice)).send({});
    assert.equal(noReason.status, 400);
    assert.equal(noReason.body.field, 'reason');
    const badJson = await request(h.app).post(`${versionPath}/submit`).set(bearer(USERS.alice)).set('Content-Type', 'application/json').send('{reason');
    assert.equal(badJson.status, 400);
    assert.equal(badJson.body.field, 'body');
    const wrongState = await request(h.app).post(`${versionPath}/activate`).set(bearer(USERS.bob)).send({ reason: 'skip review' });
    assert.equal(wrongState.status, 409);
    assert.match(wrongState.body.message, /it is draft; activate applies to a version that is approved or retired/);
    const missing = await request(h.app).get(`${API}/rule-sets/${ruleSet.id}/versions/7.7.7`).set(bearer(USERS.bob));
    assert.equal(missing.status, 404);

    const cases: Array<[string, string, string]> = [
      [`${API}/decisions?from=yesterday`, 'from', USERS.carol.token],
      [`${API}/decisions?indicator=severe`, 'indicator', USERS.carol.token],
      [`${API}/decisions?limit=0`, 'limit', USERS.carol.token],
      [`${API}/decisions?limit=abc`, 'limit', USERS.carol.token],
      [`${API}/decisions?serviceId=x`, 'serviceId', USERS.carol.token],
      [`${API}/decisions?rule=a&rule=b`, 'rule', USERS.carol.token],
      [`${API}/decisions/0`, 'seq', USERS.carol.token],
      [`${API}/decisions/abc`, 'seq', USERS.carol.token],
      [`${API}/export`, 'format', USERS.carol.token],
      [`${API}/export?format=xml`, 'format', USERS.carol.token],
      [`${API}/stats/overrides?from=2026-02-01&to=2026-01-01`, 'to', USERS.carol.token],
      [`${API}/rule-sets/${ruleSet.id}/diff?from=1.0.0`, 'to', USERS.bob.token],
      [`${API}/rule-sets/${ruleSet.id}/diff?from=1.0.0&to=1.0.0&format=pdf`, 'format', USERS.bob.token],
    ];
    for (const [url, field, token] of cases) {
      const res = await request(h.app).get(url).set('Authorization', `Bearer ${token}`);
      assert.equal(res.status, 400, `${url}: ${res.status} ${res.text}`);
      assert.equal(res.body.field, field, url);
      assert.ok(res.body.message.startsWith(`${field}:`), res.body.message);
    }
  });

  it('diffs two registry versions as JSON, text and markdown', async () => {
    const next = structuredClone(ruleSet);
    next.version = '99.0.0';
    const [name] = Object.keys(next.parameters);
    const parameter = next.parameters[name];
    parameter.value = typeof parameter.value === 'number' ? parameter.value + 1 : `${String(parameter.value)}-changed`;
    await request(h.app).post(`${API}/rule-sets`).set(bearer(USERS.alice)).send(ruleSet).expect(201);
    await request(h.app).post(`${API}/rule-sets`).set(bearer(USERS.alice)).send(next).expect(201);
    const diffPath = `${API}/rule-sets/${ruleSet.id}/diff?from=${ruleSet.version}&to=99.0.0`;
    const json = await request(h.app).get(diffPath).set(bearer(USERS.bob)).expect(200);
    assert.deepEqual(json.body.diff.parameters.changed.map((p: { name: string }) => p.name), [name]);
    assert.equal(json.body.diff.from.hash.length, 64);
    const text = await request(h.app).get(`${diffPath}&format=text`).set(bearer(USERS.alice)).expect(200);
    assert.match(text.headers['content-type'], /^text\/plain/);
    assert.ok(text.text.includes(`${name}:`));
    const markdown = await request(h.app).get(`${diffPath}&format=markdown`).set(bearer(USERS.alice)).expect(200);
    assert.match(markdown.headers['content-type'], /^text\/markdown/);
    assert.match(markdown.text, /^# Rule set /);
    const missing = await request(h.app).get(`${API}/rule-sets/${ruleSet.id}/diff?from=${ruleSet.version}&to=5.5.5`).set(bearer(USERS.bob));
    assert.equal(missing.status, 404);
  });
});
