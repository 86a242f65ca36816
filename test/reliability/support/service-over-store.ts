/**
 * The CDS service (server/app.ts buildApp, open mode on 127.0.0.1) over a store the test controls, so
 * that the test can put faults under it: the shipped ketamine rule set (imported into the store's registry
 * and served by the registry's catalog), a pinned clock, captured logs.
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type express from 'express';
import request from 'supertest';
import { buildApp } from '../../../server/app.js';
import { loadConfig } from '../../../server/config.js';
import { createLogger } from '../../../server/logger.js';
import type { ServiceCatalog } from '../../../use-cases/service-catalog.js';
import type { Store } from '../../../store/store.js';
import { DecisionLedger } from '../../../scripts/reliability/lib/ledger.js';
import { LogCapture, TestClock, testEnv } from '../../support/server-harness.js';
import { servingCatalog } from '../../support/serving-catalog.js';
import { asNewCall, fixtureRequests, ketamineRuleSet, type FixtureRequest } from '../../../scripts/reliability/lib/ketamine-requests.js';

export interface ServiceOverStore {
  app: express.Express;
  logs: LogCapture;
  clock: TestClock;
  ledger: DecisionLedger;
  /** One order-sign call with a fresh hookInstance; a 200 goes into the ledger. */
  orderSign(i: number): Promise<request.Response>;
  feedbackFor(cardUuid: string): Promise<request.Response>;
  dispose(): void;
}

export interface ServiceOverStoreOptions {
  /**
   * false: the catalog reads the registry once and then neither hears of changes nor can re-read it (a
   * replica cut off from the registry's announcements), so a version activated later is not followed.
   */
  followsRegistry?: boolean;
}

export async function serviceOverStore(store: Store, env: Record<string, string> = {}, options: ServiceOverStoreOptions = {}): Promise<ServiceOverStore> {
  // PATIENT_KEY_SECRET is set, so DATA_DIR is never written: no folder to create or clean up.
  const dir = join(tmpdir(), 'cds-reliability-service-unused');
  const requests: FixtureRequest[] = fixtureRequests('order-sign');
  const clock = new TestClock(requests[0].now);
  const logs = new LogCapture();
  const config = loadConfig(testEnv(dir, undefined, env));
  const registry = await servingCatalog(store, [ketamineRuleSet()], clock.now);
  let catalog: ServiceCatalog = registry;
  if (options.followsRegistry === false) {
    registry.stop();
    catalog = { list: () => registry.list(), get: (id) => registry.get(id), ready: () => registry.ready() };
  }
  const app = buildApp({
    config,
    catalog,
    store,
    logger: createLogger(config.logLevel, logs),
    clock: clock.now,
  });
  const ledger = new DecisionLedger();
  return {
    app,
    logs,
    clock,
    ledger,
    async orderSign(i) {
      const base = requests[i % requests.length];
      clock.current = base.now;
      const body = asNewCall(base.body);
      const res = await request(app).post(`/cds-services/${base.service.id}`).send(body);
      if (res.status === 200) ledger.acknowledge(base.service.id, body.hookInstance, res.body);
      return res;
    },
    feedbackFor(cardUuid) {
      return request(app)
        .post('/cds-services/ketamine-order-sign/feedback')
        .send({ feedback: [{ card: cardUuid, outcome: 'overridden', outcomeTimestamp: '2026-03-02T10:05:00Z' }] });
    },
    dispose() {
      // The store belongs to the caller; the catalog stops following it.
      registry.stop();
    },
  };
}
