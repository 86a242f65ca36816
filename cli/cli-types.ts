/**
 * The contract between the `cds-rules` dispatcher and its commands (one file per command in
 * cli/commands/<name>.ts, registered with one line in cli/cds-rules.ts).
 */

/** Where a command writes: stdout for results, stderr for problems and progress. */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
}

export interface CliCommand {
  name: string;
  /** One line for the command list. */
  summary: string;
  /** Full usage text shown by `cds-rules help <command>` and on argument errors. */
  usage: string;
  /** Runs the command; resolves to the process exit code (0 ok, 1 findings, 2 usage/input error). */
  run(args: string[], io: CliIo): Promise<number>;
}

/** Thrown for bad arguments or unreadable input: the dispatcher prints it with the usage, exit 2. */
export class CliUsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CliUsageError';
  }
}
