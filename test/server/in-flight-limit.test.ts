/**
 * The in-flight limit (server/http/in-flight-limit.ts): beyond MAX_IN_FLIGHT concurrent service calls
 * the service answers 503 `unavailable` with Retry-After: 1 at once, and admits calls again when
 * earlier ones finished. Deterministic: the admitted calls are held inside evaluation by a promise the
 * test releases (no timers, no sleeps); real HTTP on a real port.
 */
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { randomUUID } from 'node:crypto';
import { buildApp } from '../../server/app.js';
import { ConfigError } from '../../lib/config-error.js';
import { DEFAULT_MAX_IN_FLIGHT, maxInFlightFromEnv } from '../../server/http/in-flight-limit.js';
import type { ServiceBinding, ServiceCatalog } from '../../use-cases/service-catalog.js';
import { startHarness, type Harness } from '../support/server-harness.js';
import { specFixture } from '../support/spec-fixtures.js';

class Gate {
  readonly opened: Promise<void>;
  open!: () => void;
  constructor() {
    this.opened = new Promise((resolve) => (this.open = resolve));
  }
}

/** The harness's catalog, with every evaluation held until the gate opens; counts evaluations entered. */
function gatedCatalog(inner: ServiceCatalog, gate: Gate, entered: (n: number) => void): ServiceCatalog {
  let count = 0;
  const wrap = (binding: ServiceBinding): ServiceBinding => ({
    ...binding,
    async evaluate(input) {
      entered(++count);
      await gate.opened;
      return binding.evaluate(input);
    },
  });
  return {
    list: () => inner.list().map(wrap),
    get: (id) => {
      const b = inner.get(id);
      return b && wrap(b);
    },
    ready: () => inner.ready(),
  };
}

describe('in-flight limit (MAX_IN_FLIGHT)', () => {
  let h: Harness;
  let server: Server;
  let base: string;
  const gate = new Gate();
  const waiters: Array<{ n: number; resolve: () => void }> = [];
  let entered = 0;
  const untilEntered = (n: number): Promise<void> =>
    entered >= n ? Promise.resolve() : new Promise((resolve) => waiters.push({ n, resolve }));

  before(async () => {
    h = await startHarness();
    const catalog = gatedCatalog(h.catalog, gate, (n) => {
      entered = n;
      for (const w of waiters.filter((x) => x.n <= n)) w.resolve();
    });
    const app = buildApp({ config: h.config, catalog, store: h.store, logger: h.logger, clock: h.clock.now, maxInFlight: 2 });
    server = await new Promise<Server>((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    gate.open();
    await new Promise((resolve) => server.close(resolve));
    await h.close();
  });

  const call = (): Promise<Response> => {
    const body = { ...specFixture<Record<string, unknown>>('service-request-patient-view.json'), hookInstance: randomUUID() };
    return fetch(`${base}/cds-services/server-test-patient-view`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  };

  it('answers 503 with Retry-After: 1 beyond the limit, and admits calls again once earlier ones finished', async () => {
    const first = call();
    const second = call();
    await untilEntered(2); // both admitted calls are inside evaluation, held by the gate

    const refused = await call();
    assert.equal(refused.status, 503);
    assert.equal(refused.headers.get('retry-after'), '1');
    const body = (await refused.json()) as { error: string; message: string };
    assert.equal(body.error, 'unavailable');
    assert.match(body.message, /MAX_IN_FLIGHT/);
    assert.equal(entered, 2, 'the refused call never reached evaluation');

    // Health and discovery are not service calls: never limited.
    assert.equal((await fetch(`${base}/healthz`)).status, 200);
    assert.equal((await fetch(`${base}/cds-services`)).status, 200);

    gate.open();
    assert.equal((await first).status, 200);
    assert.equal((await second).status, 200);
    const again = await call();
    assert.equal(again.status, 200, 'admitted again after the earlier calls finished');
  });

  it('reads MAX_IN_FLIGHT: default 64, 0 = off, anything else refused with its name', () => {
    assert.equal(maxInFlightFromEnv({}), DEFAULT_MAX_IN_FLIGHT);
    assert.equal(DEFAULT_MAX_IN_FLIGHT, 64);
    assert.equal(maxInFlightFromEnv({ MAX_IN_FLIGHT: '0' }), 0);
    assert.equal(maxInFlightFromEnv({ MAX_IN_FLIGHT: '128' }), 128);
    assert.throws(() => maxInFlightFromEnv({ MAX_IN_FLIGHT: 'lots' }), (err: Error) => err instanceof ConfigError && /MAX_IN_FLIGHT/.test(err.message));
    assert.throws(() => maxInFlightFromEnv({ MAX_IN_FLIGHT: '-1' }), ConfigError);
    assert.throws(() => maxInFlightFromEnv({ MAX_IN_FLIGHT: '1000001' }), ConfigError);
  });
});

describe('in-flight limit: the fair-share rule (mayAdmit)', () => {
  it('a client alone may use the whole limit; when it is reached, a client under its share is admitted and one at its share is not', async () => {
    const { mayAdmit } = await import('../../server/http/in-flight-limit.js');
    // Alone: admitted up to the limit, not beyond.
    assert.equal(mayAdmit(8, 7, 7, 0), true);
    assert.equal(mayAdmit(8, 8, 8, 0), false);
    // A holds all 8; B arrives (share ceil(8/2) = 4): B is admitted up to 4 although the limit is reached ...
    assert.equal(mayAdmit(8, 8, 0, 1), true);
    assert.equal(mayAdmit(8, 11, 3, 1), true);
    assert.equal(mayAdmit(8, 12, 4, 1), false);
    // ... and A, over its share while the total is at the limit, gets nothing new.
    assert.equal(mayAdmit(8, 12, 8, 1), false);
    // Three clients: shares of ceil(8/3) = 3.
    assert.equal(mayAdmit(8, 10, 2, 2), true);
    assert.equal(mayAdmit(8, 10, 3, 2), false);
  });
});
