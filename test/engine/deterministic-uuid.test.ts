/**
 * deterministicUuid formats the SHA-256 hex directly; the uuids must stay exactly those of the original
 * byte-patching definition (card uuids are part of the output and of recorded decisions).
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { deterministicUuid } from '../../engine/deterministic-uuid.js';

function referenceUuid(...parts: Array<string | number>): string {
  const digest = createHash('sha256').update(parts.map(String).join('\u0000')).digest();
  const b = Buffer.from(digest.subarray(0, 16));
  b[6] = (b[6] & 0x0f) | 0x80;
  b[8] = (b[8] & 0x3f) | 0x80;
  const hex = b.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

describe('deterministic uuids', () => {
  it('equal the reference definition for any parts', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.string(), fc.nat()), { minLength: 1, maxLength: 5 }), (parts) => {
        assert.equal(deterministicUuid(...parts), referenceUuid(...parts));
      }),
      { numRuns: 3000 },
    );
  });

  it('are version 8, RFC 4122 variant', () => {
    assert.match(deterministicUuid('a', 'b', 'c'), /^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});
