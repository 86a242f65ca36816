/**
 * The service's own JSON Schemas (server/schemas/: the trusted-clients file, the error body, the
 * OperationOutcome of a 412), compiled together with the spec's (cds-hooks/schemas/, whose
 * common.schema.json they build on). The spec's message schemas are validated through
 * cds-hooks/json-schemas.ts.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CDS_HOOKS_SCHEMA_DIR, SchemaSet, type CdsHooksSchemaName } from '../../cds-hooks/json-schemas.js';
import type { Problem } from '../../lib/problem.js';

export const SERVER_SCHEMA_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'schemas');

export type ServerSchemaName = 'error-response' | 'operation-outcome' | 'cds-clients';
export type SchemaName = CdsHooksSchemaName | ServerSchemaName;

const schemas = new SchemaSet<SchemaName>([CDS_HOOKS_SCHEMA_DIR, SERVER_SCHEMA_DIR]);

/** Validates `value` against a spec or server schema; [] when valid. `basePointer` prefixes every pointer. */
export function validateAgainst(name: SchemaName, value: unknown, basePointer = ''): Problem[] {
  return schemas.validate(name, value, basePointer);
}
