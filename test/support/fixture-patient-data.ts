/**
 * The patient data the tests feed the service, as needles for the log scan: every Patient's names,
 * identifiers, birth date and id found in the rule sets' fixtures (rules/* /fixtures/*.yaml, compact
 * `patient` included), test/fixtures/** /*.json and examples/** /*.json, plus every `access_token` in
 * those files (a FHIR token a client sends us).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { Needle } from './log-leak-scanner.js';

export const REPO_ROOT = new URL('../../', import.meta.url).pathname;

function filesUnder(dir: string, extensions: readonly string[]): string[] {
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return [];
  }
  return entries.flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return filesUnder(path, extensions);
    return extensions.some((ext) => name.endsWith(ext)) ? [path] : [];
  });
}

function strings(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(strings);
  return [];
}

function patientNeedles(patient: Record<string, unknown>): Needle[] {
  const needles: Needle[] = [];
  const add = (kind: Needle['kind'], value: unknown): void => {
    for (const text of strings(value)) needles.push({ kind, value: text, wholeWord: true });
  };
  for (const name of Array.isArray(patient.name) ? patient.name : [patient.name]) {
    if (name && typeof name === 'object') {
      const n = name as Record<string, unknown>;
      add('patient-name', n.family);
      add('patient-name', n.given);
      add('patient-name', n.text);
    } else add('patient-name', name);
  }
  for (const identifier of Array.isArray(patient.identifier) ? patient.identifier : []) {
    if (identifier && typeof identifier === 'object') add('patient-identifier', (identifier as Record<string, unknown>).value);
  }
  add('patient-birthDate', patient.birthDate);
  add('patient-id', patient.id);
  return needles;
}

function walk(value: unknown, needles: Needle[], compactPatientKey: boolean): void {
  if (Array.isArray(value)) {
    for (const item of value) walk(item, needles, false);
    return;
  }
  if (value === null || typeof value !== 'object') return;
  const record = value as Record<string, unknown>;
  if (record.resourceType === 'Patient') needles.push(...patientNeedles(record));
  for (const [key, child] of Object.entries(record)) {
    if (key === 'access_token' && typeof child === 'string') needles.push({ kind: 'token', value: child, wholeWord: false });
    // A compact fixture's top-level `patient: {id, gender, birthDate}` (docs/fixture-format.md).
    if (compactPatientKey && key === 'patient' && child && typeof child === 'object') needles.push(...patientNeedles(child as Record<string, unknown>));
    walk(child, needles, false);
  }
}

/** Needles for every fixture patient and fixture access token in the repository. */
export function fixturePatientNeedles(root = REPO_ROOT): Needle[] {
  const needles: Needle[] = [];
  const yamlFiles = readdirSync(join(root, 'rules'), { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .flatMap((entry) => filesUnder(join(root, 'rules', entry.name, 'fixtures'), ['.yaml', '.yml']));
  for (const file of yamlFiles) walk(parseYaml(readFileSync(file, 'utf8')), needles, true);
  for (const file of [...filesUnder(join(root, 'test', 'fixtures'), ['.json']), ...filesUnder(join(root, 'examples'), ['.json'])]) {
    let json: unknown;
    try {
      json = JSON.parse(readFileSync(file, 'utf8'));
    } catch {
      continue; // not JSON (a deliberately broken fixture): nothing to collect
    }
    walk(json, needles, false);
  }
  return needles;
}
