/**
 * Reading fixture YAML files from disk: one file, or every *.yaml / *.yml of a folder; the text is parsed
 * and checked by engine/fixtures/parse-fixture.ts.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Fixture } from '../engine/fixtures/fixture-types.js';
import { parseFixture, type FixtureLoadError } from '../engine/fixtures/parse-fixture.js';

export type { FixtureLoadError };

export function loadFixtureFile(file: string): { fixture?: Fixture; errors: FixtureLoadError[] } {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    return { errors: [{ file, message: `cannot read fixture: ${(err as Error).message}` }] };
  }
  return parseFixture(text, file);
}

/** Loads every *.yaml / *.yml in a folder (sorted by file name); a missing folder has no fixtures. */
export function loadFixtures(dir: string): { fixtures: Fixture[]; errors: FixtureLoadError[] } {
  const fixtures: Fixture[] = [];
  const errors: FixtureLoadError[] = [];
  if (!existsSync(dir)) return { fixtures, errors };
  const files = readdirSync(dir).filter((f) => f.endsWith('.yaml') || f.endsWith('.yml')).sort();
  const names = new Map<string, string>();
  for (const f of files) {
    const loaded = loadFixtureFile(join(dir, f));
    errors.push(...loaded.errors);
    if (!loaded.fixture) continue;
    const other = names.get(loaded.fixture.name);
    if (other) errors.push({ file: loaded.fixture.file, message: `name "${loaded.fixture.name}" is also used by ${other}; fixture names must be unique` });
    names.set(loaded.fixture.name, loaded.fixture.file);
    fixtures.push(loaded.fixture);
  }
  return { fixtures, errors };
}
