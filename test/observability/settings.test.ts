/** The operations settings are read and checked at start (docs/configuration.md): bad values stop the start, naming the variable. */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { loadConfig } from '../../server/config.js';
import { tracesExportersFromEnv } from '../../server/observability/tracing.js';
import { makeTempDir, testEnv } from '../support/server-harness.js';

describe('operations settings: METRICS_PORT, SHUTDOWN_DRAIN_MS, OTEL_TRACES_EXPORTER', () => {
  let dataDir: string;
  before(() => {
    dataDir = makeTempDir();
  });
  after(() => rmSync(dataDir, { recursive: true, force: true }));
  const config = (extra: Record<string, string>) => loadConfig(testEnv(dataDir, undefined, extra));

  it('METRICS_PORT: off when unset, a port (0 = chosen by the kernel), never the EHR-facing PORT', () => {
    assert.equal(config({}).metricsPort, undefined);
    assert.equal(config({ METRICS_PORT: '9464' }).metricsPort, 9464);
    assert.equal(config({ METRICS_PORT: '0' }).metricsPort, 0);
    assert.throws(() => config({ PORT: '8080', METRICS_PORT: '8080' }), /METRICS_PORT must differ from PORT \(8080\)/);
    assert.throws(() => config({ METRICS_PORT: 'metrics' }), /METRICS_PORT must be a whole number/);
    assert.throws(() => config({ METRICS_PORT: '70000' }), /METRICS_PORT must be between 0 and 65535/);
  });

  it('SHUTDOWN_DRAIN_MS: 0 by default, 0 to 600000', () => {
    assert.equal(config({}).shutdownDrainMs, 0);
    assert.equal(config({ SHUTDOWN_DRAIN_MS: '5000' }).shutdownDrainMs, 5000);
    assert.throws(() => config({ SHUTDOWN_DRAIN_MS: '600001' }), /SHUTDOWN_DRAIN_MS must be between 0 and 600000/);
    assert.throws(() => config({ SHUTDOWN_DRAIN_MS: '-1' }), /SHUTDOWN_DRAIN_MS must be a whole number/);
  });

  it('OTEL_TRACES_EXPORTER: no export unless it names an exporter; unknown names stop the start', () => {
    assert.deepEqual(tracesExportersFromEnv({}), []);
    assert.deepEqual(tracesExportersFromEnv({ OTEL_TRACES_EXPORTER: 'none' }), []);
    assert.deepEqual(tracesExportersFromEnv({ OTEL_TRACES_EXPORTER: ' OTLP, console ' }), ['otlp', 'console']);
    assert.deepEqual(tracesExportersFromEnv({ OTEL_TRACES_EXPORTER: 'otlp', OTEL_SDK_DISABLED: 'true' }), []);
    assert.throws(() => tracesExportersFromEnv({ OTEL_TRACES_EXPORTER: 'jaeger' }), /OTEL_TRACES_EXPORTER must be a comma-separated list of otlp, console, zipkin, none/);
  });
});
