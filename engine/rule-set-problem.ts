/**
 * A problem found in a rule-set file: which file, where in it (RFC 6901 JSON pointer), and what is wrong.
 * Validation reports every problem at once; compilation refuses a rule set that has any.
 */

export interface RuleSetProblem {
  file: string;
  /** RFC 6901 JSON pointer into the rule-set document ('' = the whole document). */
  pointer: string;
  message: string;
}

/** `file pointer: message`, the one-line form the CLI prints (pointer '' prints as '/'). */
export function formatProblem(problem: RuleSetProblem): string {
  return `${problem.file} ${problem.pointer === '' ? '/' : problem.pointer}: ${problem.message}`;
}

export class RuleSetInvalidError extends Error {
  readonly problems: readonly RuleSetProblem[];

  constructor(problems: readonly RuleSetProblem[]) {
    const shown = problems.slice(0, 20).map(formatProblem);
    const more = problems.length > shown.length ? [`… and ${problems.length - shown.length} more`] : [];
    super(`rule set is invalid (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n${[...shown, ...more].join('\n')}`);
    this.name = 'RuleSetInvalidError';
    this.problems = problems;
  }
}
