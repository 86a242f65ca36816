import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseJsonText } from '../../lib/json-text.js';
import { loadRuleSetFile } from '../../use-cases/load-rule-set-file.js';
import { TEST_FACT_KINDS } from '../engine/support/test-fact-kinds.js';
import { testRuleSet } from '../engine/support/test-rule-set.js';

describe('JSON text reading', () => {
  it('parses valid JSON like JSON.parse', () => {
    const text = '{"a": [1, 2.5e3, -0.5, true, false, null, "x\\u00e9\\n"], "b": {}}';
    const r = parseJsonText(text);
    assert.ok(r.ok);
    assert.deepEqual(r.value, JSON.parse(text));
    assert.deepEqual(r.duplicates, []);
  });

  it('reports syntax errors with line and column', () => {
    const r = parseJsonText('{\n  "a": 1,\n  "b": 2,\n}');
    assert.equal(r.ok, false);
    assert.deepEqual(r.ok ? undefined : r.error, { message: 'trailing comma before "}"', line: 4, column: 1 });
    const r2 = parseJsonText('{\n  "a": 1\n  "b": 2\n}');
    assert.equal(r2.ok, false);
    if (!r2.ok) {
      assert.equal(r2.error.line, 3);
      assert.equal(r2.error.column, 3);
      assert.match(r2.error.message, /expected "," or "}" after the value of "a"/);
    }
    const r3 = parseJsonText("{'a': 1}");
    assert.equal(r3.ok, false);
  });

  it('detects duplicate keys at any depth with pointer and position', () => {
    const r = parseJsonText('{"rules": [{"id": "a", "id": "b"}], "x": 1, "x": 2}');
    assert.ok(r.ok);
    assert.deepEqual(
      r.duplicates.map((d) => [d.pointer, d.key, d.line, d.column]),
      [
        ['/rules/0/id', 'id', 1, 24],
        ['/x', 'x', 1, 45],
      ],
    );
  });
});

describe('loadRuleSetFile', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rule-set-load-'));

  it('returns the rule set when valid', () => {
    const file = join(dir, 'ok.json');
    writeFileSync(file, JSON.stringify(testRuleSet(), null, 2));
    const loaded = loadRuleSetFile(file, { factKinds: TEST_FACT_KINDS });
    assert.deepEqual(loaded.problems, []);
    assert.equal(loaded.ruleSet?.id, 'engine-test');
  });

  it('reports JSON syntax errors with line/column and no rule set', () => {
    const file = join(dir, 'syntax.json');
    writeFileSync(file, '{\n  "id": "x",\n  "version": 1.0.0\n}');
    const loaded = loadRuleSetFile(file, { factKinds: TEST_FACT_KINDS });
    assert.equal(loaded.ruleSet, undefined);
    assert.equal(loaded.problems.length, 1);
    assert.equal(loaded.problems[0].file, file);
    assert.match(loaded.problems[0].message, /^JSON syntax error at line 3, column 17: /);
  });

  it('reports duplicate keys as problems with their pointer', () => {
    const file = join(dir, 'dup.json');
    const text = JSON.stringify(testRuleSet(), null, 2).replace('"title": "Engine test rule set",', '"title": "Engine test rule set",\n  "title": "Again",');
    writeFileSync(file, text);
    const loaded = loadRuleSetFile(file, { factKinds: TEST_FACT_KINDS });
    assert.equal(loaded.ruleSet, undefined);
    const dup = loaded.problems.find((p) => p.pointer === '/title');
    assert.ok(dup, JSON.stringify(loaded.problems));
    assert.match(dup.message, /duplicate key "title" \(line \d+, column 3\)/);
  });

  it('reports a missing file clearly', () => {
    const loaded = loadRuleSetFile(join(dir, 'missing.json'), { factKinds: TEST_FACT_KINDS });
    assert.deepEqual(loaded.problems.map((p) => p.message), ['cannot read rule set: file not found']);
  });
});
