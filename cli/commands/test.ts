import { parseArgs } from 'node:util';
import { formatCoverage } from '../../engine/fixtures/coverage.js';
import { formatOutcome } from '../../engine/fixtures/run-fixtures.js';
import { formatProblem } from '../../engine/rule-set-problem.js';
import { CliUsageError, type CliCommand } from '../cli-types.js';
import { ruleSetFoldersAt, runFolder } from '../rule-set-workspace.js';

export const command: CliCommand = {
  name: 'test',
  summary: 'run every fixture of the rule set(s) and report fixture coverage',
  usage: [
    'usage: cds-rules test [path]',
    '',
    '  [path]  a rule-set folder or file, or a folder of rule-set folders (default: rules/)',
    '',
    'Evaluates each fixtures/*.yaml case against rule-set.json and compares the cards (by winning rule',
    'id and indicator) and the fired / notFired expectations; a failure shows expected vs actual cards.',
    'Then prints the coverage report: every rule needs a fixture that makes it fire and a near miss',
    '(a fixture listing it under expect.notFired).',
    'Exit status: 0 when every fixture passes and coverage is complete, 1 otherwise, 2 on usage errors.',
  ].join('\n'),
  async run(args, io) {
    const { positionals } = parseArgs({ args, allowPositionals: true, strict: true, options: {} });
    if (positionals.length > 1) throw new CliUsageError('give at most one [path]');
    let failed = 0;
    let passed = 0;
    let incomplete = false;
    for (const folder of ruleSetFoldersAt(positionals[0])) {
      const run = await runFolder(folder);
      io.out(`Rule set ${folder.main}${run.compiled ? ` (${run.compiled.identity.id}@${run.compiled.identity.version})` : ''}`);
      for (const p of run.problems) io.out(`  ${formatProblem(p)}`);
      for (const e of run.fixtureErrors) io.out(`  ✗ ${e.file}: ${e.message}`);
      failed += run.problems.length > 0 ? 1 : 0;
      failed += run.fixtureErrors.length;
      for (const o of run.outcomes) {
        io.out(formatOutcome(o).replace(/^/gm, '  '));
        if (o.passed) passed++;
        else failed++;
      }
      if (run.coverage) {
        io.out(formatCoverage(run.coverage).replace(/^/gm, '  '));
        if (!run.coverage.complete) incomplete = true;
      }
      io.out('');
    }
    io.out(`${passed} passed, ${failed} failed${incomplete ? ', coverage incomplete' : ''}`);
    return failed > 0 || incomplete ? 1 : 0;
  },
};
