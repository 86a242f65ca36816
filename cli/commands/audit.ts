/**
 * `cds-rules audit <verify|export>`: the decision-log commands, one file each
 * (audit-verify.ts, audit-export.ts); this only picks the subcommand.
 */
import { CliUsageError, type CliCommand } from '../cli-types.js';
import { command as exportCommand } from './audit-export.js';
import { command as verifyCommand } from './audit-verify.js';

const SUBCOMMANDS: Readonly<Record<string, CliCommand>> = { verify: verifyCommand, export: exportCommand };

export const command: CliCommand = {
  name: 'audit',
  summary: 'decision log: verify the hash chain (audit verify), export decisions with feedback (audit export)',
  usage: [verifyCommand.usage, '', exportCommand.usage].join('\n'),
  async run(args, io) {
    const [name, ...rest] = args;
    const sub = name === undefined ? undefined : SUBCOMMANDS[name];
    if (sub === undefined) throw new CliUsageError(name === undefined ? 'which one? audit verify or audit export' : `unknown audit command "${name}" (use verify or export)`);
    return sub.run(rest, io);
  },
};
