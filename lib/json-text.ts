/**
 * Reads JSON text the way an author needs it read: syntax errors with line and column, and duplicate
 * object keys reported (JSON.parse silently keeps the last one, which would hide an edit).
 */
import { childPointer } from './json-pointer.js';

export interface TextPosition {
  line: number; // 1-based
  column: number; // 1-based
}

export interface DuplicateKey extends TextPosition {
  /** Pointer of the object holding the key twice. */
  objectPointer: string;
  /** Pointer of the duplicated member. */
  pointer: string;
  key: string;
}

export type JsonTextResult =
  | { ok: true; value: unknown; duplicates: DuplicateKey[] }
  | { ok: false; error: { message: string } & TextPosition };

class JsonSyntaxError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
  }
}

export function positionAt(text: string, offset: number): TextPosition {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}

/** Deepest object/array nesting a rule-set file may have (real rule sets stay under 20). */
export const MAX_JSON_NESTING = 256;

/** Parses JSON text, reporting the first syntax error with its position, and every duplicate key. */
export function parseJsonText(text: string): JsonTextResult {
  const duplicates: DuplicateKey[] = [];
  let i = 0;
  let depth = 0;
  const n = text.length;

  const describe = (at: number): string => (at >= n ? 'end of input' : `"${text[at]}"`);
  const fail = (message: string, at = i): never => {
    throw new JsonSyntaxError(message, at);
  };
  const skipWhitespace = (): void => {
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) i++;
      else break;
    }
  };
  const readString = (): string => {
    const start = i;
    i++; // opening quote
    while (i < n) {
      const c = text[i];
      if (c === '"') {
        i++;
        return JSON.parse(text.slice(start, i)) as string;
      }
      if (c === '\\') {
        const e = text[i + 1];
        if (e === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) fail('invalid \\u escape in string', i);
          i += 6;
        } else if (e !== undefined && '"\\/bfnrt'.includes(e)) i += 2;
        else fail(`invalid escape "\\${e ?? ''}" in string`, i);
      } else if (text.charCodeAt(i) < 0x20) {
        fail('unescaped control character (e.g. a line break) in string', i);
      } else i++;
    }
    return fail('unterminated string', start);
  };
  const readNumber = (): void => {
    const m = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/.exec(text.slice(i, i + 400));
    if (!m || m[0] === '' || m[0] === '-') fail(`unexpected ${describe(i)}: expected a value`);
    i += m![0].length;
  };
  const nested = (read: (ptr: string) => void, ptr: string): void => {
    if (++depth > MAX_JSON_NESTING) fail(`nested deeper than ${MAX_JSON_NESTING} objects or arrays`);
    read(ptr);
    depth--;
  };
  const readValue = (ptr: string): void => {
    skipWhitespace();
    const c = text[i];
    if (c === '{') nested(readObject, ptr);
    else if (c === '[') nested(readArray, ptr);
    else if (c === '"') readString();
    else if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) readNumber();
    else if (text.startsWith('true', i)) i += 4;
    else if (text.startsWith('false', i)) i += 5;
    else if (text.startsWith('null', i)) i += 4;
    else if (c === "'") fail('strings must use double quotes');
    else fail(`unexpected ${describe(i)}: expected a value`);
  };
  const readObject = (ptr: string): void => {
    i++; // {
    const seen = new Set<string>();
    skipWhitespace();
    if (text[i] === '}') {
      i++;
      return;
    }
    for (;;) {
      skipWhitespace();
      if (text[i] !== '"') {
        fail(text[i] === '}' ? 'trailing comma before "}"' : `unexpected ${describe(i)}: expected a property name in double quotes`);
      }
      const keyOffset = i;
      const key = readString();
      const memberPtr = childPointer(ptr, key);
      if (seen.has(key)) duplicates.push({ objectPointer: ptr, pointer: memberPtr, key, ...positionAt(text, keyOffset) });
      seen.add(key);
      skipWhitespace();
      if (text[i] !== ':') fail(`unexpected ${describe(i)}: expected ":" after property name "${key}"`);
      i++;
      readValue(memberPtr);
      skipWhitespace();
      if (text[i] === ',') {
        i++;
        continue;
      }
      if (text[i] === '}') {
        i++;
        return;
      }
      fail(`unexpected ${describe(i)}: expected "," or "}" after the value of "${key}"`);
    }
  };
  const readArray = (ptr: string): void => {
    i++; // [
    skipWhitespace();
    if (text[i] === ']') {
      i++;
      return;
    }
    for (let index = 0; ; index++) {
      skipWhitespace();
      if (text[i] === ']') fail('trailing comma before "]"');
      readValue(childPointer(ptr, index));
      skipWhitespace();
      if (text[i] === ',') {
        i++;
        continue;
      }
      if (text[i] === ']') {
        i++;
        return;
      }
      fail(`unexpected ${describe(i)}: expected "," or "]" in array`);
    }
  };

  try {
    if (text.charCodeAt(0) === 0xfeff) i = 1; // byte-order mark
    readValue('');
    skipWhitespace();
    if (i < n) fail(`unexpected ${describe(i)} after the end of the JSON value`);
  } catch (err) {
    if (err instanceof JsonSyntaxError) return { ok: false, error: { message: err.message, ...positionAt(text, err.offset) } };
    throw err;
  }
  return { ok: true, value: JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text), duplicates };
}
