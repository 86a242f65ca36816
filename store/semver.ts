/** Semantic Versioning 2.0.0 (https://semver.org): the syntax, and precedence for ordering versions. */

/** Semantic Versioning 2.0.0, without a leading "v". */
export const SEMVER =
  /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$/;

/** Order by UTF-16 code units (the same everywhere, unlike database collations). */
export function codeUnitOrder(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function parse(version: string): { core: number[]; pre: string[] } {
  const [withoutBuild] = version.split('+');
  const dash = withoutBuild.indexOf('-');
  const core = (dash === -1 ? withoutBuild : withoutBuild.slice(0, dash)).split('.').map(Number);
  const pre = dash === -1 ? [] : withoutBuild.slice(dash + 1).split('.');
  return { core, pre };
}

/** Negative when a < b, positive when a > b, 0 when equal precedence. When either string is not
 * a semantic version, both are ordered by code units instead. */
export function compareSemver(a: string, b: string): number {
  if (!SEMVER.test(a) || !SEMVER.test(b)) return codeUnitOrder(a, b);
  const x = parse(a);
  const y = parse(b);
  for (let i = 0; i < 3; i++) {
    if (x.core[i] !== y.core[i]) return x.core[i] - y.core[i];
  }
  if (x.pre.length === 0 || y.pre.length === 0) return y.pre.length - x.pre.length;
  for (let i = 0; i < Math.max(x.pre.length, y.pre.length); i++) {
    if (i >= x.pre.length) return -1;
    if (i >= y.pre.length) return 1;
    const p = x.pre[i];
    const q = y.pre[i];
    if (p === q) continue;
    const pNum = /^\d+$/.test(p);
    const qNum = /^\d+$/.test(q);
    if (pNum && qNum) return Number(p) - Number(q);
    if (pNum) return -1;
    if (qNum) return 1;
    return codeUnitOrder(p, q);
  }
  return 0;
}
