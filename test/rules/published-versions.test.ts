/**
 * Published rule-set versions keep their meaning when the engine changes. Each published version
 * (rules/<id>/versions/<ver>.json) is evaluated over the fixture set written for it (or, for a version
 * without its own set, the nearest later set), and every card (rule, indicator, summary, detail) must
 * equal the snapshot taken when the version was frozen (test/rules/published-versions/<id>-<ver>.json).
 * A fact-kind change that alters an old version's cards fails here: such a change needs a new parameter
 * or a new fact kind instead (docs/fact-kinds.md).
 *
 * The snapshots were written once, before the 1.2.0 engine changes, with
 * UPDATE_PUBLISHED_SNAPSHOTS=1 npx mocha test/rules/published-versions.test.ts
 * Never regenerate them to make this test pass.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { compileRuleSet } from '../../engine/compile-rule-set.js';
import { CARD_EXTENSION_KEY } from '../../engine/evaluation-types.js';
import { fixtureContext } from '../../engine/fixtures/compact-fhir.js';
import { COMPACT_FHIR_CONVERTER, fixtureToPatientRecord } from '../../use-cases/fixture-converter.js';
import { loadFixtures } from '../../use-cases/load-fixtures.js';
import { loadRuleSetFile } from '../../use-cases/load-rule-set-file.js';

const RULES = fileURLToPath(new URL('../../rules/ketamine-esketamine', import.meta.url));
const SNAPSHOTS = fileURLToPath(new URL('./published-versions', import.meta.url));

/** Published version -> the fixture folder its snapshot is taken over. */
const PUBLISHED: ReadonlyArray<{ version: string; fixtures: string }> = [
  { version: '1.0.0', fixtures: `${RULES}/versions/1.1.0-fixtures` },
  { version: '1.1.0', fixtures: `${RULES}/versions/1.1.0-fixtures` },
  // 1.3.0 (issue 20) only added links to the course view: 1.2.0 is frozen over the same fixtures.
  { version: '1.2.0', fixtures: `${RULES}/fixtures` },
];

interface SnapshotCard {
  rule: string;
  indicator: string;
  summary: string;
  detail: string;
}

async function cardsOf(version: string, fixturesDir: string): Promise<Record<string, SnapshotCard[]>> {
  const loaded = loadRuleSetFile(`${RULES}/versions/${version}.json`);
  assert.ok(loaded.ruleSet, `versions/${version}.json loads`);
  const compiled = compileRuleSet(loaded.ruleSet);
  const { fixtures, errors } = loadFixtures(fixturesDir);
  assert.deepEqual(errors, []);
  const out: Record<string, SnapshotCard[]> = {};
  for (const f of fixtures.sort((a, b) => a.name.localeCompare(b.name))) {
    const result = await compiled.evaluate({ hook: f.hook, context: fixtureContext(f, f.hook), record: fixtureToPatientRecord(f, f.hook), now: new Date(f.now), idSeed: f.name });
    out[f.name] = result.cards.map((card) => ({
      rule: (card.extension?.[CARD_EXTENSION_KEY] as { rule: { id: string } }).rule.id,
      indicator: card.indicator,
      summary: card.summary,
      detail: card.detail ?? '',
    }));
  }
  return out;
}

describe('published ketamine-esketamine versions evaluate as when they were frozen', () => {
  for (const { version, fixtures } of PUBLISHED) {
    it(`${version}: every fixture gives the same cards (rule, indicator, summary, detail)`, async () => {
      const file = `${SNAPSHOTS}/ketamine-esketamine-${version}.json`;
      const actual = await cardsOf(version, fixtures);
      if (process.env.UPDATE_PUBLISHED_SNAPSHOTS === '1' && !existsSync(file)) writeFileSync(file, `${JSON.stringify(actual, null, 2)}\n`);
      const expected = JSON.parse(readFileSync(file, 'utf8')) as Record<string, SnapshotCard[]>;
      assert.ok(Object.keys(expected).length >= 100, 'the snapshot covers the fixture set');
      assert.deepEqual(actual, expected);
    });
  }

  it('1.1.0: its own fixtures (versions/1.1.0-fixtures) still pass against versions/1.1.0.json', async () => {
    const { runFixture, formatOutcome } = await import('../../engine/fixtures/run-fixtures.js');
    const loaded = loadRuleSetFile(`${RULES}/versions/1.1.0.json`);
    assert.ok(loaded.ruleSet);
    const compiled = compileRuleSet(loaded.ruleSet);
    const failures: string[] = [];
    for (const f of loadFixtures(`${RULES}/versions/1.1.0-fixtures`).fixtures) {
      const outcome = await runFixture(compiled, f, COMPACT_FHIR_CONVERTER);
      if (!outcome.passed) failures.push(formatOutcome(outcome));
    }
    assert.deepEqual(failures, []);
  });
});
