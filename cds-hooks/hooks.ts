/**
 * The one hook table: the hooks this service knows (CDS Hooks Library, hookVersion 1.0), with the
 * schema their context is checked against and the root-level context fields each marks "Prefetch Token:
 * Yes", and the prefetch tokens 2.0 derives from context.userId. Rule-set validation
 * (engine/validate-rule-set.ts), the FHIR layer (through cds-hooks/prefetch-template.ts) and the server
 * (request validation, the console's preview) all read it from here.
 */
import type { CdsHooksSchemaName } from './json-schemas.js';

export interface HookDefinition {
  /** The JSON Schema of the hook's context (cds-hooks/schemas/<name>.schema.json). */
  contextSchema: CdsHooksSchemaName;
  /** Root-level context fields the hook marks "Prefetch Token: Yes": usable as {{context.<field>}}. */
  prefetchTokenFields: readonly string[];
}

const PATIENT_AND_USER = Object.freeze(['userId', 'patientId', 'encounterId']);

export const HOOKS: Readonly<Record<string, HookDefinition>> = Object.freeze({
  'patient-view': { contextSchema: 'context-patient-view', prefetchTokenFields: PATIENT_AND_USER },
  'order-select': { contextSchema: 'context-order-select', prefetchTokenFields: PATIENT_AND_USER },
  'order-sign': { contextSchema: 'context-order-sign', prefetchTokenFields: PATIENT_AND_USER },
  'appointment-book': { contextSchema: 'context-appointment-book', prefetchTokenFields: PATIENT_AND_USER },
  'encounter-start': { contextSchema: 'context-generic', prefetchTokenFields: PATIENT_AND_USER },
  'encounter-discharge': { contextSchema: 'context-generic', prefetchTokenFields: PATIENT_AND_USER },
});

/** The hook's definition, or undefined for a hook this table does not know. */
export function hookDefinition(hook: string): HookDefinition | undefined {
  return Object.prototype.hasOwnProperty.call(HOOKS, hook) ? HOOKS[hook] : undefined;
}

/** The schema a hook's context is checked against; hooks not in the table get the generic one. */
export function contextSchemaFor(hook: string): CdsHooksSchemaName {
  return hookDefinition(hook)?.contextSchema ?? 'context-generic';
}

/** The user tokens (new in 2.0), each derived from context.userId of the resource type it names. */
export const USER_TOKEN_TYPES = Object.freeze({
  userPractitionerId: 'Practitioner',
  userPractitionerRoleId: 'PractitionerRole',
  userPatientId: 'Patient',
  userRelatedPersonId: 'RelatedPerson',
} as const);
