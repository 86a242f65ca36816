/**
 * `cds-rules <command> [...]`: the rule-set author's tool. Each command lives in cli/commands/<name>.ts
 * and exports `command: CliCommand`; adding one is a new file plus one line in COMMANDS below.
 */
import { pathToFileURL } from 'node:url';
import { installPrebuiltValidators } from '../use-cases/prebuilt-validator-files.js';
import { CliUsageError, type CliCommand, type CliIo } from './cli-types.js';

type CommandModule = { command: CliCommand };

/** name -> loader; commands load only when used. */
export const COMMANDS: Readonly<Record<string, () => Promise<CommandModule>>> = {
  validate: () => import('./commands/validate.js'),
  test: () => import('./commands/test.js'),
  coverage: () => import('./commands/coverage.js'),
  evaluate: () => import('./commands/evaluate.js'),
  import: () => import('./commands/import.js'),
  publish: () => import('./commands/publish.js'),
  submit: () => import('./commands/submit.js'),
  approve: () => import('./commands/approve.js'),
  activate: () => import('./commands/activate.js'),
  retire: () => import('./commands/retire.js'),
  versions: () => import('./commands/versions.js'),
  diff: () => import('./commands/diff.js'),
  describe: () => import('./commands/describe.js'),
  audit: () => import('./commands/audit.js'),
  replay: () => import('./commands/replay.js'),
};

const STD_IO: CliIo = {
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
};

async function overview(): Promise<string> {
  const commands = await Promise.all(Object.values(COMMANDS).map(async (load) => (await load()).command));
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    'usage: cds-rules <command> [options]',
    '',
    'commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'cds-rules help <command> shows a command\'s options. Guide: docs/rule-format.md',
  ].join('\n');
}

export async function main(argv: string[], io: CliIo = STD_IO): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    const topic = name === 'help' ? args[0] : undefined;
    if (topic && Object.prototype.hasOwnProperty.call(COMMANDS, topic)) {
      io.out((await COMMANDS[topic]()).command.usage);
      return 0;
    }
    if (topic) {
      io.err(`cds-rules: unknown command "${topic}"\n`);
      io.err(await overview());
      return 2;
    }
    (name === undefined ? io.err : io.out)(await overview());
    return name === undefined ? 2 : 0;
  }
  if (!Object.prototype.hasOwnProperty.call(COMMANDS, name)) {
    io.err(`cds-rules: unknown command "${name}"\n`);
    io.err(await overview());
    return 2;
  }
  const { command } = await COMMANDS[name]();
  if (args.includes('--help') || args.includes('-h')) {
    io.out(command.usage);
    return 0;
  }
  installPrebuiltValidators(); // the validators `npm run build` wrote, when they match the schemas in use
  try {
    return await command.run(args, io);
  } catch (err) {
    if (err instanceof CliUsageError) {
      io.err(`cds-rules ${name}: ${err.message}\n`);
      io.err(command.usage);
      return 2;
    }
    io.err(`cds-rules ${name}: ${err instanceof Error ? err.message : String(err)}`);
    return 1;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await main(process.argv.slice(2));
}
