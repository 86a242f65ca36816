/**
 * What a rule reads, by name: the facts its conditions and card template use, and — through those
 * facts' declarations — the parameters (thresholds) and value sets (codes) behind them. The diff uses
 * this to tell a reviewer that a rule changed even when the rule's own JSON did not (its threshold
 * parameter or its value set did).
 *
 * A declaration refers to another part of the rule set by naming its key: {"param": "<name>"} for a
 * parameter; a string equal to a value-set, product, schedule or fact key for those. Following every
 * such string can over-report (a description that happens to equal a key), never under-report.
 */
import type { Rule, RuleSet } from '../rule-set-types.js';

export interface RuleReferences {
  facts: Set<string>;
  parameters: Set<string>;
  valueSets: Set<string>;
}

/** {{name.path}} variables in a card template: the first segment is a fact name. */
const TEMPLATE_VARIABLE = /\{\{\s*([A-Za-z0-9_$-]+)/g;

export function ruleReferences(rule: Rule, ruleSet: RuleSet): RuleReferences {
  const refs: RuleReferences = { facts: new Set(), parameters: new Set(), valueSets: new Set() };
  collectConditionReferences(rule.conditions, refs);
  for (const text of cardTemplateStrings(rule)) {
    for (const match of text.matchAll(TEMPLATE_VARIABLE)) {
      if (match[1] in ruleSet.facts) refs.facts.add(match[1]);
    }
  }
  const pending = [...refs.facts];
  while (pending.length > 0) {
    const factName = pending.pop() as string;
    const declaration = ruleSet.facts[factName];
    if (declaration === undefined) continue;
    collectDeclarationReferences(declaration, ruleSet, refs, (name) => {
      if (!refs.facts.has(name)) {
        refs.facts.add(name);
        pending.push(name);
      }
    });
  }
  return refs;
}

/** Parameter names and fact names a condition tree reads ({"fact": …} and {"param": …} anywhere). */
function collectConditionReferences(node: unknown, refs: RuleReferences): void {
  if (Array.isArray(node)) {
    for (const item of node) collectConditionReferences(item, refs);
    return;
  }
  if (node === null || typeof node !== 'object') return;
  const record = node as Record<string, unknown>;
  if (typeof record.fact === 'string') refs.facts.add(record.fact);
  if (typeof record.param === 'string' && Object.keys(record).length === 1) refs.parameters.add(record.param);
  for (const value of Object.values(record)) collectConditionReferences(value, refs);
}

function collectDeclarationReferences(
  node: unknown,
  ruleSet: RuleSet,
  refs: RuleReferences,
  onFact: (name: string) => void,
): void {
  if (typeof node === 'string') {
    if (node in ruleSet.valueSets) refs.valueSets.add(node);
    const product = ruleSet.products[node];
    if (product !== undefined) {
      refs.valueSets.add(product.valueSet);
      const schedule = product.schedule === undefined ? undefined : ruleSet.schedules[product.schedule];
      if (schedule !== undefined) refs.valueSets.add(schedule.administrationValueSet);
    }
    const schedule = ruleSet.schedules[node];
    if (schedule !== undefined) refs.valueSets.add(schedule.administrationValueSet);
    if (node in ruleSet.facts) onFact(node);
    return;
  }
  if (Array.isArray(node)) {
    for (const item of node) collectDeclarationReferences(item, ruleSet, refs, onFact);
    return;
  }
  if (node === null || typeof node !== 'object') return;
  const record = node as Record<string, unknown>;
  if (typeof record.param === 'string' && Object.keys(record).length === 1) refs.parameters.add(record.param);
  for (const [key, value] of Object.entries(record)) {
    if (key === 'description') continue;
    collectDeclarationReferences(value, ruleSet, refs, onFact);
  }
}

function cardTemplateStrings(rule: Rule): string[] {
  const card = rule.card;
  return [
    card.summary,
    card.detail,
    ...(card.suggestions ?? []).flatMap((s) => [s.label, ...(s.actions ?? []).map((a) => a.description)]),
    ...(card.links ?? []).map((l) => l.url),
  ].filter((s): s is string => typeof s === 'string');
}
