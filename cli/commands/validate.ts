import { parseArgs } from 'node:util';
import { existsSync } from 'node:fs';
import { loadFixtures } from '../../engine/fixtures/load-fixtures.js';
import { loadRuleSetFile } from '../../engine/load-rule-set.js';
import { findRuleSetFiles, findRuleSetFolders } from '../../engine/rule-set-files.js';
import { formatProblem } from '../../engine/rule-set-problem.js';
import { compileRuleSet } from '../../engine/compile-rule-set.js';
import { CliUsageError, type CliCommand } from '../cli-types.js';

export const command: CliCommand = {
  name: 'validate',
  summary: 'check rule-set files (schema, references, paths, templates, 140-character summaries)',
  usage: [
    'usage: cds-rules validate <path>',
    '',
    '  <path>  a rule-set file, a rule-set folder (rules/<id>: rule-set.json, versions/*.json and',
    '          fixtures/*.yaml), or a folder of rule-set folders (rules/)',
    '',
    'Prints every problem as "file pointer: message" (pointer = RFC 6901 JSON pointer into the file).',
    'Exit status: 0 when everything is valid, 1 when there are problems, 2 on usage errors.',
  ].join('\n'),
  async run(args, io) {
    const { positionals } = parseArgs({ args, allowPositionals: true, strict: true, options: {} });
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
    for (const file of files) {
      const loaded = loadRuleSetFile(file);
      for (const p of loaded.problems) io.out(formatProblem(p));
      problemCount += loaded.problems.length;
      if (loaded.ruleSet) {
        const { identity } = compileRuleSet(loaded.ruleSet, { file });
        io.err(`ok ${file}: ${identity.id}@${identity.version} sha256:${identity.hash}`);
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
    if (problemCount > 0) io.err(`${problemCount} problem${problemCount === 1 ? '' : 's'}`);
    return problemCount > 0 ? 1 : 0;
  },
};
