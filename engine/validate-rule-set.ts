/**
 * Rule-set validation: every problem at once, each with the file, an RFC 6901 JSON pointer and a
 * sentence the author can act on. Two halves: the JSON Schema (engine/rule-set.schema.json, via
 * schema-validator.ts) and the semantic checks below, which need the fact kinds (names, params
 * schemas, output shapes) and cross-references inside the document.
 *
 * The semantic checks run even when the schema check fails, and read the document defensively, so one
 * pass shows everything that is wrong.
 */
import type { ValidateFunction } from 'ajv/dist/2020.js';
import { MAX_SUMMARY_LENGTH, parseTemplate, literalLength, templateVariables, type TemplatePart, type TemplateVariable } from './card-template.js';
import { findParamRefs, isFactRef, substituteParams, visitLeaves } from './conditions.js';
import type { FactKind, OutputShape } from './evaluation-types.js';
import { FACT_KINDS } from './facts/index.js';
import { checkPrefetchTemplates } from '../cds-hooks/prefetch-tokens.js';
import { hookDefinition } from '../cds-hooks/hooks.js';
import { isKnownTimeZone } from './facts/support/dates.js';
import { childPointer, pointer } from '../lib/json-pointer.js';
import type { DuplicateKey } from '../lib/json-text.js';
import { linkUrlProblem } from './link-url.js';
import { ITEMS_SEPARATOR, MERGED_SUMMARY_PLACEHOLDERS } from './merge-cards.js';
import { CUSTOM_OPERATOR_NAMES } from './operators.js';
import { renderBound, shapeAtPath, shapeTypes } from './output-shape.js';
import { parseRestrictedPath } from './restricted-path.js';
import type { RuleSetProblem } from './rule-set-problem.js';
import type { Parameter } from './rule-set-types.js';
import { prebuiltValidator, schemaFingerprint } from './prebuilt-validators.js';
import { ajvErrorsToProblems, didYouMean, schemaProblems, sharedParamsValidatorCompiler } from './schema-validator.js';

export type { RuleSetProblem } from './rule-set-problem.js';

export type FactKinds = Readonly<Record<string, FactKind>>;

export interface ValidateOptions {
  /** Shown in every problem (a path, or a label like "store:<id>@<version>"). */
  file: string;
  /** Fact kinds available to declarations (default: engine/facts FACT_KINDS). */
  factKinds?: FactKinds;
  /** Duplicate keys found in the raw JSON text by the file loader (reported as problems). */
  duplicateKeys?: readonly DuplicateKey[];
}

export { MAX_SUMMARY_LENGTH };

/** Built-in json-rules-engine operators and decorators. */
export const BUILTIN_OPERATORS: readonly string[] = [
  'equal',
  'notEqual',
  'in',
  'notIn',
  'contains',
  'doesNotContain',
  'lessThan',
  'lessThanInclusive',
  'greaterThan',
  'greaterThanInclusive',
];
export const OPERATOR_DECORATORS: readonly string[] = ['someFact', 'someValue', 'everyFact', 'everyValue', 'swap', 'not'];
export const ALL_OPERATORS: readonly string[] = [...BUILTIN_OPERATORS, ...CUSTOM_OPERATOR_NAMES];

/** What kind of rule-set entry a fact-declaration parameter refers to. */
export type ParamReferenceKind = 'valueSet' | 'product' | 'schedule' | 'fact' | 'indication';

/**
 * Which rule-set entries a declaration parameter names. A kind's params schema may say so with
 * `"x-references": "valueSet" | "product" | "schedule" | "fact" | "indication"` on the property;
 * otherwise the property name decides: valueSet(s) / …ValueSet(s), product(s), schedule(s),
 * fact(s) / …Fact(s), indication(s). The value may be an id, a list of ids, or an object whose
 * values are ids (e.g. routeValueSets: {"nasal": "route-nasal"}).
 */
export function paramReferenceKind(name: string, propertySchema: unknown): ParamReferenceKind | undefined {
  const declared = isRecord(propertySchema) ? propertySchema['x-references'] : undefined;
  if (declared === 'valueSet' || declared === 'product' || declared === 'schedule' || declared === 'fact' || declared === 'indication') return declared;
  if (/^valueSets?$|ValueSets?$/.test(name)) return 'valueSet';
  if (/^products?$/.test(name)) return 'product';
  if (/^schedules?$/.test(name)) return 'schedule';
  if (/^facts?$|Facts?$/.test(name)) return 'fact';
  if (/^indications?$/.test(name)) return 'indication';
  return undefined;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}
function records(v: unknown): Record<string, unknown> {
  return isRecord(v) ? v : {};
}
function list(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}
function has(obj: Record<string, unknown>, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(obj, key);
}

/** The prebuilt module (dist/validators/) of the fact kinds' params validators, one export per kind. */
export const PARAMS_PREBUILT_FILE = 'fact-params.cjs';

const paramsValidators = new WeakMap<FactKind, ValidateFunction | Error>();
function paramsValidator(kind: FactKind): ValidateFunction | Error {
  let v = paramsValidators.get(kind);
  if (!v) {
    try {
      v =
        prebuiltValidator(PARAMS_PREBUILT_FILE, kind.kind, schemaFingerprint(kind.paramsSchema)) ??
        sharedParamsValidatorCompiler().compile(kind.paramsSchema);
    } catch (err) {
      v = err instanceof Error ? err : new Error(String(err));
    }
    paramsValidators.set(kind, v);
  }
  return v;
}

/** Declaration parameters: everything except `kind` and `description`. */
export function declarationParams(declaration: Record<string, unknown>): Record<string, unknown> {
  const params: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(declaration)) if (k !== 'kind' && k !== 'description') params[k] = v;
  return params;
}

interface Ctx {
  file: string;
  problems: RuleSetProblem[];
  factKinds: FactKinds;
  doc: Record<string, unknown>;
  citations: Record<string, unknown>;
  valueSets: Record<string, unknown>;
  parameters: Record<string, unknown>;
  products: Record<string, unknown>;
  schedules: Record<string, unknown>;
  facts: Record<string, unknown>;
  indicationIds: Set<string>;
}

function report(ctx: Ctx, ptr: string, message: string): void {
  ctx.problems.push({ file: ctx.file, pointer: ptr, message });
}

/** The output shape of a declared fact, when its kind is known. */
function factShape(ctx: Ctx, name: string): OutputShape | undefined {
  const decl = ctx.facts[name];
  if (!isRecord(decl) || typeof decl.kind !== 'string' || !has(ctx.factKinds, decl.kind)) return undefined;
  return ctx.factKinds[decl.kind].output;
}

function checkCitationIds(ctx: Ctx, ids: unknown, ptr: string, what: string): void {
  list(ids).forEach((id, i) => {
    if (typeof id === 'string' && !has(ctx.citations, id)) {
      report(ctx, childPointer(ptr, i), `unknown citation id "${id}"${didYouMean(id, Object.keys(ctx.citations))}: ${what} must cite an entry of "citations"`);
    }
  });
}

function checkReference(ctx: Ctx, kind: ParamReferenceKind, id: unknown, ptr: string): void {
  if (typeof id !== 'string') return;
  const table: Record<ParamReferenceKind, [Record<string, unknown> | Set<string>, string]> = {
    valueSet: [ctx.valueSets, 'value set'],
    product: [ctx.products, 'product'],
    schedule: [ctx.schedules, 'schedule'],
    fact: [ctx.facts, 'fact'],
    indication: [ctx.indicationIds, 'indication'],
  };
  const [known, label] = table[kind];
  const exists = known instanceof Set ? known.has(id) : has(known, id);
  if (!exists) {
    const names = known instanceof Set ? [...known] : Object.keys(known);
    report(ctx, ptr, `unknown ${label} "${id}"${didYouMean(id, names)}`);
  }
}

function checkParamRefs(ctx: Ctx, value: unknown, ptr: string): void {
  for (const ref of findParamRefs(value, ptr)) {
    if (!has(ctx.parameters, ref.name)) {
      report(ctx, ref.pointer, `unknown parameter "${ref.name}"${didYouMean(ref.name, Object.keys(ctx.parameters))} in {"param": …}`);
    }
  }
}

function parameters(ctx: Ctx): Record<string, Parameter> {
  const out: Record<string, Parameter> = {};
  for (const [k, v] of Object.entries(ctx.parameters)) if (isRecord(v) && has(v, 'value')) out[k] = v as unknown as Parameter;
  return out;
}

// ---- facts -----------------------------------------------------------------------------------

function checkFactDeclarations(ctx: Ctx): void {
  for (const [name, decl] of Object.entries(ctx.facts)) {
    const ptr = pointer('facts', name);
    if (!isRecord(decl) || typeof decl.kind !== 'string') continue; // schema reports it
    if (!has(ctx.factKinds, decl.kind)) {
      report(ctx, childPointer(ptr, 'kind'), `unknown fact kind "${decl.kind}"${didYouMean(decl.kind, Object.keys(ctx.factKinds))}; known kinds: ${Object.keys(ctx.factKinds).sort().join(', ')}`);
      continue;
    }
    const kind = ctx.factKinds[decl.kind];
    const raw = declarationParams(decl);
    checkParamRefs(ctx, raw, ptr);
    const params = substituteParams(raw, parameters(ctx)) as Record<string, unknown>;
    const validate = paramsValidator(kind);
    if (validate instanceof Error) {
      report(ctx, ptr, `fact kind "${decl.kind}" has an invalid params schema (${validate.message}); fix the fact kind`);
    } else if (!validate(params)) {
      for (const p of ajvErrorsToProblems(validate.errors ?? [], ctx.file, ptr)) {
        report(ctx, p.pointer, `${p.message} (parameters of fact kind "${decl.kind}")`);
      }
    }
    const props = records(records(kind.paramsSchema).properties);
    for (const [param, value] of Object.entries(params)) {
      // A parameter marked "x-format": "time-zone" must name a time zone this runtime knows (IANA name).
      if (records(props[param])['x-format'] === 'time-zone' && typeof value === 'string' && !isKnownTimeZone(value)) {
        report(ctx, childPointer(ptr, param), `"${value}" is not an IANA time zone name (e.g. "UTC", "America/New_York") (parameters of fact kind "${decl.kind}")`);
      }
      const refKind = paramReferenceKind(param, props[param]);
      if (!refKind) continue;
      if (Array.isArray(value)) value.forEach((v, i) => checkReference(ctx, refKind, v, childPointer(ptr, param, i)));
      else if (isRecord(value)) for (const [k, v] of Object.entries(value)) checkReference(ctx, refKind, v, childPointer(ptr, param, k));
      else checkReference(ctx, refKind, value, childPointer(ptr, param));
      if (refKind === 'fact' && value === name) report(ctx, childPointer(ptr, param), `fact "${name}" must not depend on itself`);
    }
  }
}

// ---- conditions ------------------------------------------------------------------------------

function parseOperator(op: string): { base: string; decorators: string[] } | string {
  const parts = op.split(':');
  const base = parts.pop() ?? '';
  if (!ALL_OPERATORS.includes(base)) {
    return `unknown operator "${op}"${didYouMean(base, ALL_OPERATORS)}; operators: ${ALL_OPERATORS.join(', ')} (decorators: ${OPERATOR_DECORATORS.map((d) => `${d}:`).join(', ')})`;
  }
  for (const d of parts) {
    if (!OPERATOR_DECORATORS.includes(d)) return `unknown operator decorator "${d}" in "${op}"; decorators: ${OPERATOR_DECORATORS.join(', ')}`;
  }
  return { base, decorators: parts };
}

function checkFactPath(ctx: Ctx, fact: unknown, path: unknown, factPtr: string, pathPtr: string): OutputShape | undefined {
  if (typeof fact !== 'string') return undefined;
  if (!has(ctx.facts, fact)) {
    report(ctx, factPtr, `unknown fact "${fact}"${didYouMean(fact, Object.keys(ctx.facts))}: declare it under "facts"`);
    return undefined;
  }
  const shape = factShape(ctx, fact);
  if (path === undefined) return shape;
  if (typeof path !== 'string') return undefined;
  const parsed = parseRestrictedPath(path);
  if (!parsed.ok) {
    report(ctx, pathPtr, parsed.error);
    return undefined;
  }
  if (!shape) return undefined;
  const found = shapeAtPath(shape, parsed.segments);
  if (!found.ok) {
    report(ctx, pathPtr, `path "${path}" does not exist in fact "${fact}": ${found.error}`);
    return undefined;
  }
  return found.shape;
}

function checkOperatorValue(ctx: Ctx, base: string, value: unknown, ptr: string, shape: OutputShape | undefined): void {
  const types = shape ? shapeTypes(shape) : undefined;
  const numericShape = !types || types.some((t) => t === 'number' || t === 'integer');
  switch (base) {
    case 'inValueSet':
      if (typeof value !== 'string') report(ctx, ptr, `inValueSet needs a value-set id (string) as value; got ${JSON.stringify(value)}`);
      else checkReference(ctx, 'valueSet', value, ptr);
      break;
    case 'withinDays':
    case 'olderThanDays':
      if (typeof value !== 'number' || value < 0) report(ctx, ptr, `${base} needs a number of days (>= 0) as value; got ${JSON.stringify(value)}`);
      if (!numericShape) report(ctx, ptr, `${base} compares an age in days, but the fact path is ${types!.join('|')}`);
      break;
    case 'exists':
      if (typeof value !== 'boolean') report(ctx, ptr, `exists needs true or false as value; got ${JSON.stringify(value)}`);
      break;
    case 'lessThan':
    case 'lessThanInclusive':
    case 'greaterThan':
    case 'greaterThanInclusive':
      if (typeof value !== 'number') report(ctx, ptr, `${base} needs a number as value; got ${JSON.stringify(value)}`);
      if (!numericShape) report(ctx, ptr, `${base} compares numbers, but the fact path is ${types!.join('|')}`);
      break;
    case 'in':
    case 'notIn':
      if (!Array.isArray(value)) report(ctx, ptr, `${base} needs an array of values as value; got ${JSON.stringify(value)}`);
      break;
    default:
      break;
  }
}

function checkConditions(ctx: Ctx, conditions: unknown, ptr: string): void {
  const params = parameters(ctx);
  visitLeaves(conditions, ptr, ({ leaf, pointer: leafPtr }) => {
    const shape = checkFactPath(ctx, leaf.fact, leaf.path, childPointer(leafPtr, 'fact'), childPointer(leafPtr, 'path'));
    if (has(leaf, 'params')) report(ctx, childPointer(leafPtr, 'params'), 'condition "params" are not supported: declare a fact with its parameters under "facts" instead');
    checkParamRefs(ctx, leaf.value, childPointer(leafPtr, 'value'));
    if (typeof leaf.operator !== 'string') return;
    const op = parseOperator(leaf.operator);
    if (typeof op === 'string') {
      report(ctx, childPointer(leafPtr, 'operator'), op);
      return;
    }
    const valuePtr = childPointer(leafPtr, 'value');
    if (isFactRef(leaf.value)) {
      checkFactPath(ctx, leaf.value.fact, leaf.value.path, childPointer(valuePtr, 'fact'), childPointer(valuePtr, 'path'));
      return;
    }
    const value = substituteParams(leaf.value, params);
    if (findParamRefs(value, '').length > 0 || op.decorators.includes('swap')) return;
    const decoratedValue = op.decorators.includes('someValue') || op.decorators.includes('everyValue');
    const decoratedFact = op.decorators.includes('someFact') || op.decorators.includes('everyFact');
    const itemShape = decoratedFact && shape?.items ? shape.items : decoratedFact ? undefined : shape;
    if (decoratedValue) {
      if (!Array.isArray(value)) report(ctx, valuePtr, `"${leaf.operator}" needs an array of values as value`);
      else value.forEach((v, i) => checkOperatorValue(ctx, op.base, v, childPointer(valuePtr, i), itemShape));
    } else {
      checkOperatorValue(ctx, op.base, value, valuePtr, itemShape);
    }
  });
}

// ---- card templates --------------------------------------------------------------------------

type TemplateRole = 'summary' | 'label' | 'text' | 'markdown' | 'resource';

/** Most characters a card label may render to (a short noun phrase). */
export const MAX_LABEL_LENGTH = 60;

function checkVariable(ctx: Ctx, v: TemplateVariable, ptr: string, role: TemplateRole): { bound?: number } {
  if (!has(ctx.facts, v.fact)) {
    report(ctx, ptr, `template variable {{${v.raw}}}: no fact "${v.fact}" is declared${didYouMean(v.fact, Object.keys(ctx.facts))}`);
    return {};
  }
  const shape = factShape(ctx, v.fact);
  if (!shape) return {};
  const found = shapeAtPath(shape, v.segments);
  if (!found.ok) {
    report(ctx, ptr, `template variable {{${v.raw}}}: fact "${v.fact}" does not provide it (${found.error})`);
    return {};
  }
  if (role === 'resource') return {};
  const bound = renderBound(found.shape);
  if (!bound.ok) {
    const bounded = role === 'summary' || role === 'label';
    if (bounded || bound.error.includes('cannot be rendered')) {
      report(ctx, ptr, `template variable {{${v.raw}}} ${bound.error}${bounded ? `; a ${role} may only use bounded values` : ''}`);
    }
    return {};
  }
  return { bound: bound.max };
}

/**
 * Checks a template; for summaries and labels also its rendered-length bound (returned as `bound`
 * when every variable is bounded).
 */
function checkTemplate(ctx: Ctx, text: unknown, ptr: string, role: TemplateRole): { parts: TemplatePart[]; bound?: number } | undefined {
  if (typeof text !== 'string') return undefined;
  const parsed = parseTemplate(text);
  if (!parsed.ok) {
    for (const e of parsed.errors) report(ctx, ptr, `template: ${e}`);
    return undefined;
  }
  const vars = templateVariables(parsed.parts);
  if (role === 'resource' && vars.length > 0 && !(parsed.parts.length === 1)) {
    // Mixed text and variables render as text: variables must be scalars.
    for (const v of vars) checkVariable(ctx, v, ptr, 'text');
    return { parts: parsed.parts };
  }
  const bounds = vars.map((v) => ({ v, ...checkVariable(ctx, v, ptr, role) }));
  if (role === 'summary' || role === 'label') {
    const literal = literalLength(parsed.parts);
    if (bounds.every((b) => b.bound !== undefined)) {
      const total = literal + bounds.reduce((n, b) => n + (b.bound ?? 0), 0);
      const max = role === 'summary' ? MAX_SUMMARY_LENGTH : MAX_LABEL_LENGTH;
      if (total > max) {
        const detail = bounds.map((b) => `{{${b.v.raw}}} ${b.bound}`).join(', ');
        const limit = role === 'summary' ? `CDS Hooks allows at most ${MAX_SUMMARY_LENGTH}` : `a label is a short noun phrase of at most ${MAX_LABEL_LENGTH}`;
        report(ctx, ptr, `${role} can render up to ${total} characters (text ${literal}${detail ? ` + ${detail}` : ''}); ${limit}`);
      }
      return { parts: parsed.parts, bound: total };
    }
  }
  return { parts: parsed.parts };
}

function checkResourceTemplates(ctx: Ctx, value: unknown, ptr: string): void {
  if (typeof value === 'string') checkTemplate(ctx, value, ptr, 'resource');
  else if (Array.isArray(value)) value.forEach((v, i) => checkResourceTemplates(ctx, v, childPointer(ptr, i)));
  else if (isRecord(value)) for (const [k, v] of Object.entries(value)) checkResourceTemplates(ctx, v, childPointer(ptr, k));
}

function checkCard(ctx: Ctx, card: unknown, ptr: string): void {
  if (!isRecord(card)) return;
  checkTemplate(ctx, card.summary, childPointer(ptr, 'summary'), 'summary');
  checkTemplate(ctx, card.label, childPointer(ptr, 'label'), 'label');
  checkTemplate(ctx, card.detail, childPointer(ptr, 'detail'), 'markdown');
  checkCitationIds(ctx, card.source, childPointer(ptr, 'source'), 'a card source');
  const indicator = card.indicator;
  if ((indicator === 'warning' || indicator === 'critical') && list(card.overrideReasons).length === 0) {
    report(ctx, childPointer(ptr, 'overrideReasons'), `a ${indicator} card must offer overrideReasons (codes with display) so clinicians can say why they proceed`);
  }
  const suggestions = list(card.suggestions);
  if (suggestions.length > 0 && card.selectionBehavior === undefined) {
    report(ctx, childPointer(ptr, 'selectionBehavior'), 'a card with suggestions must set selectionBehavior ("at-most-one" or "any")');
  }
  if (card.selectionBehavior === 'at-most-one' && suggestions.filter((s) => isRecord(s) && s.isRecommended === true).length > 1) {
    report(ctx, childPointer(ptr, 'suggestions'), 'with selectionBehavior "at-most-one" at most one suggestion may be isRecommended');
  }
  suggestions.forEach((s, i) => {
    if (!isRecord(s)) return;
    const sPtr = childPointer(ptr, 'suggestions', i);
    checkTemplate(ctx, s.label, childPointer(sPtr, 'label'), 'text');
    list(s.actions).forEach((a, j) => {
      if (!isRecord(a)) return;
      const aPtr = childPointer(sPtr, 'actions', j);
      checkTemplate(ctx, a.description, childPointer(aPtr, 'description'), 'text');
      if (a.resource !== undefined) checkResourceTemplates(ctx, a.resource, childPointer(aPtr, 'resource'));
      if (a.type === 'delete') {
        if (a.resourceId === undefined) report(ctx, aPtr, 'a delete action needs "resourceId" (Type/id)');
        if (a.resource !== undefined) report(ctx, childPointer(aPtr, 'resource'), 'a delete action takes "resourceId", not "resource"');
      } else if ((a.type === 'create' || a.type === 'update') && a.resource === undefined) {
        report(ctx, aPtr, `a ${String(a.type)} action needs "resource"`);
      }
    });
  });
  list(card.links).forEach((l, i) => {
    if (!isRecord(l)) return;
    const lPtr = childPointer(ptr, 'links', i);
    checkTemplate(ctx, l.label, childPointer(lPtr, 'label'), 'text');
    if (l.appContext !== undefined && l.type !== 'smart') report(ctx, childPointer(lPtr, 'appContext'), 'appContext is only allowed on links of type "smart"');
    if (l.appContext !== undefined) checkTemplate(ctx, l.appContext, childPointer(lPtr, 'appContext'), 'text');
    if (typeof l.url === 'string') {
      const problem = linkUrlProblem(l.url, l.type);
      if (problem !== undefined) report(ctx, childPointer(lPtr, 'url'), problem);
    }
  });
}

// ---- concerns ------------------------------------------------------------------------------------

/**
 * The top-level `concerns`: every defined concern is used by a rule; merge concerns have a
 * mergedSummary using only {{items}} and {{count}} (and {{items}} at least), bounded with every
 * contributor's label at its longest; every rule of a merge concern has a label; a merged card that
 * is at least a warning has override reasons from every rule.
 */
function checkConcerns(ctx: Ctx, rules: unknown[]): void {
  const concerns = records(ctx.doc.concerns);
  const rulesOf = new Map<string, Array<{ rule: Record<string, unknown>; index: number }>>();
  rules.forEach((rule, index) => {
    if (!isRecord(rule) || typeof rule.concern !== 'string') return;
    if (!rulesOf.has(rule.concern)) rulesOf.set(rule.concern, []);
    rulesOf.get(rule.concern)!.push({ rule, index });
  });
  for (const [id, concern] of Object.entries(concerns)) {
    if (!isRecord(concern)) continue;
    const ptr = pointer('concerns', id);
    const members = rulesOf.get(id) ?? [];
    if (members.length === 0) {
      report(ctx, ptr, `no rule names concern "${id}"${didYouMean(id, rulesOf.keys())}: remove it or set a rule's "concern" to it`);
    }
    if (concern.mode === 'rank') {
      for (const key of ['mergedSummary', 'mergedIndicator']) {
        if (concern[key] !== undefined) report(ctx, childPointer(ptr, key), `${key} is only used when mode is "merge" (mode here: "rank")`);
      }
    }
    if (concern.mode !== 'merge') continue; // an unknown mode is a schema problem
    // Labels: required, and their bounds for the merged summary.
    let labelsTotal = 0;
    let labelsBounded = true;
    for (const { rule, index } of members) {
      const card = records(rule.card);
      const labelPtr = pointer('rules', index, 'card', 'label');
      if (typeof card.label !== 'string') {
        // A card that is not an object (a schema problem too) gets the problem on the card: its pointer's parent exists.
        const where = isRecord(rule.card) ? labelPtr : pointer('rules', index, 'card');
        report(ctx, where, `rule "${String(rule.id)}" is in concern "${id}" (mode merge) and needs a card "label": the short noun phrase the merged card lists`);
        labelsBounded = false;
        continue;
      }
      const parsed = parseTemplate(card.label);
      const bound = parsed.ok ? labelBound(ctx, parsed.parts) : undefined;
      if (bound === undefined) labelsBounded = false;
      else labelsTotal += bound;
      if (concern.mergedIndicator === 'warning' || concern.mergedIndicator === 'critical') {
        if (list(card.overrideReasons).length === 0) {
          report(ctx, pointer('rules', index, 'card', 'overrideReasons'), `concern "${id}" shows a merged ${concern.mergedIndicator} card, so every rule of it needs overrideReasons`);
        }
      }
    }
    const summaryPtr = childPointer(ptr, 'mergedSummary');
    if (typeof concern.mergedSummary !== 'string') continue;
    const parsed = parseTemplate(concern.mergedSummary);
    if (!parsed.ok) {
      for (const e of parsed.errors) report(ctx, summaryPtr, `template: ${e}`);
      continue;
    }
    const vars = templateVariables(parsed.parts);
    for (const v of vars) {
      if (!(MERGED_SUMMARY_PLACEHOLDERS as readonly string[]).includes(v.raw)) {
        report(ctx, summaryPtr, `{{${v.raw}}} is not a merged-summary placeholder: use {{items}} (the contributors' labels) and {{count}}`);
      }
    }
    const itemsUses = vars.filter((v) => v.raw === 'items').length;
    if (itemsUses === 0) report(ctx, summaryPtr, 'a merged summary must list the contributors with {{items}}');
    if (labelsBounded && members.length > 0) {
      const countUses = vars.filter((v) => v.raw === 'count').length;
      const items = labelsTotal + ITEMS_SEPARATOR.length * (members.length - 1);
      const count = String(members.length).length;
      const total = literalLength(parsed.parts) + itemsUses * items + countUses * count;
      if (total > MAX_SUMMARY_LENGTH) {
        report(
          ctx,
          summaryPtr,
          `merged summary can render up to ${total} characters (text ${literalLength(parsed.parts)} + {{items}} ${items}: the ${members.length} labels of concern "${id}" at their longest, joined by "${ITEMS_SEPARATOR}"${countUses ? ` + {{count}} ${count}` : ''}); CDS Hooks allows at most ${MAX_SUMMARY_LENGTH}: shorten the labels or the text`,
        );
      }
    }
  }
}

/** The rendered-length bound of a label's parts (undefined when a variable is unbounded or unknown). */
function labelBound(ctx: Ctx, parts: TemplatePart[]): number | undefined {
  let total = literalLength(parts);
  for (const v of templateVariables(parts)) {
    const shape = factShape(ctx, v.fact);
    const found = shape ? shapeAtPath(shape, v.segments) : undefined;
    if (!found?.ok) return undefined;
    const bound = renderBound(found.shape);
    if (!bound.ok) return undefined;
    total += bound.max;
  }
  return total;
}

// ---- the rest ----------------------------------------------------------------------------------

function checkDuplicateIds(ctx: Ctx, items: unknown[], base: string, what: string): Set<string> {
  const seen = new Map<string, number>();
  items.forEach((item, i) => {
    if (!isRecord(item) || typeof item.id !== 'string') return;
    const first = seen.get(item.id);
    if (first !== undefined) report(ctx, childPointer(base, i, 'id'), `duplicate ${what} id "${item.id}" (first at ${childPointer(base, first)})`);
    else seen.set(item.id, i);
  });
  return new Set(seen.keys());
}

/**
 * The decision "one service per hook within a rule set", enforced here and nowhere else: rules bind to
 * hooks, not to services, so two services of one rule set on one hook would evaluate the same rules and
 * issue the same card uuids for one hookInstance. (Another rule set may answer the same hook.)
 */
function oneServicePerHookProblem(hook: string, first: number): string {
  return `a rule set may declare one service per hook: /services/${first} already answers "${hook}" (rules bind to hooks, so a second service would evaluate the same rules)`;
}

/** Prefetch templates: CDS Hooks 2.0 tokens for the service's hook only, rendering to a read or a search. */
function checkPrefetch(ctx: Ctx, service: Record<string, unknown>, ptr: string): void {
  if (typeof service.hook !== 'string') return;
  const templates = Object.fromEntries(Object.entries(records(service.prefetch)).filter(([, t]) => typeof t === 'string')) as Record<string, string>;
  for (const problem of checkPrefetchTemplates(service.hook, templates)) {
    report(ctx, childPointer(ptr, 'prefetch', problem.key), `prefetch template: ${problem.message}`);
  }
}

function checkEvidence(ctx: Ctx): void {
  const ev = ctx.doc.evidence;
  if (!isRecord(ev)) return;
  checkCitationIds(ctx, ev.citations, pointer('evidence', 'citations'), 'the evidence model');
  list(ev.indications).forEach((ind, i) => {
    if (!isRecord(ind)) return;
    const ptr = pointer('evidence', 'indications', i);
    checkConditions(ctx, ind.criteria, childPointer(ptr, 'criteria'));
    checkCitationIds(ctx, ind.citations, childPointer(ptr, 'citations'), 'an indication');
    for (const product of Object.keys(records(ind.baseScore))) checkReference(ctx, 'product', product, childPointer(ptr, 'baseScore', product));
  });
  list(ev.modifiers).forEach((mod, i) => {
    if (!isRecord(mod)) return;
    const ptr = pointer('evidence', 'modifiers', i);
    checkConditions(ctx, mod.when, childPointer(ptr, 'when'));
    checkCitationIds(ctx, mod.citations, childPointer(ptr, 'citations'), 'a modifier');
    list(mod.appliesTo).forEach((id, j) => checkReference(ctx, 'indication', id, childPointer(ptr, 'appliesTo', j)));
  });
  checkDuplicateIds(ctx, list(ev.modifiers), pointer('evidence', 'modifiers'), 'modifier');
  if (ev.tieBreak === 'priority') {
    const priorities = new Map<number, number>();
    list(ev.indications).forEach((ind, i) => {
      if (!isRecord(ind)) return;
      const ptr = pointer('evidence', 'indications', i, 'priority');
      if (typeof ind.priority !== 'number') {
        report(ctx, ptr, 'with tieBreak "priority" every indication needs a priority (otherwise a tie would be decided by list order)');
        return;
      }
      const other = priorities.get(ind.priority);
      if (other !== undefined) report(ctx, ptr, `priority ${ind.priority} is also the priority of ${pointer('evidence', 'indications', other)}: priorities must differ so that no tie is left undecided`);
      else priorities.set(ind.priority, i);
    });
  }
  const grades = list(ev.grades);
  const mins = new Map<number, number>();
  grades.forEach((g, i) => {
    if (!isRecord(g) || typeof g.min !== 'number') return;
    if (mins.has(g.min)) report(ctx, pointer('evidence', 'grades', i, 'min'), `two grades start at ${g.min} (also ${pointer('evidence', 'grades', mins.get(g.min)!)})`);
    mins.set(g.min, i);
  });
}

function checkSchedules(ctx: Ctx): void {
  for (const [id, s] of Object.entries(ctx.schedules)) {
    if (!isRecord(s)) continue;
    const ptr = pointer('schedules', id);
    checkReference(ctx, 'valueSet', s.administrationValueSet, childPointer(ptr, 'administrationValueSet'));
    checkCitationIds(ctx, s.citations, childPointer(ptr, 'citations'), 'a schedule');
    const phases = list(s.phases);
    checkDuplicateIds(ctx, phases, childPointer(ptr, 'phases'), 'phase');
    let last = -Infinity;
    phases.forEach((p, i) => {
      if (!isRecord(p) || typeof p.fromDay !== 'number') return;
      if (p.fromDay <= last) report(ctx, childPointer(ptr, 'phases', i, 'fromDay'), 'phases must be in increasing order of fromDay');
      last = p.fromDay;
    });
    if (phases.length > 0 && isRecord(phases[0]) && phases[0].fromDay !== 0) report(ctx, childPointer(ptr, 'phases', 0, 'fromDay'), 'the first phase must start at day 0');
    if (isRecord(ctx.doc.evidence)) {
      for (const ind of Object.keys(records(s.durationOfResponseDays))) checkReference(ctx, 'indication', ind, childPointer(ptr, 'durationOfResponseDays', ind));
    }
  }
}

function checkEffectivePeriod(ctx: Ctx): void {
  const period = records(ctx.doc.effectivePeriod);
  const valid = (v: unknown): v is string => typeof v === 'string' && !Number.isNaN(Date.parse(v));
  for (const key of ['start', 'end']) {
    const v = period[key];
    if (typeof v === 'string' && /^\d{4}-\d{2}-\d{2}/.test(v)) {
      const [y, m, d] = v.slice(0, 10).split('-').map(Number);
      const date = new Date(Date.UTC(y, m - 1, d));
      if (date.getUTCMonth() !== m - 1 || date.getUTCDate() !== d) report(ctx, pointer('effectivePeriod', key), `"${v}" is not a calendar date`);
    }
  }
  if (valid(period.start) && valid(period.end) && Date.parse(period.end) < Date.parse(period.start)) {
    report(ctx, pointer('effectivePeriod', 'end'), `end (${period.end}) is before start (${period.start})`);
  }
}

function semanticProblems(json: Record<string, unknown>, ctx: Ctx): void {
  checkEffectivePeriod(ctx);
  // citations everywhere
  for (const [id, vs] of Object.entries(ctx.valueSets)) {
    if (!isRecord(vs)) continue;
    checkCitationIds(ctx, vs.citations, pointer('valueSets', id, 'citations'), 'a value set');
    list(vs.include).forEach((inc, i) => {
      if (isRecord(inc) && list(inc.codes).length === 0 && list(inc.prefixes).length === 0) {
        report(ctx, pointer('valueSets', id, 'include', i), 'an include needs at least one of "codes" or "prefixes"');
      }
    });
  }
  for (const [id, p] of Object.entries(ctx.parameters)) {
    if (isRecord(p)) checkCitationIds(ctx, p.citations, pointer('parameters', id, 'citations'), 'a parameter');
  }
  for (const [id, p] of Object.entries(ctx.products)) {
    if (!isRecord(p)) continue;
    checkReference(ctx, 'valueSet', p.valueSet, pointer('products', id, 'valueSet'));
    if (p.schedule !== undefined) checkReference(ctx, 'schedule', p.schedule, pointer('products', id, 'schedule'));
    if (isRecord(json.evidence)) {
      for (const ind of Object.keys(records(p.labelStatus))) checkReference(ctx, 'indication', ind, pointer('products', id, 'labelStatus', ind));
    }
  }
  checkSchedules(ctx);
  checkFactDeclarations(ctx);
  checkEvidence(ctx);

  const services = list(json.services);
  checkDuplicateIds(ctx, services, '/services', 'service');
  const serviceHooks = new Map<string, number>();
  services.forEach((s, i) => {
    if (!isRecord(s)) return;
    const ptr = pointer('services', i);
    if (typeof s.hook === 'string') {
      const first = serviceHooks.get(s.hook);
      if (first === undefined) serviceHooks.set(s.hook, i);
      else report(ctx, childPointer(ptr, 'hook'), oneServicePerHookProblem(s.hook, first));
    }
    checkPrefetch(ctx, s, ptr);
  });

  const rules = list(json.rules);
  checkDuplicateIds(ctx, rules, '/rules', 'rule');
  rules.forEach((rule, i) => {
    if (!isRecord(rule)) return;
    const ptr = pointer('rules', i);
    if (list(rule.citations).length === 0) {
      report(ctx, childPointer(ptr, 'citations'), `rule "${String(rule.id)}" has no citations: every rule must cite its source`);
    }
    checkCitationIds(ctx, rule.citations, childPointer(ptr, 'citations'), 'a rule');
    list(rule.hooks).forEach((h, j) => {
      if (typeof h === 'string' && hookDefinition(h) && !serviceHooks.has(h)) {
        report(ctx, childPointer(ptr, 'hooks', j), `no service answers hook "${h}", so the rule can never fire there`);
      }
    });
    checkConditions(ctx, rule.conditions, childPointer(ptr, 'conditions'));
    checkCard(ctx, rule.card, childPointer(ptr, 'card'));
  });
  checkConcerns(ctx, rules);
}

function comparePointers(a: string, b: string): number {
  return a.localeCompare(b, 'en', { numeric: true });
}

/**
 * Validates a parsed rule-set document. Returns every problem (empty = valid), sorted by pointer;
 * within one pointer, schema problems come first.
 */
export function validateRuleSet(json: unknown, opts: ValidateOptions): RuleSetProblem[] {
  const file = opts.file;
  const problems: RuleSetProblem[] = [];
  for (const d of opts.duplicateKeys ?? []) {
    problems.push({ file, pointer: d.pointer, message: `duplicate key "${d.key}" (line ${d.line}, column ${d.column}): JSON keeps only the last one, so an earlier entry is silently lost` });
  }
  problems.push(...schemaProblems(json, file));
  if (isRecord(json)) {
    const evidence = records(json.evidence);
    const ctx: Ctx = {
      file,
      problems,
      factKinds: opts.factKinds ?? FACT_KINDS,
      doc: json,
      citations: records(json.citations),
      valueSets: records(json.valueSets),
      parameters: records(json.parameters),
      products: records(json.products),
      schedules: records(json.schedules),
      facts: records(json.facts),
      indicationIds: new Set(list(evidence.indications).flatMap((ind) => (isRecord(ind) && typeof ind.id === 'string' ? [ind.id] : []))),
    };
    checkDuplicateIds(ctx, list(evidence.indications), pointer('evidence', 'indications'), 'indication');
    semanticProblems(json, ctx);
  }
  const seen = new Set<string>();
  const unique = problems.filter((p) => {
    const key = `${p.pointer}\u0000${p.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  return unique
    .map((p, i) => ({ p, i }))
    .sort((x, y) => comparePointers(x.p.pointer, y.p.pointer) || x.i - y.i)
    .map((x) => x.p);
}
