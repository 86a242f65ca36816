import { parseArgs } from 'node:util';
import { CliUsageError, type CliCommand } from '../cli-types.js';
import { STORE_OPTIONS, STORE_USAGE, withStore } from '../store-options.js';

export const command: CliCommand = {
  name: 'audit verify',
  summary: 'verify the hash chain of the decision log (detects edited, inserted, deleted, reordered records)',
  usage: [
    'usage: cds-rules audit verify [--json] [store options]',
    '',
    '  Recomputes every decision record\'s hash and link, in order, and reports the first break.',
    '  Progress goes to stderr; the result to stdout.',
    '  --json                print the result as JSON',
    STORE_USAGE,
    '',
    'Exit status: 0 chain intact, 1 chain broken, 2 usage error.',
  ].join('\n'),
  async run(args, io) {
    const { positionals, values } = parseArgs({ args, allowPositionals: true, strict: true, options: { json: { type: 'boolean' }, ...STORE_OPTIONS } });
    if (positionals.length > 0) throw new CliUsageError(`unexpected argument ${positionals[0]}`);
    return withStore(values, async (store) => {
      const started = Date.now();
      let lastReport = 0;
      const result = await store.verifyChain((checked) => {
        const now = Date.now();
        if (checked > 0 && now - lastReport >= 1000) {
          io.err(`verified ${checked} record(s)...`);
          lastReport = now;
        }
      });
      const seconds = ((Date.now() - started) / 1000).toFixed(1);
      if (values.json) io.out(JSON.stringify(result, null, 2));
      else if (result.ok) io.out(`chain intact: ${result.checked} decision record(s) verified in ${seconds} s`);
      else io.out(`CHAIN BROKEN at decision ${result.problem?.seq} (${result.problem?.kind}): ${result.problem?.detail}\n${result.checked} record(s) before it verified`);
      return result.ok ? 0 : 1;
    });
  },
};
