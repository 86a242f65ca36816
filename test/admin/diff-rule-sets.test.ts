/**
 * The semantic diff finds exactly the changes made to a real rule set: a threshold change (and the
 * rules that read it), codes added and removed in a value set (and the rules that read it), a rule
 * added, a card indicator changed; formatting and key order are never changes.
 */
import assert from 'node:assert/strict';
import { unitWords } from '../../engine/describe/describe-condition.js';
import { join } from 'node:path';
import { diffRuleSets } from '../../engine/diff/diff-rule-sets.js';
import { renderDiffMarkdown } from '../../engine/diff/render-diff-markdown.js';
import { renderDiffText } from '../../engine/diff/render-diff-text.js';
import { ruleReferences } from '../../engine/diff/rule-references.js';
import type { Rule, RuleSet } from '../../engine/rule-set-types.js';
import { KETAMINE_DIR, readRuleSet, sampleRuleSet } from './support/admin-harness.js';

/** A numeric parameter that some rule reads, and the rules that read it. */
function thresholdReadByRules(ruleSet: RuleSet): { name: string; readers: string[] } {
  for (const [name, parameter] of Object.entries(ruleSet.parameters)) {
    if (typeof parameter.value !== 'number') continue;
    const readers = ruleSet.rules.filter((r) => ruleReferences(r, ruleSet).parameters.has(name)).map((r) => r.id);
    if (readers.length > 0) return { name, readers };
  }
  throw new Error('the sample rule set has no numeric parameter read by a rule');
}

/** A value set with exact codes that some rule reads through its facts. */
function valueSetReadByRules(ruleSet: RuleSet): { id: string; readers: string[] } {
  for (const [id, valueSet] of Object.entries(ruleSet.valueSets)) {
    if (!valueSet.include.some((i) => (i.codes ?? []).length > 0)) continue;
    const readers = ruleSet.rules.filter((r) => ruleReferences(r, ruleSet).valueSets.has(id)).map((r) => r.id);
    if (readers.length > 0) return { id, readers };
  }
  throw new Error('the sample rule set has no value set with codes read by a rule');
}

/** The same document with every object's keys in reverse order. */
function reverseKeys<T>(value: T): T {
  if (Array.isArray(value)) return value.map(reverseKeys) as T;
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value as Record<string, unknown>).reverse().map(([k, v]) => [k, reverseKeys(v)])) as T;
}

describe('diffRuleSets', () => {
  const base = sampleRuleSet();

  it('finds nothing between a rule set and itself with keys reordered', () => {
    const diff = diffRuleSets(base, reverseKeys(structuredClone(base)));
    assert.equal(diff.sameClinicalContent, true);
    assert.deepEqual(diff.metadata, []);
    assert.match(renderDiffText(diff), /No differences\./);
  });

  it('finds a threshold change, and every rule that reads the threshold', () => {
    const { name, readers } = thresholdReadByRules(base);
    const next = structuredClone(base);
    next.version = '9.9.9';
    const before = base.parameters[name].value as number;
    next.parameters[name].value = before + 5;
    const diff = diffRuleSets(base, next);

    assert.equal(diff.sameClinicalContent, false);
    assert.deepEqual(diff.parameters.added, []);
    assert.deepEqual(diff.parameters.removed, []);
    assert.equal(diff.parameters.changed.length, 1);
    const change = diff.parameters.changed[0];
    assert.equal(change.name, name);
    assert.equal(change.from.value, before);
    assert.equal(change.to.value, before + 5);
    assert.deepEqual(change.fields.map((f) => f.field), ['value']);

    assert.deepEqual(diff.rules.changed.map((r) => r.ruleId).sort(), [...readers].sort());
    for (const rule of diff.rules.changed) {
      assert.deepEqual(rule.aspects, ['thresholds']);
      assert.equal(rule.thresholds[0].name, name);
      assert.deepEqual(rule.fields, [], 'the rule JSON itself did not change');
    }
    const text = renderDiffText(diff);
    // Units in words (engine/describe/describe-condition.ts unitWords): "d" reads "days", "mm[Hg]" "mmHg".
    assert.ok(text.includes(`${name}: ${before}${change.from.unit ? ` ${unitWords(change.from.unit)}` : ''} -> ${before + 5}`), text);
    assert.match(text, /Rule set .*: 1\.\d+\.\d+ -> 9\.9\.9/);
  });

  it('finds codes added and removed per value set and system, and the rules that read them', () => {
    const { id, readers } = valueSetReadByRules(base);
    const next = structuredClone(base);
    const include = next.valueSets[id].include.find((i) => (i.codes ?? []).length > 0)!;
    const removed = include.codes![0];
    include.codes = [...include.codes!.slice(1), { code: 'TEST-NEW-1', display: 'A code added by the test' }];
    const diff = diffRuleSets(base, next);

    assert.equal(diff.valueSets.changed.length, 1);
    const vs = diff.valueSets.changed[0];
    assert.equal(vs.valueSetId, id);
    assert.equal(vs.systems.length, 1);
    assert.equal(vs.systems[0].system, include.system);
    assert.deepEqual(vs.systems[0].codesAdded, [{ code: 'TEST-NEW-1', display: 'A code added by the test' }]);
    assert.deepEqual(vs.systems[0].codesRemoved.map((c) => c.code), [removed.code]);
    assert.deepEqual(vs.systems[0].prefixesAdded, []);

    for (const ruleId of readers) {
      const rule = diff.rules.changed.find((r) => r.ruleId === ruleId);
      assert.ok(rule, `rule ${ruleId} reads ${id} and must be reported`);
      assert.ok(rule.aspects.includes('codes'));
      assert.deepEqual(rule.valueSets, [id]);
    }
    const markdown = renderDiffMarkdown(diff);
    assert.ok(markdown.includes('`TEST-NEW-1`'), markdown);
    assert.ok(markdown.includes(`- code \`${removed.code}\``), markdown);
  });

  it('finds a rule added, and a card indicator and summary changed', () => {
    const next = structuredClone(base);
    const template = next.rules[0];
    const added: Rule = { ...structuredClone(template), id: 'test-added-rule', title: 'A rule added by the test' };
    next.rules.push(added);
    const changedRule = next.rules[1] ?? next.rules[0];
    const newIndicator = changedRule.card.indicator === 'critical' ? 'info' : 'critical';
    const oldIndicator = changedRule.card.indicator;
    changedRule.card.indicator = newIndicator;
    changedRule.card.summary = `${changedRule.card.summary} (edited)`;
    const diff = diffRuleSets(base, next);

    assert.deepEqual(diff.rules.added.map((r) => r.key), ['test-added-rule']);
    assert.deepEqual(diff.rules.removed, []);
    const change = diff.rules.changed.find((r) => r.ruleId === changedRule.id);
    assert.ok(change);
    assert.deepEqual(change.aspects, ['card-text', 'indicator']);
    assert.deepEqual(change.fields.find((f) => f.field === 'card.indicator'), { field: 'card.indicator', from: oldIndicator, to: newIndicator });

    const removedDiff = diffRuleSets(next, base);
    assert.deepEqual(removedDiff.rules.removed.map((r) => r.key), ['test-added-rule']);
    assert.match(renderDiffText(diff), /\+ test-added-rule A rule added by the test/);
  });

  it('finds evidence, schedule, service and citation changes', () => {
    const next = structuredClone(base);
    next.citations['test-citation'] = { source: 'A source added by the test', certainty: 'unverified' };
    const service = next.services[0];
    service.prefetch = { ...service.prefetch, testKey: 'Observation?patient={{context.patientId}}' };
    const diff = diffRuleSets(base, next);
    assert.deepEqual(diff.citations.added, [{ key: 'test-citation', title: 'A source added by the test' }]);
    assert.deepEqual(diff.services.changed.map((s) => [s.key, s.prefetchAdded]), [[service.id, ['testKey']]]);
    if (base.evidence !== undefined && base.evidence.indications.length > 0) {
      const withEvidence = structuredClone(base);
      const indication = withEvidence.evidence!.indications[0];
      const product = Object.keys(indication.baseScore)[0];
      indication.baseScore[product] += 1;
      const evidenceDiff = diffRuleSets(base, withEvidence);
      assert.deepEqual(evidenceDiff.evidence.baseScores, [
        { indicationId: indication.id, productId: product, from: indication.baseScore[product] - 1, to: indication.baseScore[product] },
      ]);
    }
  });

  it('diffs the shipped ketamine rule set 1.0.0 -> 1.1.0 (readable text and markdown)', () => {
    const from = readRuleSet(join(KETAMINE_DIR, 'versions', '1.0.0.json'));
    const to = readRuleSet(join(KETAMINE_DIR, 'versions', '1.1.0.json'));
    const diff = diffRuleSets(from, to);
    const fromIds = new Set(from.rules.map((r) => r.id));
    const toIds = new Set(to.rules.map((r) => r.id));
    assert.deepEqual(diff.rules.added.map((r) => r.key).sort(), [...toIds].filter((id) => !fromIds.has(id)).sort());
    assert.deepEqual(diff.rules.removed.map((r) => r.key).sort(), [...fromIds].filter((id) => !toIds.has(id)).sort());
    assert.equal(diff.from.version, '1.0.0');
    assert.equal(diff.to.version, '1.1.0');
    assert.equal(diff.sameClinicalContent, false);
    const text = renderDiffText(diff);
    assert.match(text, /^Rule set ketamine-esketamine: 1\.0\.0 -> 1\.1\.0$/m);
    for (const rule of diff.rules.added) assert.ok(text.includes(`+ ${rule.key} ${rule.title}`), rule.key);
    assert.match(renderDiffMarkdown(diff), /^# Rule set ketamine-esketamine: 1\.0\.0 -> 1\.1\.0$/m);
  });

  it('diffs the shipped 1.1.0 -> 1.2.0: it reads as the review findings (issue 14)', () => {
    const from = readRuleSet(join(KETAMINE_DIR, 'versions', '1.1.0.json'));
    const to = readRuleSet(join(KETAMINE_DIR, 'versions', '1.2.0.json'));
    assert.equal(to.version, '1.2.0');
    const diff = diffRuleSets(from, to);
    const text = renderDiffText(diff);
    assert.match(text, /^Rule set ketamine-esketamine: 1\.1\.0 -> 1\.2\.0$/m);
    for (const finding of ['(1) acute suicidal ideation', '(2) a current manic', '(3) IV ketamine under 18', '(4) alcoholic and other cirrhosis', '(5) a substance use disorder in remission', '(6) schedule arithmetic in calendar days', '(7) IV ketamine is never overdue', '(8) the end-of-induction checkpoint', '(9) SI, mental-health engagement', '(10) less noise']) {
      assert.ok(text.includes(finding), finding);
    }
    const added = diff.rules.added.map((r) => r.key);
    for (const id of ['current-mania-or-hypomania', 'ketamine-iv-under-18', 'caution-hepatic-impairment', 'esketamine-ordered-frequency-above-label', 'ketamine-iv-dose-unweighed-high', 'bp-diastolic-above-stop-threshold']) {
      assert.ok(added.includes(id), id);
    }
    assert.deepEqual(diff.rules.removed.map((r) => r.key), ['relative-cautions']);
    const changed = diff.rules.changed.map((r) => r.ruleId);
    for (const id of ['mdsi-label-limitations', 'ketamine-iv-si-short-term', 'esketamine-first-dose-adult', 'induction-checkpoint-no-response', 'esketamine-rems-monitoring', 'past-duration-of-response', 'ketamine-use-disorder']) {
      assert.ok(changed.includes(id), id);
    }
  });

  it('lists the concerns 1.1.0 declares, and the rules whose concern now merges or who gained a label', () => {
    const from = readRuleSet(join(KETAMINE_DIR, 'versions', '1.0.0.json'));
    const to = readRuleSet(join(KETAMINE_DIR, 'versions', '1.1.0.json'));
    assert.equal(from.concerns, undefined, '1.0.0 declares no concerns');
    const declared = Object.keys(to.concerns ?? {}).sort();
    assert.ok(declared.includes('pre-session'), declared.join(', '));
    const diff = diffRuleSets(from, to);

    assert.deepEqual(diff.concerns.added.map((c) => c.key), declared);
    assert.deepEqual(diff.concerns.removed, []);
    assert.deepEqual(diff.concerns.changed, []);
    for (const added of diff.concerns.added) {
      const concern = to.concerns![added.key];
      assert.equal(added.title, concern.title);
      assert.equal(added.mode, concern.mode);
      assert.equal(added.mergedSummary, concern.mergedSummary);
      assert.equal(added.usedUndeclared, from.rules.some((r) => r.concern === added.key), `${added.key}: used undeclared in 1.0.0`);
    }
    assert.ok(diff.concerns.added.some((c) => c.usedUndeclared), 'a concern 1.0.0 rules used without declaring it');

    // Every rule of both versions whose concern ranked in 1.0.0 and merges in 1.1.0 is reported with aspect "merging".
    const merging = (r: Rule) => to.concerns?.[r.concern]?.mode === 'merge';
    const expectedMerging = to.rules.filter((r) => merging(r) && from.rules.some((b) => b.id === r.id)).map((r) => r.id).sort();
    assert.ok(expectedMerging.length > 0);
    assert.deepEqual(diff.rules.changed.filter((r) => r.aspects.includes('merging')).map((r) => r.ruleId).sort(), expectedMerging);
    const checkpoint = diff.rules.changed.find((r) => r.ruleId === expectedMerging.find((id) => to.rules.find((r) => r.id === id)!.concern === 'induction-checkpoint'));
    assert.ok(checkpoint, 'an induction-checkpoint rule of both versions');
    const concern = to.concerns!['induction-checkpoint'];
    assert.deepEqual(checkpoint.concernSettings, [
      { field: 'mode', from: 'rank', to: 'merge' },
      { field: 'mergedSummary', to: concern.mergedSummary },
      ...(concern.mergedIndicator === undefined || concern.mergedIndicator === 'highest' ? [] : [{ field: 'mergedIndicator', to: concern.mergedIndicator }]),
    ]);
    const labelled = to.rules.find((r) => r.card.label !== undefined && from.rules.some((b) => b.id === r.id && b.card.label === undefined));
    assert.ok(labelled);
    const labelChange = diff.rules.changed.find((r) => r.ruleId === labelled.id)!;
    assert.ok(labelChange.aspects.includes('card-text'));
    assert.deepEqual(labelChange.fields.find((f) => f.field === 'card.label'), { field: 'card.label', to: labelled.card.label });

    const text = renderDiffText(diff);
    assert.match(text, new RegExp(`concerns: ${declared.length} added`));
    const section = text.slice(text.indexOf('\nConcerns (how fired rules become cards)\n'));
    assert.ok(section.length > 0, text);
    for (const added of diff.concerns.added) {
      assert.ok(section.includes(`  + concern ${added.key} ${added.title} (merge: summary ${JSON.stringify(added.mergedSummary)})`), `${added.key} listed:\n${section.slice(0, 800)}`);
    }
    assert.match(section, /\+ concern induction-checkpoint .*\n {6}its rules ranked in 1\.0\.0, where the concern was not declared/);
    assert.ok(text.includes(`card.label: (none) -> ${JSON.stringify(labelled.card.label)}`));
    assert.match(text, /\n {6}concern mode: "rank" -> "merge"\n/);
    const markdown = renderDiffMarkdown(diff);
    assert.match(markdown, /^## Concerns \(how fired rules become cards\)$/m);
    assert.ok(markdown.includes('- **added** concern `pre-session` Before the session (merge: summary `"Before the session: {{items}}"`)'), markdown);
  });

  it('finds a concern whose mode, merged summary or indicator changed, one removed, and a label changed', () => {
    const base = readRuleSet(join(KETAMINE_DIR, 'rule-set.json'));
    const [mergeId] = Object.entries(base.concerns ?? {}).find(([, c]) => c.mode === 'merge')!;
    const rulesOfConcern = base.rules.filter((r) => r.concern === mergeId).map((r) => r.id).sort();

    const summaryOnly = structuredClone(base);
    summaryOnly.concerns![mergeId].mergedSummary = `${base.concerns![mergeId].mergedSummary} ({{count}})`;
    summaryOnly.concerns![mergeId].mergedIndicator = 'warning';
    let diff = diffRuleSets(base, summaryOnly);
    assert.equal(diff.sameClinicalContent, false);
    assert.deepEqual(diff.concerns.changed.map((c) => [c.key, c.fields.map((f) => f.field)]), [[mergeId, ['mergedSummary', 'mergedIndicator']]]);
    assert.deepEqual(diff.rules.changed.map((r) => r.ruleId).sort(), rulesOfConcern, 'every rule of the concern: its merged card changes');
    for (const r of diff.rules.changed) {
      assert.deepEqual(r.aspects, ['merging']);
      assert.deepEqual(r.fields, []);
      assert.deepEqual(r.concernSettings.map((f) => f.field), ['mergedSummary', 'mergedIndicator']);
    }
    assert.match(renderDiffText(diff), new RegExp(`~ concern ${mergeId} .*\\n {6}mergedSummary: .* -> .*\\(\\{\\{count\\}\\}\\)"\\n {6}mergedIndicator: \\(none\\) -> "warning"`));

    const explicitDefault = structuredClone(base);
    explicitDefault.concerns![mergeId].mergedIndicator = 'highest';
    diff = diffRuleSets(base, explicitDefault);
    assert.deepEqual(diff.concerns.changed.map((c) => c.key), [mergeId], 'the declaration changed');
    assert.deepEqual(diff.rules.changed, [], 'but no card changes: "highest" is the default');

    const ranked = structuredClone(base);
    ranked.concerns![mergeId] = { title: base.concerns![mergeId].title, mode: 'rank' };
    diff = diffRuleSets(base, ranked);
    assert.deepEqual(diff.concerns.changed[0].fields.map((f) => f.field), ['description', 'mode', 'mergedSummary'].filter((f) => f !== 'description' || base.concerns![mergeId].description !== undefined));
    assert.deepEqual(diff.rules.changed.find((r) => r.ruleId === rulesOfConcern[0])?.concernSettings[0], { field: 'mode', from: 'merge', to: 'rank' });

    const removed = structuredClone(base);
    delete removed.concerns![mergeId];
    diff = diffRuleSets(base, removed);
    assert.deepEqual(diff.concerns.removed.map((c) => [c.key, c.mode, c.usedUndeclared]), [[mergeId, 'merge', true]]);
    assert.match(renderDiffText(diff), new RegExp(`- concern ${mergeId} .*\\n {6}its rules rank in ${base.version}, where the concern is not declared`));

    const relabelled = structuredClone(base);
    const rule = relabelled.rules.find((r) => r.card.label !== undefined)!;
    const oldLabel = rule.card.label;
    rule.card.label = 'a new label';
    diff = diffRuleSets(base, relabelled);
    assert.deepEqual(diff.rules.changed.map((r) => [r.ruleId, r.aspects, r.fields]), [[rule.id, ['card-text'], [{ field: 'card.label', from: oldLabel, to: 'a new label' }]]]);
    assert.deepEqual(diff.concerns, { added: [], removed: [], changed: [] });
  });
});
