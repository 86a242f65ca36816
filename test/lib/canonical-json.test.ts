/**
 * The single-pass canonical JSON (lib/canonical-json.ts) against the reference definition it
 * replaced: byte-identical output on many random JSON-like values (rule-set hashes and the audit chain
 * depend on it), the same refusals, and the same hashes for the bundled rule sets.
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { canonicalHash, canonicalJson, sha256Hex } from '../../lib/canonical-json.js';
import { referenceCanonicalJson } from './support/canonical-json-reference.js';
import { loadBundledRuleSetFiles } from '../../server/bundled-rule-sets.js';

function outcome(f: () => string): { ok: true; text: string } | { ok: false; error: string } {
  try {
    return { ok: true, text: f() };
  } catch (err) {
    return { ok: false, error: `${(err as Error).name}: ${(err as Error).message}` };
  }
}

/** JSON-like values, with what real inputs contain besides: undefined members and elements, odd keys, -0, unicode. */
const valueArb = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constant(null),
    fc.boolean(),
    fc.integer(),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.constantFrom(0, -0, 1e21, 1e-7, 0.1, Number.MAX_SAFE_INTEGER),
    fc.string({ unit: 'binary' }),
    fc.string(),
    fc.array(fc.oneof(tie('value'), fc.constant(undefined)), { maxLength: 6 }),
    fc.dictionary(
      fc.oneof(fc.string({ unit: 'binary', maxLength: 6 }), fc.constantFrom('a', 'B', 'é', '10', '2', '~', '__proto__x', '')),
      fc.oneof(tie('value'), fc.constant(undefined)),
      { maxKeys: 6 },
    ),
  ),
})).value;

describe('canonical JSON (single pass)', () => {
  it('is byte-identical to the reference definition on random values', () => {
    fc.assert(
      fc.property(valueArb, (value) => {
        assert.deepEqual(outcome(() => canonicalJson(value)), outcome(() => referenceCanonicalJson(value)));
      }),
      { numRuns: 5000 },
    );
  });

  it('refuses what the reference refuses', () => {
    for (const bad of [undefined, Number.NaN, Number.POSITIVE_INFINITY, { a: [1, Number.NEGATIVE_INFINITY] }, [{ x: Number.NaN }]]) {
      assert.deepEqual(outcome(() => canonicalJson(bad)), outcome(() => referenceCanonicalJson(bad)));
      assert.equal(outcome(() => canonicalJson(bad)).ok, false);
    }
  });

  it('matches the reference on edge cases: undefined members, undefined elements, holes, dates, nested arrays', () => {
    // eslint-disable-next-line no-sparse-arrays
    const sparse = [1, , 3];
    for (const value of [{ b: undefined, a: 1 }, [undefined, null, 1], sparse, { d: new Date(0) }, [[[]], {}], { 'a\u0000': 'x', a: 'y' }, '\u2028\ud800']) {
      assert.equal(canonicalJson(value), referenceCanonicalJson(value));
    }
  });

  it('gives the bundled rule sets the same hashes as the reference', () => {
    for (const { compiled } of loadBundledRuleSetFiles()) {
      const { $schema: _schema, ...content } = compiled.ruleSet;
      assert.equal(canonicalHash(content), sha256Hex(referenceCanonicalJson(content)));
      assert.equal(compiled.identity.hash, sha256Hex(referenceCanonicalJson(content)));
    }
  });
});
