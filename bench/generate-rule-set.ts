/**
 * Generates large, realistic-shaped rule sets for the engine benchmark: rules spread over ~200
 * condition and medication value sets (120 + 80), each rule requiring the draft order and one
 * condition to be present (so indexing by required facts matters: a patient has only a few of the
 * conditions), plus a second criterion (a medication, another condition, age) and a templated card.
 * Uses the production fact kinds (condition, medication, draftOrder, patient). Synthetic codes only:
 * nothing clinical is implied.
 */
import type * as fhir4 from 'fhir/r4.js';
import { emptyPatientRecord, type PatientRecord } from '../fhir/patient-record.js';
import type { Condition, Rule, RuleSet, ValueSet } from '../engine/rule-set-types.js';

export const ICD10 = 'http://hl7.org/fhir/sid/icd-10-cm';
export const RXNORM = 'http://www.nlm.nih.gov/research/umls/rxnorm';
export const CONDITION_VALUE_SETS = 120;
export const MEDICATION_VALUE_SETS = 80;

/** Deterministic pseudo-random numbers (mulberry32). */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Synthetic ICD-10-CM-shaped prefix for condition value set i: "V00" … (unique). */
export function conditionPrefix(i: number): string {
  return `${String.fromCharCode(65 + (i % 26))}${String(10 + Math.floor(i / 26) * 13 + (i % 13)).padStart(2, '0')}`;
}

export function medicationCode(i: number): string {
  return String(900000 + i * 7);
}

const vs = (title: string, include: ValueSet['include']): ValueSet => ({ title, certainty: 'unverified', citations: ['bench'], include });

export function generateRuleSet(ruleCount: number, seed = 42): RuleSet {
  const rnd = random(seed);
  const pick = (n: number): number => Math.floor(rnd() * n);
  const valueSets: RuleSet['valueSets'] = {
    product: vs('Bench product', [{ system: RXNORM, version: 'bench', codes: [{ code: '2201625' }] }]),
    'route-nasal': vs('Nasal route', [{ system: 'http://snomed.info/sct', version: 'bench', codes: [{ code: '46713006' }] }]),
  };
  const facts: RuleSet['facts'] = {
    order: { kind: 'draftOrder', routeValueSets: { nasal: 'route-nasal' } },
    patient: { kind: 'patient' },
  };
  for (let i = 0; i < CONDITION_VALUE_SETS; i++) {
    valueSets[`cond-${i}`] = vs(`Condition family ${i}`, [{ system: ICD10, version: 'bench', prefixes: [{ prefix: conditionPrefix(i) }] }]);
    facts[`cond${i}`] = { kind: 'condition', valueSet: `cond-${i}` };
  }
  for (let i = 0; i < MEDICATION_VALUE_SETS; i++) {
    valueSets[`med-${i}`] = vs(`Medication class ${i}`, [{ system: RXNORM, version: 'bench', codes: [{ code: medicationCode(i) }, { code: medicationCode(i) + '1' }] }]);
    facts[`med${i}`] = { kind: 'medication', valueSet: `med-${i}` };
  }
  const indicators = ['info', 'warning', 'critical'] as const;
  const rules: Rule[] = [];
  for (let r = 0; r < ruleCount; r++) {
    const cond = pick(CONDITION_VALUE_SETS);
    const choices: Condition[] = [
      { fact: `med${pick(MEDICATION_VALUE_SETS)}`, path: '$.present', operator: 'equal', value: true },
      { any: [{ fact: `cond${pick(CONDITION_VALUE_SETS)}`, path: '$.present', operator: 'equal', value: true }, { fact: 'patient', path: '$.age', operator: 'greaterThanInclusive', value: 18 + pick(60) }] },
      { fact: 'patient', path: '$.age', operator: 'lessThan', value: 18 + pick(70) },
      { not: { fact: `med${pick(MEDICATION_VALUE_SETS)}`, path: '$.present', operator: 'equal', value: true } },
    ];
    const second = choices[pick(choices.length)];
    const indicator = indicators[pick(3)];
    rules.push({
      id: `rule-${r}`,
      title: `Generated rule ${r}`,
      category: 'safety',
      hooks: ['order-sign'],
      concern: `concern-${r % Math.max(1, Math.floor(ruleCount / 3))}`,
      rank: pick(5),
      conditions: {
        all: [{ fact: 'order', path: '$.present', operator: 'equal', value: true }, { fact: `cond${cond}`, path: '$.present', operator: 'equal', value: true }, second],
      },
      card: {
        indicator,
        summary: `Rule ${r}: {{cond${cond}.first.code}} with {{order.productLabel}}`,
        detail: `Condition {{cond${cond}.first.display}} (age {{patient.age}}).`,
        source: ['bench'],
        ...(indicator === 'info' ? {} : { overrideReasons: [{ code: 'reviewed', display: 'Reviewed' }] }),
      },
      citations: ['bench'],
      certainty: 'unverified',
    });
  }
  return {
    id: `bench-${ruleCount}`,
    version: '1.0.0',
    status: 'draft',
    effectivePeriod: { start: '2026-01-01' },
    title: `Generated benchmark rule set (${ruleCount} rules)`,
    description: 'Synthetic rules for measuring the engine; not clinical content.',
    publisher: 'bench',
    authors: [{ name: 'bench/generate-rule-set.ts' }],
    approvals: [],
    citations: { bench: { source: 'Synthetic benchmark content', certainty: 'unverified' } },
    valueSets,
    parameters: {},
    products: { product: { label: 'Bench product', valueSet: 'product' } },
    facts,
    schedules: {},
    services: [{ id: `bench-${ruleCount}-order-sign`, hook: 'order-sign', title: 'Bench', description: 'Bench service', prefetch: {} }],
    rules,
  };
}

/**
 * A patient with ~30 resources: 8 conditions (3 in generated value sets), 6 medications (2 in generated
 * value sets), 14 observations and the draft order.
 */
export function benchRecord(): PatientRecord {
  const record = emptyPatientRecord('bench-patient');
  record.patient = { resourceType: 'Patient', id: 'bench-patient', gender: 'female', birthDate: '1980-04-02' };
  const cond = (id: string, code: string): fhir4.Condition => ({
    resourceType: 'Condition',
    id,
    subject: { reference: 'Patient/bench-patient' },
    clinicalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'active' }] },
    code: { coding: [{ system: ICD10, code, display: `Condition ${code}` }] },
  });
  record.conditions = [
    cond('c1', `${conditionPrefix(3)}.1`),
    cond('c2', `${conditionPrefix(17)}.0`),
    cond('c3', `${conditionPrefix(64)}.9`),
    cond('c4', 'I10'),
    cond('c5', 'E78.5'),
    cond('c6', 'F33.1'),
    cond('c7', 'K21.9'),
    cond('c8', 'M54.5'),
  ];
  const med = (id: string, code: string): fhir4.MedicationStatement => ({
    resourceType: 'MedicationStatement',
    id,
    status: 'active',
    subject: { reference: 'Patient/bench-patient' },
    effectivePeriod: { start: '2026-01-01' },
    medicationCodeableConcept: { coding: [{ system: RXNORM, code }] },
  });
  record.medicationStatements = [med('m1', medicationCode(5)), med('m2', medicationCode(40)), med('m3', '36437'), med('m4', '42347'), med('m5', '6470'), med('m6', '52105')];
  record.observations = Array.from({ length: 14 }, (_, i): fhir4.Observation => ({
    resourceType: 'Observation',
    id: `o${i}`,
    status: 'final',
    code: { coding: [{ system: 'http://loinc.org', code: '44261-6' }] },
    effectiveDateTime: `2026-10-${String(10 + i).padStart(2, '0')}T10:00:00Z`,
    valueQuantity: { value: 10 + i },
  }));
  record.draftOrders = [
    {
      resourceType: 'MedicationRequest',
      id: 'draft-1',
      status: 'draft',
      intent: 'order',
      subject: { reference: 'Patient/bench-patient' },
      medicationCodeableConcept: { coding: [{ system: RXNORM, code: '2201625', display: 'esketamine Nasal Spray [Spravato]' }] },
      dosageInstruction: [{ route: { coding: [{ system: 'http://snomed.info/sct', code: '46713006' }] } }],
    } as fhir4.MedicationRequest,
  ];
  return record;
}
