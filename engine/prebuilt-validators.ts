/**
 * Validators compiled at build time, as the engine sees them. Compiling the rule-set schema and the fact
 * kinds' params schemas with ajv takes about a quarter of the service's start-up; `npm run build` therefore
 * writes them as ajv standalone code to dist/validators/ (use-cases/prebuilt-validator-files.ts), and a
 * front door that starts (the service, the CLI) hands them to the engine with usePrebuiltValidators before
 * the first validation. The engine reads no file itself.
 *
 * A prebuilt validator is used only when the fingerprint it was built from (SHA-256 of the canonical JSON
 * of its schema) equals the fingerprint of the schema in use now; otherwise (none given, a schema or fact
 * kind changed since the build, a file that does not load) the schema is compiled at run time. So a stale
 * build can cost start-up time, never correctness. Both paths use the same ajv options, so they report the
 * same errors (test/engine/prebuilt-validators.test.ts).
 */
import { Ajv2020, type Options, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { canonicalHash } from '../lib/canonical-json.js';

/** The rule-set schema's validator: strict, every error, the failing data and schema in each error. */
export const RULE_SET_AJV_OPTIONS: Options = { allErrors: true, verbose: true, strict: true, strictRequired: false, allowUnionTypes: true };
/** Fact kinds' params schemas: tolerant of annotation keywords. */
export const PARAMS_AJV_OPTIONS: Options = { allErrors: true, verbose: true, strict: false, allowUnionTypes: true };

type AddFormats = (ajv: Ajv2020) => Ajv2020;
// ajv-formats is CommonJS with `exports.default`; under NodeNext the default import is the module object.
const addFormats: AddFormats = (addFormatsModule as unknown as { default?: AddFormats }).default ?? (addFormatsModule as unknown as AddFormats);

export function newAjv(options: Options): Ajv2020 {
  const ajv = new Ajv2020(options);
  addFormats(ajv);
  return ajv;
}

/** What a prebuilt validator is checked against: the SHA-256 of its schema's canonical JSON. */
export function schemaFingerprint(schema: unknown): string {
  return canonicalHash(schema);
}

/**
 * Where prebuilt validators come from: the validator `name` of the prebuilt module `file` (e.g.
 * 'rule-set.cjs', 'ruleSet') if it was built from a schema with this fingerprint, else undefined.
 */
export type PrebuiltValidatorSource = (file: string, name: string, fingerprint: string) => ValidateFunction | undefined;

let source: PrebuiltValidatorSource | undefined;

/**
 * Hands the engine its prebuilt validators (use-cases/prebuilt-validator-files.ts). Call it before the
 * first validation: validators are chosen once per process and kept.
 */
export function usePrebuiltValidators(given: PrebuiltValidatorSource | undefined): void {
  source = given;
}

/** The prebuilt validator the source gives for this schema fingerprint, or undefined (compile it). */
export function prebuiltValidator(file: string, name: string, fingerprint: string): ValidateFunction | undefined {
  return source?.(file, name, fingerprint);
}
