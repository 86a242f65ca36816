import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { describeRuleSet } from '../../engine/describe/describe-rule-set.js';
import { renderDescriptionText } from '../../engine/describe/render-description-text.js';
import { loadRuleSetFile } from '../../use-cases/load-rule-set-file.js';
import { formatProblem } from '../../engine/rule-set-problem.js';
import type { RuleSet } from '../../engine/rule-set-types.js';
import { CliUsageError, type CliCommand } from '../cli-types.js';
import { STORE_OPTIONS, STORE_USAGE, withStore } from '../store-options.js';

export const command: CliCommand = {
  name: 'describe',
  summary: 'a whole rule-set version in plain language: every rule (when it fires, thresholds, card, citations), value sets, parameters',
  usage: [
    'usage: cds-rules describe <file>                     (a rule-set file)',
    '       cds-rules describe <id>@<version> [store options]   (a published version in the registry)',
    '',
    '  Every rule under its id: when it fires (its conditions in words), the thresholds it uses with',
    '  values and units, its card (indicator, summary, detail, suggestions, links, override reasons) and',
    '  its citations with their certainty ([S] sourced, [J] judgement, [U] unverified); then services,',
    '  concerns, parameters, value sets with their codes, facts, evidence model, schedules, citations.',
    '  --json                the same description as JSON (for tools)',
    STORE_USAGE,
  ].join('\n'),
  async run(args, io) {
    const { positionals, values } = parseArgs({ args, allowPositionals: true, strict: true, options: { json: { type: 'boolean' }, ...STORE_OPTIONS } });
    if (positionals.length !== 1) throw new CliUsageError('give one <file> or <id>@<version>');
    const [target] = positionals;
    const print = (ruleSet: RuleSet): number => {
      const description = describeRuleSet(ruleSet);
      io.out(values.json ? JSON.stringify(description, null, 2) : renderDescriptionText(description).trimEnd());
      return 0;
    };
    if (existsSync(target)) {
      const loaded = loadRuleSetFile(target);
      if (loaded.ruleSet === undefined) {
        for (const p of loaded.problems) io.err(formatProblem(p));
        io.err(`cannot describe ${target}: ${loaded.problems.length} problem(s) (run cds-rules validate)`);
        return 1;
      }
      return print(loaded.ruleSet);
    }
    const match = /^([^@\s]+)@([^@\s]+)$/.exec(target);
    if (match === null) throw new CliUsageError(`${target}: no such file, and not <id>@<version> (e.g. ketamine-esketamine@1.2.0)`);
    const [, ruleSetId, version] = match;
    return withStore(values, async (store) => {
      const record = await store.getVersion(ruleSetId, version);
      if (record === undefined) {
        const known = (await store.listVersions(ruleSetId)).map((v) => v.version);
        io.err(`rule set ${ruleSetId} has no version ${version} in the registry${known.length > 0 ? ` (it has ${known.join(', ')})` : ''}`);
        return 1;
      }
      return print(record.content);
    });
  },
};
