/**
 * CDS Hooks 2.0 prefetch templates: which tokens are allowed, how to validate a template, and how to
 * render one against a request's context (spec 2.0 "Prefetch tokens"; spec-brief 2.3).
 *
 * 2.0 tokens are exactly:
 *  - `{{context.<field>}}` where <field> is a root-level context field holding a primitive value;
 *  - `{{userPractitionerId}}`, `{{userPractitionerRoleId}}`, `{{userPatientId}}`, `{{userRelatedPersonId}}`,
 *    derived from `context.userId` (`Type/id`).
 * FHIRPath tokens (`{{context.draftOrders...}}`, `{{today()}}`) are a 3.0-ballot feature and are rejected,
 * as is the pre-1.0 `{{Patient.id}}` form.
 *
 * Substituted values are URL-encoded with encodeURIComponent, with one exception: `{{context.userId}}`,
 * whose value the spec defines as a relative reference `Type/id`, keeps its `/` when it is exactly that
 * form, so the spec's `"user": "{{context.userId}}"` renders to a read `Practitioner/123`. Both parts are
 * restricted to FHIR's type and id character sets, so nothing else can be smuggled into the URL.
 *
 * A template must render to an instance read (`Type/id`) or a type-level search (`Type?params`), the
 * spec's recommended subset; anything else is rejected when the templates are validated.
 */

import { USER_TOKEN_TYPES } from './hooks.js';

export type UserToken = keyof typeof USER_TOKEN_TYPES;

export type TemplateToken =
  | { kind: 'context'; field: string; text: string }
  | { kind: 'user'; name: UserToken; text: string };

export type RenderResult = { ok: true; query: string } | { ok: false; reason: string };

/** Thrown when a service declares a template that is not valid CDS Hooks 2.0 (a configuration error). */
export class PrefetchTemplateError extends Error {
  constructor(
    readonly key: string,
    readonly problem: string,
  ) {
    super(`Prefetch template "${key}": ${problem}`);
    this.name = 'PrefetchTemplateError';
  }
}

const TOKEN_PATTERN = /\{\{([^{}]*)\}\}/g;
const CONTEXT_TOKEN = /^context\.([A-Za-z_][A-Za-z0-9_]*)$/;
const FHIR_ID = /^[A-Za-z0-9\-.]{1,64}$/;
const RELATIVE_REFERENCE = /^([A-Z][A-Za-z]{1,63})\/([A-Za-z0-9\-.]{1,64})$/;

function isUserToken(name: string): name is UserToken {
  return Object.prototype.hasOwnProperty.call(USER_TOKEN_TYPES, name);
}

/**
 * Lists a template's tokens. Throws PrefetchTemplateError naming the first token that is not a 2.0 token,
 * or unbalanced `{{`/`}}`.
 */
export function parseTemplateTokens(key: string, template: string): TemplateToken[] {
  if (typeof template !== 'string' || template.trim() === '') {
    throw new PrefetchTemplateError(key, 'template must be a non-empty string');
  }
  const tokens: TemplateToken[] = [];
  for (const match of template.matchAll(TOKEN_PATTERN)) {
    const text = match[0];
    const inner = match[1].trim();
    const contextMatch = CONTEXT_TOKEN.exec(inner);
    if (contextMatch) {
      tokens.push({ kind: 'context', field: contextMatch[1], text });
    } else if (isUserToken(inner)) {
      tokens.push({ kind: 'user', name: inner, text });
    } else {
      throw new PrefetchTemplateError(
        key,
        `token ${text} is not a CDS Hooks 2.0 prefetch token (allowed: {{context.<root-level field>}}, ` +
          `{{${Object.keys(USER_TOKEN_TYPES).join('}}, {{')}}})`,
      );
    }
  }
  const leftover = template.replace(TOKEN_PATTERN, '');
  if (leftover.includes('{{') || leftover.includes('}}')) {
    throw new PrefetchTemplateError(key, 'unbalanced "{{" or "}}" in template');
  }
  return tokens;
}

/**
 * Validates one template: 2.0 tokens only, and it must render to a read or a type-level search.
 * Throws PrefetchTemplateError naming the key and the problem.
 */
export function validatePrefetchTemplate(key: string, template: string): void {
  const tokens = parseTemplateTokens(key, template);
  const sample = template.replace(TOKEN_PATTERN, (text) => {
    const token = tokens.find((t) => t.text === text);
    return token?.kind === 'context' && token.field === 'userId' ? 'Practitioner/sample' : 'sample';
  });
  if (!queryShape(sample)) {
    throw new PrefetchTemplateError(
      key,
      'template must be an instance read "Type/{{...}}" or a type-level search "Type?param=..."',
    );
  }
}

/**
 * Frozen template objects already validated: a service's templates (frozen with its compiled rule set)
 * are then checked once, not on every call. Objects that are not frozen could change, so they are
 * checked every time.
 */
const VALIDATED_FROZEN = new WeakSet<object>();

/** Validates every template of a service; throws PrefetchTemplateError on the first invalid one. */
export function validatePrefetchTemplates(templates: Record<string, string>): void {
  if (typeof templates !== 'object' || templates === null) {
    throw new PrefetchTemplateError('(all)', 'templates must be an object of key -> template');
  }
  if (VALIDATED_FROZEN.has(templates)) return;
  for (const [key, template] of Object.entries(templates)) validatePrefetchTemplate(key, template);
  if (Object.isFrozen(templates)) VALIDATED_FROZEN.add(templates);
}

/** The raw (unencoded) value a token stands for in this context, or a reason it has none. */
function tokenValue(token: TemplateToken, context: Record<string, unknown>): { value: string } | { reason: string } {
  if (token.kind === 'context') {
    const value = context[token.field];
    if (value === undefined || value === null) {
      return { reason: `token ${token.text} has no value: context.${token.field} is absent` };
    }
    if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') {
      return { reason: `token ${token.text} needs a primitive, but context.${token.field} is not one` };
    }
    const text = String(value);
    if (text === '') return { reason: `token ${token.text} has no value: context.${token.field} is empty` };
    return { value: text };
  }
  const expectedType = USER_TOKEN_TYPES[token.name];
  const userId = context.userId;
  if (typeof userId !== 'string') return { reason: `token ${token.text} needs context.userId, which is absent` };
  const reference = RELATIVE_REFERENCE.exec(userId);
  if (!reference) return { reason: `token ${token.text}: context.userId is not of the form Type/id` };
  if (reference[1] !== expectedType) {
    return { reason: `token ${token.text} has no value: context.userId is not a ${expectedType}` };
  }
  return { value: reference[2] };
}

/** URL-encodes a substituted value; `{{context.userId}}` keeps the slash of `Type/id` (see file comment). */
export function encodeTokenValue(token: TemplateToken, value: string): string {
  if (token.kind === 'context' && token.field === 'userId') {
    const reference = RELATIVE_REFERENCE.exec(value);
    if (reference && reference[2] !== '.' && reference[2] !== '..' && FHIR_ID.test(reference[2])) {
      return `${reference[1]}/${reference[2]}`;
    }
  }
  return encodeURIComponent(value);
}

/**
 * Renders a template against a request context. Invalid templates throw PrefetchTemplateError; a valid
 * template whose token has no value in this context returns `{ ok: false, reason }` (patient-data-free).
 */
export function renderPrefetchTemplate(
  key: string,
  template: string,
  context: Record<string, unknown>,
): RenderResult {
  const tokens = parseTemplateTokens(key, template);
  const values = new Map<string, string>();
  for (const token of tokens) {
    const result = tokenValue(token, context);
    if ('reason' in result) return { ok: false, reason: result.reason };
    values.set(token.text, encodeTokenValue(token, result.value));
  }
  const query = template.replace(TOKEN_PATTERN, (text) => values.get(text) ?? text);
  return { ok: true, query };
}

/** What a rendered query asks for: a read of one resource, or a search returning a Bundle of `type`. */
export type QueryShape =
  | { kind: 'read'; resourceType: string; id: string }
  | { kind: 'search'; resourceType: string; includesOtherTypes: boolean };

/** Classifies a rendered relative query (`Type/id`, `Type?params`, `Type`); undefined if neither. */
export function queryShape(query: string): QueryShape | undefined {
  const [path, params = ''] = query.split('?', 2);
  const read = RELATIVE_REFERENCE.exec(path);
  if (read && !query.includes('?')) return { kind: 'read', resourceType: read[1], id: read[2] };
  if (/^[A-Z][A-Za-z]{1,63}$/.test(path)) {
    const includesOtherTypes = /(^|&)_(rev)?include(:iterate)?=/.test(params);
    return { kind: 'search', resourceType: path, includesOtherTypes };
  }
  return undefined;
}
