/** STORE_TIMEOUT_MS and openStore's timeoutMs: validated, each problem naming the setting. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '../../store/open-store.js';
import { DEFAULT_STORE_TIMEOUT_MS, storeTimeoutFromEnv } from '../../store/store-timeout.js';
import { storeError } from './support/assertions.js';

describe('store timeout setting', () => {
  it('reads STORE_TIMEOUT_MS, defaulting to 5000 ms', () => {
    assert.equal(DEFAULT_STORE_TIMEOUT_MS, 5000);
    assert.equal(storeTimeoutFromEnv({}), 5000);
    assert.equal(storeTimeoutFromEnv({ STORE_TIMEOUT_MS: ' ' }), 5000);
    assert.equal(storeTimeoutFromEnv({ STORE_TIMEOUT_MS: '250' }), 250);
  });

  it('refuses values that are not whole milliseconds from 100 to 600000, naming the variable', () => {
    for (const raw of ['5s', '-1', '1.5', '0x10']) {
      assert.throws(() => storeTimeoutFromEnv({ STORE_TIMEOUT_MS: raw }), storeError('invalid-input', /^STORE_TIMEOUT_MS must be a whole number of milliseconds, got/));
    }
    for (const raw of ['99', '600001']) {
      assert.throws(() => storeTimeoutFromEnv({ STORE_TIMEOUT_MS: raw }), storeError('invalid-input', /^STORE_TIMEOUT_MS must be a whole number of milliseconds from 100 to 600000/));
    }
  });

  it('openStore refuses a bad timeoutMs before opening anything', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cds-store-timeout-'));
    try {
      await assert.rejects(openStore({ dataDir: dir, timeoutMs: 20 }), storeError('invalid-input', /openStore: timeoutMs must be/));
      await assert.rejects(openStore({ dataDir: dir, timeoutMs: Number.NaN }), storeError('invalid-input', /openStore: timeoutMs must be/));
      const store = await openStore({ dataDir: dir, timeoutMs: 100 });
      await store.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
