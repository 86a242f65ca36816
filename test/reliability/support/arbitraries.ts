/**
 * fast-check arbitraries for hostile input: unicode edge cases (lone surrogates, NUL, RTL overrides,
 * emoji, combining marks) in strings and keys, keys that are dangerous in JavaScript (__proto__,
 * constructor), invalid or extreme dates and numbers, FHIR resources of the wrong type, and
 * mutations of a valid request at random JSON locations (so input gets deep into the service before
 * something is wrong with it).
 */
import fc from 'fast-check';

/** Fixed seeds: every run tries the same inputs (a failure prints its seed and path to replay it). */
export const FUZZ_SEED = 20261122;

export const UNICODE_EDGE_STRINGS: readonly string[] = [
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  '\ud800', // lone high surrogate
  '\udfff', // lone low surrogate
  'x\udc00y',
  '\u202e\u0645\u0631\u062d\u0628\u0627', // RTL override + Arabic
  '\u05e9\u05dc\u05d5\u05dd', // Hebrew
  '😀',
  '👩‍⚕️',
  'e\u0301\u0301\u0301', // stacked combining marks
  '\ufeff', // byte order mark
  '\u2028\u2029', // line/paragraph separators
  '\u0085', // next line
  '\u{10ffff}',
  '\\',
  '"',
  '%00',
  '../../../../etc/passwd',
  'Patient/../../Observation',
  '{{context.patientId}}',
  '<script>alert(1)</script>',
  "' OR '1'='1",
  'x'.repeat(5000),
];

export const DANGEROUS_KEYS: readonly string[] = [
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'hasOwnProperty',
  'valueOf',
  '',
  '\u0000',
  '😀',
  '\u202ekey',
  '\ud800',
  'resourceType',
  'id',
];

export const INVALID_DATES: readonly string[] = [
  'not-a-date',
  '2026-02-30',
  '2026-13-01',
  '2026-00-10',
  '0000-00-00',
  '2026-03-02T25:00:00Z',
  '2026-03-02T10:00:00',
  '2026-03-02T10:00:60Z',
  '9999-12-31T23:59:59Z',
  '-0001-01-01',
  '+275760-09-13T00:00:00.000Z',
  '1900-01-01',
  '2026',
  '2026-03',
  '20260302',
  '2026-03-02T10:00:00+25:00',
];

export const EDGE_NUMBERS: readonly number[] = [0, -0, -1, 1e308, -1e308, 5e-324, 2 ** 53 + 2, 0.1, 1e21, 123456789012345680000];

export const edgeString: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...UNICODE_EDGE_STRINGS) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 40 }) },
  { weight: 1, arbitrary: fc.constantFrom(...INVALID_DATES) },
);

export const edgeKey: fc.Arbitrary<string> = fc.oneof(fc.constantFrom(...DANGEROUS_KEYS), fc.string({ unit: 'binary', maxLength: 12 }));

/** Any JSON value, biased toward edge cases, with edge-case keys in objects. */
export const hostileValue: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    edgeString,
    fc.constantFrom(...EDGE_NUMBERS),
    fc.integer(),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(edgeKey, tie('value'), { maxKeys: 4 }),
  ),
})).value;

const RESOURCE_TYPES = [
  'Patient',
  'Condition',
  'Observation',
  'MedicationRequest',
  'MedicationStatement',
  'MedicationAdministration',
  'Medication',
  'Procedure',
  'Encounter',
  'AllergyIntolerance',
  'Bundle',
  'OperationOutcome',
  'Appointment',
  'NotAResource',
  '',
];

/** Something shaped like a FHIR resource: a resourceType (often the wrong one) and random members. */
export const fhirishResource: fc.Arbitrary<Record<string, unknown>> = fc
  .record({
    resourceType: fc.constantFrom(...RESOURCE_TYPES),
    id: fc.oneof(fc.constant('x1'), edgeString),
    extra: fc.dictionary(
      fc.constantFrom('code', 'subject', 'status', 'effectiveDateTime', 'onsetDateTime', 'authoredOn', 'birthDate', 'valueQuantity', 'entry', 'medicationCodeableConcept', 'dosageInstruction', 'clinicalStatus', 'component', 'period', 'effectivePeriod', 'issue'),
      hostileValue,
      { maxKeys: 5 },
    ),
  })
  .map(({ resourceType, id, extra }) => ({ resourceType, id, ...extra }));

/** A searchset Bundle of fhirish resources. */
export const fhirishBundle: fc.Arbitrary<Record<string, unknown>> = fc
  .array(fhirishResource, { maxLength: 4 })
  .map((resources) => ({ resourceType: 'Bundle', type: 'searchset', entry: resources.map((resource) => ({ resource })) }));

// ---- Mutations of a valid document ------------------------------------------------------------

export type Mutation =
  | { op: 'replace'; at: number; value: unknown }
  | { op: 'delete'; at: number }
  | { op: 'add-member'; at: number; key: string; value: unknown }
  | { op: 'wrap-in-array'; at: number };

export const mutation = (values: fc.Arbitrary<unknown> = hostileValue): fc.Arbitrary<Mutation> =>
  fc.oneof(
    { weight: 4, arbitrary: fc.record({ op: fc.constant('replace' as const), at: fc.nat(), value: values }) },
    { weight: 2, arbitrary: fc.record({ op: fc.constant('delete' as const), at: fc.nat() }) },
    { weight: 2, arbitrary: fc.record({ op: fc.constant('add-member' as const), at: fc.nat(), key: edgeKey, value: values }) },
    { weight: 1, arbitrary: fc.record({ op: fc.constant('wrap-in-array' as const), at: fc.nat() }) },
  );

type Segment = string | number;

/** Every location in a JSON value (pre-order; [] is the value itself). */
export function locations(value: unknown, at: Segment[] = [], out: Segment[][] = []): Segment[][] {
  out.push(at);
  if (Array.isArray(value)) value.forEach((item, i) => locations(item, [...at, i], out));
  else if (value !== null && typeof value === 'object') {
    for (const [key, child] of Object.entries(value)) locations(child, [...at, key], out);
  }
  return out;
}

function parentOf(root: unknown, path: Segment[]): Record<string | number, unknown> | undefined {
  let node: unknown = root;
  for (const segment of path.slice(0, -1)) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string | number, unknown>)[segment];
  }
  return node !== null && typeof node === 'object' ? (node as Record<string | number, unknown>) : undefined;
}

function defineMember(target: Record<string | number, unknown>, key: string | number, value: unknown): void {
  // defineProperty, not assignment: a "__proto__" key becomes an own member, exactly as JSON.parse makes it.
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/** Applies the mutations in order to a deep copy; locations are picked modulo the current count. */
export function applyMutations<T>(document: T, mutations: readonly Mutation[]): unknown {
  let root: unknown = structuredClone(document);
  for (const m of mutations) {
    const all = locations(root);
    const path = all[m.at % all.length];
    if (path.length === 0) {
      if (m.op === 'replace') root = m.value;
      else if (m.op === 'wrap-in-array') root = [root];
      else if (m.op === 'add-member' && root !== null && typeof root === 'object' && !Array.isArray(root)) {
        defineMember(root as Record<string, unknown>, m.key, m.value);
      }
      continue;
    }
    const parent = parentOf(root, path);
    if (parent === undefined) continue;
    const key = path[path.length - 1];
    const current = parent[key];
    if (m.op === 'replace') defineMember(parent, key, m.value);
    else if (m.op === 'wrap-in-array') defineMember(parent, key, [current]);
    else if (m.op === 'delete') {
      if (Array.isArray(parent)) parent.splice(key as number, 1);
      else delete parent[key];
    } else if (current !== null && typeof current === 'object' && !Array.isArray(current)) {
      defineMember(current as Record<string, unknown>, m.key, m.value);
    }
  }
  return root;
}

/** JSON text of a value; lone surrogates are written as \\u escapes, as JSON.stringify does. */
export function toJsonText(value: unknown): string {
  return JSON.stringify(value) ?? 'null';
}
