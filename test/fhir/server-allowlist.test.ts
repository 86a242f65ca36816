import assert from 'node:assert/strict';
import { isFhirServerAllowed, isUrlOnServer, normaliseBaseUrl } from '../../fhir/server-allowlist.js';

describe('FHIR server allowlist', () => {
  const allowed = ['https://ehr.example.org/fhir/', 'http://127.0.0.1:8080/r4'];

  it('allows exact origin + path prefix, ignoring trailing slashes', () => {
    for (const url of [
      'https://ehr.example.org/fhir',
      'https://ehr.example.org/fhir/',
      'https://ehr.example.org/fhir//',
      'https://EHR.example.org/fhir',
      'https://ehr.example.org:443/fhir',
      'https://ehr.example.org/fhir/tenant-a',
      'http://127.0.0.1:8080/r4',
    ]) {
      assert.equal(isFhirServerAllowed(url, allowed), true, url);
    }
  });

  it('refuses other schemes, hosts, ports, path prefixes that only share characters, and odd URLs', () => {
    for (const url of [
      'http://ehr.example.org/fhir',
      'https://ehr.example.org.evil.com/fhir',
      'https://evil.com/ehr.example.org/fhir',
      'https://ehr.example.org:8443/fhir',
      'https://ehr.example.org/fhir-evil',
      'https://ehr.example.org/',
      'https://ehr.example.org/fhir/../admin',
      'https://user:pw@ehr.example.org/fhir',
      'https://ehr.example.org/fhir?x=1',
      'https://ehr.example.org/fhir#x',
      'ftp://ehr.example.org/fhir',
      'not a url',
      '',
      'http://127.0.0.1:8081/r4',
    ]) {
      assert.equal(isFhirServerAllowed(url, allowed), false, url);
    }
    assert.equal(isFhirServerAllowed('https://ehr.example.org/fhir', []), false);
    assert.equal(isFhirServerAllowed('https://ehr.example.org/fhir', ['garbage']), false);
  });

  it('normalises base URLs', () => {
    assert.deepEqual(normaliseBaseUrl('HTTPS://Ehr.Example.org:443/fhir///'), { origin: 'https://ehr.example.org', path: '/fhir' });
    assert.deepEqual(normaliseBaseUrl('http://127.0.0.1:9/'), { origin: 'http://127.0.0.1:9', path: '' });
  });

  it('accepts next links only on the same server (origin and base path), query allowed', () => {
    const base = 'https://ehr.example.org/fhir';
    assert.equal(isUrlOnServer('https://ehr.example.org/fhir/Condition?patient=1&_offset=20', base), true);
    assert.equal(isUrlOnServer('https://ehr.example.org/fhir?_getpages=abc', base), true);
    assert.equal(isUrlOnServer('https://other.example.org/fhir/Condition?page=2', base), false);
    assert.equal(isUrlOnServer('http://ehr.example.org/fhir/Condition?page=2', base), false);
    assert.equal(isUrlOnServer('https://ehr.example.org/other/Condition?page=2', base), false);
    assert.equal(isUrlOnServer('https://u:p@ehr.example.org/fhir/Condition', base), false);
    assert.equal(isUrlOnServer('/fhir/Condition?page=2', base), false);
  });
});
