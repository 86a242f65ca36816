/**
 * Writes the prebuilt validators (engine/prebuilt-validators.ts, use-cases/prebuilt-validator-files.ts) to dist/validators/: the rule-set schema's
 * and every fact kind's params schema's. Run by `npm run build` (scripts/build-server.mjs bundles this file
 * and runs it); `npx tsx scripts/build-validators.ts` does the same from source.
 */
import { FACT_KINDS } from '../engine/facts/index.js';
import { PARAMS_AJV_OPTIONS, RULE_SET_AJV_OPTIONS } from '../engine/prebuilt-validators.js';
import { PREBUILT_VALIDATORS_DIR, writePrebuiltValidators } from '../use-cases/prebuilt-validator-files.js';
import { loadRuleSetSchema, RULE_SET_PREBUILT } from '../engine/schema-validator.js';
import { PARAMS_PREBUILT_FILE } from '../engine/validate-rule-set.js';

const started = Date.now();
writePrebuiltValidators(PREBUILT_VALIDATORS_DIR, RULE_SET_PREBUILT.file, RULE_SET_AJV_OPTIONS, { [RULE_SET_PREBUILT.name]: loadRuleSetSchema() });
writePrebuiltValidators(
  PREBUILT_VALIDATORS_DIR,
  PARAMS_PREBUILT_FILE,
  PARAMS_AJV_OPTIONS,
  Object.fromEntries(Object.values(FACT_KINDS).map((kind) => [kind.kind, kind.paramsSchema])),
);
console.log(`built validators in ${PREBUILT_VALIDATORS_DIR} in ${Date.now() - started} ms`);
