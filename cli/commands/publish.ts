import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { publishRuleSetText } from '../../use-cases/publish-rule-set.js';
import { CliUsageError, type CliCommand } from '../cli-types.js';
import { reportAdminError, requireActor, STORE_OPTIONS, STORE_USAGE, withStore } from '../store-options.js';

export const command: CliCommand = {
  name: 'publish',
  summary: 'publish a rule-set file into the registry as a draft version',
  usage: [
    'usage: cds-rules publish <file> --as <name> [store options]',
    '',
    '  <file>                a rule-set JSON file (e.g. rules/ketamine-esketamine/rule-set.json)',
    '  --as <name>           who publishes it (recorded as the author; the author may not approve it)',
    STORE_USAGE,
    '',
    'The file is validated first; every problem is printed as "file pointer: message" and nothing is stored.',
    'Publishing the same content again changes nothing; different content under a published id and version',
    'is refused (published versions are immutable: give the new content a new version number).',
    'Exit status: 0 published (or already published), 1 invalid or refused, 2 usage error.',
  ].join('\n'),
  async run(args, io) {
    const { positionals, values } = parseArgs({ args, allowPositionals: true, strict: true, options: { as: { type: 'string' }, ...STORE_OPTIONS } });
    if (positionals.length !== 1) throw new CliUsageError(positionals.length === 0 ? 'which file? give the rule-set <file>' : 'give exactly one <file>');
    const file = positionals[0];
    const author = requireActor(values.as);
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      throw new CliUsageError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : (err as Error).message}`);
    }
    return withStore(values, async (store) => {
      try {
        const { record, created } = await publishRuleSetText(store, text, file, author);
        io.out(
          created
            ? `published ${record.ruleSetId} ${record.version} as a draft (author ${record.author}, sha256 ${record.hash})`
            : `${record.ruleSetId} ${record.version} is already published with this exact content (state ${record.state}, sha256 ${record.hash})`,
        );
        if (created) io.err(`next: cds-rules submit ${record.ruleSetId} ${record.version} --as ${author} --reason "<why>"`);
        return 0;
      } catch (err) {
        return reportAdminError(err, io, file);
      }
    });
  },
};
