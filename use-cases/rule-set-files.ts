/**
 * Where rule sets live on disk: rules/<id>/rule-set.json (the working version), optional
 * rules/<id>/versions/*.json (earlier or candidate versions), rules/<id>/fixtures/*.yaml.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

export const RULE_SET_FILE = 'rule-set.json';

export interface RuleSetFolder {
  /** The folder, rules/<id>. */
  dir: string;
  /** rules/<id>/rule-set.json */
  main: string;
  /** rules/<id>/versions/*.json, sorted. */
  versions: string[];
  /** rules/<id>/fixtures */
  fixturesDir: string;
}

function jsonFilesIn(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => join(dir, f));
}

function folderAt(dir: string): RuleSetFolder {
  return { dir, main: join(dir, RULE_SET_FILE), versions: jsonFilesIn(join(dir, 'versions')), fixturesDir: join(dir, 'fixtures') };
}

/**
 * The rule-set folders a CLI path names: a rule-set file (its folder), a rule-set folder, or a folder
 * of rule-set folders (e.g. rules/). Throws with a clear message when there is none.
 */
export function findRuleSetFolders(path: string): RuleSetFolder[] {
  if (!existsSync(path)) throw new Error(`${path}: no such file or folder`);
  if (statSync(path).isFile()) {
    const dir = basename(dirname(path)) === 'versions' ? dirname(dirname(path)) : dirname(path);
    return [folderAt(dir)];
  }
  if (existsSync(join(path, RULE_SET_FILE))) return [folderAt(path)];
  const folders = readdirSync(path)
    .sort()
    .map((name) => join(path, name))
    .filter((p) => statSync(p).isDirectory() && existsSync(join(p, RULE_SET_FILE)))
    .map(folderAt);
  if (folders.length === 0) throw new Error(`${path}: no ${RULE_SET_FILE} here or in its sub-folders`);
  return folders;
}

/** Rule-set files a CLI path names: a single file as given, else every main and version file. */
export function findRuleSetFiles(path: string): string[] {
  if (existsSync(path) && statSync(path).isFile()) return [path];
  return findRuleSetFolders(path).flatMap((f) => [f.main, ...f.versions]);
}
