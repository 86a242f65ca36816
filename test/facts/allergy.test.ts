import assert from 'node:assert/strict';
import { fact, fixture } from './support/harness.js';

describe('fact kind: allergy', () => {
  it('an active, confirmed ketamine allergy is present', async () => {
    const v = await fact(fixture({ data: { allergies: [{ code: 'rxnorm:6130' }] } }), 'ketamineAllergy');
    assert.equal(v.present, true);
    assert.equal(v.count, 1);
    assert.equal(v.list, 'ketamine');
    assert.deepEqual(v.refs, ['AllergyIntolerance/allergy-1']);
  });

  it('inactive, resolved, refuted and entered-in-error allergies, and other substances, do not count', async () => {
    const v = await fact(
      fixture({
        data: {
          allergies: [
            { code: 'rxnorm:6130', status: 'inactive' },
            { code: 'rxnorm:6130', status: 'resolved' },
            { code: 'rxnorm:2119365', verification: 'refuted' },
            { code: 'rxnorm:2119365', verification: 'entered-in-error' },
            { code: 'rxnorm:7980' },
          ],
        },
      }),
      'ketamineAllergy',
    );
    assert.equal(v.present, false);
    assert.deepEqual(v.refs, []);
  });

  it('matches a reaction substance and shows criticality', async () => {
    const v = await fact(
      fixture({
        data: {
          resources: [
            {
              resourceType: 'AllergyIntolerance',
              id: 'raw-allergy',
              criticality: 'high',
              code: { text: 'Anaesthetic agents' },
              reaction: [{ substance: { coding: [{ system: 'http://www.nlm.nih.gov/research/umls/rxnorm', code: '2119365', display: 'esketamine' }] }, manifestation: [{ text: 'rash' }] }],
              patient: { reference: 'Patient/pat-1' },
            },
          ],
        },
      }),
      'ketamineAllergy',
    );
    assert.equal(v.present, true);
    assert.equal(v.list, 'esketamine (high criticality)');
  });
});
