import assert from 'node:assert/strict';
import { compareSemver, isSemver } from '../../store/semver.js';

describe('store: semver precedence', () => {
  it('orders versions as semver.org item 11 does', () => {
    const ordered = ['1.0.0-alpha', '1.0.0-alpha.1', '1.0.0-alpha.beta', '1.0.0-beta', '1.0.0-beta.2', '1.0.0-beta.11', '1.0.0-rc.1', '1.0.0', '1.2.0', '1.10.0', '2.0.0'];
    const shuffled = [...ordered].reverse();
    assert.deepEqual(shuffled.sort(compareSemver), ordered);
    assert.equal(compareSemver('1.0.0+build.1', '1.0.0+build.2'), 0);
  });

  it('reads only versions written exactly as Semantic Versioning 2.0.0 writes them', () => {
    for (const v of ['1.0.0', '0.1.0', '1.0.0-alpha.1', '1.0.0+build.01', '10.20.30-rc.1+exp.sha.5114f85']) assert.ok(isSemver(v), v);
    for (const v of ['v1.0.0', '=1.0.0', ' 1.0.0', '1.0.0 ', '1.0', '01.0.0', '1.0.0-01', '1.0.0-', 'one', '']) assert.ok(!isSemver(v), JSON.stringify(v));
  });

  it('orders anything that is not a semantic version by code units, after nothing else', () => {
    assert.ok(compareSemver('1.0.0', 'one') < 0);
    assert.ok(compareSemver('v2', 'v10') > 0, 'code units, not numbers');
  });
});
