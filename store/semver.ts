/**
 * Semantic Versioning 2.0.0 (https://semver.org) for rule-set versions, through the `semver` package: the
 * syntax, and precedence for ordering versions (build metadata does not count).
 */
import semver from 'semver';

/**
 * A semantic version exactly as written: the package also reads a leading "v" or "=" and surrounding
 * spaces as a version ("v1.0.0"), which a rule-set version never has.
 */
export function isSemver(version: string): boolean {
  return /^[0-9]/.test(version) && version.trim() === version && semver.valid(version) !== null;
}

/** Order by UTF-16 code units (the same everywhere, unlike database collations). */
export function codeUnitOrder(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Negative when a < b, positive when a > b, 0 when equal precedence. When either string is not
 * a semantic version, both are ordered by code units instead. */
export function compareSemver(a: string, b: string): number {
  if (!isSemver(a) || !isSemver(b)) return codeUnitOrder(a, b);
  return semver.compare(a, b);
}
