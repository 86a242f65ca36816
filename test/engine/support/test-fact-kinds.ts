/**
 * Small, real fact kinds for the engine's own tests (the production kinds live in engine/facts and are
 * tested by their owner). They compute from a real PatientRecord with ctx.inValueSet, like the real ones.
 */
import type * as fhir4 from 'fhir/r4.js';
import type { FactContext, FactKind, FactValue } from '../../../engine/evaluation-types.js';

function codings(concept: fhir4.CodeableConcept | undefined): fhir4.Coding[] {
  return concept?.coding ?? [];
}

function ageDays(iso: string | undefined, now: Date): number | null {
  if (!iso) return null;
  return Math.floor((now.getTime() - Date.parse(iso)) / 86_400_000);
}

export const testCondition: FactKind = {
  kind: 'test-condition',
  description: 'Conditions in a value set.',
  paramsSchema: {
    type: 'object',
    additionalProperties: false,
    required: ['valueSet'],
    properties: { valueSet: { type: 'string', description: 'Value set id' } },
  },
  output: {
    type: 'object',
    properties: {
      present: { type: 'boolean' },
      count: { type: 'integer' },
      code: { type: ['string', 'null'], maxLength: 20 },
      display: { type: ['string', 'null'], maxLength: 60 },
      onsetAgeDays: { type: ['number', 'null'] },
      codes: { type: 'array', items: { type: 'object', properties: { system: { type: 'string', maxLength: 100 }, code: { type: 'string', maxLength: 20 } } } },
    },
  },
  compute(decl, ctx: FactContext): FactValue {
    const vs = String(decl.valueSet);
    const matches = ctx.record.conditions.filter((c) => codings(c.code).some((cd) => ctx.inValueSet(vs, cd.system, cd.code)));
    const first = matches[0];
    const coding = first ? codings(first.code).find((cd) => ctx.inValueSet(vs, cd.system, cd.code)) : undefined;
    return {
      present: matches.length > 0,
      count: matches.length,
      code: coding?.code ?? null,
      display: coding?.display ?? null,
      onsetAgeDays: ageDays(first?.onsetDateTime, ctx.now),
      codes: matches.flatMap((c) => codings(c.code).map((cd) => ({ system: cd.system, code: cd.code }))),
      refs: matches.map((c) => `Condition/${c.id}`),
    };
  },
};

export const testObservation: FactKind = {
  kind: 'test-observation',
  description: 'Latest observation in a value set.',
  paramsSchema: {
    type: 'object',
    additionalProperties: false,
    required: ['valueSet'],
    properties: { valueSet: { type: 'string' }, maxAgeDays: { type: 'number', minimum: 0 } },
  },
  output: {
    type: 'object',
    properties: {
      present: { type: 'boolean' },
      value: { type: ['number', 'null'] },
      unit: { type: ['string', 'null'], maxLength: 12 },
      ageDays: { type: ['number', 'null'] },
      date: { type: ['string', 'null'], maxLength: 30, format: 'date' },
    },
  },
  compute(decl, ctx): FactValue {
    const vs = String(decl.valueSet);
    const maxAge = typeof decl.maxAgeDays === 'number' ? decl.maxAgeDays : Infinity;
    const obs = ctx.record.observations
      .filter((o) => codings(o.code).some((cd) => ctx.inValueSet(vs, cd.system, cd.code)))
      .filter((o) => (ageDays(o.effectiveDateTime, ctx.now) ?? Infinity) <= maxAge)
      .sort((a, b) => Date.parse(b.effectiveDateTime ?? '') - Date.parse(a.effectiveDateTime ?? ''));
    const latest = obs[0];
    return {
      present: latest !== undefined,
      value: latest?.valueQuantity?.value ?? null,
      unit: latest?.valueQuantity?.unit ?? null,
      ageDays: ageDays(latest?.effectiveDateTime, ctx.now),
      date: latest?.effectiveDateTime ?? null,
      refs: latest ? [`Observation/${latest.id}`] : [],
    };
  },
};

export const testDraftOrder: FactKind = {
  kind: 'test-draft-order',
  description: 'Draft MedicationRequests whose medication is in a value set.',
  paramsSchema: {
    type: 'object',
    additionalProperties: false,
    required: ['valueSet'],
    properties: { valueSet: { type: 'string' } },
  },
  output: {
    type: 'object',
    properties: {
      present: { type: 'boolean' },
      code: { type: ['string', 'null'], maxLength: 20 },
      medication: { type: ['string', 'null'], maxLength: 40 },
      codings: { type: 'array', items: { type: 'object', properties: { system: { type: 'string', maxLength: 100 }, code: { type: 'string', maxLength: 20 } } } },
    },
  },
  compute(decl, ctx): FactValue {
    const vs = String(decl.valueSet);
    const orders = ctx.record.draftOrders.filter((r): r is fhir4.MedicationRequest => r.resourceType === 'MedicationRequest');
    const all = orders.flatMap((o) => codings(o.medicationCodeableConcept).map((c) => ({ order: o, coding: c })));
    const match = all.filter(({ coding }) => ctx.inValueSet(vs, coding.system, coding.code));
    return {
      present: match.length > 0,
      code: match[0]?.coding.code ?? null,
      medication: match[0]?.coding.display ?? null,
      codings: all.map(({ coding }) => ({ system: coding.system, code: coding.code })),
      refs: [...new Set(match.map(({ order }) => `MedicationRequest/${order.id}`))],
    };
  },
};

export const testConstant: FactKind = {
  kind: 'test-constant',
  description: 'A constant number (for parameter substitution tests).',
  paramsSchema: { type: 'object', additionalProperties: false, required: ['value'], properties: { value: { type: 'number' } } },
  output: { type: 'object', properties: { present: { type: 'boolean' }, value: { type: 'number' } } },
  compute: (decl) => ({ present: true, value: Number(decl.value), refs: [] }),
};

export const testNote: FactKind = {
  kind: 'test-note',
  description: 'Free text with no length bound (to test the unbounded-summary check).',
  paramsSchema: { type: 'object', additionalProperties: false, properties: {} },
  output: { type: 'object', properties: { present: { type: 'boolean' }, text: { type: 'string' }, items: { type: 'array', items: { type: 'string' } } } },
  compute: () => ({ present: true, text: 'free text', items: [], refs: [] }),
};

export const testEvidence: FactKind = {
  kind: 'evidence',
  description: 'Evidence grade for a product (fixed per product for tests).',
  paramsSchema: { type: 'object', additionalProperties: false, required: ['product'], properties: { product: { type: 'string' } } },
  output: {
    type: 'object',
    properties: {
      present: { type: 'boolean' },
      score: { type: 'number' },
      grade: { type: 'string', maxLength: 2 },
      gradeLabel: { type: 'string', maxLength: 20 },
      factors: { type: 'array', items: { type: 'string' } },
    },
  },
  compute(decl, ctx): FactValue {
    const model = ctx.ruleSet.evidence;
    const ind = model?.indications[0];
    const score = ind?.baseScore[String(decl.product)] ?? 0;
    const grade = [...(model?.grades ?? [])].sort((a, b) => b.min - a.min).find((g) => score >= g.min);
    return { present: true, score, grade: grade?.grade ?? '?', gradeLabel: grade?.label ?? 'unknown', factors: [ind?.rationale ?? ''], refs: [] };
  },
};

export const TEST_FACT_KINDS: Readonly<Record<string, FactKind>> = Object.freeze(
  Object.fromEntries([testCondition, testObservation, testDraftOrder, testConstant, testNote, testEvidence].map((k) => [k.kind, k])),
);
