/**
 * Card text templates: literal text with `{{fact.path}}` variables, e.g.
 * "BP {{recentBp.systolic}}/{{recentBp.diastolic}} mmHg is above {{…}}". A variable names a declared
 * fact and a restricted path into its output (`{{bp.latest.systolic}}` reads `$.latest.systolic` of
 * fact `bp`). There is no logic in templates: conditions belong in the rule.
 */
import { displayDate, type DateDisplay } from './facts/support/dates.js';
import { parseRestrictedPath, resolveSegments, type PathSegment } from './restricted-path.js';

export interface TemplateVariable {
  /** The text between the braces, trimmed. */
  raw: string;
  fact: string;
  segments: PathSegment[];
  /** `$…` path into the fact value. */
  path: string;
}

export type TemplatePart = { kind: 'text'; text: string } | { kind: 'variable'; variable: TemplateVariable };

export type ParsedTemplate = { ok: true; parts: TemplatePart[] } | { ok: false; errors: string[] };

/** A card summary must render to at most this many characters (CDS Hooks: "<140"). */
export const MAX_SUMMARY_LENGTH = 139;

/** Fact names usable in templates (and everywhere else). */
export const FACT_NAME_PATTERN = /^[A-Za-z][A-Za-z0-9_-]*$/;

const VARIABLE_HEAD = /^([A-Za-z][A-Za-z0-9_-]*)(.*)$/s;

function parseVariable(raw: string): TemplateVariable | string {
  const m = VARIABLE_HEAD.exec(raw);
  if (!m) return `"{{${raw}}}" is not a variable: write {{factName.field}}`;
  const fact = m[1];
  const path = `$${m[2]}`;
  const parsed = parseRestrictedPath(path);
  if (!parsed.ok) return `"{{${raw}}}": ${parsed.error}`;
  return { raw, fact, segments: parsed.segments, path };
}

export function parseTemplate(template: string): ParsedTemplate {
  const parts: TemplatePart[] = [];
  const errors: string[] = [];
  let rest = template;
  while (rest.length > 0) {
    const open = rest.indexOf('{{');
    const strayClose = rest.indexOf('}}');
    if (strayClose !== -1 && (open === -1 || strayClose < open)) {
      errors.push(`"}}" without a matching "{{" near "${rest.slice(Math.max(0, strayClose - 20), strayClose + 2)}"`);
      rest = rest.slice(strayClose + 2);
      continue;
    }
    if (open === -1) {
      parts.push({ kind: 'text', text: rest });
      break;
    }
    if (open > 0) parts.push({ kind: 'text', text: rest.slice(0, open) });
    const close = rest.indexOf('}}', open + 2);
    if (close === -1) {
      errors.push(`"{{" without a closing "}}" near "${rest.slice(open, open + 30)}"`);
      break;
    }
    const inner = rest.slice(open + 2, close).trim();
    if (inner.includes('{{')) {
      errors.push(`nested "{{" inside "{{${inner}}}"`);
    } else {
      const variable = parseVariable(inner);
      if (typeof variable === 'string') errors.push(variable);
      else parts.push({ kind: 'variable', variable });
    }
    rest = rest.slice(close + 2);
  }
  return errors.length ? { ok: false, errors } : { ok: true, parts };
}

/** Literal characters of a parsed template (what remains with every variable removed). */
export function literalLength(parts: readonly TemplatePart[]): number {
  return parts.reduce((n, p) => n + (p.kind === 'text' ? [...p.text].length : 0), 0);
}

/** The variables of a parsed template. */
export function templateVariables(parts: readonly TemplatePart[]): TemplateVariable[] {
  return parts.flatMap((p) => (p.kind === 'variable' ? [p.variable] : []));
}

export interface RenderOptions {
  /** Looks up the computed value of a declared fact. */
  factValue(name: string): unknown;
  /** maxLength of the string at a variable (from the fact kind's output shape), if any. */
  maxLength(variable: TemplateVariable): number | undefined;
  /** Escape substituted text for GitHub-flavoured markdown (card detail). */
  markdown?: boolean;
  /** How a variable's value is shown when it is a date (its output shape's `format`), if it is one. */
  dateDisplay?(variable: TemplateVariable): DateDisplay | undefined;
  /** The evaluation instant: dates less than 24 hours from it are shown with their time. */
  now?: Date;
}

/** Characters that could turn substituted data into links, emphasis, HTML or tables in markdown. */
const MARKDOWN_SPECIALS = /[\\`*_[\]<>|~]/g;

/** Cuts a string to at most `max` characters, ending with "…" when cut. */
export function cutText(text: string, max: number): string {
  const chars = [...text];
  if (chars.length <= max) return text;
  if (max <= 0) return '';
  return chars.slice(0, max - 1).join('') + '…';
}

/**
 * Formats a number for card text within 12 characters: integers as is, other numbers with at most
 * 10 significant digits (0.1 + 0.2 renders as 0.3).
 */
export function formatNumber(n: number): string {
  if (!Number.isFinite(n)) return '';
  let text = Number.isInteger(n) ? String(n) : String(Number(n.toPrecision(10)));
  if (text.length > 12) text = n.toExponential(4);
  return text;
}

/**
 * How one value renders: dates for people (displayDate: YYYY-MM-DD, with "HH:MM UTC" when the time
 * matters), other strings as given (cut to maxLength), numbers formatted, booleans, missing = ''.
 */
export function renderValue(value: unknown, maxLength: number | undefined, date?: { display: DateDisplay; now?: Date }): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string' && date) return displayDate(value, date.now, date.display);
  if (typeof value === 'string') return maxLength === undefined ? value : cutText(value, maxLength);
  if (typeof value === 'number') return formatNumber(value);
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  // Objects/arrays are rejected by validation; render nothing rather than "[object Object]".
  return '';
}

export function renderTemplate(parts: readonly TemplatePart[], options: RenderOptions): string {
  let out = '';
  for (const part of parts) {
    if (part.kind === 'text') {
      out += part.text;
      continue;
    }
    const value = resolveSegments(options.factValue(part.variable.fact), part.variable.segments);
    const display = options.dateDisplay?.(part.variable);
    const text = renderValue(value, options.maxLength(part.variable), display ? { display, now: options.now } : undefined);
    out += options.markdown ? text.replace(MARKDOWN_SPECIALS, (c) => `\\${c}`) : text;
  }
  return out;
}

/** The raw value of a template that is exactly one variable (used to keep JSON types in resources). */
export function singleVariable(parts: readonly TemplatePart[]): TemplateVariable | undefined {
  return parts.length === 1 && parts[0].kind === 'variable' ? parts[0].variable : undefined;
}
