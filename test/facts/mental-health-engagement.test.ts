import assert from 'node:assert/strict';
import { fact, fixture } from './support/harness.js';

const T = 'http://example.org/fhir/CodeSystem/test-products';

describe('fact kind: mentalHealthEngagement', () => {
  it('engaged via every signal, with the last contact date', async () => {
    const v = await fact(
      fixture({
        data: {
          careTeams: [{ role: 'snomed:80584001' }],
          encounters: [{ type: `${T}|psych-visit`, date: '2026-09-01' }],
          procedures: [{ code: 'snomed:75516001', date: '2026-10-15' }],
          referrals: [{ code: `${T}|psych-referral`, date: '2026-08-01' }],
        },
      }),
      'engagement',
    );
    assert.equal(v.engaged, true);
    assert.equal(v.present, true);
    assert.deepEqual(v.via, ['care-team', 'encounter', 'procedure', 'referral']);
    assert.equal(v.lastContactDate, '2026-10-15');
    assert.equal(v.lastContactAgeDays, 17);
    assert.equal(v.text, 'Engaged via care-team, encounter, procedure, referral (last contact 2026-10-15)');
    assert.deepEqual(v.refs, ['CareTeam/careteam-1', 'Encounter/enc-1', 'Procedure/proc-1', 'ServiceRequest/referral-1']);
  });

  it('old contacts (> withinDays 180), unfinished encounters, inactive teams and completed referrals do not count', async () => {
    const v = await fact(
      fixture({
        data: {
          careTeams: [{ role: 'snomed:80584001', status: 'inactive' }],
          encounters: [
            { type: `${T}|psych-visit`, date: '2026-05-04' }, // 181 days
            { type: `${T}|psych-visit`, date: '2026-10-30', status: 'planned' },
          ],
          procedures: [{ code: 'snomed:75516001', date: '2026-10-15', status: 'not-done' }],
          referrals: [{ code: `${T}|psych-referral`, status: 'completed' }],
        },
      }),
      'engagement',
    );
    assert.equal(v.engaged, false);
    assert.deepEqual(v.via, []);
    assert.equal(v.lastContactDate, null);
    assert.equal(v.text, 'No mental-health care documented');
  });

  it('an encounter exactly 180 days ago counts', async () => {
    const v = await fact(fixture({ data: { encounters: [{ type: `${T}|psych-visit`, date: '2026-05-05' }] } }), 'engagement');
    assert.deepEqual(v.via, ['encounter']);
  });
});
