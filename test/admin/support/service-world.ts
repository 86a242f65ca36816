/**
 * The real CDS service next to the admin API, over one store: versions are published and activated
 * through the admin API, the service serves the active version (registry catalog) in open mode on
 * 127.0.0.1, and requests are built from the shipped fixtures (as an EHR would send them).
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type express from 'express';
import request from 'supertest';
import { fixtureToRequest } from '../../../engine/fixtures/compact-fhir.js';
import type { Fixture } from '../../../engine/fixtures/fixture-types.js';
import { loadFixtures } from '../../../use-cases/load-fixtures.js';
import type { RuleSet } from '../../../engine/rule-set-types.js';
import { buildApp } from '../../../server/app.js';
import { loadConfig } from '../../../server/config.js';
import { createLogger } from '../../../server/logger.js';
import { RegistryServiceCatalog } from '../../../use-cases/registry-catalog.js';
import type { Store } from '../../../store/store.js';
import { LogCapture, testEnv } from '../../support/server-harness.js';
import { bearer, KETAMINE_DIR, USERS, type AdminHarness } from './admin-harness.js';

export type Clock = { current: Date; now: () => Date };

export interface ServiceCall {
  fixture: Fixture;
  serviceId: string;
  hookInstance: string;
  cards: Array<{ uuid: string; summary: string; indicator: string }>;
}

/** The CDS service over `store`; with a key it keeps snapshots (for ten years, so pinned clocks find them). */
export async function serviceApp(store: Store, dir: string, clock: Clock, snapshotKey: Buffer | undefined): Promise<{ app: express.Express; catalog: RegistryServiceCatalog }> {
  const env = testEnv(dir, undefined, snapshotKey === undefined ? {} : { SNAPSHOT_KEY: snapshotKey.toString('base64'), SNAPSHOT_RETENTION_DAYS: '3650' });
  const config = loadConfig(env);
  const catalog = await RegistryServiceCatalog.start({ store, pollIntervalMs: 0, clock: clock.now });
  const app = buildApp({ config, catalog, store, logger: createLogger('silent', new LogCapture()), clock: clock.now });
  return { app, catalog };
}

/** Publishes as alice; with activate, alice submits and bob approves and activates. */
export async function publishAndActivate(admin: AdminHarness, ruleSet: RuleSet, activate: boolean): Promise<void> {
  const path = `/admin/api/rule-sets/${ruleSet.id}/versions/${ruleSet.version}`;
  await request(admin.app).post('/admin/api/rule-sets').set(bearer(USERS.alice)).send(ruleSet).expect(201);
  if (!activate) return;
  await request(admin.app).post(`${path}/submit`).set(bearer(USERS.alice)).send({ reason: 'ready for review' }).expect(200);
  await request(admin.app).post(`${path}/approve`).set(bearer(USERS.bob)).send({ reason: 'diff and fixtures reviewed' }).expect(200);
  await request(admin.app).post(`${path}/activate`).set(bearer(USERS.bob)).send({ reason: 'go live' }).expect(200);
}

/** Calls the service with a fixture's request at the fixture's instant; returns what it answered. */
export async function callWithFixture(world: { clock: Clock; service: express.Express; catalog: RegistryServiceCatalog }, fixture: Fixture): Promise<ServiceCall> {
  const binding = world.catalog.list().find((b) => b.service.hook === fixture.hook && (fixture.service === undefined || b.service.id === fixture.service));
  assert.ok(binding, `no active service for ${fixture.hook}`);
  world.clock.current = new Date(fixture.now);
  const body = fixtureToRequest(fixture, binding.service);
  const res = await request(world.service).post(`/cds-services/${binding.service.id}`).send(body);
  assert.equal(res.status, 200, `${fixture.name}: ${res.status} ${res.text}`);
  return { fixture, serviceId: binding.service.id, hookInstance: body.hookInstance, cards: res.body.cards as ServiceCall['cards'] };
}

/** The shipped ketamine fixtures that expect cards. */
export function fixturesWithCards(): Fixture[] {
  const { fixtures, errors } = loadFixtures(join(KETAMINE_DIR, 'fixtures'));
  assert.deepEqual(errors, []);
  const withCards = fixtures.filter((f) => f.expect.cards.length > 0);
  assert.ok(withCards.length >= 3, `need fixtures that show cards; found ${withCards.length}`);
  return withCards;
}
