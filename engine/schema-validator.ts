/**
 * The JSON Schema half of rule-set validation: engine/rule-set.schema.json checked with ajv
 * (all errors), each error mapped to a JSON pointer and a sentence an author can act on.
 */
import type { Ajv2020, ErrorObject, ValidateFunction } from 'ajv/dist/2020.js';
import { childPointer } from '../lib/json-pointer.js';
import { newAjv, PARAMS_AJV_OPTIONS, prebuiltValidator, RULE_SET_AJV_OPTIONS, schemaFingerprint } from './prebuilt-validators.js';
import type { RuleSetProblem } from './rule-set-problem.js';
import ruleSetSchema from './rule-set.schema.json' with { type: 'json' };

/** The prebuilt module (dist/validators/) and export name of the rule-set schema's validator. */
export const RULE_SET_PREBUILT = { file: 'rule-set.cjs', name: 'ruleSet' } as const;

let validator: ValidateFunction | undefined;

/** The rule-set JSON Schema (engine/rule-set.schema.json, imported as a module: no file read at run time). */
export function loadRuleSetSchema(): Record<string, unknown> {
  return structuredClone(ruleSetSchema) as Record<string, unknown>;
}

/** Built once per process: the prebuilt validator when one was given and matches the schema (engine/prebuilt-validators.ts), else compiled. */
function ruleSetValidator(): ValidateFunction {
  if (!validator) {
    const schema = loadRuleSetSchema();
    validator =
      prebuiltValidator(RULE_SET_PREBUILT.file, RULE_SET_PREBUILT.name, schemaFingerprint(schema)) ??
      newAjv(RULE_SET_AJV_OPTIONS).compile(schema);
  }
  return validator;
}

/** Creates an ajv instance for fact kinds' params schemas (tolerant of annotation keywords). */
export function paramsAjv(): Ajv2020 {
  return newAjv(PARAMS_AJV_OPTIONS);
}

let sharedParamsAjv: Ajv2020 | undefined;

/**
 * One ajv instance for every fact kind's params schema (creating an instance and adding the formats
 * costs as much as compiling a small schema). Params schemas have no `$id`, so they never collide.
 */
export function sharedParamsValidatorCompiler(): Ajv2020 {
  sharedParamsAjv ??= paramsAjv();
  return sharedParamsAjv;
}

function show(value: unknown): string {
  const text = JSON.stringify(value);
  if (text === undefined) return String(value);
  return text.length > 60 ? `${text.slice(0, 57)}…` : text;
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length];
}

/** "did you mean …?" for a misspelt name among candidates. */
export function didYouMean(name: string, candidates: Iterable<string>): string {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const d = editDistance(name.toLowerCase(), c.toLowerCase());
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return best !== undefined && bestDistance <= Math.max(2, Math.floor(name.length / 3)) ? ` (did you mean "${best}"?)` : '';
}

/** Maps ajv errors to problems; `file` and pointers relative to `basePointer`. */
export function ajvErrorsToProblems(errors: readonly ErrorObject[], file: string, basePointer = ''): RuleSetProblem[] {
  const out: RuleSetProblem[] = [];
  const seen = new Set<string>();
  const add = (pointer: string, message: string): void => {
    const key = `${pointer}\u0000${message}`;
    if (seen.has(key)) return;
    seen.add(key);
    out.push({ file, pointer: basePointer + pointer, message });
  };
  for (const e of errors) {
    const parent = (e.parentSchema ?? {}) as { title?: string; properties?: Record<string, unknown> };
    const params = e.params as Record<string, unknown>;
    if (e.keyword === 'if' || e.keyword === 'propertyNames') continue;
    if (e.propertyName !== undefined) {
      add(childPointer(e.instancePath, e.propertyName), `"${e.propertyName}" is not a valid name here: use letters, digits, ".", "_" or "-", starting with a letter or digit (must match ${String(params.pattern ?? '')})`);
      continue;
    }
    switch (e.keyword) {
      case 'required':
        add(e.instancePath, `missing required property "${String(params.missingProperty)}"`);
        break;
      case 'additionalProperties': {
        const name = String(params.additionalProperty);
        const known = Object.keys(parent.properties ?? {});
        add(childPointer(e.instancePath, name), `unknown property "${name}"${didYouMean(name, known)}${known.length ? `; allowed here: ${known.join(', ')}` : ''}`);
        break;
      }
      case 'enum':
        add(e.instancePath, `must be one of ${(params.allowedValues as unknown[]).map((v) => show(v)).join(', ')}; got ${show(e.data)}`);
        break;
      case 'pattern':
        add(e.instancePath, `${show(e.data)} is not a valid ${parent.title ?? 'value'} (must match ${String(params.pattern)})`);
        break;
      case 'format':
        add(e.instancePath, `${show(e.data)} is not a valid ${String(params.format)}`);
        break;
      case 'type':
        add(e.instancePath, `must be ${String(params.type).replace(/,/g, ' or ')}; got ${typeName(e.data)}`);
        break;
      case 'minItems':
        add(e.instancePath, `must have at least ${String(params.limit)} item${params.limit === 1 ? '' : 's'}`);
        break;
      case 'minLength':
        add(e.instancePath, params.limit === 1 ? 'must not be empty' : `must be at least ${String(params.limit)} characters`);
        break;
      case 'maxLength':
        add(e.instancePath, `must be at most ${String(params.limit)} characters`);
        break;
      case 'uniqueItems':
        add(e.instancePath, `items ${String(params.j)} and ${String(params.i)} are the same; each may appear once`);
        break;
      case 'minimum':
      case 'maximum':
      case 'exclusiveMinimum':
      case 'exclusiveMaximum':
        add(e.instancePath, `must be ${String(params.comparison)} ${String(params.limit)}; got ${show(e.data)}`);
        break;
      default:
        add(e.instancePath, e.message ?? `fails ${e.keyword}`);
    }
  }
  return out;
}

/** Schema problems of a rule-set document (empty when it conforms). */
export function schemaProblems(json: unknown, file: string): RuleSetProblem[] {
  const validate = ruleSetValidator();
  if (validate(json)) return [];
  return ajvErrorsToProblems(validate.errors ?? [], file);
}
