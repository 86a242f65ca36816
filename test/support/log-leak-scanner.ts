/**
 * Finds patient data and secrets in log text and reports WHERE (line numbers and kinds), never WHAT:
 * the report itself must not become a leak.
 *
 * Needles:
 *  - secrets (tokens, token segments): matched anywhere in a line;
 *  - patient values (names, identifiers, birth dates, ids): matched as whole words (not inside a longer
 *    run of letters/digits), case-sensitive, so a birth date inside a timestamp of another year or a
 *    name inside a longer word does not count;
 *  - anything shaped like a JWT (`eyJ…`, base64url JSON) or an `Authorization: Bearer …` value, whether
 *    or not a test registered it.
 * Cost is linear in the log size: each line is split into words once, and a whole-word needle is only
 * tested on lines that contain its longest word; secrets are found by sliding a window over the runs of
 * token characters in a line and looking up the window in an index of the secrets' first characters.
 */

export type LeakKind = 'token' | 'jwt-shaped' | 'bearer-credential' | `patient-${string}`;

export interface Needle {
  kind: LeakKind;
  value: string;
  /** Whole-word match (patient data) or substring match (secrets). */
  wholeWord: boolean;
}

export interface Leak {
  /** 1-based line number in the scanned text. */
  line: number;
  kind: LeakKind;
}

/** Needles shorter than this are skipped: too likely to match by accident, too short to identify anyone. */
export const MIN_NEEDLE_LENGTH = 3;
/** Secrets are indexed by this many leading characters; shorter secrets are not tracked. */
export const SECRET_PREFIX_LENGTH = 8;
/** Characters a bearer token, JWT or access token is made of. */
const TOKEN_RUN = /[A-Za-z0-9._~+/=-]{8,}/g;

const WORD = /[\p{L}\p{N}]+/gu;
const JWT_SHAPED = /eyJ[A-Za-z0-9_-]{16,}/;
const BEARER_CREDENTIAL = /bearer\s+(?!\[redacted\])[A-Za-z0-9._~+/-]{12,}/i;

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

interface PreparedNeedle {
  kind: LeakKind;
  test: (line: string) => boolean;
}

/** A whole-word needle: its value not preceded or followed by a letter or digit. */
function prepare(needle: Needle): PreparedNeedle {
  const pattern = new RegExp(`(?<![\\p{L}\\p{N}])${escapeRegExp(needle.value)}(?![\\p{L}\\p{N}])`, 'u');
  return { kind: needle.kind, test: (line) => line.includes(needle.value) && pattern.test(line) };
}

function longestWord(text: string): string | undefined {
  let longest: string | undefined;
  for (const match of text.matchAll(WORD)) if (longest === undefined || match[0].length > longest.length) longest = match[0];
  return longest;
}

export class LeakScanner {
  private readonly byAnchor = new Map<string, PreparedNeedle[]>();
  private readonly unanchored: PreparedNeedle[] = [];
  private readonly secretsByPrefix = new Map<string, Needle[]>();

  constructor(needles: readonly Needle[]) {
    const seen = new Set<string>();
    for (const needle of needles) {
      if (needle.value.length < MIN_NEEDLE_LENGTH) continue;
      const key = `${needle.kind}\u0000${needle.wholeWord}\u0000${needle.value}`;
      if (seen.has(key)) continue;
      seen.add(key);
      if (!needle.wholeWord && !/^[A-Za-z0-9._~+/=-]+$/.test(needle.value)) {
        this.unanchored.push({ kind: needle.kind, test: (line) => line.includes(needle.value) });
        continue;
      }
      if (!needle.wholeWord) {
        if (needle.value.length < SECRET_PREFIX_LENGTH) continue;
        const prefix = needle.value.slice(0, SECRET_PREFIX_LENGTH);
        this.secretsByPrefix.set(prefix, [...(this.secretsByPrefix.get(prefix) ?? []), needle]);
        continue;
      }
      const prepared = prepare(needle);
      const anchor = longestWord(needle.value);
      if (anchor === undefined) this.unanchored.push(prepared);
      else this.byAnchor.set(anchor, [...(this.byAnchor.get(anchor) ?? []), prepared]);
    }
  }

  /** Kinds of leak found in one line (each kind once). */
  scanLine(line: string): LeakKind[] {
    const kinds = new Set<LeakKind>();
    if (JWT_SHAPED.test(line)) kinds.add('jwt-shaped');
    if (BEARER_CREDENTIAL.test(line)) kinds.add('bearer-credential');
    const tested = new Set<PreparedNeedle>();
    const check = (needle: PreparedNeedle): void => {
      if (tested.has(needle)) return;
      tested.add(needle);
      if (needle.test(line)) kinds.add(needle.kind);
    };
    for (const match of line.matchAll(WORD)) for (const needle of this.byAnchor.get(match[0]) ?? []) check(needle);
    for (const needle of this.unanchored) check(needle);
    if (this.secretsByPrefix.size > 0) {
      for (const run of line.matchAll(TOKEN_RUN)) {
        const text = run[0];
        for (let i = 0; i + SECRET_PREFIX_LENGTH <= text.length; i++) {
          for (const secret of this.secretsByPrefix.get(text.slice(i, i + SECRET_PREFIX_LENGTH)) ?? []) {
            if (text.startsWith(secret.value, i)) kinds.add(secret.kind);
          }
        }
      }
    }
    return [...kinds];
  }

  scan(text: string): Leak[] {
    const leaks: Leak[] = [];
    text.split('\n').forEach((line, index) => {
      for (const kind of this.scanLine(line)) leaks.push({ line: index + 1, kind });
    });
    return leaks;
  }
}

/** "patient-birthDate at lines 3, 17; token at line 9" (kinds and line numbers only). */
export function describeLeaks(leaks: readonly Leak[], maxLinesPerKind = 20): string {
  const byKind = new Map<LeakKind, number[]>();
  for (const leak of leaks) byKind.set(leak.kind, [...(byKind.get(leak.kind) ?? []), leak.line]);
  return [...byKind.entries()]
    .map(([kind, lines]) => {
      const shown = lines.slice(0, maxLinesPerKind).join(', ');
      const more = lines.length > maxLinesPerKind ? ` and ${lines.length - maxLinesPerKind} more` : '';
      return `${kind} at line${lines.length === 1 ? '' : 's'} ${shown}${more}`;
    })
    .join('; ');
}
