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
import { pointerToken, type Problem } from '../../lib/problem.js';
import { MAX_PROBLEMS } from '../../cds-hooks/json-schemas.js';
import { SERVER_SCHEMA_DIR } from './schemas.js';

type Kind = string;
type Shape = Record<string, Kind | [Kind]>;

const SHAPES = JSON.parse(readFileSync(join(SERVER_SCHEMA_DIR, 'fhir-r4-shapes.json'), 'utf8')) as Record<string, Shape | string>;
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

/**
 * Resource objects whose whole shape was checked without a problem (after any repair). Lets a later
 * check of the same objects (step 4b re-checking the assembled record) skip what step 2 already
 * checked. Weak: nothing is kept alive by it.
 */
const checkedResources = new WeakSet<object>();

/** True when this very object was checked as a FHIR resource and had no problem. */
export function wasCheckedAsResource(value: unknown): boolean {
  return typeof value === 'object' && value !== null && checkedResources.has(value);
}

/**
 * Walks a value and records shape problems. The JSON pointer of the element being checked is kept as a
 * stack of member names and indexes below the root pointer, and rendered only when a problem is recorded:
 * escaping, or even allocating, a pointer for every visited element cost more than the check itself.
 */
class ShapeCheck {
  private readonly path: Array<string | number> = [];

  constructor(
    readonly problems: Problem[],
    private readonly root: string,
    private readonly limit: number,
    private readonly repairSingletons: boolean,
  ) {}

  get full(): boolean {
    return this.problems.length >= this.limit;
  }

  /** Records a problem at the element being checked, or at its member `token`. */
  private add(message: string, token?: string): void {
    if (this.full) return;
    let pointer = this.root;
    for (const step of this.path) pointer += `/${pointerToken(step)}`;
    if (token !== undefined) pointer += `/${pointerToken(token)}`;
    this.problems.push({ pointer, message });
  }

  resource(value: unknown): void {
    if (!isPlainObject(value)) return this.add('must be a FHIR resource (a JSON object with a resourceType)');
    if (!isFhirResourceType(value.resourceType)) {
      return this.add('must name a FHIR R4 resource type (e.g. "Condition")', 'resourceType');
    }
    if (this.full) return;
    const before = this.problems.length;
    this.object(value, value.resourceType);
    if (this.problems.length === before) checkedResources.add(value);
  }

  private element(value: unknown, kind: Kind): void {
    if (this.full) return;
    switch (kind) {
      case 'string':
      case 'boolean':
        if (typeof value !== kind) this.add(`must be ${describeKind(kind)}`);
        return;
      case 'number':
        if (typeof value !== 'number' || !Number.isFinite(value)) this.add(`must be ${describeKind(kind)}`);
        return;
      case 'Resource':
        this.resource(value);
        return;
      default:
        if (!isPlainObject(value)) return this.add(`must be ${describeKind(kind)}`);
        this.object(value, kind);
    }
  }

  /** Checks item `index` of the array being checked. */
  private item(value: unknown, kind: Kind, index: number): void {
    this.path.push(index);
    this.element(value, kind);
    this.path.pop();
  }

  private object(value: Record<string, unknown>, kind: Kind): void {
    const shape = shapeOf(kind);
    if (shape === undefined) return;
    for (const member of Object.keys(value)) {
      if (this.full) return;
      if (member === 'resourceType') continue;
      this.path.push(member);
      this.member(value, kind, shape, member);
      this.path.pop();
    }
  }

  /** Checks `value[member]`; the path already ends with `member`. */
  private member(value: Record<string, unknown>, kind: Kind, shape: Shape, member: string): void {
    const child = value[member];
    const primitiveExtension = member.startsWith('_') && Object.hasOwn(shape, member.slice(1)) ? shape[member.slice(1)] : undefined;
    if (primitiveExtension !== undefined) {
      // `_birthDate: {extension: [...]}` carries extensions of a primitive (an array of them, or nulls, when it repeats).
      if (Array.isArray(primitiveExtension)) {
        if (!Array.isArray(child)) this.add('must be an array (extensions of a repeating primitive)');
        else child.forEach((item, i) => item !== null && this.item(item, 'Element', i));
      } else this.element(child, 'Element');
      return;
    }
    if (!Object.hasOwn(shape, member)) return; // unknown members are not this check's business
    const spec = shape[member];
    if (Array.isArray(spec)) {
      const [itemKind] = spec;
      if (!Array.isArray(child)) {
        if (!this.repairSingletons || child === null) {
          this.add(`must be an array (FHIR ${kind}.${member} repeats)`);
          return;
        }
        value[member] = [child];
        this.element(child, itemKind); // problems point at the value as it was sent
        return;
      }
      for (let i = 0; i < child.length; i++) {
        if (!(i in child)) continue; // a hole (never in parsed JSON), skipped as forEach does
        const item: unknown = child[i];
        if (item === null && PRIMITIVE_KINDS.has(itemKind)) continue; // paired with a `_member` extension entry
        this.item(item, itemKind, i);
      }
    } else {
      if (Array.isArray(child)) {
        this.add(`must be a single value, not an array (FHIR ${kind}.${member} does not repeat)`);
        return;
      }
      this.element(child, spec);
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
  const check = new ShapeCheck([], pointer, options.limit ?? MAX_PROBLEMS, options.repairSingletons ?? true);
  check.resource(value);
  return check.problems;
}
