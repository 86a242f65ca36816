/**
 * A throw-away rules/ folder for CLI and fixture-runner tests, written with the production fact kinds
 * (engine/facts) exactly as an author would write it.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RuleSet } from '../../../engine/rule-set-types.js';

export const DEMO_RULE_SET: RuleSet = {
  id: 'cli-demo',
  version: '0.1.0',
  status: 'draft',
  effectivePeriod: { start: '2026-01-01' },
  title: 'CLI demo',
  description: 'A one-rule set for CLI tests.',
  publisher: 'Engine tests',
  authors: [{ name: 'Test Author' }],
  approvals: [],
  citations: { label: { source: 'Spravato PI section 4 (test)', url: 'https://example.org/pi', certainty: 'sourced' } },
  valueSets: {
    aneurysm: { title: 'Aortic aneurysm', certainty: 'sourced', citations: ['label'], include: [{ system: 'http://hl7.org/fhir/sid/icd-10-cm', version: 'FY2026', prefixes: [{ prefix: 'I71' }] }] },
    esketamine: { title: 'Esketamine', certainty: 'sourced', citations: ['label'], include: [{ system: 'http://www.nlm.nih.gov/research/umls/rxnorm', version: '2026-05', codes: [{ code: '2201625' }] }] },
    'route-nasal': { title: 'Nasal route', certainty: 'sourced', citations: ['label'], include: [{ system: 'http://snomed.info/sct', version: '2025-09', codes: [{ code: '46713006' }] }] },
  },
  parameters: {},
  products: { esketamine: { label: 'Esketamine (Spravato)', valueSet: 'esketamine' } },
  facts: {
    order: { kind: 'draftOrder', routeValueSets: { nasal: 'route-nasal' } },
    aneurysm: { kind: 'condition', valueSet: 'aneurysm' },
  },
  schedules: {},
  services: [
    {
      id: 'cli-demo-order-sign',
      hook: 'order-sign',
      title: 'Demo',
      description: 'Demo service',
      prefetch: { conditions: 'Condition?patient={{context.patientId}}' },
    },
  ],
  rules: [
    {
      id: 'contraindication-aneurysm',
      title: 'Aneurysm contraindicates esketamine',
      category: 'contraindication',
      hooks: ['order-sign'],
      concern: 'vascular',
      conditions: {
        all: [
          { fact: 'order', path: '$.present', operator: 'equal', value: true },
          { fact: 'aneurysm', path: '$.present', operator: 'equal', value: true },
        ],
      },
      card: {
        indicator: 'critical',
        summary: 'Esketamine is contraindicated: aneurysm {{aneurysm.first.code}} on record',
        detail: '{{aneurysm.list}}',
        source: ['label'],
        overrideReasons: [{ code: 'benefit-outweighs-risk', display: 'Benefit outweighs risk' }],
      },
      citations: ['label'],
      certainty: 'sourced',
    },
  ],
};

export const FIRING_FIXTURE = `name: Esketamine with aneurysm
hook: order-sign
now: 2026-11-01T10:00:00Z
patient: {id: pat-aaa, gender: female, birthDate: 1980-04-02}
data:
  conditions: [{code: "icd10:I71.3", onset: 2024-03-01}]
order: {code: "rxnorm:2201625", route: "snomed:46713006", dose: "56 mg", frequency: "2/week"}
expect:
  cards: [{rule: contraindication-aneurysm, indicator: critical}]
`;

export const NEAR_MISS_FIXTURE = `name: Esketamine without aneurysm
hook: order-sign
now: 2026-11-01T10:00:00Z
patient: {id: pat-ok, gender: female, birthDate: 1980-04-02}
data:
  conditions: [{code: "icd10:I10"}]
order: {code: "rxnorm:2201625", route: "snomed:46713006"}
expect:
  cards: []
  notFired: [contraindication-aneurysm]
`;

export const REQUEST = {
  hook: 'order-sign',
  hookInstance: 'd1577c69-dfbe-44ad-ba6d-3e05e953b2ea',
  context: {
    userId: 'Practitioner/example',
    patientId: 'pat-aaa',
    draftOrders: {
      resourceType: 'Bundle',
      type: 'collection',
      entry: [
        {
          resource: {
            resourceType: 'MedicationRequest',
            id: 'draft-1',
            status: 'draft',
            intent: 'order',
            subject: { reference: 'Patient/pat-aaa' },
            medicationCodeableConcept: { coding: [{ system: 'http://www.nlm.nih.gov/research/umls/rxnorm', code: '2201625', display: 'esketamine Nasal Spray [Spravato]' }] },
            dosageInstruction: [{ route: { coding: [{ system: 'http://snomed.info/sct', code: '46713006' }] } }],
          },
        },
      ],
    },
  },
  prefetch: {
    conditions: {
      resourceType: 'Bundle',
      type: 'searchset',
      entry: [
        {
          resource: {
            resourceType: 'Condition',
            id: 'c1',
            subject: { reference: 'Patient/pat-aaa' },
            clinicalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'active' }] },
            code: { coding: [{ system: 'http://hl7.org/fhir/sid/icd-10-cm', code: 'I71.3', display: 'Abdominal aortic aneurysm, ruptured' }] },
          },
        },
      ],
    },
  },
};

export interface Workspace {
  root: string;
  rules: string;
  folder: string;
  ruleSetFile: string;
  requestFile: string;
}

/** Writes rules/cli-demo/{rule-set.json, fixtures/*.yaml} and request.json into a new temp folder. */
export function makeWorkspace(ruleSet: unknown = DEMO_RULE_SET, fixtures: Record<string, string> = { 'aaa.yaml': FIRING_FIXTURE, 'no-aaa.yaml': NEAR_MISS_FIXTURE }): Workspace {
  const root = mkdtempSync(join(tmpdir(), 'cds-rules-'));
  const folder = join(root, 'rules', 'cli-demo');
  mkdirSync(join(folder, 'fixtures'), { recursive: true });
  const ruleSetFile = join(folder, 'rule-set.json');
  writeFileSync(ruleSetFile, typeof ruleSet === 'string' ? ruleSet : JSON.stringify(ruleSet, null, 2));
  for (const [name, text] of Object.entries(fixtures)) writeFileSync(join(folder, 'fixtures', name), text);
  const requestFile = join(root, 'request.json');
  writeFileSync(requestFile, JSON.stringify(REQUEST, null, 2));
  return { root, rules: join(root, 'rules'), folder, ruleSetFile, requestFile };
}
