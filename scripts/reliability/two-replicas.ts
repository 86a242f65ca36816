/**
 * npm run reliability:replicas [-- --connections 10 --poll-ms 250 --activate-after 1000 --rollback-after 2500 --tail 1000]
 *
 * Two server processes on one PostgreSQL (127.0.0.1:5432, database test, a fresh schema, dropped
 * afterwards) under order-sign load while a new rule-set version is published, approved by a second
 * user and activated, then rolled back. Prints the counts; exits 1 if any acknowledged decision is
 * lost, the chain does not verify, or a decision is not tied to the version active when it was
 * appended (store.activeVersionAt(appendedAt), strictly). See scripts/reliability/lib/replicas-run.ts.
 */
import { parseArgs } from 'node:util';
import { percentile } from './lib/load.js';
import { runTwoReplicas } from './lib/replicas-run.js';

const { values } = parseArgs({
  options: {
    connections: { type: 'string', default: '10' },
    'poll-ms': { type: 'string', default: '250' },
    'activate-after': { type: 'string', default: '1000' },
    'rollback-after': { type: 'string', default: '2500' },
    tail: { type: 'string', default: '1000' },
  },
});

const pollMs = Number(values['poll-ms']);
const result = await runTwoReplicas({
  connectionsPerReplica: Number(values.connections),
  registryPollMs: pollMs,
  activateAfter: Number(values['activate-after']),
  rollbackAfter: Number(values['rollback-after']),
  tail: Number(values.tail),
  log: (m) => process.stdout.write(`  ${m}\n`),
});

const latencies = result.load.flatMap((l) => l.latenciesMs);
const statuses: Record<string, number> = {};
for (const l of result.load) for (const [s, n] of Object.entries(l.statuses)) statuses[s] = (statuses[s] ?? 0) + n;
const errors = result.load.reduce((n, l) => n + l.errors, 0);
const v = result.versions;
const a = result.audit;
const lines = [
  `two replicas on one PostgreSQL (schema ${result.schema}), REGISTRY_POLL_MS=${pollMs}`,
  `calls: ${latencies.length + errors} (statuses ${JSON.stringify(statuses)}, connection errors ${errors}); p50 ${percentile(latencies, 50).toFixed(1)} ms, p99 ${percentile(latencies, 99).toFixed(1)} ms`,
  `version switches: ${result.activations.map((e) => `${e.version} active at ${e.at}`).join('; ')}`,
  `decisions: ${v.decisions} (by version ${JSON.stringify(v.byVersion)})`,
  `  tied to the version active when appended (store.activeVersionAt(appendedAt)): ${v.tiedToActive}`,
  `  tied to any other version: ${v.wrong}  (must be 0)`,
  `  (for information) also the version active at the call's own instant (activeVersionAt(at)): ${v.tiedAtCallInstant}`,
  `replicas loaded the new registry revision ${result.reloadLagsMs.map((ms) => `${ms} ms`).join(', ')} after the switch instants (per switch and replica)`,
  `calls evaluated again after the store refused a superseded version: ${result.reEvaluated.join(' + ')} (per replica)`,
  `acknowledged: ${a.acknowledged}, found: ${a.found}, lost: ${a.lost.length}  (must be 0)`,
  `chain: ${a.chain.ok ? 'verifies' : `BROKEN ${JSON.stringify(a.chain.problem)}`} (${a.chain.checked} records)`,
  `replica exit codes (SIGTERM): ${result.exitCodes.join(', ')}`,
];
process.stdout.write(`${lines.join('\n')}\n`);
const ok = a.lost.length === 0 && a.chain.ok && v.wrong === 0 && errors === 0 && Object.keys(statuses).every((s) => s === '200');
process.stdout.write(ok ? 'RESULT: PASS\n' : 'RESULT: FAIL\n');
process.exit(ok ? 0 : 1);
