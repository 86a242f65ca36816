import assert from 'node:assert/strict';
import type { CompactCondition, CompactMedication } from '../../engine/fixtures/compact-types.js';
import { fact, fixture } from './support/harness.js';
import { factsRuleSet } from './support/facts-rule-set.js';

const KETAMINE_IV = { code: 'rxnorm:6130', route: 'snomed:47625008', dose: '0.5 mg/kg' };
const ESKETAMINE = { code: 'rxnorm:2201625', route: 'snomed:46713006', dose: '56 mg' };
const PTSD = { code: 'icd10:F43.12', onset: '2024-02-01' };
const MDD = { code: 'icd10:F33.1', onset: '2025-06-01' };
const TWO_ADEQUATE_TRIALS: CompactMedication[] = [
  { code: 'rxnorm:36437', start: '2025-07-01', end: '2025-09-15' },
  { code: 'rxnorm:2556', start: '2025-10-01', end: '2026-01-10' },
];

function evidenceFor(conditions: CompactCondition[], o: object | undefined, medications: CompactMedication[] = []) {
  return fact(fixture({ data: { conditions, medications }, ...(o ? { order: o as never } : {}) }), 'evidence');
}

type Factor = { text: string; delta: number; modifier: string | null };

describe('fact kind: evidence', () => {
  it('PTSD with MDD scores higher than PTSD alone; the difference is explained by a factor', async () => {
    const withMdd = await evidenceFor([PTSD, MDD], KETAMINE_IV);
    const alone = await evidenceFor([PTSD], KETAMINE_IV);

    assert.equal(withMdd.present, true);
    assert.equal(withMdd.product, 'ketamine');
    assert.equal(withMdd.indication, 'ptsd');
    assert.equal(withMdd.baseScore, 2);
    assert.equal(withMdd.score, 2);
    assert.equal(withMdd.grade, 'limited');
    assert.equal(withMdd.labelStatus, 'off-label');
    assert.equal(withMdd.onLabel, false);
    assert.deepEqual(withMdd.factors, [{ text: 'PTSD-outcome RCT evidence is low (Feder 2021, n=30)', delta: 2, modifier: null }]);

    assert.equal(alone.score, 1);
    assert.equal(alone.grade, 'insufficient');
    assert.equal(alone.gradeLabel, 'Insufficient evidence: off-label, document rationale');
    assert.deepEqual((alone.factors as Factor[]).map((f) => [f.modifier, f.delta]), [[null, 2], ['ptsd-without-mdd', -1]]);
    assert.equal(
      alone.factorsText,
      'PTSD-outcome RCT evidence is low (Feder 2021, n=30) (base 2); No comorbid depression: VA/DoD suggests against ketamine for PTSD alone (-1)',
    );
    assert.ok((withMdd.score as number) > (alone.score as number));
    assert.deepEqual(alone.refs, ['Condition/cond-1']);
    assert.deepEqual(withMdd.refs, ['Condition/cond-1']);
  });

  it('TRD (MDD + 2 adequate trials) outranks PTSD by base score; esketamine is on-label for TRD', async () => {
    const v = await evidenceFor([PTSD, MDD], ESKETAMINE, TWO_ADEQUATE_TRIALS);
    assert.equal(v.product, 'esketamine');
    assert.equal(v.indication, 'trd');
    assert.equal(v.indicationLabel, 'Treatment-resistant depression');
    assert.equal(v.score, 3);
    assert.equal(v.grade, 'supported');
    assert.equal(v.labelStatus, 'on-label');
    assert.equal(v.onLabel, true);
    assert.deepEqual(v.supported, ['trd', 'ptsd']);
    assert.equal(v.supportedText, 'Treatment-resistant depression, PTSD');
    assert.deepEqual(
      (v.scores as Array<Record<string, unknown>>).map((s) => [s.indication, s.score, s.grade]),
      [['trd', 3, 'supported'], ['ptsd', 2, 'limited']],
    );
    assert.equal(v.text, 'Treatment-resistant depression: Supported (moderate evidence) (score 3, on-label)');
    // refs: the facts read by the TRD criteria (mdd, psychosis, adTrials).
    assert.deepEqual([...(v.refs as string[])].sort(), ['Condition/cond-2', 'MedicationStatement/medstmt-1', 'MedicationStatement/medstmt-2']);
  });

  it('one adequate trial is not TRD (criteria use {"param": "minAdequateTrials"})', async () => {
    const v = await evidenceFor([MDD], ESKETAMINE, TWO_ADEQUATE_TRIALS.slice(0, 1));
    assert.equal(v.present, false);
    assert.equal(v.indicationLabel, 'No documented indication');
    assert.equal(v.gradeLabel, 'No documented indication');
    assert.equal(v.text, 'No documented indication for Esketamine nasal spray (Spravato)');
  });

  it('a modifier for all indications (psychotic features) lowers the score', async () => {
    const v = await evidenceFor([PTSD, { code: 'icd10:F33.3', onset: '2025-06-01' }], KETAMINE_IV);
    assert.equal(v.indication, 'ptsd');
    assert.equal(v.score, 1);
    assert.deepEqual((v.factors as Factor[]).map((f) => f.modifier), [null, 'psychotic-features']);
  });

  it('a floor limits how far a modifier lowers the score', async () => {
    const ruleSet = factsRuleSet();
    ruleSet.evidence!.modifiers[0].delta = -1.5;
    const v = await fact(fixture({ data: { conditions: [PTSD] }, order: KETAMINE_IV }), 'evidence', { ruleSet });
    assert.equal(v.score, 1, 'floor 1');
    assert.deepEqual((v.factors as Factor[])[1], { text: 'No comorbid depression: VA/DoD suggests against ketamine for PTSD alone', delta: -1, modifier: 'ptsd-without-mdd' });
  });

  it('no product order: present false', async () => {
    const v = await evidenceFor([PTSD, MDD], { code: 'rxnorm:36437' });
    assert.equal(v.present, false);
    assert.equal(v.product, null);
    assert.equal(v.text, 'No product order or administration to grade');
  });

  it('patient-view: the product of the most recent administration; a fixed product parameter', async () => {
    const f = fixture({
      data: {
        conditions: [PTSD],
        administrations: [
          { code: 'rxnorm:2201625', date: '2026-09-01' },
          { code: 'rxnorm:6130', date: '2026-10-20' },
        ],
      },
    });
    const v = await fact(f, 'evidence', { hook: 'patient-view' });
    assert.equal(v.product, 'ketamine');
    const fixed = await fact(f, 'esketamineEvidence', { hook: 'patient-view' });
    assert.equal(fixed.product, 'esketamine');
    assert.equal(fixed.score, 1);
  });
});

describe('fact kind: evidence — scoresText', () => {
  it('every supported indication with its score and grade, chosen first', async () => {
    const v = await evidenceFor([PTSD, MDD], ESKETAMINE, TWO_ADEQUATE_TRIALS);
    assert.equal(v.scoresText, 'Treatment-resistant depression: 3 (supported); PTSD: 2 (limited)');
    const alone = await evidenceFor([PTSD], KETAMINE_IV);
    assert.equal(alone.scoresText, 'PTSD: 1 (insufficient)');
  });

  it('no supported indication: ""', async () => {
    const v = await evidenceFor([], KETAMINE_IV);
    assert.equal(v.present, false);
    assert.equal(v.scoresText, '');
  });
});
