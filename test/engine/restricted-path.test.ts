import assert from 'node:assert/strict';
import { parseRestrictedPath, resolveRestrictedPath, restrictedPathResolver } from '../../engine/restricted-path.js';

describe('restricted path resolver', () => {
  const value = { present: true, latest: { systolic: 150, items: [{ code: 'a' }, { code: 'b' }] } };

  it('resolves $.name and [index] segments', () => {
    assert.equal(resolveRestrictedPath(value, '$.present'), true);
    assert.equal(resolveRestrictedPath(value, '$.latest.systolic'), 150);
    assert.equal(resolveRestrictedPath(value, '$.latest.items[1].code'), 'b');
    assert.deepEqual(resolveRestrictedPath(value, '$'), value);
  });

  it('returns undefined for missing steps instead of throwing', () => {
    assert.equal(resolveRestrictedPath(value, '$.nope'), undefined);
    assert.equal(resolveRestrictedPath(value, '$.latest.items[5].code'), undefined);
    assert.equal(resolveRestrictedPath(value, '$.present.x'), undefined);
    assert.equal(resolveRestrictedPath(value, '$.latest[0]'), undefined);
  });

  it('refuses __proto__, constructor and prototype', () => {
    for (const path of ['$.__proto__', '$.constructor', '$.latest.prototype', '$.constructor.prototype']) {
      const parsed = parseRestrictedPath(path);
      assert.equal(parsed.ok, false, path);
      assert.match((parsed as { error: string }).error, /is not allowed in a path/);
      assert.throws(() => resolveRestrictedPath(value, path), /is not allowed in a path/);
    }
  });

  it('reads own properties only (nothing inherited from the prototype chain)', () => {
    assert.equal(resolveRestrictedPath({}, '$.toString'), undefined);
    assert.equal(resolveRestrictedPath({}, '$.hasOwnProperty'), undefined);
    assert.equal(resolveRestrictedPath([1, 2], '$.length'), undefined);
    const inherited = Object.create({ secret: 1 }) as object;
    assert.equal(resolveRestrictedPath(inherited, '$.secret'), undefined);
  });

  it('rejects every JSONPath feature beyond plain segments', () => {
    for (const path of ['$..present', '$[*]', '$.items[?(@.code)]', "$['present']", '$.a[-1]', 'present', '$.a b', '$.items[0:2]', '$.a.', '$[01]']) {
      assert.equal(parseRestrictedPath(path).ok, false, path);
    }
  });

  it('is usable as json-rules-engine pathResolver', () => {
    assert.equal(restrictedPathResolver(value, '$.latest.items[0].code'), 'a');
    assert.throws(() => restrictedPathResolver(value, '$..code'));
  });
});
