import { parseArgs } from 'node:util';
import { formatCoverage } from '../../engine/fixtures/coverage.js';
import { formatProblem } from '../../engine/rule-set-problem.js';
import { CliUsageError, type CliCommand } from '../cli-types.js';
import { ruleSetFoldersAt, runFolder } from '../rule-set-workspace.js';

export const command: CliCommand = {
  name: 'coverage',
  summary: 'per rule: fixtures that make it fire and near misses; lists rules lacking either',
  usage: [
    'usage: cds-rules coverage [path]',
    '',
    '  [path]  a rule-set folder or file, or a folder of rule-set folders (default: rules/)',
    '',
    'A rule is covered when a passing expectation shows it firing (expect.cards or expect.fired) and',
    'another shows it not firing (expect.notFired). Failing fixtures are run but their rules only count',
    'where the outcome matched.',
    'Exit status: 0 when every rule is covered both ways, 1 otherwise, 2 on usage errors.',
  ].join('\n'),
  async run(args, io) {
    const { positionals } = parseArgs({ args, allowPositionals: true, strict: true, options: {} });
    if (positionals.length > 1) throw new CliUsageError('give at most one [path]');
    let ok = true;
    for (const folder of ruleSetFoldersAt(positionals[0])) {
      const run = await runFolder(folder);
      if (!run.coverage) {
        io.out(`${folder.main}: cannot compute coverage, the rule set has problems:`);
        for (const p of run.problems) io.out(`  ${formatProblem(p)}`);
        ok = false;
        continue;
      }
      const failing = run.outcomes.filter((o) => !o.passed).length;
      io.out(formatCoverage(run.coverage, `Fixture coverage of ${folder.main} (${run.outcomes.length} fixtures${failing ? `, ${failing} failing: run cds-rules test` : ''})`));
      for (const r of run.coverage.rules) {
        io.out(`  ${r.ruleId}\n    fires in:    ${r.firing.join('; ') || '—'}\n    near misses: ${r.nearMisses.join('; ') || '—'}`);
      }
      if (!run.coverage.complete) ok = false;
    }
    return ok ? 0 : 1;
  },
};
