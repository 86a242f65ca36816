import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { FACT_REFERENCE_PATH, renderFactReference } from '../../scripts/generate-fact-reference.js';
import { FACT_KINDS } from '../../engine/facts/index.js';
import { TEST_FACT_KINDS } from './support/test-fact-kinds.js';

describe('docs/fact-kinds.md', () => {
  it('is generated from FACT_KINDS and up to date (run npx tsx scripts/generate-fact-reference.ts)', () => {
    assert.equal(readFileSync(FACT_REFERENCE_PATH, 'utf8'), renderFactReference(FACT_KINDS));
  });

  it('lists every kind with its parameters and output paths', () => {
    const text = renderFactReference(TEST_FACT_KINDS);
    assert.match(text, /## `test-observation`\n\nLatest observation in a value set\./);
    assert.match(text, /\| `maxAgeDays` \| number \(≥ 0\) \| no \|/);
    assert.match(text, /\| `valueSet` \| string \| yes \|/);
    assert.match(text, /\| `\$.unit` \| string \\\| null \| 12 \|/);
    assert.match(text, /\| `\$.codes\[0\].code` \| string \| 20 \|/);
  });
});
