/**
 * Every bundled rule set (rules/<id>/rule-set.json, and rules/<id>/versions/*.json) must validate with
 * no problems; every fixture in rules/<id>/fixtures/*.yaml is one test, run against rule-set.json; and
 * every rule must have a fixture that makes it fire and a near miss that asserts it does not.
 */
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { compileRuleSet } from '../../engine/compile-rule-set.js';
import { computeCoverage, formatCoverage } from '../../engine/fixtures/coverage.js';
import { loadFixtures } from '../../use-cases/load-fixtures.js';
import { formatOutcome, runFixture, runFixtures } from '../../engine/fixtures/run-fixtures.js';
import { loadRuleSetFile } from '../../use-cases/load-rule-set-file.js';
import { findRuleSetFolders } from '../../use-cases/rule-set-files.js';
import { formatProblem } from '../../engine/rule-set-problem.js';
import { COMPACT_FHIR_CONVERTER } from '../../use-cases/fixture-converter.js';

const RULES_DIR = fileURLToPath(new URL('../../rules', import.meta.url));
const folders = findRuleSetFolders(RULES_DIR);

describe('bundled rule sets', () => {
  it('there is at least one rule set under rules/', () => {
    assert.ok(folders.length > 0);
  });

  for (const folder of folders) {
    describe(folder.main.slice(RULES_DIR.length - 'rules'.length), () => {
      for (const file of [folder.main, ...folder.versions]) {
        it(`${file.slice(folder.dir.length + 1)} validates with no problems`, () => {
          const { problems } = loadRuleSetFile(file);
          assert.deepEqual(problems.map(formatProblem), []);
        });
      }

      const loaded = loadRuleSetFile(folder.main);
      const compiled = loaded.ruleSet ? compileRuleSet(loaded.ruleSet, { file: folder.main }) : undefined;
      const { fixtures, errors } = loadFixtures(folder.fixturesDir);

      it('fixture files load', () => {
        assert.deepEqual(errors.map((e) => `${e.file}: ${e.message}`), []);
        assert.ok(fixtures.length > 0, `no fixtures in ${folder.fixturesDir}`);
      });

      describe('fixtures', () => {
        for (const fixture of fixtures) {
          it(fixture.name, async () => {
            assert.ok(compiled, 'the rule set does not compile (see the validation test)');
            const outcome = await runFixture(compiled, fixture, COMPACT_FHIR_CONVERTER);
            assert.ok(outcome.passed, `\n${formatOutcome(outcome)}`);
          });
        }
      });

      it('every rule has a firing fixture and a not-firing near miss', async () => {
        assert.ok(compiled, 'the rule set does not compile (see the validation test)');
        const report = computeCoverage(compiled.ruleSet.rules, await runFixtures(compiled, fixtures, COMPACT_FHIR_CONVERTER));
        assert.ok(report.complete, `\n${formatCoverage(report)}`);
      });
    });
  }
});
