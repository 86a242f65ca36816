/**
 * The JSON shape of FHIR R4 resources: every element has the JSON type its definition gives it (an
 * array for a repeating element, an object for a complex type, a string, number or boolean for a
 * primitive), recursively, by resourceType. This is what the engine's fact code relies on when it reads
 * a resource (`coding.find`, `for (const c of component)`, `text.slice`): a resource that breaks it
 * would make evaluation fail, so it is refused at the door with a pointer to the element.
 *
 * One deviation is repaired rather than refused: a single value where the element repeats (the CDS Hooks
 * library's own order-select R4 example sends `doseAndRate` as an object) becomes a one-element array, in
 * place, so everything downstream sees proper FHIR R4. An array where a single value is due is refused
 * (which element was meant is ambiguous).
 *
 * Deliberately lenient about everything else: unknown members, missing required elements, code
 * values and primitive formats (an unparseable date is the facts' business: they treat it as unknown)
 * are not checked here. The types come from server/schemas/fhir-r4-shapes.json, generated from the HL7
 * StructureDefinitions by server/validation/generate-fhir-shapes.ts.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { joinPointer, type Problem } from './problem.js';
import { MAX_PROBLEMS, SCHEMA_DIR } from './schemas.js';

type Kind = string;
type Shape = Record<string, Kind | [Kind]>;

const SHAPES = JSON.parse(readFileSync(join(SCHEMA_DIR, 'fhir-r4-shapes.json'), 'utf8')) as Record<string, Shape | string>;
const PRIMITIVE_KINDS = new Set(['string', 'number', 'boolean']);
/** Abstract or infrastructure types that are never a resource's resourceType. */
const NOT_RESOURCE_TYPES = new Set(['Resource', 'DomainResource']);

function shapeOf(kind: Kind): Shape | undefined {
  let entry = Object.hasOwn(SHAPES, kind) ? SHAPES[kind] : undefined;
  while (typeof entry === 'string') entry = Object.hasOwn(SHAPES, entry) ? SHAPES[entry] : undefined;
  return entry;
}

/** True for a concrete FHIR R4 resource type (Patient, Condition, Bundle, …). */
export function isFhirResourceType(name: unknown): name is string {
  if (typeof name !== 'string' || NOT_RESOURCE_TYPES.has(name) || name.includes('.') || !Object.hasOwn(SHAPES, name)) return false;
  // Resources (and only resources) have `implicitRules` and `meta` (inherited from Resource).
  const shape = shapeOf(name);
  return shape !== undefined && shape.implicitRules === 'string' && shape.meta === 'Meta';
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describeKind(kind: Kind): string {
  if (kind === 'string') return 'a string';
  if (kind === 'number') return 'a number';
  if (kind === 'boolean') return 'true or false';
  if (kind === 'Resource') return 'a FHIR resource (a JSON object with a resourceType)';
  return `an object (FHIR ${kind})`;
}

class ShapeCheck {
  constructor(
    readonly problems: Problem[],
    private readonly limit: number,
    private readonly repairSingletons: boolean,
  ) {}

  get full(): boolean {
    return this.problems.length >= this.limit;
  }

  add(pointer: string, message: string): void {
    if (!this.full) this.problems.push({ pointer, message });
  }

  resource(value: unknown, pointer: string): void {
    if (!isPlainObject(value)) return this.add(pointer, 'must be a FHIR resource (a JSON object with a resourceType)');
    if (!isFhirResourceType(value.resourceType)) {
      return this.add(joinPointer(pointer, 'resourceType'), 'must name a FHIR R4 resource type (e.g. "Condition")');
    }
    this.object(value, value.resourceType, pointer);
  }

  element(value: unknown, kind: Kind, pointer: string): void {
    if (this.full) return;
    switch (kind) {
      case 'string':
      case 'boolean':
        if (typeof value !== kind) this.add(pointer, `must be ${describeKind(kind)}`);
        return;
      case 'number':
        if (typeof value !== 'number' || !Number.isFinite(value)) this.add(pointer, `must be ${describeKind(kind)}`);
        return;
      case 'Resource':
        this.resource(value, pointer);
        return;
      default:
        if (!isPlainObject(value)) return this.add(pointer, `must be ${describeKind(kind)}`);
        this.object(value, kind, pointer);
    }
  }

  private object(value: Record<string, unknown>, kind: Kind, pointer: string): void {
    const shape = shapeOf(kind);
    if (shape === undefined) return;
    for (const [member, child] of Object.entries(value)) {
      if (this.full) return;
      const at = joinPointer(pointer, member);
      if (member === 'resourceType') continue;
      const primitiveExtension = member.startsWith('_') && Object.hasOwn(shape, member.slice(1)) ? shape[member.slice(1)] : undefined;
      if (primitiveExtension !== undefined) {
        // `_birthDate: {extension: [...]}` carries extensions of a primitive (an array of them, or nulls, when it repeats).
        if (Array.isArray(primitiveExtension)) {
          if (!Array.isArray(child)) this.add(at, 'must be an array (extensions of a repeating primitive)');
          else child.forEach((item, i) => item !== null && this.element(item, 'Element', joinPointer(at, i)));
        } else this.element(child, 'Element', at);
        continue;
      }
      if (!Object.hasOwn(shape, member)) continue; // unknown members are not this check's business
      const spec = shape[member];
      if (Array.isArray(spec)) {
        const [itemKind] = spec;
        if (!Array.isArray(child)) {
          if (!this.repairSingletons || child === null) {
            this.add(at, `must be an array (FHIR ${kind}.${member} repeats)`);
            continue;
          }
          value[member] = [child];
          this.element(child, itemKind, at); // problems point at the value as it was sent
          continue;
        }
        child.forEach((item, i) => {
          if (item === null && PRIMITIVE_KINDS.has(itemKind)) return; // paired with a `_member` extension entry
          this.element(item, itemKind, joinPointer(at, i));
        });
      } else {
        if (Array.isArray(child)) {
          this.add(at, `must be a single value, not an array (FHIR ${kind}.${member} does not repeat)`);
          continue;
        }
        this.element(child, spec, at);
      }
    }
  }
}

export interface ShapeOptions {
  /** Most problems reported (default MAX_PROBLEMS). */
  limit?: number;
  /** Wrap a single value where the element repeats into an array, in place (default true). */
  repairSingletons?: boolean;
}

/**
 * Problems of a value that must be a FHIR R4 resource, with pointers below `pointer`. With
 * repairSingletons (the default) the value may be changed in place (see the file comment).
 */
export function fhirResourceProblems(value: unknown, pointer: string, options: ShapeOptions = {}): Problem[] {
  const check = new ShapeCheck([], options.limit ?? MAX_PROBLEMS, options.repairSingletons ?? true);
  check.resource(value, pointer);
  return check.problems;
}
