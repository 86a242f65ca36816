/**
 * The impact diff runs the rule set's real fixtures with both versions and lists exactly the fixtures
 * whose cards change.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import request from 'supertest';
import { compileRuleSet } from '../../engine/compile-rule-set.js';
import { fixtureImpact } from '../../engine/diff/fixture-impact.js';
import { renderDiffText } from '../../engine/diff/render-diff-text.js';
import { diffRuleSets } from '../../engine/diff/diff-rule-sets.js';
import { loadFixtures } from '../../use-cases/load-fixtures.js';
import { runFixtures } from '../../engine/fixtures/run-fixtures.js';
import { bearer, KETAMINE_DIR, readRuleSet, sampleRuleSet, startAdminHarness, USERS } from './support/admin-harness.js';
import { COMPACT_FHIR_CONVERTER } from '../../use-cases/fixture-converter.js';

const FIXTURES_DIR = join(KETAMINE_DIR, 'fixtures');

describe('fixture impact of a rule-set change', () => {
  const base = sampleRuleSet();
  const { fixtures, errors } = loadFixtures(FIXTURES_DIR);

  it('has the shipped fixtures to work with', () => {
    assert.deepEqual(errors, []);
    assert.ok(fixtures.length >= 5, `only ${fixtures.length} fixtures in ${FIXTURES_DIR}`);
  });

  it('lists nothing when the versions have the same rules', async () => {
    const impact = await fixtureImpact(base, structuredClone(base), { fixtureDirs: [FIXTURES_DIR], converter: COMPACT_FHIR_CONVERTER, loadFixtures });
    assert.equal(impact.fixturesRun, fixtures.length);
    assert.deepEqual(impact.changed, []);
    assert.deepEqual(impact.newlyFailing, []);
    assert.deepEqual(impact.notRun, []);
  });

  it('lists exactly the fixtures that show a card of a rule whose indicator changed', async () => {
    const outcomes = await runFixtures(compileRuleSet(base), fixtures, COMPACT_FHIR_CONVERTER);
    const cardsByRule = new Map<string, string[]>();
    for (const o of outcomes) for (const c of o.actualCards) cardsByRule.set(c.rule, [...(cardsByRule.get(c.rule) ?? []), o.fixture.name]);
    // A rule that offers override reasons may switch between warning and critical (both require them).
    const offersReasons = (id: string) => (base.rules.find((r) => r.id === id)?.card.overrideReasons ?? []).length > 0;
    // Not a rule of a merge concern: its indicator also changes merged cards shown under another rule's id.
    const merges = (id: string) => base.concerns?.[base.rules.find((r) => r.id === id)?.concern ?? '']?.mode === 'merge';
    const [ruleId, showing] = [...cardsByRule.entries()].filter(([id]) => offersReasons(id) && !merges(id)).sort((a, b) => b[1].length - a[1].length)[0];
    const next = structuredClone(base);
    next.version = '1.1.1';
    const rule = next.rules.find((r) => r.id === ruleId)!;
    const before = rule.card.indicator;
    rule.card.indicator = before === 'critical' ? 'warning' : 'critical';

    const impact = await fixtureImpact(base, next, { fixtureDirs: [FIXTURES_DIR, FIXTURES_DIR], converter: COMPACT_FHIR_CONVERTER, loadFixtures });
    assert.equal(impact.fixturesRun, fixtures.length, 'the same folder twice counts once');
    assert.deepEqual(impact.changed.map((c) => c.fixture).sort(), [...showing].sort());
    for (const change of impact.changed) {
      assert.deepEqual(change.cardsAdded, []);
      assert.deepEqual(change.cardsRemoved, []);
      assert.deepEqual(change.cardsChanged.map((c) => [c.rule, c.fields, c.from.indicator, c.to.indicator]), [[ruleId, ['indicator'], before, rule.card.indicator]]);
    }
    const text = renderDiffText(diffRuleSets(base, next), impact);
    assert.match(text, /Impact on fixtures/);
    assert.ok(text.includes(`${showing.length} change their cards`), text);
  });

  it('runs the shipped 1.0.0 -> 1.1.0 fixtures: every card difference is explained by a rule added or changed', async () => {
    const from = readRuleSet(join(KETAMINE_DIR, 'versions', '1.0.0.json'));
    const impact = await fixtureImpact(from, base, { fixtureDirs: [FIXTURES_DIR], converter: COMPACT_FHIR_CONVERTER, loadFixtures });
    const diff = diffRuleSets(from, base);
    const explained = new Set([...diff.rules.added.map((r) => r.key), ...diff.rules.removed.map((r) => r.key), ...diff.rules.changed.map((r) => r.ruleId)]);
    assert.equal(impact.fixturesRun + new Set(impact.notRun.map((n) => n.fixture)).size, fixtures.length);
    for (const change of impact.changed) {
      for (const card of [...change.cardsAdded, ...change.cardsRemoved, ...change.cardsChanged.map((c) => c.to)]) {
        // A card can also appear or vanish because a rule of the same concern was added or changed.
        const concernOf = (id: string) => [...from.rules, ...base.rules].find((r) => r.id === id)?.concern;
        const related = [...explained].some((id) => id === card.rule || concernOf(id) === concernOf(card.rule));
        assert.ok(related, `${change.fixture}: card ${card.rule} changed without a related rule change`);
      }
    }
  });

  it('is served by GET /admin/api/rule-sets/{id}/diff?impact=true', async () => {
    const h = await startAdminHarness();
    try {
      const next = structuredClone(base);
      next.version = '1.1.1';
      next.rules[0].card.summary = 'Summary edited by the impact test';
      await request(h.app).post('/admin/api/rule-sets').set(bearer(USERS.alice)).send(base).expect(201);
      await request(h.app).post('/admin/api/rule-sets').set(bearer(USERS.alice)).send(next).expect(201);
      const res = await request(h.app).get(`/admin/api/rule-sets/${base.id}/diff?from=${base.version}&to=1.1.1&impact=true`).set(bearer(USERS.bob)).expect(200);
      assert.equal(res.body.impact.fixturesRun, fixtures.length);
      for (const change of res.body.impact.changed) {
        assert.deepEqual(change.cardsChanged.map((c: { rule: string; fields: string[] }) => [c.rule, c.fields]), [[next.rules[0].id, ['summary']]]);
      }
    } finally {
      await h.close();
    }
  });
});
