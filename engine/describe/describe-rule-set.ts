/**
 * A whole rule-set version, readable by a reviewer: every rule under its id with when it fires (its
 * conditions in words, engine/describe/describe-condition.ts), the thresholds it uses with values and
 * units, its card and its citations with their certainty; then the services, concerns, parameters,
 * value sets (codes), facts, evidence model, schedules and citations. Plain text and lists only, no
 * JSON. `cds-rules describe` prints it (render-description-text.ts); the console's version page
 * lays out the same structure.
 */
import type { Certainty, Condition, Rule, RuleSet } from '../rule-set-types.js';
import { conditionText, describeCondition, parameterValueWords } from './describe-condition.js';

export interface DescribedLine {
  /** Indentation level under the entry. */
  depth: number;
  text: string;
}

export interface DescribedEntry {
  /** The item's id (rule id, parameter name, value-set id, …). */
  id: string;
  title: string;
  lines: DescribedLine[];
}

export interface DescribedSection {
  title: string;
  entries: DescribedEntry[];
}

export interface RuleSetDescription {
  title: string;
  lines: string[];
  sections: DescribedSection[];
}

const CERTAINTY_TAGS: Record<Certainty, string> = { sourced: '[S] sourced', judgement: '[J] judgement', unverified: '[U] unverified' };

export function certaintyWords(certainty: Certainty | undefined): string {
  return certainty === undefined ? '[?] no certainty given' : (CERTAINTY_TAGS[certainty] ?? certainty);
}

/** Parameter names a condition reads ({"param": name} values), in order of appearance. */
export function parametersOf(condition: Condition): string[] {
  const names: string[] = [];
  const walk = (c: Condition): void => {
    if ('all' in c) c.all.forEach(walk);
    else if ('any' in c) c.any.forEach(walk);
    else if ('not' in c) walk(c.not);
    else {
      const value = c.value as { param?: unknown } | null;
      if (value !== null && typeof value === 'object' && typeof value.param === 'string' && !names.includes(value.param)) names.push(value.param);
    }
  };
  walk(condition);
  return names;
}

function citationLine(ruleSet: RuleSet, id: string, depth: number): DescribedLine {
  const citation = ruleSet.citations?.[id];
  if (citation === undefined) return { depth, text: `${id}: (not declared in the rule set)` };
  return { depth, text: `${id} ${certaintyWords(citation.certainty)}: ${citation.source}${citation.url ? ` <${citation.url}>` : ''}` };
}

function ruleEntry(rule: Rule, ruleSet: RuleSet): DescribedEntry {
  const lines: DescribedLine[] = [];
  const concern = ruleSet.concerns?.[rule.concern];
  lines.push({
    depth: 0,
    text:
      `${rule.category}; hooks ${rule.hooks.join(', ')}; concern ${rule.concern}` +
      `${concern ? ` (${concern.mode === 'merge' ? 'merged into one card' : 'the highest-ranked card is shown'})` : ''}` +
      `${rule.rank === undefined ? '' : `, rank ${rule.rank}`}; certainty ${certaintyWords(rule.certainty)}`,
  });
  lines.push({ depth: 0, text: 'When it fires:' });
  lines.push(...describeCondition(rule.conditions, ruleSet).map((l) => ({ depth: l.depth + 1, text: l.text })));
  const thresholds = parametersOf(rule.conditions);
  if (thresholds.length > 0) {
    lines.push({ depth: 0, text: 'Thresholds:' });
    for (const name of thresholds) {
      const parameter = ruleSet.parameters?.[name];
      lines.push({
        depth: 1,
        text:
          parameter === undefined
            ? `${name}: not declared`
            : `${name} = ${parameterValueWords(parameter)} ${certaintyWords(parameter.certainty)}: ${parameter.description}`,
      });
    }
  }
  const card = rule.card;
  lines.push({ depth: 0, text: `Card (${card.indicator})${card.label ? `, labelled "${card.label}" in merged cards` : ''}:` });
  lines.push({ depth: 1, text: `Summary: ${card.summary}` });
  for (const paragraph of card.detail.split(/\n\s*\n/)) lines.push({ depth: 1, text: paragraph.replace(/\s*\n\s*/g, ' ') });
  if (card.source.length > 0) lines.push({ depth: 1, text: `Source shown on the card: ${card.source.join(', ')}` });
  for (const suggestion of card.suggestions ?? []) lines.push({ depth: 1, text: `Suggestion: ${suggestion.label}${suggestion.isRecommended ? ' (recommended)' : ''}` });
  for (const link of card.links ?? []) lines.push({ depth: 1, text: `Link: ${link.label} <${link.url}>` });
  if ((card.overrideReasons ?? []).length > 0) {
    lines.push({ depth: 1, text: `Override reasons offered: ${(card.overrideReasons ?? []).map((r) => r.display).join('; ')}` });
  }
  lines.push({ depth: 0, text: 'Citations:' });
  lines.push(...rule.citations.map((id) => citationLine(ruleSet, id, 1)));
  return { id: rule.id, title: rule.title, lines };
}

export function describeRuleSet(ruleSet: RuleSet): RuleSetDescription {
  const sections: DescribedSection[] = [];
  sections.push({
    title: 'Services',
    entries: ruleSet.services.map((s) => ({
      id: s.id,
      title: s.title,
      lines: [
        { depth: 0, text: `hook ${s.hook}: ${s.description}` },
        ...Object.keys(s.prefetch).map((key) => ({ depth: 0, text: `prefetch ${key}: ${s.prefetch[key]}` })),
      ],
    })),
  });
  sections.push({ title: `Rules (${ruleSet.rules.length})`, entries: ruleSet.rules.map((rule) => ruleEntry(rule, ruleSet)) });
  if (ruleSet.concerns !== undefined && Object.keys(ruleSet.concerns).length > 0) {
    sections.push({
      title: 'Concerns (how the fired rules of one concern become one card)',
      entries: Object.entries(ruleSet.concerns).map(([id, c]) => ({
        id,
        title: c.title,
        lines: [
          {
            depth: 0,
            text:
              c.mode === 'merge'
                ? `merged: one card "${c.mergedSummary ?? ''}", indicator ${c.mergedIndicator === undefined || c.mergedIndicator === 'highest' ? 'the highest of its rules' : `at least ${c.mergedIndicator}`}`
                : 'ranked: the highest-ranked fired rule gives the card',
          },
          ...(c.description ? [{ depth: 0, text: c.description }] : []),
        ],
      })),
    });
  }
  sections.push({
    title: 'Parameters (thresholds and settings)',
    entries: Object.entries(ruleSet.parameters ?? {}).map(([name, p]) => ({
      id: name,
      title: `${parameterValueWords(p)} ${certaintyWords(p.certainty)}`,
      lines: [{ depth: 0, text: p.description }, ...(p.citations.length > 0 ? [{ depth: 0, text: `cited: ${p.citations.join(', ')}` }] : [])],
    })),
  });
  sections.push({
    title: 'Value sets (codes)',
    entries: Object.entries(ruleSet.valueSets ?? {}).map(([id, v]) => ({
      id,
      title: `${v.title} ${certaintyWords(v.certainty)}`,
      lines: [
        ...(v.description ? [{ depth: 0, text: v.description }] : []),
        ...v.include.flatMap((inc) => [
          { depth: 0, text: `${inc.system} (version ${inc.version}):` },
          ...(inc.codes ?? []).map((c) => ({ depth: 1, text: `code ${c.code}${c.display ? ` ${c.display}` : ''}${c.certainty ? ` ${certaintyWords(c.certainty)}` : ''}` })),
          ...(inc.prefixes ?? []).map((c) => ({ depth: 1, text: `codes starting ${c.prefix}${c.display ? ` ${c.display}` : ''}${c.certainty ? ` ${certaintyWords(c.certainty)}` : ''}` })),
          ...(inc.exclude ?? []).map((c) => ({ depth: 1, text: `except ${c}` })),
        ]),
        ...(v.citations.length > 0 ? [{ depth: 0, text: `cited: ${v.citations.join(', ')}` }] : []),
      ],
    })),
  });
  sections.push({
    title: 'Facts (what the rules read from the patient record)',
    entries: Object.entries(ruleSet.facts ?? {}).map(([id, f]) => ({
      id,
      title: f.description ?? f.kind,
      lines: [
        {
          depth: 0,
          text: `kind ${f.kind}${Object.entries(f)
            .filter(([k]) => k !== 'kind' && k !== 'description')
            .map(([k, v]) => `; ${words(k)}: ${settingWords(v, ruleSet)}`)
            .join('')}`,
        },
      ],
    })),
  });
  if (ruleSet.evidence !== undefined) {
    const e = ruleSet.evidence;
    sections.push({
      title: 'Evidence model',
      entries: [
        ...e.indications.map((i) => ({
          id: i.id,
          title: `indication: ${i.label} ${certaintyWords(i.certainty)}`,
          lines: [
            { depth: 0, text: `base score per product: ${Object.entries(i.baseScore).map(([p, s]) => `${p} ${s}`).join(', ')} (${i.rationale})` },
            { depth: 0, text: 'Supported when:' },
            ...conditionText(i.criteria, ruleSet).map((text) => ({ depth: 1, text })),
          ],
        })),
        ...e.modifiers.map((m) => ({
          id: m.id,
          title: `modifier ${m.delta > 0 ? '+' : ''}${m.delta}${m.floor === undefined ? '' : ` (not below ${m.floor})`} ${certaintyWords(m.certainty)}`,
          lines: [
            { depth: 0, text: `${m.text}; applies to ${m.appliesTo.length === 0 ? 'every indication' : m.appliesTo.join(', ')}` },
            { depth: 0, text: 'Applies when:' },
            ...conditionText(m.when, ruleSet).map((text) => ({ depth: 1, text })),
          ],
        })),
        { id: 'grades', title: 'grades', lines: e.grades.map((g) => ({ depth: 0, text: `score at least ${g.min}: ${g.grade} (${g.label})` })) },
      ],
    });
  }
  sections.push({
    title: 'Schedules',
    entries: Object.entries(ruleSet.schedules ?? {}).map(([id, s]) => ({
      id,
      title: `${s.label} ${certaintyWords(s.certainty)}`,
      lines: [
        ...s.phases.map((p) => ({
          depth: 0,
          text: `${p.label} from day ${p.fromDay}: every ${p.intervalDays} days, not sooner than ${p.minIntervalDays} days, at most ${p.maxDosesPerWeek} per week`,
        })),
        { depth: 0, text: `overdue after ${s.graceDays} days of grace; a gap of more than ${s.courseGapDays} days starts a new course` },
      ],
    })),
  });
  sections.push({
    title: 'Citations',
    entries: Object.entries(ruleSet.citations ?? {}).map(([id, c]) => ({
      id,
      title: `${certaintyWords(c.certainty)}: ${c.source}`,
      lines: [...(c.url ? [{ depth: 0, text: c.url }] : []), ...(c.note ? [{ depth: 0, text: c.note }] : [])],
    })),
  });
  return {
    title: `${ruleSet.title} (${ruleSet.id} ${ruleSet.version}, ${ruleSet.status})`,
    lines: [
      ruleSet.description,
      `Effective ${ruleSet.effectivePeriod.start}${ruleSet.effectivePeriod.end ? ` until ${ruleSet.effectivePeriod.end}` : ', open-ended'}; publisher ${ruleSet.publisher}`,
      `Authors: ${ruleSet.authors.map((a) => `${a.name}${a.role ? ` (${a.role})` : ''}`).join('; ') || 'none listed'}`,
      `Clinical approvals recorded in the rule set: ${ruleSet.approvals.length === 0 ? 'none' : ruleSet.approvals.map((a) => `${a.reviewer} on ${a.date}`).join('; ')}`,
      `${ruleSet.rules.length} rules, ${ruleSet.services.length} services, ${Object.keys(ruleSet.parameters ?? {}).length} parameters, ${Object.keys(ruleSet.valueSets ?? {}).length} value sets, ${Object.keys(ruleSet.citations ?? {}).length} citations`,
    ],
    sections,
  };
}

/** A fact setting in words: {"param": x} as its value, value-set ids as they are, objects as pairs. */
function settingWords(value: unknown, ruleSet: RuleSet): string {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const ref = value as { param?: unknown };
    if (typeof ref.param === 'string') {
      const parameter = ruleSet.parameters?.[ref.param];
      return parameter === undefined ? `parameter ${ref.param}` : `${parameterValueWords(parameter)} (parameter ${ref.param})`;
    }
    return Object.entries(value as Record<string, unknown>).map(([k, v]) => `${words(k)} ${settingWords(v, ruleSet)}`).join(', ');
  }
  if (Array.isArray(value)) return value.map((v) => settingWords(v, ruleSet)).join(', ');
  return String(value);
}



/** "withinDays" -> "within days": a setting's name as words. */
function words(name: string): string {
  return name.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase();
}
