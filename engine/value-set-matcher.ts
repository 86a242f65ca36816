/**
 * Value-set membership, built once per compiled rule set.
 * - Systems are compared exactly (canonical URLs; no version matching: `version` documents what the
 *   codes were checked against).
 * - Codes are compared exactly, except ICD-10-CM where the dot and letter case are ignored on both
 *   sides ("I71.3" = "I713" = "i71.3"), because EHRs send both forms.
 * - A prefix matches every code that starts with it (after the same normalisation).
 * - An exclude removes the code itself and every code that starts with it.
 */
import type { ValueSet } from './rule-set-types.js';

export const ICD10CM_SYSTEM = 'http://hl7.org/fhir/sid/icd-10-cm';

/** Normalises a code for comparison in its system. */
export function normalizeCode(system: string, code: string): string {
  const trimmed = code.trim();
  return system === ICD10CM_SYSTEM ? trimmed.replace(/\./g, '').toUpperCase() : trimmed;
}

interface SystemMatcher {
  codes: Set<string>;
  prefixes: string[];
  excludes: string[];
}

/**
 * Answers remembered per value set, by system and code: the same codes are asked about by several
 * facts in every evaluation. Codes come from requests, so the memo is bounded (cleared when full).
 */
const MEMO_MAX_ENTRIES = 8192;

export class ValueSetMatcher {
  private readonly bySystem = new Map<string, SystemMatcher>();
  /** system (undefined for a bare code) -> code -> answer. */
  private readonly memo = new Map<string | undefined, Map<string, boolean>>();
  private memoEntries = 0;

  constructor(readonly id: string, valueSet: ValueSet) {
    for (const include of valueSet.include) {
      let m = this.bySystem.get(include.system);
      if (!m) {
        m = { codes: new Set(), prefixes: [], excludes: [] };
        this.bySystem.set(include.system, m);
      }
      for (const c of include.codes ?? []) m.codes.add(normalizeCode(include.system, c.code));
      for (const p of include.prefixes ?? []) m.prefixes.push(normalizeCode(include.system, p.prefix));
      for (const e of include.exclude ?? []) m.excludes.push(normalizeCode(include.system, e));
    }
  }

  private matchesIn(system: string, m: SystemMatcher, code: string): boolean {
    const c = normalizeCode(system, code);
    if (c === '') return false;
    if (!m.codes.has(c) && !m.prefixes.some((p) => c.startsWith(p))) return false;
    return !m.excludes.some((e) => c.startsWith(e));
  }

  /**
   * True when `code` is in the value set. With a system, only that system's part is consulted; a bare
   * code (system undefined) matches if any system's part contains it.
   */
  has(system: string | undefined, code: string | undefined): boolean {
    if (typeof code !== 'string') return false;
    let answers = this.memo.get(system);
    let answer = answers?.get(code);
    if (answer !== undefined) return answer;
    answer = this.decide(system, code);
    if (this.memoEntries >= MEMO_MAX_ENTRIES) {
      this.memo.clear();
      this.memoEntries = 0;
      answers = undefined;
    }
    if (answers === undefined) {
      answers = new Map();
      this.memo.set(system, answers);
    }
    answers.set(code, answer);
    this.memoEntries += 1;
    return answer;
  }

  private decide(system: string | undefined, code: string): boolean {
    if (system !== undefined) {
      const m = this.bySystem.get(system);
      return m ? this.matchesIn(system, m, code) : false;
    }
    for (const [s, m] of this.bySystem) if (this.matchesIn(s, m, code)) return true;
    return false;
  }

  /** Code systems this value set has parts for. */
  systems(): string[] {
    return [...this.bySystem.keys()];
  }
}

export class UnknownValueSetError extends Error {
  constructor(readonly valueSetId: string) {
    super(`unknown value set "${valueSetId}"`);
    this.name = 'UnknownValueSetError';
  }
}

/** All value sets of a rule set, by id. */
export class ValueSetRegistry {
  private readonly matchers = new Map<string, ValueSetMatcher>();

  constructor(valueSets: Readonly<Record<string, ValueSet>>) {
    for (const [id, vs] of Object.entries(valueSets)) this.matchers.set(id, new ValueSetMatcher(id, vs));
  }

  get(id: string): ValueSetMatcher {
    const m = this.matchers.get(id);
    if (!m) throw new UnknownValueSetError(id);
    return m;
  }

  has(valueSetId: string, system: string | undefined, code: string | undefined): boolean {
    return this.get(valueSetId).has(system, code);
  }
}
