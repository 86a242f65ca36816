import assert from 'node:assert/strict';
import { StoreError } from '../../../store/store-error.js';

/** For assert.rejects/throws: a StoreError with this code (and message pattern). */
export function storeError(code: StoreError['code'], message?: RegExp): (error: unknown) => boolean {
  return (error) => {
    assert.ok(error instanceof StoreError, `expected a StoreError, got ${String(error)}`);
    assert.equal(error.code, code, error.message);
    if (message) assert.match(error.message, message);
    return true;
  };
}
