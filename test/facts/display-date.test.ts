import assert from 'node:assert/strict';
import { DISPLAY_DATE_MAX, displayDate } from '../../engine/facts/support/dates.js';

const NOW = new Date('2026-11-22T10:00:00Z');

describe('displayDate (the one formatter for dates people read)', () => {
  it('dates and partial dates as recorded', () => {
    assert.equal(displayDate('2026-10-30', NOW), '2026-10-30');
    assert.equal(displayDate('2026-10', NOW), '2026-10');
    assert.equal(displayDate('2026', NOW), '2026');
    assert.equal(displayDate('2026-11-22', NOW), '2026-11-22', 'a date without a time never gains one');
  });

  it('an instant on an earlier day: its calendar date as recorded', () => {
    assert.equal(displayDate('2026-11-20T00:40:04.981Z', NOW), '2026-11-20');
    assert.equal(displayDate('2026-11-20T23:30:00-05:00', NOW), '2026-11-20', 'the recorded calendar date, not the UTC one');
  });

  it('an instant less than 24 hours from now (either side): date and time in UTC', () => {
    assert.equal(displayDate('2026-11-22T00:40:04.981Z', NOW), '2026-11-22 00:40 UTC');
    assert.equal(displayDate('2026-11-21T10:00:01Z', NOW), '2026-11-21 10:00 UTC');
    assert.equal(displayDate('2026-11-21T10:00:00Z', NOW), '2026-11-21', 'exactly 24 hours is an earlier day');
    assert.equal(displayDate('2026-11-22T09:12:00+01:00', NOW), '2026-11-22 08:12 UTC');
    assert.equal(displayDate('2026-11-22T15:00:00Z', NOW), '2026-11-22 15:00 UTC');
  });

  it('"date-time" display (scheduled times) always shows the time', () => {
    assert.equal(displayDate('2026-12-24T01:10:04.774Z', NOW, 'date-time'), '2026-12-24 01:10 UTC');
    assert.equal(displayDate('2026-12-24', NOW, 'date-time'), '2026-12-24');
    assert.equal(displayDate('2026-12-24T01:10:04.774Z', undefined, 'date-time'), '2026-12-24 01:10 UTC');
  });

  it('absent gives "", malformed text is cut, nothing is longer than DISPLAY_DATE_MAX', () => {
    assert.equal(displayDate(null, NOW), '');
    assert.equal(displayDate(undefined, NOW), '');
    assert.equal(displayDate('   ', NOW), '');
    assert.equal(displayDate('last Tuesday', NOW), 'last Tuesday');
    assert.equal(displayDate('sometime in the autumn of last year', NOW), 'sometime in the aut…');
    for (const v of ['2026-11-22T00:40:04.981Z', '2026-11-22T00:40:04.981+14:00', 'x'.repeat(50)]) {
      assert.ok(displayDate(v, NOW, 'date-time').length <= DISPLAY_DATE_MAX);
    }
  });
});
