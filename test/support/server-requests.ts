/**
 * Request bodies for the server tests: hook requests built from the spec/library example contexts,
 * and the small FHIR resources the test rule set reacts to (aortic aneurysm, depressive disorder,
 * esketamine draft order).
 */
import { randomUUID } from 'node:crypto';
import type * as fhir4 from 'fhir/r4.js';
import type { CdsServiceRequest } from '../../cds-hooks/wire-types.js';
import { specFixture } from './spec-fixtures.js';

export const ICD10 = 'http://hl7.org/fhir/sid/icd-10-cm';
export const RXNORM = 'http://www.nlm.nih.gov/research/umls/rxnorm';
export const SPEC_PATIENT_ID = '1288992';

export function condition(id: string, code: string, display: string, patientId = SPEC_PATIENT_ID): fhir4.Condition {
  return {
    resourceType: 'Condition',
    id,
    subject: { reference: `Patient/${patientId}` },
    clinicalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'active' }] },
    code: { coding: [{ system: ICD10, code, display }] },
  };
}

export const aneurysm = (): fhir4.Condition => condition('aaa-1', 'I71.4', 'Abdominal aortic aneurysm, without rupture');
export const depression = (): fhir4.Condition => condition('mdd-1', 'F33.1', 'Major depressive disorder, recurrent, moderate');

export function searchset(resources: fhir4.Resource[]): fhir4.Bundle {
  return { resourceType: 'Bundle', type: 'searchset', total: resources.length, entry: resources.map((resource) => ({ resource })) };
}

export function esketamineDraftOrder(id = 'esk-draft-1', patientId = SPEC_PATIENT_ID): fhir4.MedicationRequest {
  return {
    resourceType: 'MedicationRequest',
    id,
    status: 'draft',
    intent: 'order',
    subject: { reference: `Patient/${patientId}` },
    medicationCodeableConcept: { coding: [{ system: RXNORM, code: '2201625', display: 'esketamine Nasal Spray [Spravato]' }] },
    dosageInstruction: [
      {
        route: { coding: [{ system: 'http://snomed.info/sct', code: '46713006', display: 'Nasal route' }] },
        doseAndRate: [{ doseQuantity: { value: 56, unit: 'mg', system: 'http://unitsofmeasure.org', code: 'mg' } }],
      },
    ],
  };
}

/** A hook request around a library example context (file in test/fixtures/spec/). */
export function requestFromContextExample(hook: string, file: string, prefetch?: Record<string, unknown>): CdsServiceRequest {
  const { context } = specFixture<{ context: Record<string, unknown> }>(file);
  return { hook, hookInstance: randomUUID(), context, ...(prefetch ? { prefetch } : {}) };
}

/** Adds an esketamine draft order to an order-select/order-sign context (and to selections, if any). */
export function withEsketamineOrder(request: CdsServiceRequest): CdsServiceRequest {
  const order = esketamineDraftOrder();
  const context = structuredClone(request.context);
  const bundle = context.draftOrders as fhir4.Bundle;
  bundle.entry = [...(bundle.entry ?? []), { resource: order }];
  if (Array.isArray(context.selections)) context.selections = [...context.selections, `MedicationRequest/${order.id}`];
  return { ...request, context };
}
