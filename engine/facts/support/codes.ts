/**
 * Codes and value sets as facts use them. Membership is always decided by ctx.inValueSet (the engine's
 * matcher); `valueSetEntry` additionally finds *which* entry of a value set a code matched, for its
 * display and `group` (used to count distinct agents).
 */
import type * as fhir4 from 'fhir/r4.js';
import type { FactContext } from '../../evaluation-types.js';
import type { ValueSet } from '../../rule-set-types.js';
import { normalizeCode } from '../../value-set-matcher.js';

export interface CodeMatch {
  system: string | undefined;
  code: string;
  display: string | undefined;
}

/** Codings of one or more CodeableConcepts (undefined entries skipped), in order. */
export function codingsOf(...concepts: ReadonlyArray<fhir4.CodeableConcept | undefined>): fhir4.Coding[] {
  const out: fhir4.Coding[] = [];
  for (const c of concepts) for (const coding of c?.coding ?? []) if (coding && typeof coding.code === 'string') out.push(coding);
  return out;
}

/** The first coding in `codings` that is in the value set, or undefined. */
export function firstMatch(ctx: FactContext, valueSetId: string, codings: readonly fhir4.Coding[]): CodeMatch | undefined {
  for (const c of codings) {
    if (c.code !== undefined && ctx.inValueSet(valueSetId, c.system, c.code)) {
      return { system: c.system, code: c.code, display: c.display };
    }
  }
  return undefined;
}

/** First match across several CodeableConcepts (in order; no work array: facts call this per resource). */
export function conceptMatch(
  ctx: FactContext,
  valueSetId: string,
  ...concepts: ReadonlyArray<fhir4.CodeableConcept | undefined>
): CodeMatch | undefined {
  for (const concept of concepts) {
    const codings = concept?.coding;
    if (!codings) continue;
    for (const c of codings) {
      if (c && typeof c.code === 'string' && ctx.inValueSet(valueSetId, c.system, c.code)) {
        return { system: c.system, code: c.code, display: c.display };
      }
    }
  }
  return undefined;
}

export interface ValueSetEntry {
  /** The exact code or the prefix that matched. */
  key: string;
  display?: string;
  group?: string;
}

/**
 * The value-set entry a code falls under: an exact code entry first, else the longest matching prefix
 * entry (excludes are not re-checked: call this only for codes ctx.inValueSet accepted). Codes are
 * normalised as the engine's matcher does (ICD-10-CM ignores dots and case). A coding without a
 * system is looked up in every include.
 */
export function valueSetEntry(valueSet: ValueSet | undefined, system: string | undefined, code: string): ValueSetEntry | undefined {
  if (!valueSet) return undefined;
  let best: ValueSetEntry | undefined;
  let bestLength = -1;
  for (const include of valueSet.include ?? []) {
    if (system !== undefined && include.system !== system) continue;
    const wanted = normalizeCode(include.system, code);
    for (const c of include.codes ?? []) {
      if (normalizeCode(include.system, c.code) === wanted) return { key: c.code, display: c.display, group: c.group };
    }
    for (const p of include.prefixes ?? []) {
      if (wanted.startsWith(normalizeCode(include.system, p.prefix)) && p.prefix.length > bestLength) {
        best = { key: p.prefix, display: p.display, group: p.group };
        bestLength = p.prefix.length;
      }
    }
  }
  return best;
}

/** Human label for a matched code: the coding's display, else the value set entry's, else the concept text, else the code. */
export function displayOf(match: CodeMatch, entry: ValueSetEntry | undefined, conceptText?: string): string {
  return match.display ?? entry?.display ?? conceptText ?? match.code;
}

/** "Type/id" of a resource, or undefined when it has no id. */
export function refOf(resource: fhir4.Resource): string | undefined {
  return resource.id ? `${resource.resourceType}/${resource.id}` : undefined;
}

/** True when any coding of the CodeableConcept has one of the codes (system-independent). */
export function hasCode(concept: fhir4.CodeableConcept | undefined, codes: readonly string[]): boolean {
  return (concept?.coding ?? []).some((c) => c.code !== undefined && codes.includes(c.code));
}

/** The first code of a CodeableConcept (status elements such as clinicalStatus). */
export function firstCode(concept: fhir4.CodeableConcept | undefined): string | undefined {
  return concept?.coding?.find((c) => typeof c.code === 'string')?.code;
}
