/**
 * A rule-set version's identity hash: SHA-256 of the canonical JSON of its content without the
 * "$schema" key (editor tooling may add or change "$schema"; it is not content).
 */
import { canonicalHash } from '../lib/canonical-json.js';
import type { RuleSet } from '../engine/rule-set-types.js';

export function ruleSetWithoutSchema(content: RuleSet): RuleSet {
  const { $schema: _schema, ...rest } = content;
  return rest;
}

export function ruleSetContentHash(content: RuleSet): string {
  return canonicalHash(ruleSetWithoutSchema(content));
}
