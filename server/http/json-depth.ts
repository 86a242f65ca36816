/**
 * Nesting depth of a JSON text, measured before parsing so that a hostile body ("[[[[…") costs one
 * linear scan and never reaches the parser or the validators. Strings are skipped correctly.
 */

/** True when objects/arrays in `text` nest deeper than `limit` levels. */
export function exceedsJsonDepth(text: string, limit: number): boolean {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      // Skip the string in native steps: its end is the next quote preceded by an even number of backslashes.
      let end = i + 1;
      for (;;) {
        end = text.indexOf('"', end);
        if (end < 0) return false; // unterminated: nothing nests after it (JSON.parse refuses it)
        let backslashes = 0;
        while (text.charCodeAt(end - 1 - backslashes) === 0x5c /* \ */) backslashes++;
        if (backslashes % 2 === 0) break;
        end++;
      }
      i = end;
    } else if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      if (++depth > limit) return true;
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) depth--;
  }
  return false;
}
