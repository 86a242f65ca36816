import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { CliUsageError, type CliCommand } from '../cli-types.js';
import { STORE_OPTIONS, STORE_USAGE, withStore } from '../store-options.js';

export const command: CliCommand = {
  name: 'audit checkpoints',
  summary: 'export every signed checkpoint (NDJSON) for an auditor to keep outside the database',
  usage: [
    'usage: cds-rules audit checkpoints [--out <file>] [store options]',
    '',
    '  One checkpoint per line: {"at", "heads": {"decisions", "lifecycle", "feedback"}, "keyId", "signature"}.',
    '  Keep the file where the database administrator cannot change it; `cds-rules audit verify',
    '  --public-key <file> --checkpoints <file>` then also catches checkpoints removed from the store.',
    '  --out <file>          write here (default stdout)',
    STORE_USAGE,
  ].join('\n'),
  async run(args, io) {
    const { positionals, values } = parseArgs({ args, allowPositionals: true, strict: true, options: { out: { type: 'string' }, ...STORE_OPTIONS } });
    if (positionals.length > 0) throw new CliUsageError(`unexpected argument ${positionals[0]}`);
    return withStore(values, async (store) => {
      const checkpoints = await store.listCheckpoints();
      const text = checkpoints.map(({ at, heads, keyId, signature }) => JSON.stringify({ at, heads, keyId, signature })).join('\n');
      if (values.out === undefined) {
        if (text !== '') io.out(text);
      } else {
        writeFileSync(values.out, text === '' ? '' : `${text}\n`);
        io.err(`exported ${checkpoints.length} checkpoint(s) to ${values.out}`);
      }
      return 0;
    });
  },
};
