import { parseArgs } from 'node:util';
import { formatProblem } from '../../engine/rule-set-problem.js';
import { loadRuleSetFilesLeniently } from '../../use-cases/load-rule-set-files.js';
import { importBundledRuleSets, registryIsEmpty } from '../../store/import-bundled.js';
import { CliUsageError, type CliCommand } from '../cli-types.js';
import { defaultRulesPath } from '../rule-set-workspace.js';
import { STORE_OPTIONS, STORE_USAGE, withStore } from '../store-options.js';

export const command: CliCommand = {
  name: 'import',
  summary: 'first start by hand: import the bundled rule sets into an EMPTY registry (newest of each activated)',
  usage: [
    'usage: cds-rules import [--rules <dir>] [store options]',
    '',
    '  What the service does by itself on its first start, for operators who prefer an explicit step:',
    '  every rule-set version under <dir> (rule-set.json and versions/*.json) is validated, published by',
    '  system:bootstrap, and the newest version of each rule set is activated (the history says it had',
    '  no second reviewer). Only into an empty registry: when the registry holds any version, nothing',
    '  is written and each file is compared with it instead (new versions go live only through publish,',
    '  submit, approve by another person, activate).',
    '  --rules <dir>         folder of rule-set folders (default: ./rules, else the repository\'s rules/)',
    STORE_USAGE,
    '',
    'Exit status: 0 imported, 1 not imported (registry not empty, or a file does not validate), 2 usage error.',
  ].join('\n'),
  async run(args, io) {
    const { positionals, values } = parseArgs({ args, allowPositionals: true, strict: true, options: { rules: { type: 'string' }, ...STORE_OPTIONS } });
    if (positionals.length > 0) throw new CliUsageError(`unexpected argument ${positionals[0]}`);
    const rulesDir = values.rules ?? defaultRulesPath();
    const { valid, invalid } = loadRuleSetFilesLeniently(rulesDir);
    if (valid.length === 0 && invalid.length === 0) throw new CliUsageError(`${rulesDir}: no rule-set files found`);
    return withStore(values, async (store) => {
      const empty = await registryIsEmpty(store);
      if (empty && invalid.length > 0) {
        for (const f of invalid) for (const p of f.problems) io.err(formatProblem(p));
        io.err(`not imported: ${invalid.length} file(s) do not validate (run cds-rules validate ${rulesDir})`);
        return 1;
      }
      const result = await importBundledRuleSets(store, valid.map(({ file, compiled }) => ({ file, ruleSet: compiled.ruleSet })));
      for (const f of result.files) io.out(`${f.status.padEnd(11)} ${f.ruleSetId} ${f.version}${f.activated ? ' (active)' : ''}: ${f.note}`);
      if (!result.imported) {
        io.err('not imported: the registry is not empty (import only ever fills an empty registry); publish new versions for review instead');
        return 1;
      }
      io.err(`imported ${result.files.length} version(s) into the empty registry`);
      return 0;
    });
  },
};
