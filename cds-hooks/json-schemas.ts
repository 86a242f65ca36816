/**
 * The CDS Hooks JSON Schemas in cds-hooks/schemas/ (and, through SchemaSet, any other folder of schemas
 * that builds on them, such as server/schemas/) compiled once with ajv (draft 2020-12, ajv-formats), and the
 * translation of ajv errors into Problems ({pointer, message}) that name the field and what is wrong.
 * A schema may carry "x-problem": the message used when a pattern/format/enum/not/anyOf/length check
 * at that place fails, other than a missing or unexpected member (so a client reads "must be a UUID"
 * instead of a regular expression).
 */
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Ajv2020Module, { type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { joinPointer, type Problem } from '../lib/problem.js';

// ajv and ajv-formats are CommonJS with a default export.
const Ajv2020 = Ajv2020Module as unknown as typeof Ajv2020Module.default;
const addFormats = addFormatsModule as unknown as typeof addFormatsModule.default;

/** The spec's message schemas: cds-hooks/schemas/<name>.schema.json. */
export const CDS_HOOKS_SCHEMA_DIR = join(dirname(fileURLToPath(import.meta.url)), 'schemas');

export type CdsHooksSchemaName =
  | 'service-request'
  | 'context-patient-view'
  | 'context-order-select'
  | 'context-order-sign'
  | 'context-appointment-book'
  | 'context-generic'
  | 'feedback'
  | 'service-response'
  | 'discovery-response'
  | 'feedback-response';

/** Most problems reported for one body: enough to fix it, bounded for hostile input. */
export const MAX_PROBLEMS = 20;

const KEYWORDS_WITH_OWN_MESSAGE = new Set(['required', 'dependentRequired', 'additionalProperties', 'false schema']);

function createAjv(dirs: readonly string[]): InstanceType<typeof Ajv2020> {
  const ajv = new Ajv2020({ allErrors: true, verbose: true, strict: true, strictTypes: false, strictRequired: false });
  addFormats(ajv);
  ajv.addKeyword({ keyword: 'x-problem', schemaType: 'string' });
  for (const dir of dirs) {
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.schema.json')).sort()) {
      ajv.addSchema(JSON.parse(readFileSync(join(dir, file), 'utf8')));
    }
  }
  return ajv;
}

/**
 * The schemas of some folders (a schema's $id is its file name, so later folders may $ref the spec's
 * common.schema.json), compiled on first use and kept.
 */
export class SchemaSet<Name extends string> {
  private ajv: InstanceType<typeof Ajv2020> | undefined;
  private readonly compiled = new Map<Name, ValidateFunction>();

  constructor(private readonly dirs: readonly string[]) {}

  validator(name: Name): ValidateFunction {
    let validate = this.compiled.get(name);
    if (!validate) {
      this.ajv ??= createAjv(this.dirs);
      validate = this.ajv.getSchema(`${name}.schema.json`);
      if (!validate) throw new Error(`${name}.schema.json is missing from ${this.dirs.join(', ')}`);
      this.compiled.set(name, validate);
    }
    return validate;
  }

  /** Validates `value` against a named schema; [] when valid. `basePointer` prefixes every pointer. */
  validate(name: Name, value: unknown, basePointer = ''): Problem[] {
    const validate = this.validator(name);
    if (validate(value)) return [];
    return problemsFromAjv(validate.errors ?? [], basePointer);
  }
}

const cdsHooksSchemas = new SchemaSet<CdsHooksSchemaName>([CDS_HOOKS_SCHEMA_DIR]);

/** Validates `value` against one of the spec's schemas; [] when valid. `basePointer` prefixes every pointer. */
export function validateAgainst(name: CdsHooksSchemaName, value: unknown, basePointer = ''): Problem[] {
  return cdsHooksSchemas.validate(name, value, basePointer);
}

function typeName(type: unknown): string {
  const names: Record<string, string> = {
    object: 'an object',
    array: 'an array',
    string: 'a string',
    integer: 'an integer',
    number: 'a number',
    boolean: 'a boolean',
    null: 'null',
  };
  const list = Array.isArray(type) ? type : [type];
  return list.map((t) => names[String(t)] ?? String(t)).join(' or ');
}

function messageFor(error: ErrorObject): { pointerSuffix?: string; message: string } {
  const custom = (error.parentSchema as Record<string, unknown> | undefined)?.['x-problem'];
  if (typeof custom === 'string' && !KEYWORDS_WITH_OWN_MESSAGE.has(error.keyword)) return { message: custom };
  const p = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'required':
      return { pointerSuffix: String(p.missingProperty), message: 'is required' };
    case 'dependentRequired':
      return { pointerSuffix: String(p.missingProperty), message: `is required when "${String(p.property)}" is present` };
    case 'additionalProperties':
      return { pointerSuffix: String(p.additionalProperty), message: 'is not allowed here' };
    case 'false schema':
      return { message: 'is not allowed here' };
    case 'type':
      return { message: `must be ${typeName(p.type)}` };
    case 'enum':
      return { message: `must be one of: ${(p.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}` };
    case 'const':
      return { message: `must be ${JSON.stringify(p.allowedValue)}` };
    case 'minLength':
      return { message: p.limit === 1 ? 'must not be empty' : `must be at least ${String(p.limit)} characters` };
    case 'maxLength':
      return { message: `must be at most ${String(p.limit)} characters` };
    case 'minItems':
      return { message: p.limit === 1 ? 'must not be an empty array' : `must have at least ${String(p.limit)} items` };
    case 'minProperties':
      return { message: p.limit === 1 ? 'must not be an empty object' : `must have at least ${String(p.limit)} members` };
    case 'minimum':
      return { message: `must be >= ${String(p.limit)}` };
    case 'format':
      return { message: `must be a valid ${String(p.format)}` };
    case 'pattern':
      return { message: `must match ${String(p.pattern)}` };
    default:
      return { message: error.message ?? `fails ${error.keyword}` };
  }
}

/** Translates ajv errors into Problems: one per field and fault, innermost cause first. */
export function problemsFromAjv(errors: ErrorObject[], basePointer = ''): Problem[] {
  // "if" only says a "then" failed (its real cause is reported separately); anyOf/not with an
  // x-problem replace the errors of their branches.
  const summarised = errors
    .filter((e) => (e.keyword === 'anyOf' || e.keyword === 'oneOf') && typeof (e.parentSchema as Record<string, unknown>)?.['x-problem'] === 'string')
    .map((e) => `${e.schemaPath}/`);
  const problems: Problem[] = [];
  const seen = new Set<string>();
  for (const error of errors) {
    if (error.keyword === 'if') continue;
    if (summarised.some((prefix) => error.schemaPath.startsWith(prefix))) continue;
    if ((error.keyword === 'anyOf' || error.keyword === 'oneOf') && !summarised.includes(`${error.schemaPath}/`)) continue;
    const { pointerSuffix, message } = messageFor(error);
    const pointer = basePointer + error.instancePath + (pointerSuffix === undefined ? '' : joinPointer('', pointerSuffix));
    const key = `${pointer}\u0000${message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    problems.push({ pointer, message });
    if (problems.length >= MAX_PROBLEMS) break;
  }
  return problems;
}
