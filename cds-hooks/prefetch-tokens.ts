/**
 * CDS Hooks 2.0 prefetch tokens (spec "Prefetch tokens"): delimited by {{ and }}, a token is either
 * `context.<field>` for a root-level primitive context field that the hook marks "Prefetch Token: Yes",
 * or one of the user identifiers derived from context.userId. FHIRPath-style tokens
 * ({{context.draftOrders...}}, {{today()}}) are a 3.0.0-ballot STU feature and are refused.
 * Used when a rule set is loaded: a service whose templates use any other token, or that would not
 * render to a FHIR read or type-level search (cds-hooks/prefetch-template.ts), is refused.
 */
import { hookDefinition, USER_TOKEN_TYPES } from './hooks.js';
import { PrefetchTemplateError as TemplateRenderError, validatePrefetchTemplate } from './prefetch-template.js';

/** Tokens derived from context.userId (new in 2.0): the same list the FHIR layer renders. */
export const USER_TOKENS: readonly string[] = Object.freeze(Object.keys(USER_TOKEN_TYPES));

export interface TemplateProblem {
  key: string;
  template: string;
  message: string;
}

/** Every {{…}} token in a template, trimmed, in order. Unbalanced delimiters are reported separately. */
export function tokensIn(template: string): string[] {
  return [...template.matchAll(/\{\{(.*?)\}\}/g)].map((m) => m[1].trim());
}

export function allowedTokens(hook: string): string[] {
  const fields = hookDefinition(hook)?.prefetchTokenFields;
  if (!fields) return [];
  return [...fields.map((f) => `context.${f}`), ...(fields.includes('userId') ? USER_TOKENS : [])];
}

/** Checks a service's prefetch templates for `hook`; [] when every template uses only 2.0 tokens. */
export function checkPrefetchTemplates(hook: string, templates: Record<string, string>): TemplateProblem[] {
  const problems: TemplateProblem[] = [];
  const allowed = allowedTokens(hook);
  for (const [key, template] of Object.entries(templates)) {
    const report = (message: string): void => void problems.push({ key, template, message });
    const problemsBefore = problems.length;
    if (key.length === 0) report('prefetch key must not be empty');
    if (typeof template !== 'string' || template.trim().length === 0) {
      report('template must be a non-empty FHIR query string');
      continue;
    }
    if (!hookDefinition(hook)) {
      report(`hook "${hook}" has no known prefetch tokens`);
      continue;
    }
    const outside = template.replace(/\{\{.*?\}\}/g, '');
    if (outside.includes('{{') || outside.includes('}}')) report('has an unbalanced {{ or }} delimiter');
    for (const token of tokensIn(template)) {
      if (!allowed.includes(token)) {
        report(
          `token {{${token}}} is not a CDS Hooks 2.0 prefetch token for hook "${hook}" ` +
            `(allowed: ${allowed.map((t) => `{{${t}}}`).join(', ')})`,
        );
      }
    }
    if (problems.length === problemsBefore) {
      // Tokens are fine: the template must also render to a read or a type-level search.
      try {
        validatePrefetchTemplate(key, template);
      } catch (err) {
        if (!(err instanceof TemplateRenderError)) throw err;
        report(err.problem);
      }
    }
  }
  return problems;
}

/** Error thrown when a loaded rule set's service prefetch templates use tokens 2.0 does not define. */
export class PrefetchTemplateError extends Error {
  constructor(
    readonly where: string,
    readonly problems: TemplateProblem[],
  ) {
    super(
      `${where}: prefetch templates refused:\n` +
        problems.map((p) => `  - key "${p.key}" (${JSON.stringify(p.template)}): ${p.message}`).join('\n'),
    );
    this.name = 'PrefetchTemplateError';
  }
}

export function assertPrefetchTemplates(where: string, hook: string, templates: Record<string, string>): void {
  const problems = checkPrefetchTemplates(hook, templates);
  if (problems.length > 0) throw new PrefetchTemplateError(where, problems);
}
