import { parseArgs } from 'node:util';
import type { DecisionCard } from '../../store/store.js';
import { replayDecision, type CardDifference, type ReplayReport } from '../../use-cases/replay-decision.js';
import { CliUsageError, type CliCommand, type CliIo } from '../cli-types.js';
import { reportAdminError, snapshotKeyFromEnv, STORE_OPTIONS, STORE_USAGE, withStore } from '../store-options.js';

export const command: CliCommand = {
  name: 'replay',
  summary: 're-evaluate a recorded decision: same cards as recorded? and what another version would show',
  usage: [
    'usage: cds-rules replay <seq> [--version <v>] [--json] [store options]',
    '',
    '  <seq>                 the decision number (see cds-rules audit export, or GET /admin/api/decisions)',
    '  --version <v>         also evaluate with rule-set version <v> and list the cards it would change',
    '  --json                print the full report as JSON',
    STORE_USAGE,
    '',
    'Needs SNAPSHOT_KEY (the service\'s, base64) in the environment to decrypt the decision\'s input snapshot.',
    'The decision is evaluated again with the version that made it, at the recorded instant, with the same',
    'card ids; the cards (uuid, rule, indicator, summary) must be exactly those recorded.',
    'Exit status: 0 reproduced, 1 differences or replay impossible (the reason is printed), 2 usage error.',
  ].join('\n'),
  async run(args, io) {
    const { positionals, values } = parseArgs({
      args,
      allowPositionals: true,
      strict: true,
      options: { version: { type: 'string' }, json: { type: 'boolean' }, ...STORE_OPTIONS },
    });
    if (positionals.length !== 1 || !/^[1-9]\d*$/.test(positionals[0])) throw new CliUsageError('give the decision number <seq> (a positive whole number)');
    const seq = Number(positionals[0]);
    const snapshotKey = snapshotKeyFromEnv();
    return withStore(values, async (store) => {
      let report: ReplayReport;
      try {
        report = await replayDecision(store, {
          seq,
          ...(values.version === undefined ? {} : { targetVersion: values.version }),
          ...(snapshotKey === undefined ? {} : { snapshotKey }),
          now: new Date(),
        });
      } catch (err) {
        return reportAdminError(err, io);
      }
      if (values.json) io.out(JSON.stringify(report, null, 2));
      else printReport(report, io);
      return report.outcome === 'reproduced' ? 0 : 1;
    });
  },
};

function printReport(report: ReplayReport, io: CliIo): void {
  const r = report.recorded;
  io.out(`decision ${report.seq}: ${r.ruleSetId} ${r.version} (sha256 ${r.hash.slice(0, 12)}), evaluated at ${r.evaluationNow}, hookInstance ${r.hookInstance}`);
  io.out(`recorded cards (${r.cards.length}):`);
  for (const card of r.cards) io.out(cardLine(card));
  for (const line of report.summary) io.out(line);
  for (const d of report.reproduction.differences) io.out(differenceLine(d));
  if (report.shadow !== undefined) {
    io.out(`cards with ${report.shadow.version} (${report.shadow.cards.length}):`);
    for (const card of report.shadow.cards) io.out(cardLine(card));
    for (const d of report.shadow.differences) io.out(differenceLine(d));
  }
}

function cardLine(card: DecisionCard): string {
  return `  ${card.indicator.padEnd(8)} ${card.ruleId}  "${card.summary}"  ${card.uuid}`;
}

function differenceLine(d: CardDifference): string {
  if (d.kind === 'missing') return `  - ${d.ruleId}: recorded, not produced now (${d.recorded?.indicator} "${d.recorded?.summary}")`;
  if (d.kind === 'added') return `  + ${d.ruleId}: produced now, not recorded (${d.replayed?.indicator} "${d.replayed?.summary}")`;
  return `  ~ ${d.ruleId}: ${d.fields.map((f) => `${f} ${JSON.stringify(d.recorded?.[f as keyof DecisionCard])} -> ${JSON.stringify(d.replayed?.[f as keyof DecisionCard])}`).join('; ')}`;
}
