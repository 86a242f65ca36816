/**
 * Configuration from the environment (server/config.ts, docs/configuration.md): defaults, and errors
 * that name the variable, file and field at fault.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PATIENT_KEY_SECRET_FILE } from '../../use-cases/audit/patient-key.js';
import { loadConfig } from '../../server/config.js';
import { ConfigError } from '../../lib/config-error.js';
import { makeTempDir } from '../support/server-harness.js';

describe('configuration', () => {
  let dataDir: string;
  beforeEach(() => {
    dataDir = makeTempDir('cds-config-test-');
  });
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  const env = (extra: Record<string, string> = {}) => ({ DATA_DIR: dataDir, ...extra });
  const clientsFile = (content: unknown) => {
    const file = join(dataDir, 'clients.json');
    writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
    return file;
  };

  it('defaults', () => {
    const config = loadConfig(env());
    assert.equal(config.port, 8080);
    assert.equal(config.host, '127.0.0.1');
    assert.equal(config.publicBaseUrl, 'http://127.0.0.1:8080');
    assert.equal(config.databaseUrl, undefined);
    assert.equal(config.maxBodyBytes, 1024 * 1024);
    assert.equal(config.maxJsonDepth, 64);
    assert.equal(config.fhirDeadlineMs, 1500);
    assert.equal(config.fhirMaxPages, 5);
    assert.equal(config.jwtClockSkewS, 60);
    assert.equal(config.jwtMaxTokenAgeS, 3600);
    assert.equal(config.corsOrigin, '*');
    assert.equal(config.logLevel, 'info');
    assert.equal(config.snapshotKey, undefined);
    assert.equal(config.snapshotRetentionDays, 30);
    assert.equal(config.storeFailureMode, 'fail-closed');
    assert.deepEqual(config.clients, []);
    assert.deepEqual(config.openModeFhirServers, []);
  });

  it('PUBLIC_BASE_URL defaults from HOST and PORT and loses a trailing slash', () => {
    assert.equal(loadConfig(env({ HOST: '::1', PORT: '9000' })).publicBaseUrl, 'http://[::1]:9000');
    assert.equal(loadConfig(env({ PUBLIC_BASE_URL: 'https://cds.example.org/base/' })).publicBaseUrl, 'https://cds.example.org/base');
  });

  it('PATIENT_KEY_SECRET unset: 32 random bytes written once to DATA_DIR/patient-key.secret (mode 0600) and reused', () => {
    const first = loadConfig(env());
    const file = join(dataDir, PATIENT_KEY_SECRET_FILE);
    assert.ok(existsSync(file));
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.equal(first.patientKeySecret.length, 32);
    assert.equal(first.patientKeySecretSource, 'file');
    const second = loadConfig(env());
    assert.deepEqual(second.patientKeySecret, first.patientKeySecret);
    assert.equal(Buffer.from(readFileSync(file, 'utf8').trim(), 'base64').length, 32);
  });

  it('PATIENT_KEY_SECRET set: used as is, nothing written', () => {
    const config = loadConfig(env({ PATIENT_KEY_SECRET: 'k'.repeat(40) }));
    assert.equal(config.patientKeySecretSource, 'PATIENT_KEY_SECRET');
    assert.ok(!existsSync(join(dataDir, PATIENT_KEY_SECRET_FILE)));
  });

  const invalid: Array<[Record<string, string>, RegExp]> = [
    [{ PORT: 'eighty' }, /^PORT must be a whole number, got "eighty"$/],
    [{ PORT: '70000' }, /^PORT must be between 0 and 65535, got 70000$/],
    [{ MAX_BODY_BYTES: '-1' }, /^MAX_BODY_BYTES must be a whole number/],
    [{ PUBLIC_BASE_URL: 'cds.example.org' }, /^PUBLIC_BASE_URL must be an absolute URL/],
    [{ STORE_FAILURE_MODE: 'maybe' }, /^STORE_FAILURE_MODE must be fail-closed or fail-open$/],
    [{ LOG_LEVEL: 'loud' }, /^LOG_LEVEL must be one of/],
    [{ SNAPSHOT_KEY: Buffer.alloc(16).toString('base64') }, /^SNAPSHOT_KEY must be 32 bytes encoded in base64/],
    [{ PATIENT_KEY_SECRET: 'short' }, /^PATIENT_KEY_SECRET must be at least 32 bytes long \(got 5\)$/],
    [{ OPEN_MODE_FHIR_SERVERS: 'https://ok.example/fhir, not a url' }, /^OPEN_MODE_FHIR_SERVERS must be an absolute URL, got "not a url"$/],
    [{ CORS_ORIGIN: 'ehr.example' }, /^CORS_ORIGIN must be an absolute URL/],
  ];
  for (const [vars, message] of invalid) {
    it(`refuses ${JSON.stringify(vars)} naming the variable`, () => {
      assert.throws(() => loadConfig(env(vars)), (err: Error) => err instanceof ConfigError && message.test(err.message));
    });
  }

  it('SNAPSHOT_KEY: 32 bytes of base64', () => {
    const key = Buffer.alloc(32, 7);
    assert.deepEqual(loadConfig(env({ SNAPSHOT_KEY: key.toString('base64') })).snapshotKey, key);
  });

  describe('CDS_CLIENTS', () => {
    it('a valid file', () => {
      const file = clientsFile([
        { iss: 'https://ehr.example', jku: 'https://ehr.example/jwks', fhirServers: ['https://ehr.example/fhir/'], tenant: 't1' },
        { iss: 'https://ehr2.example', jwks: { keys: [{ kty: 'EC', kid: 'k', crv: 'P-384', x: 'x', y: 'y' }] }, fhirServers: [] },
      ]);
      const config = loadConfig(env({ CDS_CLIENTS: file }));
      assert.equal(config.clients.length, 2);
      assert.deepEqual(config.clients[0].fhirServers, ['https://ehr.example/fhir']);
    });

    const bad: Array<[string, unknown, RegExp]> = [
      ['not JSON', '{oops', /is not valid JSON/],
      ['an empty list', [], /\(whole file\): must have at least 1 items|\(whole file\): must not be an empty array/],
      ['a client without fhirServers', [{ iss: 'https://ehr.example', jku: 'https://ehr.example/jwks' }], /- \/0\/fhirServers: is required/],
      ['a client without keys', [{ iss: 'https://ehr.example', fhirServers: [] }], /- \/0: must give the client's public keys as jwks \(inline JWK Set\) or jku \(JWK Set URL\), or both/],
      ['a symmetric key', [{ iss: 'a', jwks: { keys: [{ kty: 'oct', kid: 'k', k: 'c2VjcmV0' }] }, fhirServers: [] }], /- \/0\/jwks\/keys\/0\/kty: must be EC, RSA or OKP/],
      ['a private key', [{ iss: 'a', jwks: { keys: [{ kty: 'EC', kid: 'k', d: 'secret' }] }, fhirServers: [] }], /- \/0\/jwks\/keys\/0\/d: is not allowed here/],
      ['an unknown member', [{ iss: 'a', jku: 'https://a.example/jwks', fhirServers: [], audience: 'x' }], /- \/0\/audience: is not allowed here/],
      ['a duplicate iss', [{ iss: 'a', jku: 'https://a.example/jwks', fhirServers: [] }, { iss: 'a', jku: 'https://a.example/jwks', fhirServers: [] }], /- \/1\/iss: "a" is listed twice/],
    ];
    for (const [title, content, message] of bad) {
      it(`refuses ${title}, naming the file and the field`, () => {
        const file = clientsFile(content);
        assert.throws(
          () => loadConfig(env({ CDS_CLIENTS: file })),
          (err: Error) => err instanceof ConfigError && err.message.includes(`CDS_CLIENTS file ${file}`) && message.test(err.message),
        );
      });
    }

    it('refuses a missing file', () => {
      assert.throws(() => loadConfig(env({ CDS_CLIENTS: join(dataDir, 'nope.json') })), /CDS_CLIENTS file .*nope\.json cannot be read/);
    });
  });
});
