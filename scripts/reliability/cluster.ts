/**
 * npm run reliability:cluster [-- --short] [--connections 24 --drain-after 2000 --kill-after 5000 --tail 2000 --drain-ms 3000 --check-ms 200]
 *   [--haproxy-log file]  (keeps HAProxy's log of the run: a line per request, health-check changes)
 *
 * Three replicas on one PostgreSQL (127.0.0.1:5432, database test, a fresh schema, dropped afterwards)
 * behind HAProxy (Debian package `haproxy`) with health checks on /readyz, under order-sign load with a
 * fresh client JWT per call: a replayed token, a drained replica (SIGTERM), a killed one (SIGKILL). Prints
 * the figures; exits 1 if a call failed that was not in flight on the killed replica, a replayed token
 * was accepted, an acknowledged decision is missing, the chain does not verify or the drained replica
 * did not exit 0. `--short` is the version CI runs (test/reliability/cluster.test.ts runs the same).
 * See scripts/reliability/lib/cluster-run.ts and docs/deployment.md.
 */
import { parseArgs } from 'node:util';
import { clusterPassed, clusterReport, CLUSTER_FULL, CLUSTER_SHORT } from './lib/cluster-report.js';
import { runCluster } from './lib/cluster-run.js';

const { values } = parseArgs({
  options: {
    short: { type: 'boolean', default: false },
    connections: { type: 'string' },
    'drain-after': { type: 'string' },
    'kill-after': { type: 'string' },
    tail: { type: 'string' },
    'drain-ms': { type: 'string' },
    'check-ms': { type: 'string', default: '200' },
    'haproxy-log': { type: 'string' },
  },
});

const base = values.short ? CLUSTER_SHORT : CLUSTER_FULL;
const number = (raw: string | undefined, fallback: number): number => (raw === undefined ? fallback : Number(raw));

const startedAt = Date.now();
const result = await runCluster({
  connections: number(values.connections, base.connections),
  drainAfter: number(values['drain-after'], base.drainAfter),
  killAfter: number(values['kill-after'], base.killAfter),
  tail: number(values.tail, base.tail),
  drainMs: number(values['drain-ms'], base.drainMs),
  checkIntervalMs: Number(values['check-ms']),
  haproxyLogFile: values['haproxy-log'],
  log: (m) => process.stdout.write(`  ${m}\n`),
});
process.stdout.write(`${clusterReport(result, Date.now() - startedAt).join('\n')}\n`);
const ok = clusterPassed(result);
process.stdout.write(ok ? 'RESULT: PASS\n' : 'RESULT: FAIL\n');
process.exit(ok ? 0 : 1);

