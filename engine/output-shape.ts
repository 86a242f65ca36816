/**
 * Reading a fact kind's output shape (a JSON-Schema subset): which paths exist, what type a path has,
 * and how long a value at that path can render in a card summary.
 */
import type { OutputShape } from './evaluation-types.js';
import { DISPLAY_DATE_MAX } from './facts/support/dates.js';
import { formatSegments, type PathSegment } from './restricted-path.js';

/** Every fact value carries `refs` (FHIR references it came from) whether or not a kind lists it. */
const REFS_SHAPE: OutputShape = {
  type: 'array',
  description: 'FHIR references (Type/id) the value came from',
  items: { type: 'string' },
};

export function shapeTypes(shape: OutputShape): string[] {
  return Array.isArray(shape.type) ? [...shape.type] : [shape.type];
}

export function shapeProperty(shape: OutputShape, name: string): OutputShape | undefined {
  const props = shape.properties;
  if (props && Object.prototype.hasOwnProperty.call(props, name)) return props[name];
  return undefined;
}

export type ShapeLookup = { ok: true; shape: OutputShape } | { ok: false; error: string };

/** The shape at `segments` inside a fact's output shape, or why the path does not exist. */
export function shapeAtPath(root: OutputShape, segments: readonly PathSegment[]): ShapeLookup {
  let shape = root;
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i];
    const types = shapeTypes(shape);
    const here = formatSegments(segments.slice(0, i));
    if (segment.kind === 'index') {
      if (!types.includes('array') || !shape.items) {
        return { ok: false, error: `${here} is ${types.join('|')}, not an array, so [${segment.index}] does not exist` };
      }
      shape = shape.items;
    } else {
      if (!types.includes('object')) {
        return { ok: false, error: `${here} is ${types.join('|')}, not an object, so .${segment.name} does not exist` };
      }
      const next = shapeProperty(shape, segment.name) ?? (i === 0 && segment.name === 'refs' ? REFS_SHAPE : undefined);
      if (!next) {
        const known = Object.keys(shape.properties ?? {});
        return {
          ok: false,
          error: `${here}.${segment.name} is not in the output (known fields at ${here}: ${known.length ? known.join(', ') : 'none'})`,
        };
      }
      shape = next;
    }
  }
  return { ok: true, shape };
}

/** Rendered-length bounds of scalar values in card text (documented in docs/rule-format.md). */
export const RENDER_BOUNDS = Object.freeze({ number: 12, integer: 8, boolean: 5, null: 0, date: DISPLAY_DATE_MAX });

export type RenderBound = { ok: true; max: number } | { ok: false; error: string };

/**
 * The most characters a value of this shape renders to: dates (shapes with a `format`) 20, as
 * displayDate shows them; other strings use maxLength (or the longest enum
 * value); numbers 12; integers 8; booleans 5; null/missing render as nothing. Objects and arrays
 * cannot be rendered in text.
 */
export function renderBound(shape: OutputShape): RenderBound {
  let max = 0;
  for (const type of shapeTypes(shape)) {
    switch (type) {
      case 'string': {
        if (shape.format) max = Math.max(max, DISPLAY_DATE_MAX);
        else if (typeof shape.maxLength === 'number') max = Math.max(max, shape.maxLength);
        else if (Array.isArray(shape.enum) && shape.enum.every((v) => typeof v === 'string')) {
          max = Math.max(max, ...shape.enum.map((v) => String(v).length));
        } else return { ok: false, error: 'is an unbounded string (the fact kind gives no maxLength)' };
        break;
      }
      case 'number':
        max = Math.max(max, RENDER_BOUNDS.number);
        break;
      case 'integer':
        max = Math.max(max, RENDER_BOUNDS.integer);
        break;
      case 'boolean':
        max = Math.max(max, RENDER_BOUNDS.boolean);
        break;
      case 'null':
        break;
      default:
        return { ok: false, error: `is ${type} and cannot be rendered as text (choose a scalar field)` };
    }
  }
  return { ok: true, max };
}

/** Flattens a shape into `$.a.b` rows (arrays as `[0]`), for documentation and error messages. */
export function flattenShape(shape: OutputShape, prefix = '$'): Array<{ path: string; shape: OutputShape }> {
  const rows: Array<{ path: string; shape: OutputShape }> = [];
  for (const [name, child] of Object.entries(shape.properties ?? {})) {
    const path = `${prefix}.${name}`;
    rows.push({ path, shape: child });
    rows.push(...flattenShape(child, path));
  }
  if (shape.items) {
    const path = `${prefix}[0]`;
    if (shape.items.properties || shape.items.items) rows.push(...flattenShape(shape.items, path));
  }
  return rows;
}
