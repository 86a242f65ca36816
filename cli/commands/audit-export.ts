import { createWriteStream, renameSync, rmSync } from 'node:fs';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import { AdminError } from '../../use-cases/admin-error.js';
import { decisionFilter, type Params } from '../../use-cases/admin-query.js';
import { exportDecisions, type ExportFormat } from '../../store/export.js';
import { CliUsageError, type CliCommand } from '../cli-types.js';
import { STORE_OPTIONS, STORE_USAGE, withStore } from '../store-options.js';

const FILTER_OPTIONS = ['from', 'to', 'service', 'rule', 'version', 'indicator', 'outcome', 'limit'] as const;

export const command: CliCommand = {
  name: 'audit export',
  summary: 'export decisions with their feedback as CSV or NDJSON (streamed, with progress)',
  usage: [
    'usage: cds-rules audit export --format csv|ndjson [--out <file>] [filters] [store options]',
    '',
    '  --format csv          one row per card: decision, rule-set version, card, latest feedback and its count',
    '  --format ndjson       one JSON line per decision: every chained field, cards, fired rules, all feedback',
    '  --out <file>          write here (written as <file>.partial, renamed when complete); default stdout',
    '  --include-patient-key add the keyed patient hash (never the patient id) to each decision',
    'filters:',
    '  --from <instant>      decisions at or after (ISO 8601, e.g. 2026-03-01 or 2026-03-01T08:00:00Z)',
    '  --to <instant>        decisions before (exclusive)',
    '  --service <id>        CDS service id',
    '  --rule <id>           a rule that produced a card or fired',
    '  --version <v>         rule-set version',
    '  --indicator <i>       some card is info, warning or critical',
    '  --outcome <o>         some card was accepted or overridden; none = no feedback at all',
    '  --limit <n>           at most n decisions',
    STORE_USAGE,
    '',
    'Progress goes to stderr. Exit status: 0 exported, 1 failed, 2 usage error.',
  ].join('\n'),
  async run(args, io) {
    const { positionals, values } = parseArgs({
      args,
      allowPositionals: true,
      strict: true,
      options: {
        format: { type: 'string' },
        out: { type: 'string' },
        'include-patient-key': { type: 'boolean' },
        ...Object.fromEntries(FILTER_OPTIONS.map((name) => [name, { type: 'string' }] as const)),
        ...STORE_OPTIONS,
      },
    });
    if (positionals.length > 0) throw new CliUsageError(`unexpected argument ${positionals[0]}`);
    const format = values.format;
    if (format !== 'csv' && format !== 'ndjson') throw new CliUsageError(`--format ${format ?? '(missing)'}: use csv or ndjson`);
    const filter = exportFilter(values as Params);
    return withStore(values, async (store) => {
      const started = Date.now();
      let lastReport = 0;
      let exported = 0;
      const source = exportDecisions(store, {
        format: format as ExportFormat,
        filter,
        includePatientKey: values['include-patient-key'] === true,
        onProgress: ({ decisions, lastSeq }) => {
          exported = decisions;
          if (Date.now() - lastReport >= 1000) {
            io.err(`exported ${decisions} decision(s) (up to #${lastSeq})...`);
            lastReport = Date.now();
          }
        },
      });
      if (values.out === undefined) {
        await pipeline(source, stdoutWithoutClosing());
      } else {
        const partial = `${values.out}.partial`;
        try {
          await pipeline(source, createWriteStream(partial));
          renameSync(partial, values.out);
        } catch (err) {
          rmSync(partial, { force: true });
          throw err;
        }
      }
      io.err(`exported ${exported} decision(s) as ${format}${values.out ? ` to ${values.out}` : ''} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
      return 0;
    });
  },
};

/** The admin API's filter parsing, with its messages turned into option errors. */
function exportFilter(values: Params) {
  const params: Params = Object.fromEntries(FILTER_OPTIONS.filter((n) => values[n] !== undefined).map((n) => [n, values[n]]));
  try {
    const { afterSeq: _afterSeq, ...filter } = decisionFilter(params, Number.MAX_SAFE_INTEGER);
    return filter;
  } catch (err) {
    if (err instanceof AdminError) throw new CliUsageError(`--${err.message}`);
    throw err;
  }
}

function stdoutWithoutClosing(): Writable {
  return new Writable({
    write(chunk: Buffer, _encoding, done) {
      if (process.stdout.write(chunk)) done();
      else process.stdout.once('drain', () => done());
    },
  });
}
