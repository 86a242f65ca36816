import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { diffRuleSets } from '../../engine/diff/diff-rule-sets.js';
import { fixtureImpact, type FixtureImpact } from '../../engine/diff/fixture-impact.js';
import { renderDiffMarkdown } from '../../engine/diff/render-diff-markdown.js';
import { renderDiffText } from '../../engine/diff/render-diff-text.js';
import type { RuleSetDiff } from '../../engine/diff/rule-set-diff-types.js';
import { loadRuleSetFile } from '../../use-cases/load-rule-set-file.js';
import { findRuleSetFolders } from '../../use-cases/rule-set-files.js';
import { formatProblem } from '../../engine/rule-set-problem.js';
import type { RuleSet } from '../../engine/rule-set-types.js';
import { diffRegistryVersions } from '../../use-cases/diff-registry-versions.js';
import { ruleSetContentHash } from '../../store/rule-set-hash.js';
import { CliUsageError, type CliCommand, type CliIo } from '../cli-types.js';
import { defaultRulesPath } from '../rule-set-workspace.js';
import { reportAdminError, STORE_OPTIONS, STORE_USAGE, withStore } from '../store-options.js';
import { COMPACT_FHIR_CONVERTER } from '../../use-cases/fixture-converter.js';
import { loadFixtures } from '../../use-cases/load-fixtures.js';

const FORMATS = ['text', 'markdown', 'json'] as const;
type Format = (typeof FORMATS)[number];

export const command: CliCommand = {
  name: 'diff',
  summary: 'what changed between two rule-set versions, and (--impact) which fixtures\' cards change',
  usage: [
    'usage: cds-rules diff <rule-set-id> <from-version> <to-version> [options] [store options]   (registry versions)',
    '       cds-rules diff <from-file> <to-file> [options]                                        (rule-set files)',
    '',
    '  --impact              also run the rule set\'s fixtures with both versions and list those whose cards',
    '                        change (cards added, removed, indicator or summary changed)',
    '  --format <f>          text (default), markdown or json',
    '  --rules <dir>         where rule-set folders (and their fixtures) are, for --impact on registry versions',
    '                        (default: ./rules, else the repository\'s rules/)',
    STORE_USAGE,
    '',
    'Files: fixtures come from the folders of both files (rules/<id>/fixtures), deduplicated.',
    'Exit status: 0 no differences, 1 differences (like diff(1)), 2 usage error.',
  ].join('\n'),
  async run(args, io) {
    const { positionals, values } = parseArgs({
      args,
      allowPositionals: true,
      strict: true,
      options: { impact: { type: 'boolean' }, format: { type: 'string' }, rules: { type: 'string' }, ...STORE_OPTIONS },
    });
    const format = (values.format ?? 'text') as Format;
    if (!FORMATS.includes(format)) throw new CliUsageError(`--format ${values.format}: use ${FORMATS.join(', ')}`);
    const impact = values.impact === true;

    if (positionals.length === 2) {
      const [fromFile, toFile] = positionals;
      const from = loadValid(fromFile);
      const to = loadValid(toFile);
      const problems = [...from.problems, ...to.problems];
      if (problems.length > 0) {
        for (const p of problems) io.err(formatProblem(p));
        io.err(`cannot diff: ${problems.length} problem(s) (run cds-rules validate)`);
        return 1;
      }
      const diff = diffRuleSets(from.ruleSet!, to.ruleSet!, { fromHash: ruleSetContentHash(from.ruleSet!), toHash: ruleSetContentHash(to.ruleSet!) });
      const fixtureDirs = [...new Set([fromFile, toFile].flatMap((f) => findRuleSetFolders(f).map((folder) => folder.fixturesDir)))];
      const result = impact ? await fixtureImpact(from.ruleSet!, to.ruleSet!, { fixtureDirs, converter: COMPACT_FHIR_CONVERTER, loadFixtures }) : undefined;
      return print(io, format, diff, result);
    }
    if (positionals.length === 3) {
      const [ruleSetId, fromVersion, toVersion] = positionals;
      if (existsSync(ruleSetId) && statSync(ruleSetId).isFile()) throw new CliUsageError('two files, or a <rule-set-id> and two versions: not a file and two more arguments');
      return withStore(values, async (store) => {
        try {
          const rulesDir = values.rules ?? defaultRulesPath();
          const result = await diffRegistryVersions(store, ruleSetId, fromVersion, toVersion, { impact, rulesDir });
          if (impact && !existsSync(join(rulesDir, ruleSetId, 'fixtures'))) io.err(`note: no fixtures in ${join(rulesDir, ruleSetId, 'fixtures')} (use --rules <dir>)`);
          return print(io, format, result.diff, result.impact);
        } catch (err) {
          return reportAdminError(err, io);
        }
      });
    }
    throw new CliUsageError('give <rule-set-id> <from-version> <to-version>, or <from-file> <to-file>');
  },
};

function loadValid(file: string): { ruleSet?: RuleSet; problems: ReturnType<typeof loadRuleSetFile>['problems'] } {
  if (!existsSync(file)) throw new CliUsageError(`${file}: no such file`);
  return loadRuleSetFile(file);
}

function print(io: CliIo, format: Format, diff: RuleSetDiff, impact: FixtureImpact | undefined): number {
  if (format === 'json') io.out(JSON.stringify({ diff, ...(impact === undefined ? {} : { impact }) }, null, 2));
  else io.out((format === 'text' ? renderDiffText : renderDiffMarkdown)(diff, impact).trimEnd());
  const differs = !diff.sameClinicalContent || diff.metadata.length > 0;
  return differs ? 1 : 0;
}
