/**
 * Deterministic generator of the benchmark's hook requests:
 *  - bench/fixtures/order-sign-esketamine.json: order-sign for an esketamine (Spravato) 84 mg order, with
 *    prefetch filled from about 30 FHIR R4 resources (conditions, medication history, esketamine sessions,
 *    blood pressures, PHQ-9 and PCL-5 scores, weight, pregnancy test): about 20 to 25 KB of compact JSON;
 *  - bench/fixtures/patient-view.json: patient-view for the same patient, prefetch filled the same way.
 *
 * The prefetch keys come from the bundled rule set's service definitions (rules/ketamine-esketamine/
 * rule-set.json): each template is rendered against the request context with the project's own renderer
 * (cds-hooks/prefetch-template.ts) and answered from the patient's resources (a read by id, or a searchset
 * Bundle filtered by patient, code, category and status). Run it again when the rule set's templates change;
 * bench/run.ts refuses a fixture whose keys no longer match.
 *
 * No randomness and no clock: every id, date and value is fixed, relative to ANCHOR_DATE.
 *
 * Usage: npx tsx bench/make-request.ts            (writes both fixtures, prints their sizes)
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type * as fhir4 from 'fhir/r4.js';
import { queryShape, renderPrefetchTemplate } from '../cds-hooks/prefetch-template.js';
import type { RuleSet, ServiceDefinition } from '../engine/rule-set-types.js';
import type { CdsServiceRequest } from '../cds-hooks/wire-types.js';

const here = path.dirname(fileURLToPath(import.meta.url));
export const REPO_ROOT = path.resolve(here, '..');
export const RULE_SET_PATH = path.join(REPO_ROOT, 'rules/ketamine-esketamine/rule-set.json');
export const FIXTURE_DIR = path.join(here, 'fixtures');
export const ORDER_SIGN_FIXTURE = path.join(FIXTURE_DIR, 'order-sign-esketamine.json');
export const PATIENT_VIEW_FIXTURE = path.join(FIXTURE_DIR, 'patient-view.json');

/** All dates in the fixture are offsets from this day (the benchmark's "today" when it was written). */
export const ANCHOR_DATE = '2026-11-20';
export const PATIENT_ID = 'bench-pt-0001';
export const PRACTITIONER_ID = 'bench-prac-0001';
export const ENCOUNTER_ID = 'bench-enc-0042';

const SYSTEMS = {
  icd10: 'http://hl7.org/fhir/sid/icd-10-cm',
  snomed: 'http://snomed.info/sct',
  rxnorm: 'http://www.nlm.nih.gov/research/umls/rxnorm',
  ndc: 'http://hl7.org/fhir/sid/ndc',
  loinc: 'http://loinc.org',
  ucum: 'http://unitsofmeasure.org',
  conditionClinical: 'http://terminology.hl7.org/CodeSystem/condition-clinical',
  conditionVerification: 'http://terminology.hl7.org/CodeSystem/condition-ver-status',
  conditionCategory: 'http://terminology.hl7.org/CodeSystem/condition-category',
  observationCategory: 'http://terminology.hl7.org/CodeSystem/observation-category',
  medReqCategory: 'http://terminology.hl7.org/CodeSystem/medicationrequest-category',
  mrn: 'urn:oid:2.16.840.1.113883.19.5.99999.1',
} as const;

function day(offsetDays: number, time = 'T09:30:00Z'): string {
  const d = new Date(`${ANCHOR_DATE}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + offsetDays);
  return `${d.toISOString().slice(0, 10)}${time}`;
}

const patientRef = { reference: `Patient/${PATIENT_ID}` };
const practitionerRef = { reference: `Practitioner/${PRACTITIONER_ID}`, display: 'Dr Jordan Rivera, MD (Psychiatry)' };
const encounterRef = { reference: `Encounter/${ENCOUNTER_ID}` };

function meta(profile: string): fhir4.Meta {
  return { versionId: '1', lastUpdated: day(-1, 'T08:00:00Z'), profile: [profile] };
}

function patient(): fhir4.Patient {
  return {
    resourceType: 'Patient',
    id: PATIENT_ID,
    meta: meta('http://hl7.org/fhir/us/core/StructureDefinition/us-core-patient'),
    identifier: [
      {
        use: 'usual',
        type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0203', code: 'MR', display: 'Medical Record Number' }] },
        system: SYSTEMS.mrn,
        value: 'MRN-00482913',
      },
    ],
    active: true,
    name: [{ use: 'official', family: 'Benchmark', given: ['Alex', 'Morgan'] }],
    gender: 'female',
    birthDate: '1984-03-12',
  };
}

interface ConditionSpec {
  id: string;
  icd10: string;
  display: string;
  snomed?: string;
  snomedDisplay?: string;
  onset: number;
  clinical: 'active' | 'resolved' | 'remission';
}

const CONDITIONS: ConditionSpec[] = [
  { id: 'bench-cond-mdd', icd10: 'F33.2', display: 'Major depressive disorder, recurrent severe without psychotic features', snomed: '36474008', snomedDisplay: 'Severe recurrent major depression without psychotic features', onset: -1000, clinical: 'active' },
  { id: 'bench-cond-ptsd', icd10: 'F43.12', display: 'Post-traumatic stress disorder, chronic', snomed: '313182004', snomedDisplay: 'Chronic post-traumatic stress disorder', onset: -2400, clinical: 'active' },
  { id: 'bench-cond-htn', icd10: 'I10', display: 'Essential (primary) hypertension', snomed: '59621000', snomedDisplay: 'Essential hypertension', onset: -1500, clinical: 'active' },
  { id: 'bench-cond-gad', icd10: 'F41.1', display: 'Generalized anxiety disorder', snomed: '21897009', snomedDisplay: 'Generalized anxiety disorder', onset: -2000, clinical: 'active' },
  { id: 'bench-cond-aud', icd10: 'F10.11', display: 'Alcohol abuse, in remission', onset: -3000, clinical: 'remission' },
];

function condition(spec: ConditionSpec): fhir4.Condition {
  const coding: fhir4.Coding[] = [{ system: SYSTEMS.icd10, code: spec.icd10, display: spec.display }];
  if (spec.snomed) coding.push({ system: SYSTEMS.snomed, code: spec.snomed, display: spec.snomedDisplay });
  return {
    resourceType: 'Condition',
    id: spec.id,
    clinicalStatus: { coding: [{ system: SYSTEMS.conditionClinical, code: spec.clinical }] },
    verificationStatus: { coding: [{ system: SYSTEMS.conditionVerification, code: 'confirmed' }] },
    category: [{ coding: [{ system: SYSTEMS.conditionCategory, code: 'problem-list-item', display: 'Problem List Item' }] }],
    code: { coding },
    subject: patientRef,
    onsetDateTime: day(spec.onset),
  };
}

interface MedicationSpec {
  id: string;
  rxcui: string;
  ingredient: string;
  text: string;
  start: number;
  end?: number;
  status: 'active' | 'stopped' | 'completed';
  dose: number;
  unit: string;
  frequency: number;
  period: number;
  periodUnit: 'd' | 'wk';
  asNeeded?: boolean;
  reason?: string;
}

/** Ingredient RxCUIs are those verified in the clinical knowledge brief (section 7b). */
const MEDICATIONS: MedicationSpec[] = [
  { id: 'bench-mr-sertraline', rxcui: '36437', ingredient: 'sertraline', text: 'sertraline 150 mg oral tablet, once daily', start: -620, end: -540, status: 'stopped', dose: 150, unit: 'mg', frequency: 1, period: 1, periodUnit: 'd', reason: 'bench-cond-mdd' },
  { id: 'bench-mr-venlafaxine', rxcui: '39786', ingredient: 'venlafaxine', text: 'venlafaxine 225 mg extended-release oral capsule, once daily', start: -530, end: -440, status: 'stopped', dose: 225, unit: 'mg', frequency: 1, period: 1, periodUnit: 'd', reason: 'bench-cond-mdd' },
  { id: 'bench-mr-bupropion', rxcui: '42347', ingredient: 'bupropion', text: 'bupropion 300 mg extended-release oral tablet, once daily', start: -430, status: 'active', dose: 300, unit: 'mg', frequency: 1, period: 1, periodUnit: 'd', reason: 'bench-cond-mdd' },
  { id: 'bench-mr-aripiprazole', rxcui: '89013', ingredient: 'aripiprazole', text: 'aripiprazole 5 mg oral tablet, once daily (augmentation)', start: -330, end: -250, status: 'stopped', dose: 5, unit: 'mg', frequency: 1, period: 1, periodUnit: 'd', reason: 'bench-cond-mdd' },
  { id: 'bench-mr-lorazepam', rxcui: '6470', ingredient: 'lorazepam', text: 'lorazepam 0.5 mg oral tablet, up to twice daily as needed', start: -200, status: 'active', dose: 0.5, unit: 'mg', frequency: 2, period: 1, periodUnit: 'd', asNeeded: true, reason: 'bench-cond-gad' },
  { id: 'bench-mr-lisinopril', rxcui: '29046', ingredient: 'lisinopril', text: 'lisinopril 20 mg oral tablet, once daily', start: -1400, status: 'active', dose: 20, unit: 'mg', frequency: 1, period: 1, periodUnit: 'd', reason: 'bench-cond-htn' },
  { id: 'bench-mr-prazosin', rxcui: '8629', ingredient: 'prazosin', text: 'prazosin 2 mg oral capsule, at bedtime', start: -700, status: 'active', dose: 2, unit: 'mg', frequency: 1, period: 1, periodUnit: 'd', reason: 'bench-cond-ptsd' },
];

function medicationRequest(spec: MedicationSpec): fhir4.MedicationRequest {
  const repeat: fhir4.TimingRepeat = { frequency: spec.frequency, period: spec.period, periodUnit: spec.periodUnit };
  repeat.boundsPeriod = spec.end === undefined ? { start: day(spec.start) } : { start: day(spec.start), end: day(spec.end) };
  return {
    resourceType: 'MedicationRequest',
    id: spec.id,
    status: spec.status,
    intent: 'order',
    medicationCodeableConcept: {
      coding: [{ system: SYSTEMS.rxnorm, code: spec.rxcui, display: spec.ingredient }],
      text: spec.text,
    },
    subject: patientRef,
    authoredOn: day(spec.start),
    requester: { reference: practitionerRef.reference },
    reasonReference: spec.reason ? [{ reference: `Condition/${spec.reason}` }] : undefined,
    dosageInstruction: [
      {
        timing: { repeat },
        asNeededBoolean: spec.asNeeded ?? false,
        doseAndRate: [{ doseQuantity: { value: spec.dose, unit: spec.unit, system: SYSTEMS.ucum, code: spec.unit } }],
      },
    ],
  };
}

/** Spravato (esketamine nasal spray): RxNorm SBDF 2201625 and NDC kit 50458-028-03 (84 mg), per the knowledge brief. */
const ESKETAMINE_CODING: fhir4.Coding[] = [
  { system: SYSTEMS.rxnorm, code: '2201625', display: 'esketamine Nasal Spray [Spravato]' },
  { system: SYSTEMS.rxnorm, code: '2119365', display: 'esketamine' },
  { system: SYSTEMS.ndc, code: '50458-028-03', display: 'Spravato 84 mg dose kit' },
];

/** Past esketamine sessions: a twice-weekly induction ending about five weeks ago, then weekly maintenance. */
const ESKETAMINE_SESSIONS = [-38, -31, -24, -17];

function esketamineAdministration(offset: number, index: number): fhir4.MedicationAdministration {
  return {
    resourceType: 'MedicationAdministration',
    id: `bench-madm-esk-${index + 1}`,
    status: 'completed',
    medicationCodeableConcept: { coding: [ESKETAMINE_CODING[0], ESKETAMINE_CODING[2]], text: 'Spravato 84 mg' },
    subject: patientRef,
    effectivePeriod: { start: day(offset, 'T10:00:00Z'), end: day(offset, 'T10:10:00Z') },
    dosage: {
      dose: { value: 84, unit: 'mg', system: SYSTEMS.ucum, code: 'mg' },
    },
  };
}

function vitalCategory(): fhir4.CodeableConcept[] {
  return [{ coding: [{ system: SYSTEMS.observationCategory, code: 'vital-signs', display: 'Vital Signs' }] }];
}

function surveyCategory(): fhir4.CodeableConcept[] {
  return [{ coding: [{ system: SYSTEMS.observationCategory, code: 'survey', display: 'Survey' }] }];
}

const BLOOD_PRESSURES: { offset: number; systolic: number; diastolic: number }[] = [
  { offset: -38, systolic: 132, diastolic: 84 },
  { offset: -31, systolic: 138, diastolic: 88 },
  { offset: -24, systolic: 146, diastolic: 92 },
  { offset: -17, systolic: 136, diastolic: 86 },
  { offset: -2, systolic: 142, diastolic: 91 },
];

function bloodPressure(bp: (typeof BLOOD_PRESSURES)[number], index: number): fhir4.Observation {
  return {
    resourceType: 'Observation',
    id: `bench-obs-bp-${index + 1}`,
    status: 'final',
    category: vitalCategory(),
    code: { coding: [{ system: SYSTEMS.loinc, code: '85354-9', display: 'Blood pressure panel with all children optional' }], text: 'Blood pressure' },
    subject: patientRef,
    effectiveDateTime: day(bp.offset, 'T09:45:00Z'),
    component: [
      {
        code: { coding: [{ system: SYSTEMS.loinc, code: '8480-6', display: 'Systolic blood pressure' }] },
        valueQuantity: { value: bp.systolic, unit: 'mmHg', system: SYSTEMS.ucum, code: 'mm[Hg]' },
      },
      {
        code: { coding: [{ system: SYSTEMS.loinc, code: '8462-4', display: 'Diastolic blood pressure' }] },
        valueQuantity: { value: bp.diastolic, unit: 'mmHg', system: SYSTEMS.ucum, code: 'mm[Hg]' },
      },
    ],
  };
}

const PHQ9_SCORES: { offset: number; score: number }[] = [
  { offset: -45, score: 22 },
  { offset: -31, score: 17 },
  { offset: -17, score: 12 },
  { offset: -9, score: 11 },
  { offset: -2, score: 13 },
];

function scoreObservation(
  id: string,
  loinc: string,
  display: string,
  offset: number,
  score: number,
): fhir4.Observation {
  return {
    resourceType: 'Observation',
    id,
    status: 'final',
    category: surveyCategory(),
    code: { coding: [{ system: SYSTEMS.loinc, code: loinc, display }] },
    subject: patientRef,
    effectiveDateTime: day(offset, 'T09:15:00Z'),
    valueQuantity: { value: score, unit: '{score}', system: SYSTEMS.ucum, code: '{score}' },
  };
}

function bodyWeight(id: string, offset: number, kg: number): fhir4.Observation {
  return {
    resourceType: 'Observation',
    id,
    status: 'final',
    category: vitalCategory(),
    code: { coding: [{ system: SYSTEMS.loinc, code: '29463-7', display: 'Body weight' }], text: 'Body weight' },
    subject: patientRef,
    effectiveDateTime: day(offset, 'T09:40:00Z'),
    valueQuantity: { value: kg, unit: 'kg', system: SYSTEMS.ucum, code: 'kg' },
  };
}

function pregnancyTest(): fhir4.Observation {
  return {
    resourceType: 'Observation',
    id: 'bench-obs-hcg-1',
    status: 'final',
    category: [{ coding: [{ system: SYSTEMS.observationCategory, code: 'laboratory', display: 'Laboratory' }] }],
    code: { coding: [{ system: SYSTEMS.loinc, code: '2106-3', display: 'Choriogonadotropin (pregnancy test) [Presence] in Urine' }] },
    subject: patientRef,
    effectiveDateTime: day(-40, 'T08:50:00Z'),
    valueCodeableConcept: { coding: [{ system: SYSTEMS.snomed, code: '260385009', display: 'Negative' }] },
  };
}

/** The patient's chart: every resource the prefetch queries can return (31 resources). */
export function patientResources(): fhir4.Resource[] {
  return [
    patient(),
    ...CONDITIONS.map(condition),
    ...MEDICATIONS.map(medicationRequest),
    ...ESKETAMINE_SESSIONS.map(esketamineAdministration),
    ...BLOOD_PRESSURES.map(bloodPressure),
    ...PHQ9_SCORES.map((p, i) =>
      scoreObservation(`bench-obs-phq9-${i + 1}`, '44261-6', 'Patient Health Questionnaire 9 item (PHQ-9) total score [Reported]', p.offset, p.score),
    ),
    scoreObservation('bench-obs-pcl5-1', '101698-9', 'PTSD PCL-5 score [PCL-5]', -17, 44),
    bodyWeight('bench-obs-weight-1', -38, 71.4),
    bodyWeight('bench-obs-weight-2', -2, 72.1),
    pregnancyTest(),
  ];
}

/** The draft order being signed: esketamine 84 mg once weekly (maintenance phase). */
export function esketamineDraftOrder(): fhir4.MedicationRequest {
  return {
    resourceType: 'MedicationRequest',
    id: 'bench-draft-esketamine-1',
    status: 'draft',
    intent: 'order',
    category: [{ coding: [{ system: SYSTEMS.medReqCategory, code: 'outpatient', display: 'Outpatient' }] }],
    medicationCodeableConcept: { coding: ESKETAMINE_CODING, text: 'Spravato (esketamine) 84 mg nasal spray dose kit' },
    subject: patientRef,
    encounter: encounterRef,
    authoredOn: day(0, 'T10:05:00Z'),
    requester: practitionerRef,
    reasonReference: [{ reference: 'Condition/bench-cond-mdd' }],
    dosageInstruction: [
      {
        text: '84 mg intranasally once weekly under supervision at a REMS-certified treatment centre',
        timing: { repeat: { frequency: 1, period: 1, periodUnit: 'wk' } },
        route: { coding: [{ system: SYSTEMS.snomed, code: '46713006', display: 'Nasal route' }] },
        doseAndRate: [{ doseQuantity: { value: 84, unit: 'mg', system: SYSTEMS.ucum, code: 'mg' } }],
      },
    ],
    dispenseRequest: { quantity: { value: 1, unit: 'kit' } },
  };
}

// ---- Answering prefetch templates from the chart ------------------------------------------------

function codingsOf(resource: fhir4.Resource, param: 'code' | 'category' | 'clinical-status'): fhir4.Coding[] {
  const r = resource as unknown as Record<string, unknown>;
  const concepts: unknown[] = [];
  if (param === 'code') {
    concepts.push(r.code, r.medicationCodeableConcept);
  } else if (param === 'category') {
    concepts.push(...(Array.isArray(r.category) ? r.category : [r.category]));
  } else {
    concepts.push(r.clinicalStatus);
  }
  return concepts.flatMap((c) => ((c as fhir4.CodeableConcept | undefined)?.coding ?? []));
}

function tokenMatches(codings: fhir4.Coding[], token: string): boolean {
  const bar = token.indexOf('|');
  const system = bar >= 0 ? token.slice(0, bar) : undefined;
  const code = bar >= 0 ? token.slice(bar + 1) : token;
  return codings.some((c) => c.code === code && (system === undefined || system === '' || c.system === system));
}

/** Search parameters this generator understands; others are reported (and do not filter). */
const UNDERSTOOD_PARAMS = new Set(['patient', 'subject', 'code', 'category', 'status', 'clinical-status', '_count', '_sort']);

/** Answers a type-level search from the chart, as the FHIR server would for these simple parameters. */
export function searchChart(resources: fhir4.Resource[], resourceType: string, params: URLSearchParams, ignored: Set<string>): fhir4.Bundle {
  let matches = resources.filter((r) => r.resourceType === resourceType);
  for (const [name, value] of params) {
    const base = name.split(':')[0];
    if (!UNDERSTOOD_PARAMS.has(base)) {
      ignored.add(`${resourceType}?${name}`);
      continue;
    }
    const alternatives = value.split(',');
    if (base === 'patient' || base === 'subject') {
      // Every resource in the chart is this patient's: the parameter only has to name them.
      if (!alternatives.some((v) => v === PATIENT_ID || v === `Patient/${PATIENT_ID}`)) matches = [];
    } else if (base === 'code' || base === 'category' || base === 'clinical-status') {
      matches = matches.filter((r) => alternatives.some((t) => tokenMatches(codingsOf(r, base), t)));
    } else if (base === 'status') {
      matches = matches.filter((r) => alternatives.includes(String((r as unknown as { status?: string }).status)));
    }
  }
  return {
    resourceType: 'Bundle',
    type: 'searchset',
    total: matches.length,
    entry: matches.map((resource) => ({
      resource,
      search: { mode: 'match' },
    })),
  };
}

/** Fills every prefetch key of a service from the chart; throws when a template cannot be answered. */
export function prefetchFor(
  service: ServiceDefinition,
  context: Record<string, unknown>,
  resources: fhir4.Resource[],
  ignored: Set<string>,
): Record<string, unknown> {
  const prefetch: Record<string, unknown> = {};
  for (const [key, template] of Object.entries(service.prefetch ?? {})) {
    const rendered = renderPrefetchTemplate(key, template, context);
    if (!rendered.ok) throw new Error(`prefetch key "${key}" of service "${service.id}": ${rendered.reason}`);
    const shape = queryShape(rendered.query);
    if (!shape) throw new Error(`prefetch key "${key}" of service "${service.id}": "${rendered.query}" is neither a read nor a search`);
    if (shape.kind === 'read') {
      prefetch[key] = resources.find((r) => r.resourceType === shape.resourceType && r.id === shape.id) ?? null;
    } else {
      const params = new URLSearchParams(rendered.query.split('?', 2)[1] ?? '');
      prefetch[key] = searchChart(resources, shape.resourceType, params, ignored);
    }
  }
  return prefetch;
}

export function loadRuleSet(): RuleSet {
  let text: string;
  try {
    text = readFileSync(RULE_SET_PATH, 'utf8');
  } catch (error) {
    throw new Error(`cannot read the bundled rule set at ${path.relative(REPO_ROOT, RULE_SET_PATH)}: ${(error as Error).message}`);
  }
  return JSON.parse(text) as RuleSet;
}

export function serviceFor(ruleSet: RuleSet, hook: string): ServiceDefinition {
  const service = ruleSet.services.find((s) => s.hook === hook);
  if (!service) throw new Error(`the bundled rule set declares no service for hook "${hook}"`);
  return service;
}

export function orderSignContext(): Record<string, unknown> {
  return {
    userId: `Practitioner/${PRACTITIONER_ID}`,
    patientId: PATIENT_ID,
    encounterId: ENCOUNTER_ID,
    draftOrders: { resourceType: 'Bundle', type: 'collection', entry: [{ resource: esketamineDraftOrder() }] },
  };
}

export function patientViewContext(): Record<string, unknown> {
  return { userId: `Practitioner/${PRACTITIONER_ID}`, patientId: PATIENT_ID, encounterId: ENCOUNTER_ID };
}

export interface BenchRequests {
  orderSign: CdsServiceRequest;
  orderSignServiceId: string;
  patientView: CdsServiceRequest;
  patientViewServiceId: string;
  ignoredParams: string[];
}

export function buildRequests(ruleSet: RuleSet = loadRuleSet()): BenchRequests {
  const resources = patientResources();
  const ignored = new Set<string>();
  const orderSignService = serviceFor(ruleSet, 'order-sign');
  const patientViewService = serviceFor(ruleSet, 'patient-view');
  const osContext = orderSignContext();
  const pvContext = patientViewContext();
  return {
    orderSign: {
      hook: 'order-sign',
      hookInstance: 'b3a1c7e2-0d4f-4c55-9a59-5f1b1e0b0001',
      context: osContext,
      prefetch: prefetchFor(orderSignService, osContext, resources, ignored),
    },
    orderSignServiceId: orderSignService.id,
    patientView: {
      hook: 'patient-view',
      hookInstance: 'b3a1c7e2-0d4f-4c55-9a59-5f1b1e0b0002',
      context: pvContext,
      prefetch: prefetchFor(patientViewService, pvContext, resources, ignored),
    },
    patientViewServiceId: patientViewService.id,
    ignoredParams: [...ignored].sort(),
  };
}

/** Counts the resources a request carries (prefetch + draft orders), Bundles flattened. */
export function countResources(request: CdsServiceRequest): number {
  let count = 0;
  const visit = (v: unknown): void => {
    if (!v || typeof v !== 'object') return;
    const r = v as fhir4.Resource;
    if (r.resourceType === 'Bundle') {
      for (const e of (r as fhir4.Bundle).entry ?? []) visit(e.resource);
    } else if (r.resourceType) {
      count += 1;
    }
  };
  for (const value of Object.values(request.prefetch ?? {})) visit(value);
  visit(request.context.draftOrders);
  return count;
}

function main(): void {
  const requests = buildRequests();
  mkdirSync(FIXTURE_DIR, { recursive: true });
  const files: [string, CdsServiceRequest, string][] = [
    [ORDER_SIGN_FIXTURE, requests.orderSign, requests.orderSignServiceId],
    [PATIENT_VIEW_FIXTURE, requests.patientView, requests.patientViewServiceId],
  ];
  for (const [file, request, serviceId] of files) {
    // Stored pretty-printed for review; the benchmark sends the compact form (what EHRs send).
    writeFileSync(file, `${JSON.stringify({ serviceId, request }, null, 2)}\n`);
    const compact = Buffer.byteLength(JSON.stringify(request));
    console.log(
      `${path.relative(REPO_ROOT, file)}: service "${serviceId}", ${countResources(request)} resources, ` +
        `${(compact / 1024).toFixed(1)} KB compact, prefetch keys: ${Object.keys(request.prefetch ?? {}).join(', ')}`,
    );
  }
  if (requests.ignoredParams.length > 0) {
    console.log(`note: search parameters not used for filtering: ${requests.ignoredParams.join(', ')}`);
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
