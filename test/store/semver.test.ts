import assert from 'node:assert/strict';
import { compareSemver } from '../../store/semver.js';

describe('store: semver precedence', () => {
  it('orders versions as semver.org item 11 does', () => {
    const ordered = ['1.0.0-alpha', '1.0.0-alpha.1', '1.0.0-alpha.beta', '1.0.0-beta', '1.0.0-beta.2', '1.0.0-beta.11', '1.0.0-rc.1', '1.0.0', '1.2.0', '1.10.0', '2.0.0'];
    const shuffled = [...ordered].reverse();
    assert.deepEqual(shuffled.sort(compareSemver), ordered);
    assert.equal(compareSemver('1.0.0+build.1', '1.0.0+build.2'), 0);
  });
});
