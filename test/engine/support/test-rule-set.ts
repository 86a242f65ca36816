/**
 * A small but complete rule set for engine tests (test fact kinds), plus patient-record builders.
 * Clinical content here is illustrative only; the real rule set lives in rules/.
 */
import type * as fhir4 from 'fhir/r4.js';
import { emptyPatientRecord, type PatientRecord } from '../../../fhir/patient-record.js';
import type { RuleSet } from '../../../engine/rule-set-types.js';

export const ICD10 = 'http://hl7.org/fhir/sid/icd-10-cm';
export const RXNORM = 'http://www.nlm.nih.gov/research/umls/rxnorm';
export const LOINC = 'http://loinc.org';
export const NOW = new Date('2026-11-01T10:00:00Z');

export function testRuleSet(): RuleSet {
  return {
    $schema: '../../engine/rule-set.schema.json',
    id: 'engine-test',
    version: '1.0.0',
    status: 'draft',
    effectivePeriod: { start: '2026-01-01' },
    title: 'Engine test rule set',
    description: 'Rules used by the engine tests.',
    publisher: 'Engine tests',
    authors: [{ name: 'Test Author' }],
    approvals: [],
    citations: {
      label: { source: 'Spravato prescribing information, section 4', url: 'https://example.org/spravato-pi', certainty: 'sourced' },
      judgement: { source: 'Authors\u2019 judgement', certainty: 'judgement' },
    },
    valueSets: {
      aneurysm: {
        title: 'Aortic aneurysm',
        certainty: 'sourced',
        citations: ['label'],
        include: [{ system: ICD10, version: 'FY2026', prefixes: [{ prefix: 'I71' }], exclude: ['I71.9'] }],
      },
      ich: {
        title: 'Intracerebral haemorrhage',
        certainty: 'sourced',
        citations: ['label'],
        include: [{ system: ICD10, version: 'FY2026', codes: [{ code: 'I61.9' }] }],
      },
      esketamine: {
        title: 'Esketamine products',
        certainty: 'sourced',
        citations: ['label'],
        include: [{ system: RXNORM, version: '2026-05', codes: [{ code: '2201625', display: 'esketamine Nasal Spray [Spravato]' }] }],
      },
      sbp: {
        title: 'Systolic blood pressure',
        certainty: 'sourced',
        citations: ['label'],
        include: [{ system: LOINC, version: '2.80', codes: [{ code: '8480-6' }] }],
      },
    },
    parameters: {
      sbpCaution: { value: 140, unit: 'mm[Hg]', description: 'Systolic BP above which to delay', certainty: 'sourced', citations: ['label'] },
      sbpMaxAgeDays: { value: 30, unit: 'd', description: 'How recent a BP must be', certainty: 'judgement', citations: ['judgement'] },
    },
    products: { esketamine: { label: 'Esketamine (Spravato)', valueSet: 'esketamine' } },
    facts: {
      esketamineOrder: { kind: 'test-draft-order', valueSet: 'esketamine' },
      aneurysm: { kind: 'test-condition', valueSet: 'aneurysm' },
      ich: { kind: 'test-condition', valueSet: 'ich' },
      recentSbp: { kind: 'test-observation', valueSet: 'sbp', maxAgeDays: { param: 'sbpMaxAgeDays' } },
    },
    schedules: {},
    services: [
      { id: 'engine-test-order-sign', hook: 'order-sign', title: 'Order sign', description: 'Checks esketamine orders.', prefetch: { patient: 'Patient/{{context.patientId}}' } },
      { id: 'engine-test-patient-view', hook: 'patient-view', title: 'Patient view', description: 'Patient summary.', prefetch: {} },
    ],
    rules: [
      {
        id: 'contraindication-aneurysm',
        title: 'Aneurysm contraindicates esketamine',
        category: 'contraindication',
        hooks: ['order-sign'],
        concern: 'vascular-contraindication',
        rank: 10,
        conditions: {
          all: [
            { fact: 'esketamineOrder', path: '$.present', operator: 'equal', value: true },
            { fact: 'aneurysm', path: '$.present', operator: 'equal', value: true },
          ],
        },
        card: {
          indicator: 'critical',
          summary: 'Esketamine is contraindicated: aneurysm {{aneurysm.code}} on record',
          detail: 'Diagnosis **{{aneurysm.display}}** ({{aneurysm.code}}).',
          source: ['label'],
          overrideReasons: [{ code: 'benefit-outweighs-risk', display: 'Benefit outweighs risk (documented)' }],
          suggestions: [
            {
              label: 'Cancel the {{esketamineOrder.medication}} order',
              isRecommended: true,
              actions: [{ type: 'delete', description: 'Remove the draft order', resourceId: 'MedicationRequest/draft-1' }],
            },
          ],
          selectionBehavior: 'at-most-one',
        },
        citations: ['label'],
        certainty: 'sourced',
      },
      {
        id: 'contraindication-ich',
        title: 'History of ICH contraindicates esketamine',
        category: 'contraindication',
        hooks: ['order-sign'],
        concern: 'vascular-contraindication',
        rank: 5,
        conditions: {
          all: [
            { fact: 'esketamineOrder', path: '$.present', operator: 'equal', value: true },
            { fact: 'ich', path: '$.present', operator: 'equal', value: true },
          ],
        },
        card: {
          indicator: 'critical',
          summary: 'Esketamine is contraindicated: history of intracerebral haemorrhage',
          detail: 'See the label.',
          source: ['label'],
          overrideReasons: [{ code: 'benefit-outweighs-risk', display: 'Benefit outweighs risk (documented)' }],
        },
        citations: ['label'],
        certainty: 'sourced',
      },
      {
        id: 'bp-above-caution',
        title: 'Recent systolic BP above caution threshold',
        category: 'monitoring',
        hooks: ['order-sign'],
        concern: 'blood-pressure',
        conditions: {
          all: [
            { fact: 'esketamineOrder', path: '$.present', operator: 'equal', value: true },
            { fact: 'recentSbp', path: '$.value', operator: 'greaterThan', value: { param: 'sbpCaution' } },
          ],
        },
        card: {
          indicator: 'warning',
          summary: 'Systolic BP {{recentSbp.value}} {{recentSbp.unit}} is above 140: consider delaying',
          detail: 'Measured {{recentSbp.date}}.',
          source: ['label'],
          overrideReasons: [{ code: 'bp-rechecked', display: 'BP rechecked and acceptable' }],
        },
        citations: ['label'],
        certainty: 'sourced',
      },
      {
        id: 'bp-missing',
        title: 'No recent BP',
        category: 'monitoring',
        hooks: ['order-sign'],
        concern: 'blood-pressure-missing',
        conditions: {
          all: [
            { fact: 'esketamineOrder', path: '$.present', operator: 'equal', value: true },
            { fact: 'recentSbp', path: '$.present', operator: 'equal', value: false },
          ],
        },
        card: {
          indicator: 'info',
          summary: 'No blood pressure in the last 30 days: measure before dosing',
          detail: 'Measure BP before the dose.',
          source: ['judgement'],
        },
        citations: ['judgement'],
        certainty: 'judgement',
      },
    ],
  };
}

export function condition(id: string, system: string, code: string, display = 'Diagnosis', onsetDateTime?: string): fhir4.Condition {
  return { resourceType: 'Condition', id, subject: { reference: 'Patient/p1' }, code: { coding: [{ system, code, display }] }, ...(onsetDateTime ? { onsetDateTime } : {}) };
}

export function sbp(id: string, value: number, effectiveDateTime: string): fhir4.Observation {
  return {
    resourceType: 'Observation',
    id,
    status: 'final',
    code: { coding: [{ system: LOINC, code: '8480-6' }] },
    effectiveDateTime,
    valueQuantity: { value, unit: 'mmHg' },
  };
}

export function esketamineOrder(id = 'draft-1'): fhir4.MedicationRequest {
  return {
    resourceType: 'MedicationRequest',
    id,
    status: 'draft',
    intent: 'order',
    subject: { reference: 'Patient/p1' },
    medicationCodeableConcept: { coding: [{ system: RXNORM, code: '2201625', display: 'esketamine Nasal Spray [Spravato]' }] },
  };
}

export function record(parts: Partial<PatientRecord> = {}): PatientRecord {
  return { ...emptyPatientRecord('p1'), ...parts };
}
