/**
 * Card templates compiled once (parsed, with each variable's maxLength looked up in its fact kind's
 * output shape) and rendered per evaluation into CDS Hooks cards.
 * - summary: plain text; variables substituted (strings cut to maxLength); a last-resort cut keeps it
 *   under 140 characters even if a fact kind breaks its output contract.
 * - detail: markdown; substituted values are markdown-escaped so record data cannot add links/HTML.
 * - suggestion labels, action descriptions, link labels: plain text; a smart link's appContext: values as
 *   recorded (like text inside FHIR resources).
 * - action resources: every string is a template; a string that is exactly one variable keeps the
 *   value's JSON type (number, boolean, object).
 */
import type { Action, Card, Coding, Link, Suggestion } from '../cds-hooks/wire-types.js';
import { MAX_SUMMARY_LENGTH, cutText, parseTemplate, renderTemplate, singleVariable, type TemplatePart, type TemplateVariable } from './card-template.js';
import type { OutputShape } from './evaluation-types.js';
import type { DateDisplay } from './facts/support/dates.js';
import { shapeAtPath } from './output-shape.js';
import { resolveSegments } from './restricted-path.js';
import type { CardTemplate, Citation } from './rule-set-types.js';

/** Code system of override reasons that do not name one (documented in docs/rule-format.md). */
export const DEFAULT_OVERRIDE_REASON_SYSTEM = 'https://ketamine-cds.org/fhir/CodeSystem/override-reason';

type Resource = { kind: 'template'; parts: TemplatePart[] } | { kind: 'array'; items: Resource[] } | { kind: 'object'; entries: Array<[string, Resource]> } | { kind: 'value'; value: unknown };

export interface CompiledCardTemplate {
  readonly template: CardTemplate;
  readonly summary: TemplatePart[];
  readonly detail: TemplatePart[];
  /** The rule's short label (used by merged cards), when it has one. */
  readonly label?: TemplatePart[];
  readonly suggestions: ReadonlyArray<{
    label: TemplatePart[];
    isRecommended?: boolean;
    actions: ReadonlyArray<{ type: Action['type']; description: TemplatePart[]; resource?: Resource; resourceId?: TemplatePart[] }>;
  }>;
  readonly links: ReadonlyArray<{ label: TemplatePart[]; url: string; type: Link['type']; appContext?: TemplatePart[] }>;
  /** Facts the templates read. */
  readonly facts: readonly string[];
}

/** Looks up a fact's output shape by declared fact name. */
export type ShapeOf = (factName: string) => OutputShape | undefined;

const maxLengths = new WeakMap<TemplateVariable, number>();
/** Variables whose value is a date (output shape `format`): shown for people in card text. */
const dateDisplays = new WeakMap<TemplateVariable, DateDisplay>();

function compileText(text: string, shapeOf: ShapeOf, facts: Set<string>): TemplatePart[] {
  const parsed = parseTemplate(text);
  if (!parsed.ok) throw new Error(`invalid template "${text}": ${parsed.errors.join('; ')}`);
  for (const part of parsed.parts) {
    if (part.kind !== 'variable') continue;
    facts.add(part.variable.fact);
    const shape = shapeOf(part.variable.fact);
    const found = shape ? shapeAtPath(shape, part.variable.segments) : undefined;
    if (found?.ok && typeof found.shape.maxLength === 'number') maxLengths.set(part.variable, found.shape.maxLength);
    if (found?.ok && found.shape.format) dateDisplays.set(part.variable, found.shape.format);
  }
  return parsed.parts;
}

function compileResource(value: unknown, shapeOf: ShapeOf, facts: Set<string>): Resource {
  if (typeof value === 'string') return { kind: 'template', parts: compileText(value, shapeOf, facts) };
  if (Array.isArray(value)) return { kind: 'array', items: value.map((v) => compileResource(v, shapeOf, facts)) };
  if (value !== null && typeof value === 'object') {
    return { kind: 'object', entries: Object.entries(value).map(([k, v]) => [k, compileResource(v, shapeOf, facts)]) };
  }
  return { kind: 'value', value };
}

export function compileCardTemplate(template: CardTemplate, shapeOf: ShapeOf): CompiledCardTemplate {
  const facts = new Set<string>();
  const text = (t: string): TemplatePart[] => compileText(t, shapeOf, facts);
  return {
    template,
    summary: text(template.summary),
    detail: text(template.detail),
    label: template.label === undefined ? undefined : text(template.label),
    suggestions: (template.suggestions ?? []).map((s) => ({
      label: text(s.label),
      isRecommended: s.isRecommended,
      actions: (s.actions ?? []).map((a) => ({
        type: a.type,
        description: text(a.description),
        resource: a.resource === undefined ? undefined : compileResource(a.resource, shapeOf, facts),
        resourceId: a.resourceId === undefined ? undefined : text(a.resourceId),
      })),
    })),
    links: (template.links ?? []).map((l) => ({ label: text(l.label), url: l.url, type: l.type, appContext: l.appContext === undefined ? undefined : text(l.appContext) })),
    facts: [...facts],
  };
}

export interface RenderInput {
  uuid: string;
  /** The evaluation instant (same-day dates are shown with their time). */
  now: Date;
  suggestionUuid(index: number): string;
  factValue(name: string): unknown;
  citations: Readonly<Record<string, Citation>>;
  extension: Record<string, unknown>;
}

function textOf(parts: readonly TemplatePart[], input: RenderInput, markdown = false): string {
  return renderTemplate(parts, {
    factValue: input.factValue,
    maxLength: (v) => maxLengths.get(v),
    markdown,
    dateDisplay: (v) => dateDisplays.get(v),
    now: input.now,
  });
}

/** Text inside FHIR resources: values as recorded (a FHIR dateTime stays a dateTime). */
function resourceTextOf(parts: readonly TemplatePart[], input: RenderInput): string {
  return renderTemplate(parts, { factValue: input.factValue, maxLength: (v) => maxLengths.get(v) });
}

function renderResource(resource: Resource, input: RenderInput): unknown {
  switch (resource.kind) {
    case 'template': {
      const single = singleVariable(resource.parts);
      if (single) {
        const value = resolveSegments(input.factValue(single.fact), single.segments);
        return typeof value === 'string' ? resourceTextOf(resource.parts, input) : structuredClone(value ?? null);
      }
      return resourceTextOf(resource.parts, input);
    }
    case 'array':
      return resource.items.map((r) => renderResource(r, input));
    case 'object': {
      const out: Record<string, unknown> = {};
      for (const [k, v] of resource.entries) out[k] = renderResource(v, input);
      return out;
    }
    case 'value':
      return structuredClone(resource.value);
  }
}

/** The rule's label rendered as plain text (for a merged summary) and as escaped markdown (for a heading). */
export function renderLabel(compiled: CompiledCardTemplate, input: RenderInput): { text: string; markdown: string } | undefined {
  if (!compiled.label) return undefined;
  return {
    text: textOf(compiled.label, input).replace(/\s+/g, ' ').trim(),
    markdown: textOf(compiled.label, input, true).replace(/\s+/g, ' ').trim(),
  };
}

export function renderCard(compiled: CompiledCardTemplate, input: RenderInput): Card {
  const t = compiled.template;
  const first = input.citations[t.source[0]];
  const card: Card = {
    uuid: input.uuid,
    summary: cutText(textOf(compiled.summary, input).replace(/\s+/g, ' ').trim(), MAX_SUMMARY_LENGTH),
    detail: textOf(compiled.detail, input, true),
    indicator: t.indicator,
    source: first?.url ? { label: first.source, url: first.url } : { label: first?.source ?? t.source[0] },
  };
  if (compiled.suggestions.length > 0) {
    card.suggestions = compiled.suggestions.map((s, i): Suggestion => {
      const suggestion: Suggestion = { label: textOf(s.label, input), uuid: input.suggestionUuid(i) };
      if (s.isRecommended !== undefined) suggestion.isRecommended = s.isRecommended;
      if (s.actions.length > 0) {
        suggestion.actions = s.actions.map((a): Action => {
          const action: Action = { type: a.type, description: textOf(a.description, input) };
          if (a.resource) action.resource = renderResource(a.resource, input);
          if (a.resourceId) action.resourceId = textOf(a.resourceId, input);
          return action;
        });
      }
      return suggestion;
    });
    card.selectionBehavior = t.selectionBehavior;
  }
  if (t.overrideReasons && t.overrideReasons.length > 0) {
    card.overrideReasons = t.overrideReasons.map((r): Coding => ({ code: r.code, system: r.system ?? DEFAULT_OVERRIDE_REASON_SYSTEM, display: r.display }));
  }
  if (compiled.links.length > 0) {
    card.links = compiled.links.map((l): Link => {
      const link: Link = { label: textOf(l.label, input), url: l.url, type: l.type };
      if (l.appContext !== undefined) link.appContext = resourceTextOf(l.appContext, input);
      return link;
    });
  }
  card.extension = input.extension;
  return card;
}
