/**
 * The depth scan skips strings with indexOf; it must decide exactly as the character-by-character
 * scan it replaced, on any text (valid JSON or not, escapes, unterminated strings).
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { exceedsJsonDepth } from '../../server/http/json-depth.js';

function referenceExceedsJsonDepth(text: string, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
      continue;
    }
    if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > limit) return true;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return false;
}

describe('JSON depth scan', () => {
  it('decides as the reference scan on random JSON texts and random bracket/quote/backslash soup', () => {
    const soup = fc.array(fc.constantFrom('[', ']', '{', '}', '"', '\\', 'a', ',', ':'), { maxLength: 60 }).map((a) => a.join(''));
    const json = fc.jsonValue({ maxDepth: 8 }).map((v) => JSON.stringify(v));
    fc.assert(
      fc.property(fc.oneof(soup, json), fc.integer({ min: 0, max: 8 }), (text, limit) => {
        assert.equal(exceedsJsonDepth(text, limit), referenceExceedsJsonDepth(text, limit));
      }),
      { numRuns: 5000 },
    );
  });

  it('counts brackets outside strings only', () => {
    assert.equal(exceedsJsonDepth('{"a":"[[[[[[\\"[[["}', 1), false);
    assert.equal(exceedsJsonDepth('[[["\\\\"]]]', 2), true);
    assert.equal(exceedsJsonDepth('"unterminated [[[[', 0), false);
  });
});
