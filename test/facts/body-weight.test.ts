import assert from 'node:assert/strict';
import { fact, fixture } from './support/harness.js';

describe('fact kind: bodyWeight', () => {
  it('latest weight in kg', async () => {
    const v = await fact(fixture({ data: { observations: [{ weight: '80 kg', date: '2026-01-01' }, { weight: '70 kg', date: '2026-10-30' }] } }), 'weight');
    assert.equal(v.present, true);
    assert.equal(v.kg, 70);
    assert.equal(v.ageDays, 2);
    assert.equal(v.text, '70 kg on 2026-10-30');
    assert.deepEqual(v.refs, ['Observation/obs-2']);
  });

  it('converts lb and g to kg (2 decimals)', async () => {
    const lb = await fact(fixture({ data: { observations: [{ weight: '154 lb', date: '2026-10-30' }] } }), 'weight');
    assert.equal(lb.kg, 69.85);
    const g = await fact(fixture({ data: { observations: [{ weight: '3500 g', date: '2026-10-30' }] } }), 'weight');
    assert.equal(g.kg, 3.5);
  });

  it('a weight in an unknown unit is ignored', async () => {
    const v = await fact(fixture({ data: { observations: [{ weight: '11 stone', date: '2026-10-30' }] } }), 'weight');
    assert.equal(v.present, false);
    assert.equal(v.text, 'no weight recorded');
  });
});
