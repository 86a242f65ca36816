/**
 * A word-level difference between two texts (longest common subsequence over words and the spaces
 * between them), for showing what changed inside card text. Texts too long for the quadratic table
 * come back as one removal and one insertion.
 */
export type WordChange = { kind: 'same' | 'removed' | 'added'; text: string };

/** Largest product of token counts compared word by word. */
export const MAX_WORD_DIFF_CELLS = 4_000_000;

function tokens(text: string): string[] {
  return text.match(/\s+|[^\s]+/g) ?? [];
}

export function wordDiff(before: string, after: string): WordChange[] {
  const a = tokens(before);
  const b = tokens(after);
  if (a.length * b.length > MAX_WORD_DIFF_CELLS) {
    return [{ kind: 'removed', text: before }, { kind: 'added', text: after }];
  }
  // lcs[i][j] = length of the LCS of a[i..] and b[j..]
  const lcs: Uint32Array[] = Array.from({ length: a.length + 1 }, () => new Uint32Array(b.length + 1));
  for (let i = a.length - 1; i >= 0; i -= 1) {
    for (let j = b.length - 1; j >= 0; j -= 1) {
      lcs[i][j] = a[i] === b[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
    }
  }
  const out: WordChange[] = [];
  const push = (kind: WordChange['kind'], text: string): void => {
    const last = out[out.length - 1];
    if (last !== undefined && last.kind === kind) last.text += text;
    else out.push({ kind, text });
  };
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    if (a[i] === b[j]) {
      push('same', a[i]);
      i += 1;
      j += 1;
    } else if (lcs[i + 1][j] >= lcs[i][j + 1]) {
      push('removed', a[i]);
      i += 1;
    } else {
      push('added', b[j]);
      j += 1;
    }
  }
  while (i < a.length) push('removed', a[i++]);
  while (j < b.length) push('added', b[j++]);
  return groupChanges(out);
}

/**
 * Reads better: changes separated only by spaces become one removal and one addition
 * ("[removed: Contraindicated: aneurysmal] [added: Draft wording: aneurysm]"), not word salad.
 */
function groupChanges(changes: WordChange[]): WordChange[] {
  const out: WordChange[] = [];
  let removed = '';
  let added = '';
  let heldSpace = '';
  const flush = (): void => {
    if (removed !== '') out.push({ kind: 'removed', text: removed });
    if (added !== '') out.push({ kind: 'added', text: added });
    removed = '';
    added = '';
  };
  const same = (text: string): void => {
    const last = out[out.length - 1];
    if (last !== undefined && last.kind === 'same') last.text += text;
    else out.push({ kind: 'same', text });
  };
  for (const c of changes) {
    if (c.kind === 'same') {
      if (removed === '' && added === '') {
        same(c.text);
      } else if (/^\s+$/.test(c.text)) {
        heldSpace += c.text;
      } else {
        flush();
        same(heldSpace + c.text);
        heldSpace = '';
      }
      continue;
    }
    if (heldSpace !== '') {
      removed += heldSpace;
      added += heldSpace;
      heldSpace = '';
    }
    if (c.kind === 'removed') removed += c.text;
    else added += c.text;
  }
  flush();
  if (heldSpace !== '') same(heldSpace);
  return out;
}
