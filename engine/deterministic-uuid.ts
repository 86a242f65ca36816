/**
 * Deterministic card and suggestion ids: the first 16 bytes of SHA-256 over the NUL-joined parts,
 * formatted as an RFC 9562 (RFC 4122 successor) version-8 UUID with the RFC 4122 variant bits. The
 * same evaluation (same idSeed, rule-set hash, rule id, suggestion index) always yields the same uuid,
 * so replaying a decision reproduces its cards exactly, and feedback can be matched to the decision.
 */
import { createHash } from 'node:crypto';

const HEX = '0123456789abcdef';

export function deterministicUuid(...parts: Array<string | number>): string {
  const hex = createHash('sha256').update(parts.map(String).join('\u0000')).digest('hex');
  // byte 6: version 8 (custom, hash-based) in the high nibble; byte 8: variant 10xx (RFC 4122)
  const version = '8';
  const variant = HEX[(parseInt(hex[16], 16) & 0x3) | 0x8];
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${version}${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** uuid of the card a rule produces in one evaluation. */
export function cardUuid(idSeed: string, ruleSetHash: string, ruleId: string): string {
  return deterministicUuid(idSeed, ruleSetHash, ruleId);
}

/** uuid of suggestion `index` (0-based) of that card. */
export function suggestionUuid(idSeed: string, ruleSetHash: string, ruleId: string, index: number): string {
  return deterministicUuid(idSeed, ruleSetHash, ruleId, index);
}

/**
 * uuid of the merged card of a concern in mode "merge": as cardUuid, with "concern:<id>" in place of
 * the rule id (rule ids cannot contain ":", so the two never collide). It does not depend on which
 * rules contributed.
 */
export function mergedCardUuid(idSeed: string, ruleSetHash: string, concernId: string): string {
  return deterministicUuid(idSeed, ruleSetHash, `concern:${concernId}`);
}
