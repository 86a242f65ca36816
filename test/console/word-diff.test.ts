/** The word-level diff the console uses for card text (console/client/word-diff.ts). */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { MAX_WORD_DIFF_CELLS, wordDiff } from '../../console/client/word-diff.js';

function side(changes: ReturnType<typeof wordDiff>, kind: 'removed' | 'added'): string {
  return changes.filter((c) => c.kind === 'same' || c.kind === kind).map((c) => c.text).join('');
}

describe('word diff for card text', () => {
  it('marks only the words that changed', () => {
    assert.deepEqual(wordDiff('BP above 160/100: delay the dose', 'BP above 150/95: delay the dose'), [
      { kind: 'same', text: 'BP above ' },
      { kind: 'removed', text: '160/100:' },
      { kind: 'added', text: '150/95:' },
      { kind: 'same', text: ' delay the dose' },
    ]);
  });

  it('rebuilds both texts exactly, whatever they are', () => {
    const words = fc.array(fc.constantFrom('a', 'b', 'c', 'dose', '{{bp.text}}', ' ', '\n'), { maxLength: 40 }).map((w) => w.join(''));
    fc.assert(
      fc.property(words, words, (before, after) => {
        const changes = wordDiff(before, after);
        assert.equal(side(changes, 'removed'), before);
        assert.equal(side(changes, 'added'), after);
      }),
    );
  });

  it('gives up word by word on texts too long to compare, still rebuilding both', () => {
    const long = 'word '.repeat(Math.ceil(Math.sqrt(MAX_WORD_DIFF_CELLS)));
    const changes = wordDiff(long, `${long}more`);
    assert.deepEqual(changes.map((c) => c.kind), ['removed', 'added']);
  });
});
