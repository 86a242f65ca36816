/**
 * A tiny but complete rule set for the fact-kind tests: value sets, parameters, products, schedules,
 * an evidence model and one declaration of every fact kind. Clinical content is illustrative (codes
 * from the knowledge brief; product codes of a test-only code system where the real code is not
 * needed), not the production rule set in rules/.
 */
import type { RuleSet, ValueSet } from '../../../engine/rule-set-types.js';

export const ICD10 = 'http://hl7.org/fhir/sid/icd-10-cm';
export const SNOMED = 'http://snomed.info/sct';
export const RXNORM = 'http://www.nlm.nih.gov/research/umls/rxnorm';
export const NDC = 'http://hl7.org/fhir/sid/ndc';
export const LOINC = 'http://loinc.org';
export const HCPCS = 'http://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets';
/** Test-only product codes (stand-ins for SCD/SBD codes). */
export const TEST_PRODUCTS = 'http://example.org/fhir/CodeSystem/test-products';
export const V3_INTERPRETATION = 'http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation';

function vs(title: string, include: ValueSet['include']): ValueSet {
  return { title, certainty: 'sourced', citations: ['brief'], include };
}

export function factsRuleSet(): RuleSet {
  return {
    id: 'facts-test',
    version: '1.0.0',
    status: 'draft',
    effectivePeriod: { start: '2026-01-01' },
    title: 'Fact kind tests',
    description: 'Declares every fact kind once for the fact-kind tests.',
    publisher: 'Fact kind tests',
    authors: [{ name: 'Test Author' }],
    approvals: [],
    citations: {
      brief: { source: 'Ketamine/esketamine CDS knowledge brief (test copy)', certainty: 'sourced' },
      judgement: { source: 'Test authors\u2019 judgement', certainty: 'judgement' },
    },
    valueSets: {
      mdd: vs('Major depressive disorder', [
        { system: ICD10, version: 'FY2026', prefixes: [{ prefix: 'F32' }, { prefix: 'F33' }], exclude: ['F32.8'] },
      ]),
      ptsd: vs('PTSD', [{ system: ICD10, version: 'FY2026', prefixes: [{ prefix: 'F43.1' }] }]),
      psychosis: vs('Psychotic features', [{ system: ICD10, version: 'FY2026', codes: [{ code: 'F32.3' }, { code: 'F33.3' }] }]),
      aneurysm: vs('Aortic aneurysm', [
        { system: ICD10, version: 'FY2026', prefixes: [{ prefix: 'I71', display: 'Aortic aneurysm and dissection' }] },
      ]),
      pregnancyConditions: vs('Pregnancy', [
        { system: ICD10, version: 'FY2026', codes: [{ code: 'Z33.1' }] },
        { system: SNOMED, version: '2025-09', codes: [{ code: '77386006', display: 'Pregnant' }] },
      ]),
      lactation: vs('Lactation', [{ system: ICD10, version: 'FY2026', codes: [{ code: 'Z39.1' }] }]),
      pregnancyStatus: vs('Pregnancy status observation', [{ system: LOINC, version: '2.80', codes: [{ code: '82810-3' }] }]),
      pregnantAnswer: vs('Pregnant', [{ system: SNOMED, version: '2025-09', codes: [{ code: '77386006' }] }]),
      notPregnantAnswer: vs('Not pregnant', [{ system: SNOMED, version: '2025-09', codes: [{ code: '60001007' }] }]),
      hcg: vs('hCG tests', [{ system: LOINC, version: '2.80', codes: [{ code: '2106-3' }, { code: '2118-8' }, { code: '21198-7' }] }]),
      positive: vs('Positive', [
        { system: SNOMED, version: '2025-09', codes: [{ code: '10828004' }] },
        { system: V3_INTERPRETATION, version: '3.0.0', codes: [{ code: 'POS' }] },
      ]),
      negative: vs('Negative', [
        { system: SNOMED, version: '2025-09', codes: [{ code: '260385009' }] },
        { system: V3_INTERPRETATION, version: '3.0.0', codes: [{ code: 'NEG' }] },
      ]),
      antidepressants: vs('Antidepressants', [
        {
          system: RXNORM,
          version: '2025-10',
          codes: [
            { code: '36437', display: 'sertraline', group: 'sertraline' },
            { code: '2556', display: 'citalopram', group: 'citalopram' },
            { code: '321988', display: 'escitalopram', group: 'escitalopram' },
            { code: '42347', display: 'bupropion' },
          ],
        },
        {
          system: TEST_PRODUCTS,
          version: 'test',
          codes: [
            { code: 'sertraline-50-tab', display: 'sertraline 50 mg tablet', group: 'sertraline' },
            { code: 'sertraline-100-tab', display: 'sertraline 100 mg tablet', group: 'sertraline' },
          ],
        },
      ]),
      benzodiazepines: vs('Benzodiazepines', [
        { system: RXNORM, version: '2025-10', codes: [{ code: '6470', display: 'lorazepam' }, { code: '3322', display: 'diazepam' }] },
      ]),
      ketamineSubstance: vs('Ketamine and esketamine substances', [
        { system: RXNORM, version: '2025-10', codes: [{ code: '6130', display: 'ketamine' }, { code: '2119365', display: 'esketamine' }] },
      ]),
      esketamineProducts: vs('Esketamine products', [
        {
          system: RXNORM,
          version: '2026-05',
          codes: [
            { code: '2201623', display: 'esketamine Nasal Spray' },
            { code: '2201625', display: 'esketamine Nasal Spray [Spravato]' },
            { code: '2119365', display: 'esketamine' },
          ],
        },
        { system: NDC, version: '2026-05', prefixes: [{ prefix: '50458-028', display: 'Spravato kits' }] },
      ]),
      ketamineProducts: vs('Ketamine products', [
        {
          system: RXNORM,
          version: '2026-05',
          codes: [{ code: '6130', display: 'ketamine' }, { code: '238082' }, { code: '238083' }, { code: '238084' }],
        },
      ]),
      esketamineAdministrations: vs('Esketamine administrations', [
        { system: RXNORM, version: '2026-05', codes: [{ code: '2201623' }, { code: '2201625' }, { code: '2119365' }] },
        { system: HCPCS, version: '2026', codes: [{ code: 'G2082' }, { code: 'G2083' }] },
      ]),
      ketamineAdministrations: vs('Ketamine administrations', [
        { system: RXNORM, version: '2026-05', codes: [{ code: '6130' }, { code: '238082' }, { code: '238083' }, { code: '238084' }] },
      ]),
      phq9: vs('PHQ-9 total score', [{ system: LOINC, version: '2.80', codes: [{ code: '44261-6' }] }]),
      bpPanel: vs('Blood pressure panel', [{ system: LOINC, version: '2.80', codes: [{ code: '85354-9' }] }]),
      systolic: vs('Systolic blood pressure', [{ system: LOINC, version: '2.80', codes: [{ code: '8480-6' }] }]),
      diastolic: vs('Diastolic blood pressure', [{ system: LOINC, version: '2.80', codes: [{ code: '8462-4' }] }]),
      bodyWeight: vs('Body weight', [{ system: LOINC, version: '2.80', codes: [{ code: '29463-7' }] }]),
      routeIntravenous: vs('Intravenous route', [{ system: SNOMED, version: '2025-09', codes: [{ code: '47625008' }] }]),
      routeNasal: vs('Nasal route', [{ system: SNOMED, version: '2025-09', codes: [{ code: '46713006' }] }]),
      routeOral: vs('Oral route', [{ system: SNOMED, version: '2025-09', codes: [{ code: '26643006' }] }]),
      compounded: vs('Compounded preparation markers', [{ system: TEST_PRODUCTS, version: 'test', codes: [{ code: 'compounded' }] }]),
      mentalHealthRoles: vs('Mental-health care-team roles', [{ system: SNOMED, version: '2025-09', codes: [{ code: '80584001', display: 'Psychiatrist' }] }]),
      mentalHealthEncounters: vs('Mental-health visits', [{ system: TEST_PRODUCTS, version: 'test', codes: [{ code: 'psych-visit' }] }]),
      psychotherapy: vs('Psychotherapy', [{ system: SNOMED, version: '2025-09', codes: [{ code: '75516001' }] }]),
      mentalHealthReferrals: vs('Mental-health referrals', [{ system: TEST_PRODUCTS, version: 'test', codes: [{ code: 'psych-referral' }] }]),
      psychiatricReasons: vs('Psychiatric order reasons', [{ system: ICD10, version: 'FY2026', prefixes: [{ prefix: 'F' }], codes: [{ code: 'R45.851' }] }]),
      nonPsychiatricReasons: vs('Pain and anaesthesia order reasons', [
        { system: ICD10, version: 'FY2026', prefixes: [{ prefix: 'G89.2' }, { prefix: 'G90.5' }], codes: [{ code: 'G89.4' }] },
        { system: SNOMED, version: '2025-09', codes: [{ code: '82423001', display: 'Chronic pain' }] },
      ]),
      informedConsent: vs('Informed consent for ketamine treatment', [
        { system: LOINC, version: '2.80', codes: [{ code: '59284-0', display: 'Consent Document' }] },
        { system: TEST_PRODUCTS, version: 'test', codes: [{ code: 'ketamine-consent-procedure' }] },
      ]),
    },
    parameters: {
      adequateTrialDays: { value: 42, unit: 'd', description: 'Adequate trial duration', certainty: 'judgement', citations: ['brief'] },
      minAdequateTrials: { value: 2, description: 'Adequate trials that define TRD', certainty: 'sourced', citations: ['brief'] },
      phqRecentDays: { value: 30, unit: 'd', description: 'How recent a PHQ-9 must be', certainty: 'judgement', citations: ['judgement'] },
      reproductiveAgeMin: { value: 12, unit: 'a', description: 'Reproductive age, lower bound', certainty: 'judgement', citations: ['judgement'] },
      reproductiveAgeMax: { value: 55, unit: 'a', description: 'Reproductive age, upper bound', certainty: 'judgement', citations: ['judgement'] },
      pregnancyTestValidDays: { value: 30, unit: 'd', description: 'How long an hCG result stays current', certainty: 'judgement', citations: ['judgement'] },
      engagementDays: { value: 180, unit: 'd', description: 'Recent mental-health contact', certainty: 'judgement', citations: ['judgement'] },
    },
    products: {
      esketamine: { label: 'Esketamine nasal spray (Spravato)', valueSet: 'esketamineProducts', labelStatus: { trd: 'on-label' }, schedule: 'esketamine' },
      ketamine: { label: 'Racemic ketamine', valueSet: 'ketamineProducts', schedule: 'ketamineIv' },
    },
    facts: {
      patient: { kind: 'patient' },
      mdd: { kind: 'condition', valueSet: 'mdd' },
      mddHistory: { kind: 'condition', valueSet: 'mdd', clinicalStatus: 'history' },
      mddResolved: { kind: 'condition', valueSet: 'mdd', clinicalStatus: 'resolved' },
      ptsd: { kind: 'condition', valueSet: 'ptsd' },
      psychosis: { kind: 'condition', valueSet: 'psychosis' },
      aneurysm: { kind: 'condition', valueSet: 'aneurysm', clinicalStatus: 'history' },
      benzodiazepine: { kind: 'medication', valueSet: 'benzodiazepines' },
      benzodiazepineLast30Days: { kind: 'medication', valueSet: 'benzodiazepines', status: 'any', withinDays: 30 },
      ketamineAllergy: { kind: 'allergy', valueSet: 'ketamineSubstance' },
      adTrials: {
        kind: 'antidepressantTrials',
        valueSet: 'antidepressants',
        minDurationDays: { param: 'adequateTrialDays' },
        episodeValueSet: 'mdd',
      },
      phq9: { kind: 'observation', valueSet: 'phq9' },
      phq9Recent: { kind: 'observation', valueSet: 'phq9', withinDays: { param: 'phqRecentDays' } },
      bp: { kind: 'bloodPressure', panelValueSet: 'bpPanel', systolicValueSet: 'systolic', diastolicValueSet: 'diastolic' },
      weight: { kind: 'bodyWeight', valueSet: 'bodyWeight' },
      pregnancy: {
        kind: 'pregnancy',
        conditionValueSet: 'pregnancyConditions',
        lactationValueSet: 'lactation',
        statusObservationValueSet: 'pregnancyStatus',
        pregnantAnswerValueSet: 'pregnantAnswer',
        notPregnantAnswerValueSet: 'notPregnantAnswer',
        testValueSet: 'hcg',
        positiveAnswerValueSet: 'positive',
        negativeAnswerValueSet: 'negative',
        reproductiveAgeMin: { param: 'reproductiveAgeMin' },
        reproductiveAgeMax: { param: 'reproductiveAgeMax' },
        testValidDays: { param: 'pregnancyTestValidDays' },
      },
      order: {
        kind: 'draftOrder',
        routeValueSets: { intravenous: 'routeIntravenous', nasal: 'routeNasal', oral: 'routeOral' },
        weightFact: 'weight',
        compoundedValueSet: 'compounded',
        compoundedTexts: ['compounded'],
        psychiatricReasonValueSet: 'psychiatricReasons',
        nonPsychiatricReasonValueSet: 'nonPsychiatricReasons',
      },
      evidence: { kind: 'evidence', orderFact: 'order' },
      esketamineEvidence: { kind: 'evidence', product: 'esketamine' },
      timing: { kind: 'maintenanceTiming', orderFact: 'order', indicationFact: 'evidence', scoreValueSet: 'phq9' },
      engagement: {
        kind: 'mentalHealthEngagement',
        careTeamRoleValueSet: 'mentalHealthRoles',
        encounterValueSet: 'mentalHealthEncounters',
        procedureValueSet: 'psychotherapy',
        referralValueSet: 'mentalHealthReferrals',
        withinDays: { param: 'engagementDays' },
      },
      consent: { kind: 'documentation', valueSet: 'informedConsent', withinDays: 365 },
    },
    evidence: {
      certainty: 'judgement',
      citations: ['brief'],
      indications: [
        {
          id: 'trd',
          label: 'Treatment-resistant depression',
          criteria: {
            all: [
              { fact: 'mdd', path: '$.present', operator: 'equal', value: true },
              { fact: 'psychosis', path: '$.present', operator: 'equal', value: false },
              { fact: 'adTrials', path: '$.adequateCount', operator: 'greaterThanInclusive', value: { param: 'minAdequateTrials' } },
            ],
          },
          baseScore: { esketamine: 3, ketamine: 2.5 },
          rationale: 'Phase 3 RCTs and ESCAPE-TRD (moderate)',
          citations: ['brief'],
          certainty: 'judgement',
        },
        {
          id: 'ptsd',
          label: 'PTSD',
          criteria: { all: [{ fact: 'ptsd', path: '$.present', operator: 'equal', value: true }] },
          baseScore: { esketamine: 2, ketamine: 2 },
          rationale: 'PTSD-outcome RCT evidence is low (Feder 2021, n=30)',
          citations: ['brief'],
          certainty: 'judgement',
        },
      ],
      modifiers: [
        {
          id: 'ptsd-without-mdd',
          appliesTo: ['ptsd'],
          when: { all: [{ fact: 'mdd', path: '$.present', operator: 'equal', value: false }] },
          delta: -1,
          floor: 1,
          text: 'No comorbid depression: VA/DoD suggests against ketamine for PTSD alone',
          citations: ['brief'],
          certainty: 'sourced',
        },
        {
          id: 'psychotic-features',
          appliesTo: [],
          when: { all: [{ fact: 'psychosis', path: '$.present', operator: 'equal', value: true }] },
          delta: -1,
          text: 'Psychotic features were excluded from the trials',
          citations: ['brief'],
          certainty: 'judgement',
        },
      ],
      grades: [
        { min: 3, grade: 'supported', label: 'Supported (moderate evidence)' },
        { min: 2, grade: 'limited', label: 'Limited evidence' },
        { min: 0, grade: 'insufficient', label: 'Insufficient evidence: off-label, document rationale' },
      ],
    },
    schedules: {
      esketamine: {
        label: 'Esketamine (label schedule)',
        administrationValueSet: 'esketamineAdministrations',
        phases: [
          { id: 'induction', label: 'Induction (weeks 1-4)', fromDay: 0, intervalDays: 3, minIntervalDays: 2, maxDosesPerWeek: 2 },
          { id: 'weekly', label: 'Maintenance weekly (weeks 5-8)', fromDay: 28, intervalDays: 7, minIntervalDays: 5, maxDosesPerWeek: 2 },
          { id: 'biweekly', label: 'Maintenance (week 9 on)', fromDay: 56, intervalDays: 14, minIntervalDays: 6, maxDosesPerWeek: 2 },
        ],
        graceDays: 3,
        courseGapDays: 28,
        inductionCheckpoint: { doses: 8, days: 28 },
        citations: ['brief'],
        certainty: 'sourced',
      },
      ketamineIv: {
        label: 'IV ketamine (trial schedules)',
        administrationValueSet: 'ketamineAdministrations',
        phases: [
          { id: 'induction', label: 'Induction', fromDay: 0, intervalDays: 2, minIntervalDays: 1, maxDosesPerWeek: 3 },
          { id: 'maintenance', label: 'Maintenance', fromDay: 21, intervalDays: 18, minIntervalDays: 7, maxDosesPerWeek: 3 },
        ],
        graceDays: 3,
        courseGapDays: 60,
        inductionCheckpoint: { doses: 6, days: 21 },
        durationOfResponseDays: { trd: 18, ptsd: 27 },
        citations: ['brief'],
        certainty: 'judgement',
      },
    },
    services: [
      { id: 'facts-order-select', hook: 'order-select', title: 'Order select', description: 'Order-select tests.', prefetch: { patient: 'Patient/{{context.patientId}}', conditions: 'Condition?patient={{context.patientId}}' } },
      { id: 'facts-order-sign', hook: 'order-sign', title: 'Order sign', description: 'Order-sign tests.', prefetch: { patient: 'Patient/{{context.patientId}}' } },
      { id: 'facts-patient-view', hook: 'patient-view', title: 'Patient view', description: 'Patient-view tests.', prefetch: {} },
      { id: 'facts-appointment-book', hook: 'appointment-book', title: 'Appointment book', description: 'Appointment tests.', prefetch: {} },
    ],
    rules: [
      {
        id: 'evidence-grade',
        title: 'Evidence grade for the ordered product',
        category: 'evidence',
        hooks: ['order-select'],
        concern: 'evidence',
        conditions: { all: [{ fact: 'evidence', path: '$.present', operator: 'equal', value: true }] },
        card: {
          indicator: 'info',
          summary: '{{evidence.productLabel}}: {{evidence.gradeLabel}}',
          detail: '{{evidence.factorsText}}',
          source: ['brief'],
        },
        citations: ['brief'],
        certainty: 'judgement',
      },
    ],
  };
}
