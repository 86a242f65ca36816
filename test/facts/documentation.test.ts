import assert from 'node:assert/strict';
import { fact, fixture } from './support/harness.js';

describe('fact kind: documentation', () => {
  it('an active Consent whose category matches', async () => {
    const v = await fact(fixture({ data: { consents: [{ category: 'loinc:59284-0', date: '2026-10-01' }] } }), 'consent');
    assert.equal(v.present, true);
    assert.equal(v.date, '2026-10-01');
    assert.equal(v.ageDays, 31);
    assert.equal(v.source, 'Consent');
    assert.equal(v.text, 'documented on 2026-10-01');
    assert.deepEqual(v.refs, ['Consent/consent-1']);
  });

  it('a completed Procedure documents it too; the latest wins', async () => {
    const v = await fact(
      fixture({
        data: {
          consents: [{ category: 'loinc:59284-0', date: '2026-03-01' }],
          procedures: [{ code: 'http://example.org/fhir/CodeSystem/test-products|ketamine-consent-procedure', date: '2026-10-20' }],
        },
      }),
      'consent',
    );
    assert.equal(v.source, 'Procedure');
    assert.equal(v.count, 2);
    assert.deepEqual(v.refs, ['Procedure/proc-1']);
  });

  it('inactive, other-category and too-old (366 > 365 days) consents do not count', async () => {
    const v = await fact(
      fixture({
        data: {
          consents: [
            { category: 'loinc:59284-0', date: '2026-10-01', status: 'inactive' },
            { category: 'loinc:64292-6', date: '2026-10-01' },
            { category: 'loinc:59284-0', date: '2025-10-31' },
          ],
        },
      }),
      'consent',
    );
    assert.equal(v.present, false);
    assert.equal(v.text, 'not documented');
  });
});
