import assert from 'node:assert/strict';
import type { CompactOrder } from '../../engine/fixtures/compact-types.js';
import { fact, fixture } from './support/harness.js';

const NASAL = 'snomed:46713006';
const IV = 'snomed:47625008';
const ORAL = 'snomed:26643006';

function order(o: CompactOrder | CompactOrder[], extra: Parameters<typeof fixture>[0] = {}) {
  return fixture({ ...extra, order: o });
}

describe('fact kind: draftOrder', () => {
  it('esketamine nasal spray order: product, route, dose, frequency, status', async () => {
    const v = await fact(order({ code: 'rxnorm:2201625', display: 'esketamine Nasal Spray [Spravato]', route: NASAL, dose: '56 mg', frequency: '2/week' }), 'order');
    assert.equal(v.present, true);
    assert.equal(v.product, 'esketamine');
    assert.equal(v.productLabel, 'Esketamine nasal spray (Spravato)');
    assert.equal(v.code, '2201625');
    assert.equal(v.system, 'http://www.nlm.nih.gov/research/umls/rxnorm');
    assert.equal(v.route, 'nasal');
    assert.equal(v.doseMg, 56);
    assert.equal(v.doseUnit, 'mg');
    assert.equal(v.dosePerKg, null, 'no weight recorded');
    assert.equal(v.frequencyPerWeek, 2);
    assert.equal(v.frequencyText, '2 per week');
    assert.equal(v.status, 'draft');
    assert.equal(v.intent, 'order');
    assert.equal(v.compounded, false);
    assert.equal(v.text, 'esketamine Nasal Spray [Spravato], 56 mg, nasal, 2 per week');
    assert.deepEqual(v.refs, ['MedicationRequest/draft-1']);
  });

  it('IV ketamine in mg/kg: dose in mg from the weight fact; refs include the weight', async () => {
    const v = await fact(
      order({ code: 'rxnorm:6130', route: IV, dose: '0.5 mg/kg', frequency: '3/week' }, { data: { observations: [{ weight: '154 lb', date: '2026-10-30' }] } }),
      'order',
    );
    assert.equal(v.product, 'ketamine');
    assert.equal(v.route, 'intravenous');
    assert.equal(v.dosePerKg, 0.5);
    assert.equal(v.dosePerKgText, '0.5 mg/kg');
    assert.equal(v.weightKg, 69.85);
    assert.equal(v.doseMg, 34.9);
    assert.equal(v.frequencyPerWeek, 3);
    assert.equal(v.text, 'ketamine, 0.5 mg/kg (34.9 mg), intravenous, 3 per week');
    assert.deepEqual(v.refs, ['MedicationRequest/draft-1', 'Observation/obs-1']);
  });

  it('IV ketamine in mg: mg/kg = dose / weight (2 decimals); 1/day = 7 per week', async () => {
    const v = await fact(
      order({ code: 'rxnorm:238082', route: IV, dose: '40 mg', frequency: '1/day' }, { data: { observations: [{ weight: '70 kg', date: '2026-10-30' }] } }),
      'order',
    );
    assert.equal(v.doseMg, 40);
    assert.equal(v.dosePerKg, 0.57);
    assert.equal(v.frequencyPerWeek, 7);
  });

  it('an order for anything else is not present', async () => {
    const v = await fact(order({ code: 'rxnorm:36437', route: ORAL, dose: '50 mg' }), 'order');
    assert.equal(v.present, false);
    assert.equal(v.product, null);
    assert.equal(v.text, 'no order for a recognised product');
    assert.deepEqual(v.refs, []);
  });

  it('order-select looks only at selected orders; order-sign at all draft orders', async () => {
    const f = order([{ code: 'rxnorm:36437', selected: true }, { code: 'rxnorm:2201625', selected: false }]);
    assert.equal((await fact(f, 'order', { hook: 'order-select' })).present, false);
    const signed = await fact(f, 'order', { hook: 'order-sign' });
    assert.equal(signed.present, true);
    assert.equal(signed.ref, 'MedicationRequest/draft-2');
  });

  it('NDC kit codes identify the product (prefix); an unknown route is "unknown"', async () => {
    const v = await fact(order({ code: 'ndc:50458-028-02', route: 'snomed:78421000' }), 'order');
    assert.equal(v.product, 'esketamine');
    assert.equal(v.route, 'unknown');
    assert.equal(v.routeText, '78421000');
    assert.equal(v.dosePerKgText, '');
  });

  it('compounded: by Medication.form text, by a category code in compoundedValueSet; contained Medication resolves the product', async () => {
    const text = await fact(order({ code: 'rxnorm:6130', route: ORAL, medication: { form: 'snomed:385055001', compounded: true } }), 'order');
    assert.equal(text.product, 'ketamine');
    assert.equal(text.route, 'oral');
    assert.equal(text.compounded, true);
    assert.equal(text.compoundedSignal, 'text');

    const category = await fact(order({ code: 'rxnorm:6130', category: 'http://example.org/fhir/CodeSystem/test-products|compounded' }), 'order');
    assert.equal(category.compounded, true);
    assert.equal(category.compoundedSignal, 'category');

    const note = await fact(order({ code: 'rxnorm:6130', note: 'Compounded troche, 50 mg' }), 'order');
    assert.equal(note.compoundedSignal, 'text');

    const plain = await fact(order({ code: 'rxnorm:6130', medication: { form: 'snomed:385055001' } }), 'order');
    assert.equal(plain.compounded, false);
  });
});

describe('fact kind: draftOrder — reasons, category and psychiatric context', () => {
  const ketamineIv = { code: 'rxnorm:6130', route: IV, dose: '0.5 mg/kg' };

  it('no reason at all: assumed psychiatric (the services are deployed for psychiatric ordering)', async () => {
    const v = await fact(order(ketamineIv), 'order');
    assert.deepEqual(v.reasonCodes, []);
    assert.equal(v.reasonList, '');
    assert.equal(v.psychiatricContext, true);
    assert.equal(v.psychiatricContextBasis, 'no-reason');
  });

  it('a psychiatric reasonCode: psychiatric', async () => {
    const v = await fact(order({ ...ketamineIv, reason: 'icd10:F33.2' }), 'order');
    assert.deepEqual(v.reasonCodes, [{ system: 'http://hl7.org/fhir/sid/icd-10-cm', code: 'F33.2', display: null }]);
    assert.equal(v.reasonList, 'F33.2');
    assert.equal(v.psychiatricContext, true);
    assert.equal(v.psychiatricContextBasis, 'psychiatric-reason');
  });

  it('a pain reason only: not psychiatric; with a psychiatric reason too: psychiatric', async () => {
    const pain = await fact(order({ ...ketamineIv, reason: 'icd10:G89.4' }), 'order');
    assert.equal(pain.psychiatricContext, false);
    assert.equal(pain.psychiatricContextBasis, 'non-psychiatric-reason');
    const both = await fact(order({ ...ketamineIv, reason: ['icd10:G89.29', 'icd10:F43.12'] }), 'order');
    assert.equal(both.psychiatricContext, true);
    assert.equal(both.psychiatricContextBasis, 'psychiatric-reason');
    assert.equal(both.reasonList, 'G89.29; F43.12');
  });

  it('reasonReference: the Condition\'s codes count, and the Condition is in refs', async () => {
    const f = order(
      { ...ketamineIv, reasonCondition: 'cond-1' },
      { data: { conditions: [{ code: 'snomed:82423001', display: 'Chronic pain', onset: '2024-01-01' }] } },
    );
    const v = await fact(f, 'order');
    assert.deepEqual(v.reasonCodes, [{ system: 'http://snomed.info/sct', code: '82423001', display: 'Chronic pain' }]);
    assert.equal(v.reasonList, '82423001 Chronic pain');
    assert.equal(v.psychiatricContext, false);
    assert.deepEqual(v.refs, ['MedicationRequest/draft-1', 'Condition/cond-1']);
  });

  it('a reason in neither value set, or a reference that cannot be resolved: assumed psychiatric ("other-reason")', async () => {
    const other = await fact(order({ ...ketamineIv, reason: 'icd10:Z51.81' }), 'order');
    assert.equal(other.psychiatricContext, true);
    assert.equal(other.psychiatricContextBasis, 'other-reason');
    const missing = await fact(order({ ...ketamineIv, reasonCondition: 'cond-9' }), 'order');
    assert.equal(missing.psychiatricContext, true);
    assert.equal(missing.psychiatricContextBasis, 'other-reason');
    assert.equal(missing.reasonList, 'Condition/cond-9 (not found)');
  });

  it('category codes and text', async () => {
    const v = await fact(order({ ...ketamineIv, category: 'http://terminology.hl7.org/CodeSystem/medicationrequest-category|outpatient' }), 'order');
    assert.deepEqual(v.categoryCodes, [{ system: 'http://terminology.hl7.org/CodeSystem/medicationrequest-category', code: 'outpatient', display: null }]);
    assert.equal(v.categoryText, 'outpatient');
  });

  it('without an order: psychiatricContext null', async () => {
    const v = await fact(order({ code: 'rxnorm:36437' }), 'order');
    assert.equal(v.present, false);
    assert.equal(v.psychiatricContext, null);
    assert.equal(v.psychiatricContextBasis, null);
  });
});
