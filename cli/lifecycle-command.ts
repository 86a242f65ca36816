/**
 * The four lifecycle commands (submit, approve, activate, retire) differ only in their action; each
 * command file builds its CliCommand with this.
 */
import { parseArgs } from 'node:util';
import { LIFECYCLE_ACTIONS, performLifecycleAction, statesAllowingAction, type LifecycleActionName } from '../use-cases/lifecycle-actions.js';
import { CliUsageError, type CliCommand } from './cli-types.js';
import { reportAdminError, requireActor, STORE_OPTIONS, STORE_USAGE, withStore } from './store-options.js';

export function lifecycleCommand(action: LifecycleActionName, summary: string, notes: string[]): CliCommand {
  const rule = LIFECYCLE_ACTIONS[action];
  return {
    name: action,
    summary,
    usage: [
      `usage: cds-rules ${action} <rule-set-id> <version> --as <name> --reason <text> [store options]`,
      '',
      `  Moves a version that is ${statesAllowingAction(action).join(' or ')} to ${rule.to}.`,
      '  --as <name>           who does it (recorded in the version history)',
      '  --reason <text>       why (required; recorded in the version history)',
      STORE_USAGE,
      '',
      ...notes,
      'Exit status: 0 done, 1 refused (wrong state, self-approval, unknown version), 2 usage error.',
    ].join('\n'),
    async run(args, io) {
      const { positionals, values } = parseArgs({
        args,
        allowPositionals: true,
        strict: true,
        options: { as: { type: 'string' }, reason: { type: 'string' }, ...STORE_OPTIONS },
      });
      if (positionals.length !== 2) throw new CliUsageError('give the <rule-set-id> and the <version>, e.g. ketamine-esketamine 1.1.0');
      const [ruleSetId, version] = positionals;
      const actor = requireActor(values.as);
      if (values.reason === undefined || values.reason.trim() === '') throw new CliUsageError('say why: --reason <text> (recorded in the version history)');
      return withStore(values, async (store) => {
        try {
          const { event } = await performLifecycleAction(store, { action, ruleSetId, version, actor, reason: values.reason });
          io.out(`${ruleSetId} ${version} ${rule.done}: ${event.from ?? 'new'} -> ${event.to} by ${event.actor} at ${event.at} ("${event.reason}")`);
          return 0;
        } catch (err) {
          return reportAdminError(err, io);
        }
      });
    },
  };
}
