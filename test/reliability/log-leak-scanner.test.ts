/**
 * The scanner behind "no patient data in logs" (test/support/log-capture-hooks.ts) finds what it must
 * and reports only where: a deliberately planted leak of each kind is detected, through the real
 * logger and LOG_CAPTURE_FILE too; lookalikes are not flagged; the report never contains the data.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger, LOG_CAPTURE_ENV } from '../../server/logger.js';
import { fixturePatientNeedles } from '../support/fixture-patient-data.js';
import { describeLeaks, LeakScanner, type Needle } from '../support/log-leak-scanner.js';
import { generateTestKey, signClientToken } from '../support/client-tokens.js';
import { mintedSecrets } from '../support/minted-secrets.js';

const NEEDLES: Needle[] = [
  { kind: 'patient-name', value: 'Synthetic-Trd', wholeWord: true },
  { kind: 'patient-birthDate', value: '1980-06-15', wholeWord: true },
  { kind: 'patient-identifier', value: 'MRN-000123', wholeWord: true },
  { kind: 'token', value: 'opaque-access-token-123456', wholeWord: false },
];

describe('log leak scanner (no patient data or tokens in logs)', () => {
  it('finds each planted leak and reports kind and line number only', () => {
    const log = [
      '{"msg":"request","status":200}',
      '{"msg":"oops","name":"Synthetic-Trd"}',
      '{"msg":"x","born":"1980-06-15"}',
      '{"msg":"y","id":"MRN-000123"}',
      '{"msg":"z","hdr":"Authorization: Bearer opaque-access-token-123456"}',
      '{"msg":"jwt","t":"eyJhbGciOiJFUzM4NCJ9.eyJpc3MiOiJ4In0.sig"}',
      '{"msg":"w","t":"xxopaque-access-token-123456yy"}',
    ].join('\n');
    const leaks = new LeakScanner(NEEDLES).scan(log);
    assert.deepEqual(
      leaks.map((l) => `${l.line}:${l.kind}`).sort(),
      ['2:patient-name', '3:patient-birthDate', '4:patient-identifier', '5:bearer-credential', '5:token', '6:jwt-shaped', '7:token'].sort(),
    );
    const report = describeLeaks(leaks);
    assert.match(report, /patient-name at line 2/);
    for (const needle of NEEDLES) assert.ok(!report.includes(needle.value), 'the report does not repeat the data');
  });

  it('does not flag lookalikes: a birth date inside a longer number, a name inside a longer word, redacted headers', () => {
    const log = [
      '{"time":"2026-11-22T01:00:00.000Z","latencyMs":1980}',
      '{"v":"11980-06-155"}',
      '{"msg":"Synthetic-Trdx"}',
      '{"headers":{"authorization":"[redacted]"},"msg":"Bearer [redacted]"}',
    ].join('\n');
    assert.deepEqual(new LeakScanner(NEEDLES).scan(log), []);
  });

  it('a leak planted through the real logger (LOG_CAPTURE_FILE) is caught, including a minted client JWT and a fixture patient', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cds-leak-plant-'));
    const previous = process.env[LOG_CAPTURE_ENV];
    process.env[LOG_CAPTURE_ENV] = join(dir, 'planted.ndjson');
    try {
      const key = await generateTestKey('ES256', 'plant-1');
      const jwt = await signClientToken({ key, iss: 'https://plant.example', aud: 'https://cds.example/x', now: new Date('2026-01-01T00:00:00Z') });
      assert.ok(mintedSecrets().includes(jwt), 'minted tokens are registered');
      const patient = fixturePatientNeedles().find((n) => n.kind === 'patient-name' && n.value.startsWith('Synthetic'))!;
      const logger = createLogger('silent'); // even a silent logger's lines reach the capture file
      logger.warn({ detail: `token ${jwt.split('.')[2]}` }, 'planted 1');
      logger.debug({ who: patient.value }, 'planted 2');
      logger.info({ body: { patientId: 'redacted by pino' } }, 'not a leak');
      const text = readFileSync(join(dir, 'planted.ndjson'), 'utf8');
      const leaks = new LeakScanner([...fixturePatientNeedles(), ...mintedSecrets().map((value): Needle => ({ kind: 'token', value, wholeWord: false }))]).scan(text);
      assert.deepEqual(
        leaks.map((l) => `${l.line}:${l.kind}`),
        ['1:token', '2:patient-name'],
      );
    } finally {
      if (previous === undefined) delete process.env[LOG_CAPTURE_ENV];
      else process.env[LOG_CAPTURE_ENV] = previous;
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('collects the fixture patients: names, birth dates and ids from rules/*/fixtures, test/fixtures and examples', () => {
    const needles = fixturePatientNeedles();
    const kinds = new Set(needles.map((n) => n.kind));
    for (const kind of ['patient-name', 'patient-birthDate', 'patient-id', 'token']) assert.ok(kinds.has(kind as Needle['kind']), kind);
    assert.ok(needles.some((n) => n.value === 'pt-trd-m45'), 'compact fixture patient ids');
    assert.ok(needles.some((n) => n.value === '1925-12-23'), 'spec example birth date');
    assert.ok(needles.filter((n) => n.kind === 'patient-birthDate').length >= 10);
  });
});
