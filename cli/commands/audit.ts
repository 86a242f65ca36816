/**
 * `cds-rules audit <verify|export|checkpoint|checkpoints>`: the audit-record commands, one file each
 * (audit-verify.ts, audit-export.ts, audit-checkpoint.ts, audit-checkpoints.ts); this only picks the subcommand.
 */
import { CliUsageError, type CliCommand } from '../cli-types.js';
import { command as exportCommand } from './audit-export.js';
import { command as verifyCommand } from './audit-verify.js';
import { command as checkpointCommand } from './audit-checkpoint.js';
import { command as checkpointsCommand } from './audit-checkpoints.js';

const SUBCOMMANDS: Readonly<Record<string, CliCommand>> = {
  verify: verifyCommand,
  export: exportCommand,
  checkpoint: checkpointCommand,
  checkpoints: checkpointsCommand,
};

export const command: CliCommand = {
  name: 'audit',
  summary: 'audit record: verify every chain (audit verify), export decisions (audit export), sign and export checkpoints',
  usage: [verifyCommand.usage, '', exportCommand.usage, '', checkpointCommand.usage, '', checkpointsCommand.usage].join('\n'),
  async run(args, io) {
    const [name, ...rest] = args;
    const sub = name === undefined ? undefined : SUBCOMMANDS[name];
    if (sub === undefined) throw new CliUsageError(name === undefined ? 'which one? audit verify, export, checkpoint or checkpoints' : `unknown audit command "${name}" (use verify, export, checkpoint or checkpoints)`);
    return sub.run(rest, io);
  },
};
