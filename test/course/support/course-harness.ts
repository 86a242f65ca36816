/**
 * Everything a SMART EHR launch of the course view needs, real and on 127.0.0.1 with ephemeral ports:
 *   - one EHR per sample patient (a rule-set fixture): a FHIR server (test/support/fhir-server.ts, medplum's
 *     in-memory repository, CORS on, answering only the access token its authorization server issues,
 *     SMART configuration in /.well-known) and its authorization server (test/support/smart-auth-server.ts);
 *   - the service (server/app.ts buildApp) with a real SQLite store holding the bundled rule sets as
 *     server/main.ts imports them, PUBLIC_BASE_URL its real address, open mode (loopback FHIR servers
 *     allowed) and COURSE_AUTH_SERVERS naming the authorization servers; the clock pinned to the
 *     fixtures' "now".
 */
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { fixtureToResources } from '../../../engine/fixtures/compact-fhir.js';
import type { Fixture } from '../../../engine/fixtures/fixture-types.js';
import { loadFixtures } from '../../../use-cases/load-fixtures.js';
import { adminAccessFromEnv } from '../../../server/admin/admin-access.js';
import { buildApp } from '../../../server/app.js';
import { loadBundledRuleSetFiles, RULES_DIR } from '../../../server/bundled-rule-sets.js';
import { loadConfig } from '../../../server/config.js';
import { createLogger } from '../../../server/logger.js';
import { importBundledRuleSets } from '../../../store/import-bundled.js';
import { openStore } from '../../../store/open-store.js';
import type { Store } from '../../../store/store.js';
import { RegistryServiceCatalog } from '../../../use-cases/registry-catalog.js';
import { startFhirServer, type FhirTestServer } from '../../support/fhir-server.js';
import { startSmartAuthServer, type SmartAuthServer } from '../../support/smart-auth-server.js';

export const KETAMINE = 'ketamine-esketamine';
export const COURSE_CLIENT_ID = 'course-view-test-client';
/** The fixtures' evaluation instant. */
export const NOW = new Date('2026-03-02T10:00:00.000Z');

export interface Ehr {
  fixture: Fixture;
  patientId: string;
  fhir: FhirTestServer;
  auth: SmartAuthServer;
}

export interface CourseHarness {
  baseUrl: string;
  store: Store;
  ehrs: Map<string, Ehr>;
  logText(): string;
  close(): Promise<void>;
}

class LogCapture extends Writable {
  readonly chunks: string[] = [];
  override _write(chunk: Buffer | string, _enc: BufferEncoding, done: (error?: Error | null) => void): void {
    this.chunks.push(chunk.toString());
    done();
  }
}

export function ketamineFixture(name: string): Fixture {
  const fixture = loadFixtures(join(RULES_DIR, KETAMINE, 'fixtures')).fixtures.find((f) => f.name === name);
  if (fixture === undefined) throw new Error(`no sample patient "${name}"`);
  return fixture;
}

async function startEhr(fixture: Fixture, redirectUri: string): Promise<Ehr> {
  // The FHIR server answers exactly the token its authorization server issues.
  const accessToken = randomBytes(24).toString('base64url');
  const fhir = await startFhirServer({ cors: true, requireToken: accessToken });
  const auth = await startSmartAuthServer({ fhirBaseUrl: fhir.baseUrl, clients: [{ clientId: COURSE_CLIENT_ID, redirectUris: [redirectUri] }], accessToken });
  fhir.setSmartConfiguration(auth.smartConfiguration);
  await fhir.load(fixtureToResources(fixture));
  return { fixture, patientId: fixture.patient.id, fhir, auth };
}

export interface CourseHarnessOptions {
  /** Environment settings on top of the harness's own. */
  env?: Record<string, string>;
}

export async function startCourseHarness(fixtureNames: readonly string[], options: CourseHarnessOptions = {}): Promise<CourseHarness> {
  const env = options.env ?? {};
  const dataDir = mkdtempSync(join(tmpdir(), 'cds-course-test-'));
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const ehrs = new Map<string, Ehr>();
  for (const name of fixtureNames) ehrs.set(name, await startEhr(ketamineFixture(name), `${baseUrl}/course/`));

  const config = loadConfig({
    HOST: '127.0.0.1',
    PORT: '0',
    PUBLIC_BASE_URL: baseUrl,
    DATA_DIR: dataDir,
    PATIENT_KEY_SECRET: 'course-tests-patient-key-secret-0123456789',
    LOG_LEVEL: 'info',
    COURSE_SMART_CLIENT_ID: COURSE_CLIENT_ID,
    COURSE_AUTH_SERVERS: [...ehrs.values()].map((e) => e.auth.origin).join(','),
    ...env,
  });
  const logs = new LogCapture();
  const logger = createLogger(config.logLevel, logs);
  const store = await openStore({ dataDir: join(dataDir, 'store'), clock: () => new Date(NOW) });
  await importBundledRuleSets(store, loadBundledRuleSetFiles(RULES_DIR).map(({ file, compiled }) => ({ file, ruleSet: compiled.ruleSet })));
  const catalog = await RegistryServiceCatalog.start({ store, pollIntervalMs: 0, clock: () => new Date(NOW) });
  // The console open to local callers (ADMIN_OPEN_LOCAL=1), as `npm run demo:course` runs it.
  const adminAccess = adminAccessFromEnv({ ADMIN_OPEN_LOCAL: '1' }, '127.0.0.1');
  const app = buildApp({ config, catalog, store, logger, clock: () => new Date(NOW), adminAccess });
  server.on('request', app);

  return {
    baseUrl,
    store,
    ehrs,
    logText: () => logs.chunks.join(''),
    async close() {
      await new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      });
      catalog.stop();
      await store.close().catch(() => undefined);
      for (const ehr of ehrs.values()) {
        await ehr.fhir.close();
        await ehr.auth.close();
      }
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
