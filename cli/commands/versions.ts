import { parseArgs } from 'node:util';
import { CliUsageError, type CliCommand } from '../cli-types.js';
import { STORE_OPTIONS, STORE_USAGE, withStore } from '../store-options.js';

export const command: CliCommand = {
  name: 'versions',
  summary: 'list rule-set versions in the registry with their state (and one version\'s history)',
  usage: [
    'usage: cds-rules versions [<rule-set-id> [<version>]] [--json] [store options]',
    '',
    '  no argument           every version of every rule set',
    '  <rule-set-id>         the versions of one rule set',
    '  <version>             also that version\'s lifecycle history (who, when, why)',
    '  --json                print JSON instead of a table',
    STORE_USAGE,
  ].join('\n'),
  async run(args, io) {
    const { positionals, values } = parseArgs({ args, allowPositionals: true, strict: true, options: { json: { type: 'boolean' }, ...STORE_OPTIONS } });
    if (positionals.length > 2) throw new CliUsageError('give at most a <rule-set-id> and a <version>');
    const [ruleSetId, version] = positionals;
    return withStore(values, async (store) => {
      const versions = (await store.listVersions(ruleSetId)).filter((v) => version === undefined || v.version === version);
      if (versions.length === 0) {
        io.err(ruleSetId === undefined ? 'the registry is empty: publish a rule set with cds-rules publish' : `no ${ruleSetId}${version ? ` ${version}` : ''} in the registry`);
        return 1;
      }
      const history = version === undefined ? [] : await store.history(ruleSetId, version);
      if (values.json) {
        io.out(JSON.stringify({ versions: versions.map(({ content: _content, ...rest }) => rest), ...(version === undefined ? {} : { history }) }, null, 2));
        return 0;
      }
      const rows = versions.map((v) => [v.ruleSetId, v.version, v.state, v.author, v.publishedAt, v.effectiveStart + (v.effectiveEnd ? `..${v.effectiveEnd}` : ''), v.hash.slice(0, 12)]);
      io.out(table([['rule set', 'version', 'state', 'author', 'published', 'effective', 'sha256'], ...rows]));
      if (history.length > 0) {
        io.out('');
        io.out(table([['#', 'at', 'from', 'to', 'by', 'reason'], ...history.map((e) => [String(e.seq), e.at, e.from ?? '-', e.to, e.actor, e.reason])]));
      }
      return 0;
    });
  },
};

function table(rows: string[][]): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]))).join('  ')).join('\n');
}
