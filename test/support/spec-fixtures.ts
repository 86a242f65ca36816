/** The CDS Hooks spec and library examples copied into test/fixtures/spec/ (see its README.md). */
import { readFileSync } from 'node:fs';

export function specFixture<T = Record<string, unknown>>(name: string): T {
  return JSON.parse(readFileSync(new URL(`../fixtures/spec/${name}`, import.meta.url), 'utf8')) as T;
}

export function specText(name: string): string {
  return readFileSync(new URL(`../fixtures/spec/${name}`, import.meta.url), 'utf8').trim();
}
