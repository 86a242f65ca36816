import { parseArgs } from 'node:util';
import { existsSync } from 'node:fs';
import { loadFixtures } from '../../use-cases/load-fixtures.js';
import { loadRuleSetFile } from '../../use-cases/load-rule-set-file.js';
import { findRuleSetFiles, findRuleSetFolders } from '../../use-cases/rule-set-files.js';
import { formatProblem } from '../../engine/rule-set-problem.js';
import { compileRuleSet } from '../../engine/compile-rule-set.js';
import { join, resolve } from 'node:path';
import type { RuleSet } from '../../engine/rule-set-types.js';
import { SQLITE_FILE_NAME } from '../../store/open-store.js';
import { ruleSetContentHash } from '../../store/rule-set-hash.js';
import type { Store } from '../../store/store.js';
import { CliUsageError, type CliCommand, type CliIo } from '../cli-types.js';
import { STORE_OPTIONS, STORE_USAGE, withStore, type StoreOptionValues } from '../store-options.js';

export const command: CliCommand = {
  name: 'validate',
  summary: 'check rule-set files (schema, references, paths, templates, 140-character summaries)',
  usage: [
    'usage: cds-rules validate <path> [store options]',
    '',
    '  <path>  a rule-set file, a rule-set folder (rules/<id>: rule-set.json, versions/*.json and',
    '          fixtures/*.yaml), or a folder of rule-set folders (rules/)',
    STORE_USAGE,
    '',
    'Prints every problem as "file pointer: message" (pointer = RFC 6901 JSON pointer into the file).',
    'When a registry is there (DATABASE_URL / --database-url, or the SQLite store in the data folder), each',
    'valid file is also compared with it: a version already published with different content is a',
    'problem (give the file a new version number before publishing); nothing is written.',
    'Exit status: 0 when everything is valid, 1 when there are problems, 2 on usage errors.',
  ].join('\n'),
  async run(args, io) {
    const { positionals, values } = parseArgs({ args, allowPositionals: true, strict: true, options: { ...STORE_OPTIONS } });
    if (positionals.length !== 1) throw new CliUsageError(positionals.length === 0 ? 'which file or folder? give a <path>' : 'give exactly one <path>');
    const path = positionals[0];
    if (!existsSync(path)) throw new CliUsageError(`${path}: no such file or folder`);
    let files: string[];
    try {
      files = findRuleSetFiles(path);
    } catch (err) {
      throw new CliUsageError((err as Error).message);
    }
    let problemCount = 0;
    const valid: { file: string; ruleSet: RuleSet }[] = [];
    for (const file of files) {
      const loaded = loadRuleSetFile(file);
      for (const p of loaded.problems) io.out(formatProblem(p));
      problemCount += loaded.problems.length;
      if (loaded.ruleSet) {
        const { identity } = compileRuleSet(loaded.ruleSet, { file });
        io.err(`ok ${file}: ${identity.id}@${identity.version} sha256:${identity.hash}`);
        valid.push({ file, ruleSet: loaded.ruleSet });
      }
    }
    const isFile = files.length === 1 && files[0] === path;
    if (!isFile) {
      for (const folder of findRuleSetFolders(path)) {
        const { fixtures, errors } = loadFixtures(folder.fixturesDir);
        for (const e of errors) io.out(`${e.file}: ${e.message}`);
        problemCount += errors.length;
        if (fixtures.length > 0 && errors.length === 0) io.err(`ok ${folder.fixturesDir}: ${fixtures.length} fixture file${fixtures.length === 1 ? '' : 's'} load`);
      }
    }
    if (valid.length > 0 && registryIsThere(values)) problemCount += await withStore(values, (store) => compareWithRegistry(store, valid, io));
    if (problemCount > 0) io.err(`${problemCount} problem${problemCount === 1 ? '' : 's'}`);
    return problemCount > 0 ? 1 : 0;
  },
};

/** A registry to compare with: a database URL, or an existing SQLite store (validate never creates one). */
function registryIsThere(values: StoreOptionValues): boolean {
  if (values['database-url'] !== undefined || (process.env.DATABASE_URL?.trim() ?? '') !== '') return true;
  const dataDir = resolve(values['data-dir'] ?? (process.env.DATA_DIR?.trim() || './data'));
  return existsSync(join(dataDir, SQLITE_FILE_NAME));
}

/** Each file whose id@version the registry holds with other content is a problem; returns how many. */
async function compareWithRegistry(store: Store, files: { file: string; ruleSet: RuleSet }[], io: CliIo): Promise<number> {
  let problems = 0;
  for (const { file, ruleSet } of files) {
    const published = await store.getVersion(ruleSet.id, ruleSet.version);
    const hash = ruleSetContentHash(ruleSet);
    if (published === undefined) {
      io.err(`ok ${file}: ${ruleSet.id} ${ruleSet.version} is not in the registry yet (publish it for review)`);
    } else if (published.hash === hash) {
      io.err(`ok ${file}: the registry holds this exact ${ruleSet.id} ${ruleSet.version} (${published.state})`);
    } else {
      problems += 1;
      const taken = new Set((await store.listVersions(ruleSet.id)).map((v) => v.version));
      io.out(
        `${file} /version: ${ruleSet.id} ${ruleSet.version} is already published with different content ` +
          `(sha256 ${published.hash.slice(0, 12)} published, ${hash.slice(0, 12)} here); give this file a new version number` +
          `${nextFreeVersion(ruleSet.version, taken) === undefined ? '' : ` (e.g. ${nextFreeVersion(ruleSet.version, taken)})`} before publishing it`,
      );
    }
  }
  return problems;
}

/** The next patch version not taken (1.1.0 -> 1.1.1 …), or undefined for a version that is not x.y.z. */
function nextFreeVersion(version: string, taken: Set<string>): string | undefined {
  const match = /^(\d+)\.(\d+)\.(\d+)$/.exec(version);
  if (match === null) return undefined;
  for (let patch = Number(match[3]) + 1; ; patch++) {
    const candidate = `${match[1]}.${match[2]}.${patch}`;
    if (!taken.has(candidate)) return candidate;
  }
}
