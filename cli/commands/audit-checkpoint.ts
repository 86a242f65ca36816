import { parseArgs } from 'node:util';
import { resolve } from 'node:path';
import { loadSigningKey, writeCheckpoint } from '../../store/audit-checkpoint.js';
import { CliUsageError, type CliCommand } from '../cli-types.js';
import { STORE_OPTIONS, STORE_USAGE, withStore } from '../store-options.js';

export const command: CliCommand = {
  name: 'audit checkpoint',
  summary: 'sign the current chain heads now with AUDIT_SIGNING_KEY (a checkpoint)',
  usage: [
    'usage: cds-rules audit checkpoint [--key <file>] [store options]',
    '',
    '  Signs the heads of the decision, lifecycle-event and feedback chains (seq and hash of each) and the',
    '  time with the Ed25519 key, and stores the checkpoint (the service does the same every',
    '  AUDIT_CHECKPOINT_MS when AUDIT_SIGNING_KEY is set).',
    '  --key <file>          Ed25519 private key, PEM (default: $AUDIT_SIGNING_KEY)',
    STORE_USAGE,
    '',
    'Exit status: 0 signed, 1 failed, 2 usage error.',
  ].join('\n'),
  async run(args, io) {
    const { positionals, values } = parseArgs({ args, allowPositionals: true, strict: true, options: { key: { type: 'string' }, ...STORE_OPTIONS } });
    if (positionals.length > 0) throw new CliUsageError(`unexpected argument ${positionals[0]}`);
    const file = values.key ?? (process.env.AUDIT_SIGNING_KEY?.trim() || undefined);
    if (file === undefined) throw new CliUsageError('no signing key: set AUDIT_SIGNING_KEY or give --key <file>');
    let signingKey;
    try {
      signingKey = loadSigningKey(resolve(file));
    } catch (error) {
      throw new CliUsageError((error as Error).message);
    }
    return withStore(values, async (store) => {
      const checkpoint = await writeCheckpoint(store, signingKey, new Date());
      const h = checkpoint.heads;
      io.out(
        `checkpoint signed at ${checkpoint.at} with key ${checkpoint.keyId}: decisions ${h.decisions.seq} (${h.decisions.hash.slice(0, 12)}), ` +
          `lifecycle events ${h.lifecycle.seq} (${h.lifecycle.hash.slice(0, 12)}), feedback ${h.feedback.seq} (${h.feedback.hash.slice(0, 12)})`,
      );
      return 0;
    });
  },
};
