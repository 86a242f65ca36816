/**
 * Bad rule-set files (fast-check, fixed seeds): arbitrary JSON, mutations of the shipped ketamine rule
 * set at random places, and broken JSON text. engine/validate-rule-set.ts validateRuleSet and
 * engine/load-rule-set.ts never throw; they return problems, each with the file, a JSON Pointer whose
 * parent exists in the document (so an author can find the place) and a message. A mutant without
 * problems compiles (compileRuleSet) and evaluates a fixture request without failing.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { compileRuleSet } from '../../engine/compile-rule-set.js';
import { loadRuleSetText } from '../../engine/rule-set-text.js';
import { loadRuleSetFile } from '../../use-cases/load-rule-set-file.js';
import type { RuleSetProblem } from '../../engine/rule-set-problem.js';
import type { RuleSet } from '../../engine/rule-set-types.js';
import { validateRuleSet } from '../../engine/validate-rule-set.js';
import { applyMutations, edgeKey, edgeString, FUZZ_SEED, hostileValue, mutation } from './support/arbitraries.js';
import { pointerParentExists } from './support/clear-answers.js';
import { KETAMINE_RULE_SET_FILE, ketamineFixtures } from '../../scripts/reliability/lib/ketamine-requests.js';
import { fixtureToPatientRecord } from '../../use-cases/fixture-converter.js';

const FILE = 'fuzzed-rule-set.json';

function assertProblemsNamePlaces(problems: RuleSetProblem[], document: unknown, what: string): void {
  assert.ok(Array.isArray(problems), `${what}: problems must be an array`);
  for (const problem of problems) {
    assert.equal(problem.file, FILE, what);
    assert.equal(typeof problem.pointer, 'string', what);
    assert.ok(problem.pointer === '' || problem.pointer.startsWith('/'), `${what}: pointer ${JSON.stringify(problem.pointer)}`);
    assert.ok(typeof problem.message === 'string' && problem.message.length > 0, `${what}: empty message`);
    if (document !== undefined) {
      assert.ok(pointerParentExists(document, problem.pointer), `${what}: pointer ${JSON.stringify(problem.pointer)} (${problem.message}) does not point into the document`);
    }
  }
}

/** Values an author might plausibly write by mistake, besides hostile ones. */
const authorMistake: fc.Arbitrary<unknown> = fc.oneof(
  hostileValue,
  fc.constantFrom('unknown-value-set', 'unknown-fact', 'param:missing', '{{context.nope}}', 'Condition?patient={{context.patientId}}', -1, 0, 1.5, 141, '2026-02-30', ''),
  fc.record({ fact: fc.constantFrom('bp', 'nope', 'patient'), operator: fc.constantFrom('equal', 'greaterThan', 'nope', 'inValueSet'), value: hostileValue }),
  fc.record({ all: fc.array(fc.record({ fact: edgeString, operator: edgeString, value: hostileValue }), { maxLength: 2 }) }),
  fc.record({ param: fc.constantFrom('olderAdultAge', 'nope', '') }),
);

describe('fuzzing rule-set files (seeded: never a throw, every problem names its place)', function () {
  this.timeout(120_000);
  const text = readFileSync(KETAMINE_RULE_SET_FILE, 'utf8');
  const original = JSON.parse(text) as RuleSet;

  it('validateRuleSet on arbitrary JSON values: problems with pointers, never a throw (300 runs)', () => {
    fc.assert(
      fc.property(fc.oneof(hostileValue, fc.dictionary(edgeKey, hostileValue)), (value) => {
        let problems: RuleSetProblem[] = [];
        assert.doesNotThrow(() => (problems = validateRuleSet(value, { file: FILE })));
        assert.ok(problems.length > 0, 'arbitrary JSON is not a valid rule set');
        assertProblemsNamePlaces(problems, value, JSON.stringify(value).slice(0, 200));
      }),
      { seed: FUZZ_SEED + 10, numRuns: 300 },
    );
  });

  it('mutations of the shipped rule set: problems point into the document; a mutant without problems compiles and evaluates (150 runs)', async () => {
    const fixture = ketamineFixtures().find((f) => f.hook === 'order-sign')!;
    let valid = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(mutation(authorMistake), { minLength: 1, maxLength: 3 }), async (mutations) => {
        const mutant = applyMutations(original, mutations);
        const what = JSON.stringify(mutations).slice(0, 300);
        let problems: RuleSetProblem[] = [];
        assert.doesNotThrow(() => (problems = validateRuleSet(mutant, { file: FILE })), what);
        assertProblemsNamePlaces(problems, mutant, what);
        if (problems.length > 0) return;
        valid += 1;
        const compiled = compileRuleSet(mutant as RuleSet, { file: FILE });
        const service = compiled.services.find((s) => s.hook === fixture.hook);
        if (service === undefined) return;
        await compiled.evaluate({ hook: fixture.hook, context: {}, record: fixtureToPatientRecord(fixture, fixture.hook), now: new Date(fixture.now), idSeed: 'fuzz' } as never);
      }),
      { seed: FUZZ_SEED + 11, numRuns: 150 },
    );
    assert.ok(valid > 0, 'some mutants (e.g. of descriptions) are still valid and were compiled');
  });

  it('broken JSON text (cut short, a character changed, a duplicated member): problems with line and column, never a throw (300 runs)', () => {
    const edit = fc.oneof(
      fc.nat().map((at) => (t: string) => t.slice(0, at % t.length)),
      fc.tuple(fc.nat(), fc.constantFrom('{', '}', '[', ']', ',', ':', '"', '\\', '\u0000', '\ud800', 'x')).map(([at, c]) => (t: string) => t.slice(0, at % t.length) + c + t.slice((at % t.length) + 1)),
      fc.nat().map((at) => (t: string) => {
        // Duplicate one "key": value line (a duplicated member silently loses the first in JSON.parse).
        const lines = t.split('\n');
        const i = at % lines.length;
        return /^\s*"[^"]+":\s*("[^"]*"|\d+|true|false),?$/.test(lines[i]) ? [...lines.slice(0, i + 1), lines[i].replace(/,?$/, ','), ...lines.slice(i + 1)].join('\n') : t;
      }),
    );
    fc.assert(
      fc.property(edit, (change) => {
        const broken = change(text);
        let loaded: ReturnType<typeof loadRuleSetText> = { problems: [] };
        assert.doesNotThrow(() => (loaded = loadRuleSetText(broken, FILE)));
        if (broken === text) return;
        assertProblemsNamePlaces(loaded.problems, undefined, 'broken text');
        if (loaded.ruleSet === undefined) {
          assert.ok(loaded.problems.length > 0, 'no rule set and no problem');
          const syntax = loaded.problems.find((p) => p.message.startsWith('JSON syntax error'));
          if (syntax) assert.match(syntax.message, /line \d+, column \d+/);
        }
      }),
      { seed: FUZZ_SEED + 12, numRuns: 300 },
    );
  });

  // Found by this suite: parseJsonText is recursive and used to overflow the stack; it now refuses
  // nesting deeper than MAX_JSON_NESTING with a problem.
  it('a file nested 100 000 deep: a problem naming the depth, never a throw', () => {
    for (const deep of ['['.repeat(100_000), `{"a":${'['.repeat(100_000)}${']'.repeat(100_000)}}`]) {
      let loaded: ReturnType<typeof loadRuleSetText> = { problems: [] };
      assert.doesNotThrow(() => (loaded = loadRuleSetText(deep, FILE)));
      assert.ok(loaded.problems.some((p) => /nested deeper than/.test(p.message)), JSON.stringify(loaded.problems));
    }
  });

  it('files that are not rule sets: missing, a directory, binary, empty, UTF-16: one problem naming the file, never a throw', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cds-rule-set-fuzz-'));
    try {
      const files: Record<string, Buffer | undefined> = {
        'binary.json': Buffer.from([0, 1, 2, 0xff, 0xfe, 0x80]),
        'empty.json': Buffer.alloc(0),
        'utf16.json': Buffer.from(`\ufeff${text.slice(0, 200)}`, 'utf16le'),
        'array.json': Buffer.from('[]'),
      };
      for (const [name, bytes] of Object.entries(files)) if (bytes) writeFileSync(join(dir, name), bytes);
      for (const path of [join(dir, 'missing.json'), dir, ...Object.keys(files).map((n) => join(dir, n))]) {
        const loaded = loadRuleSetFile(path);
        assert.equal(loaded.ruleSet, undefined, path);
        assert.ok(loaded.problems.length > 0, path);
        assert.ok(loaded.problems.every((p) => p.file === path && p.message.length > 0), path);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
