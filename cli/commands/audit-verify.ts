import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { loadPublicKey, parseCheckpointLines } from '../../store/audit-checkpoint.js';
import { auditBreakLine, auditVerificationSummary } from '../../store/audit-summary.js';
import type { AuditVerifyOptions } from '../../store/store.js';
import { CliUsageError, type CliCommand } from '../cli-types.js';
import { STORE_OPTIONS, STORE_USAGE, withStore } from '../store-options.js';

export const command: CliCommand = {
  name: 'audit verify',
  summary: 'verify the whole audit record: decision, lifecycle and feedback chains, publications, signed checkpoints',
  usage: [
    'usage: cds-rules audit verify [--public-key <file>] [--checkpoints <file>] [--json] [store options]',
    '',
    '  Recomputes every record of the decision, lifecycle-event and feedback chains (hash and link, in',
    '  order), checks every published version (content hash, identity chained by its publication event,',
    '  state against its history) and every checkpoint, and reports every break: record kind, id, kind',
    '  of break and, for an edit, the field. Progress goes to stderr; the result to stdout.',
    '  --public-key <file>   Ed25519 public key (PEM) of AUDIT_SIGNING_KEY: checks every checkpoint\'s',
    '                        signature, so a truncated or consistently rewritten chain is caught',
    '  --checkpoints <file>  checkpoints kept outside the store (from `cds-rules audit checkpoints`):',
    '                        each must still be in the store and still hold',
    '  --json                print the result as JSON',
    STORE_USAGE,
    '',
    'Exit status: 0 intact, 1 broken, 2 usage error.',
  ].join('\n'),
  async run(args, io) {
    const { positionals, values } = parseArgs({
      args,
      allowPositionals: true,
      strict: true,
      options: { json: { type: 'boolean' }, 'public-key': { type: 'string' }, checkpoints: { type: 'string' }, ...STORE_OPTIONS },
    });
    if (positionals.length > 0) throw new CliUsageError(`unexpected argument ${positionals[0]}`);
    const options: AuditVerifyOptions = {};
    try {
      if (values['public-key'] !== undefined) options.publicKey = loadPublicKey(values['public-key']);
      if (values.checkpoints !== undefined) {
        let text: string;
        try {
          text = readFileSync(values.checkpoints, 'utf8');
        } catch (error) {
          throw new Error(`--checkpoints ${values.checkpoints}: ${(error as Error).message}`);
        }
        options.externalCheckpoints = parseCheckpointLines(text, values.checkpoints);
      }
    } catch (error) {
      throw new CliUsageError((error as Error).message);
    }
    return withStore(values, async (store) => {
      const started = Date.now();
      let lastReport = 0;
      options.onProgress = (checked) => {
        const now = Date.now();
        if (checked > 0 && now - lastReport >= 1000) {
          io.err(`verified ${checked} decision record(s)...`);
          lastReport = now;
        }
      };
      const result = await store.verifyAudit(options);
      const seconds = ((Date.now() - started) / 1000).toFixed(1);
      if (values.json) io.out(JSON.stringify(result, null, 2));
      else {
        io.out(`${auditVerificationSummary(result)} in ${seconds} s`);
        for (const b of result.breaks) io.out(`  ${auditBreakLine(b)}`);
      }
      return result.ok ? 0 : 1;
    });
  },
};
