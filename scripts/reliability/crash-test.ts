/**
 * npm run reliability:crash [-- --kills 5 --per-kill 1000 --connections 16 --after 500]
 *
 * Starts the real server (server/main.ts, embedded SQLite in a temp dir), drives sustained order-sign
 * load, kill -9's it mid-load after --per-kill acknowledged decisions, restarts it, repeats --kills
 * times, loads the last restart with --after calls, stops it gracefully, then checks every 200 it ever
 * gave against the store (listDecisions + findDecisionByCard) and verifies the hash chain.
 * Prints acknowledged / found / lost (must be 0); exits 1 otherwise.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { runCrashTest } from './lib/crash-run.js';

const { values } = parseArgs({
  options: {
    kills: { type: 'string', default: '5' },
    'per-kill': { type: 'string', default: '1000' },
    connections: { type: 'string', default: '16' },
    after: { type: 'string', default: '500' },
    'keep-data': { type: 'boolean', default: false },
  },
});

const dataDir = mkdtempSync(join(tmpdir(), 'cds-crash-run-'));
process.stdout.write(`crash test: data in ${dataDir}\n`);
const started = Date.now();
try {
  const result = await runCrashTest({
    dataDir,
    connections: Number(values.connections),
    kills: Number(values.kills),
    acknowledgedBeforeKill: Number(values['per-kill']),
    callsAfterLastRestart: Number(values.after),
    log: (m) => process.stdout.write(`  ${m}\n`),
  });
  const a = result.audit;
  const cutOff = result.cycles.reduce((n, c) => n + c.cutOff, 0);
  const lines = [
    `kill -9 cycles: ${result.cycles.length} (${Number(values.connections)} connections, ${values['per-kill']} acknowledged per cycle)`,
    `calls cut off by the kills (no answer, not acknowledged): ${cutOff}`,
    `after the last restart: ${JSON.stringify(result.afterRestart.statuses)}, ${result.afterRestart.errors} errors; graceful stop exit code ${result.finalExitCode}`,
    `decisions in the store: ${a.recorded} (acknowledged ones plus calls cut off after their record was committed)`,
    `acknowledged: ${a.acknowledged}  found: ${a.found}  lost: ${a.lost.length}  (must be 0)`,
    `chain: ${a.chain.ok ? 'verifies' : `BROKEN ${JSON.stringify(a.chain.problem)}`} (${a.chain.checked} records)`,
    `took ${((Date.now() - started) / 1000).toFixed(1)} s`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  const ok = a.lost.length === 0 && a.chain.ok && result.afterRestart.errors === 0 && result.finalExitCode === 0;
  process.stdout.write(ok ? 'RESULT: PASS\n' : 'RESULT: FAIL\n');
  process.exitCode = ok ? 0 : 1;
} finally {
  if (!values['keep-data']) rmSync(dataDir, { recursive: true, force: true });
}
