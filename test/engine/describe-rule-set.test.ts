/**
 * A whole version, readable (engine/describe): every rule of every bundled rule-set version is
 * described under its id with when it fires in words, its thresholds with values and units, its card
 * and citations with certainty, and nothing in the text is raw JSON; the diff shows changed conditions
 * in the same words, and a first version compared with nothing lists every rule with its conditions.
 */
import assert from 'node:assert/strict';
import { describeRuleSet } from '../../engine/describe/describe-rule-set.js';
import { renderDescriptionText } from '../../engine/describe/render-description-text.js';
import { conditionText } from '../../engine/describe/describe-condition.js';
import { diffRuleSets, emptyBase } from '../../engine/diff/diff-rule-sets.js';
import { renderDiffText } from '../../engine/diff/render-diff-text.js';
import { loadRuleSetFile } from '../../use-cases/load-rule-set-file.js';
import { findRuleSetFiles } from '../../use-cases/rule-set-files.js';
import type { RuleSet } from '../../engine/rule-set-types.js';
import { RULES_DIR } from '../../server/bundled-rule-sets.js';

/** What raw JSON looks like in text: a quoted key, an object or array of quoted values, condition keywords. */
const RAW_JSON = /"[A-Za-z$][\w$-]*"\s*:|\{\s*"|\[\s*"|"(fact|operator|param|path|all|any|not)"/;
const OPERATOR_NAMES = /\b(greaterThanInclusive|lessThanInclusive|greaterThan|lessThan|notEqual|notIn|doesNotContain|inValueSet|withinDays|olderThanDays)\b/;

function bundled(): { file: string; ruleSet: RuleSet }[] {
  return findRuleSetFiles(RULES_DIR).map((file) => {
    const loaded = loadRuleSetFile(file);
    assert.ok(loaded.ruleSet, `${file} loads`);
    return { file, ruleSet: loaded.ruleSet };
  });
}

describe('describe: a whole rule-set version in plain language', () => {
  for (const { file, ruleSet } of bundled()) {
    it(`covers every rule of ${ruleSet.id} ${ruleSet.version} (${file.slice(file.indexOf('rules/'))}) without raw JSON`, () => {
      const description = describeRuleSet(ruleSet);
      const rules = description.sections.find((s) => s.title.startsWith('Rules'));
      assert.deepEqual(rules?.entries.map((e) => e.id), ruleSet.rules.map((r) => r.id));
      for (const entry of rules!.entries) {
        const rule = ruleSet.rules.find((r) => r.id === entry.id)!;
        const text = entry.lines.map((l) => l.text).join('\n');
        assert.match(text, /^When it fires:$/m, `${rule.id}: when it fires`);
        assert.ok(text.includes(`Summary: ${rule.card.summary}`), `${rule.id}: the card`);
        assert.match(text, new RegExp(`Card \\(${rule.card.indicator}\\)`), `${rule.id}: the indicator`);
        for (const id of rule.citations) assert.match(text, new RegExp(`^${id} \\[[SJU]\\] `, 'm'), `${rule.id}: citation ${id} with its certainty`);
      }
      const full = renderDescriptionText(description);
      // Card templates are text the clinician reads; the rest must not be JSON.
      const withoutCardText = full
        .split('\n')
        .filter((line) => !ruleSet.rules.some((r) => line.includes(r.card.summary) || r.card.detail.split(/\n\s*\n/).some((p) => p.trim() !== '' && line.includes(p.replace(/\s*\n\s*/g, ' ').slice(0, 60)))))
        .join('\n');
      assert.doesNotMatch(withoutCardText, RAW_JSON);
      assert.doesNotMatch(withoutCardText, OPERATOR_NAMES);
      for (const name of Object.keys(ruleSet.parameters)) assert.match(full, new RegExp(`^  ${name}: `, 'm'), `parameter ${name} listed`);
      for (const id of Object.keys(ruleSet.valueSets)) assert.match(full, new RegExp(`^  ${id}: `, 'm'), `value set ${id} listed`);
    });
  }

  it('writes a threshold with its value, unit and parameter, and a boolean flag as present/absent', () => {
    const ruleSet = bundled().find((b) => !b.file.includes('/versions/'))!.ruleSet;
    const rule = ruleSet.rules.find((r) => JSON.stringify(r.conditions).includes('"bp-systolic-stop"'))!;
    const text = conditionText(rule.conditions, ruleSet).join('\n');
    assert.match(text, /bp's systolic is at least 180 mmHg \(parameter bp-systolic-stop\)/);
    assert.match(text, /^  bp is present$/m);
  });

  it('a diff shows changed conditions in words, and a first version compared with nothing lists every rule', () => {
    const versions = bundled().map((b) => b.ruleSet);
    const main = versions.find((r) => r.version === versions.map((v) => v.version).sort().at(-1))!;
    const from = structuredClone(main);
    from.version = '0.9.0';
    const rule = from.rules.find((r) => JSON.stringify(r.conditions).includes('"bp-systolic-stop"'))!;
    rule.conditions = { all: [{ fact: 'bp', path: '$.present', operator: 'equal', value: true }] };
    const text = renderDiffText(diffRuleSets(from, main));
    assert.match(text, /conditions before:\n\s+all of these hold:\n\s+bp is present\n\s+conditions after:/);
    assert.match(text, /bp's systolic is at least 180 mmHg \(parameter bp-systolic-stop\)/);
    assert.doesNotMatch(text.split('\n').filter((l) => /conditions|hold|is /.test(l)).join('\n'), RAW_JSON);

    const first = renderDiffText(diffRuleSets(emptyBase(main), main));
    assert.match(first, new RegExp(`Rule set ${main.id}: none -> ${main.version}`));
    for (const r of main.rules) assert.ok(first.includes(`+ ${r.id} ${r.title}`), `${r.id} listed as added`);
    assert.equal((first.match(/fires when /g) ?? []).length, main.rules.length, 'each added rule says when it fires');
  });
});
