/**
 * The service's checkpoint round (server/audit/audit-checkpoints.ts, AUDIT_SIGNING_KEY): it signs the
 * chain heads, skips a round when no chain moved, signs again after a change, and AUDIT_SIGNING_KEY
 * must name an Ed25519 PEM key.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkpointOnce } from '../../server/audit/audit-checkpoints.js';
import { parseAuditSigningKey } from '../../server/config.js';
import { createLogger } from '../../server/logger.js';
import { checkpointSignatureValid } from '../../store/audit-checkpoint.js';
import { openStore } from '../../store/open-store.js';
import { LogCapture } from '../support/server-harness.js';

describe('audit checkpoints signed by the service', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'cds-checkpoints-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('signs the heads, skips a round when nothing moved, signs again after a change', async () => {
    const keys = generateKeyPairSync('ed25519');
    const store = await openStore({ dataDir: join(dir, 'store') });
    const logs = new LogCapture();
    const logger = createLogger('info', logs);
    const clock = () => new Date('2026-03-01T10:00:00Z');
    try {
      await checkpointOnce(store, keys.privateKey, clock, logger);
      await checkpointOnce(store, keys.privateKey, clock, logger);
      assert.equal((await store.listCheckpoints()).length, 1, 'nothing moved: no second checkpoint');
      await store.recordFeedback('svc', { feedback: [{ card: 'c-1', outcome: 'accepted', outcomeTimestamp: '2026-03-01T09:00:00Z' }] });
      await checkpointOnce(store, keys.privateKey, clock, logger);
      const checkpoints = await store.listCheckpoints();
      assert.deepEqual(checkpoints.map((c) => c.heads.feedback.seq), [0, 1]);
      assert.ok(checkpoints.every((c) => checkpointSignatureValid(keys.publicKey, c)));
      assert.equal(logs.lines().filter((l) => l.msg === 'audit checkpoint signed').length, 2);
    } finally {
      await store.close();
    }
  });

  it('AUDIT_SIGNING_KEY must be a readable Ed25519 private key in PEM', () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 });
    const file = join(dir, 'rsa.pem');
    writeFileSync(file, rsa.privateKey.export({ type: 'pkcs8', format: 'pem' }));
    assert.throws(() => parseAuditSigningKey({ AUDIT_SIGNING_KEY: file }), /holds a rsa key; an Ed25519 key is needed/);
    assert.throws(() => parseAuditSigningKey({ AUDIT_SIGNING_KEY: join(dir, 'missing.pem') }), /AUDIT_SIGNING_KEY file .*missing\.pem cannot be read/);
    writeFileSync(join(dir, 'junk.pem'), 'not a key');
    assert.throws(() => parseAuditSigningKey({ AUDIT_SIGNING_KEY: join(dir, 'junk.pem') }), /is not a PEM private key/);
    assert.equal(parseAuditSigningKey({}), undefined);
  });
});
