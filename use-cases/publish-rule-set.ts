/**
 * Publishing a rule-set version into the registry (state draft), shared by POST /admin/api/rule-sets
 * and `cds-rules publish`: parse the JSON text (syntax errors with line and column, duplicate keys),
 * validate it with the engine's validator (every problem, each with a JSON pointer), then store it
 * under its content hash. Publishing identical content again is a no-op; different content under an
 * existing id+version is refused (published versions are immutable).
 */
import { parseJsonText, type DuplicateKey } from '../lib/json-text.js';
import type { RuleSet } from '../engine/rule-set-types.js';
import { validateRuleSet } from '../engine/validate-rule-set.js';
import { ruleSetContentHash } from '../store/rule-set-hash.js';
import { StoreError } from '../store/store-error.js';
import type { RuleSetVersionRecord, Store } from '../store/store.js';
import { storeErrorToAdminError, unprocessable, type AdminProblem } from './admin-error.js';

export interface PublishOutcome {
  record: RuleSetVersionRecord;
  /** False when the same content was already published under this id and version. */
  created: boolean;
}

/** Publishes JSON text; `source` names it in problems (a file path, or "request body"). */
export async function publishRuleSetText(store: Store, text: string, source: string, author: string): Promise<PublishOutcome> {
  const parsed = parseJsonText(text);
  if (!parsed.ok) {
    const { message, line, column } = parsed.error;
    throw unprocessable(`${source} is not valid JSON`, [{ pointer: '', message: `${message} (line ${line}, column ${column})` }]);
  }
  return publishRuleSetJson(store, parsed.value, source, author, parsed.duplicates);
}

/** Publishes an already parsed document (duplicate keys can only be reported when known). */
export async function publishRuleSetJson(
  store: Store,
  json: unknown,
  source: string,
  author: string,
  duplicateKeys: readonly DuplicateKey[] = [],
): Promise<PublishOutcome> {
  const problems = validateRuleSet(json, { file: source, duplicateKeys });
  if (problems.length > 0) {
    const list: AdminProblem[] = problems.map((p) => ({ pointer: p.pointer, message: p.message }));
    throw unprocessable(`the rule set is invalid: ${list.length} problem${list.length === 1 ? '' : 's'}`, list);
  }
  const content = json as RuleSet;
  try {
    const existing = await store.getVersion(content.id, content.version);
    const record = await store.publish(content, ruleSetContentHash(content), author);
    return { record, created: existing === undefined };
  } catch (err) {
    if (err instanceof StoreError) throw storeErrorToAdminError(err);
    throw err;
  }
}
