/**
 * The service as the console tests use it: the real app (server/app.ts buildApp) listening on an
 * ephemeral 127.0.0.1 port, a real SQLite store in a temporary folder with the bundled rule sets
 * imported (rules/<id>/rule-set.json active, rules/<id>/versions/*.json published), an ADMIN_USERS
 * file with one user per role, and decisions made by real CDS Hooks calls (the rule set's sample
 * patients, one of them with a merged card) with feedback (accepted / overridden with reasons) spread
 * over a few weeks.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { compileRuleSet } from '../../../engine/compile-rule-set.js';
import { deterministicUuid } from '../../../engine/deterministic-uuid.js';
import { fixtureToRequest } from '../../../engine/fixtures/compact-fhir.js';
import type { Fixture } from '../../../engine/fixtures/fixture-types.js';
import { loadFixtures } from '../../../use-cases/load-fixtures.js';
import { serviceForFixture } from '../../../engine/fixtures/run-fixtures.js';
import { parseJsonText } from '../../../lib/json-text.js';
import { findRuleSetFolders } from '../../../use-cases/rule-set-files.js';
import type { RuleSet } from '../../../engine/rule-set-types.js';
import { adminAccessFromEnv, type AdminAccess } from '../../../server/admin/admin-access.js';
import { tokenSha256 } from '../../../server/admin/admin-users.js';
import { buildApp } from '../../../server/app.js';
import { loadBundledRuleSetFiles, RULES_DIR } from '../../../server/bundled-rule-sets.js';
import { loadConfig } from '../../../server/config.js';
import { createLogger } from '../../../server/logger.js';
import type { Card, CdsServiceResponse, Feedback } from '../../../cds-hooks/wire-types.js';
import { importBundledRuleSets } from '../../../store/import-bundled.js';
import { openStore } from '../../../store/open-store.js';
import { RegistryServiceCatalog } from '../../../use-cases/registry-catalog.js';
import type { Store } from '../../../store/store.js';

export const KETAMINE = 'ketamine-esketamine';
/** The sample patients' evaluation instant; the service clock starts here. */
export const START = new Date('2026-03-02T10:00:00.000Z');
const DAY_MS = 86_400_000;

export interface ConsoleUser {
  name: string;
  role: 'author' | 'reviewer' | 'auditor';
  token: string;
}

export const CONSOLE_USERS = {
  author: { name: 'alice', role: 'author', token: 'console-alice-token-1f4e9a7c2b' },
  reviewer: { name: 'bob', role: 'reviewer', token: 'console-bob-token-8d2c6e0a5f' },
  auditor: { name: 'carol', role: 'auditor', token: 'console-carol-token-3b7f1d9e4a' },
} as const satisfies Record<string, ConsoleUser>;

export interface ConsoleHarness {
  baseUrl: string;
  store: Store;
  /** Decisions made while seeding (seq numbers). */
  decisions: number[];
  /** Everything the service logged (to check no token or patient data leaks). */
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

function readRuleSet(file: string): RuleSet {
  const parsed = parseJsonText(readFileSync(file, 'utf8'));
  if (!parsed.ok) throw new Error(`${file}: ${parsed.error.message}`);
  return parsed.value as RuleSet;
}

/** The sample patient whose order-sign shows the merged "Before the session" card. */
export const PRE_SESSION_FIXTURE = 'Typical TRD start with several baselines missing, one card';

/** Sample patients used to make decisions, with the feedback each one's cards get. */
const SEEDED: Array<{ fixture: string; feedback: 'accept' | 'override' | 'none' }> = [
  { fixture: 'Active abdominal aortic aneurysm', feedback: 'override' },
  { fixture: 'Active abdominal aortic aneurysm', feedback: 'accept' },
  { fixture: 'BP 142/88: above 140/90', feedback: 'override' },
  { fixture: 'BP 182/96: at or above 180/100', feedback: 'accept' },
  { fixture: 'Bipolar depression without a mood stabiliser', feedback: 'none' },
  // A merged card ("Before the session", concern pre-session): accepted, credited to every contributor.
  { fixture: PRE_SESSION_FIXTURE, feedback: 'accept' },
];

export async function startConsoleHarness(): Promise<ConsoleHarness> {
  const dataDir = mkdtempSync(join(tmpdir(), 'cds-console-test-'));
  const usersFile = join(dataDir, 'admin-users.json');
  writeFileSync(
    usersFile,
    JSON.stringify(Object.values(CONSOLE_USERS).map((u) => ({ name: u.name, roles: [u.role], tokenSha256: tokenSha256(u.token) }))),
  );
  try {
    // The same loader the service uses for ADMIN_USERS (server/admin/admin-access.ts).
    return await seededService(dataDir, adminAccessFromEnv({ ADMIN_USERS: usersFile }, '127.0.0.1'));
  } catch (err) {
    rmSync(dataDir, { recursive: true, force: true });
    throw err;
  }
}

async function seededService(dataDir: string, adminAccess: AdminAccess): Promise<ConsoleHarness> {
  const clock = { current: new Date(START), now: (): Date => new Date(clock.current.getTime()) };
  const config = loadConfig({
    HOST: '127.0.0.1',
    PORT: '0',
    PUBLIC_BASE_URL: 'http://127.0.0.1',
    DATA_DIR: dataDir,
    PATIENT_KEY_SECRET: 'console-tests-patient-key-secret-0123456789',
    SNAPSHOT_KEY: Buffer.alloc(32, 9).toString('base64'),
    LOG_LEVEL: 'info',
  });
  const logs = new LogCapture();
  const logger = createLogger(config.logLevel, logs);
  const store = await openStore({ dataDir: join(dataDir, 'store'), clock: clock.now });

  // As server/main.ts starts: every bundled version compiled, imported into the registry, and the
  // registry deciding what is served.
  const bundled = loadBundledRuleSetFiles(RULES_DIR);
  await importBundledRuleSets(store, bundled.map(({ file, compiled }) => ({ file, ruleSet: compiled.ruleSet })));
  const catalog = await RegistryServiceCatalog.start({ store, pollIntervalMs: 0, clock: clock.now });
  const app = buildApp({ config, catalog, store, logger, clock: clock.now, adminAccess });
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const ketamine = compileRuleSet(readRuleSet(join(RULES_DIR, KETAMINE, 'rule-set.json')));
  const { fixtures } = loadFixtures(join(RULES_DIR, KETAMINE, 'fixtures'));
  const byName = new Map<string, Fixture>(fixtures.map((f) => [f.name, f]));
  const decisions: number[] = [];
  let call = 0;
  for (let week = 0; week < 4; week += 1) {
    for (const seed of SEEDED) {
      const fixture = byName.get(seed.fixture);
      if (fixture === undefined) throw new Error(`no sample patient "${seed.fixture}"`);
      const service = serviceForFixture(ketamine, fixture);
      if (typeof service === 'string') throw new Error(service);
      clock.current = new Date(START.getTime() + week * 7 * DAY_MS + call * 60_000);
      call += 1;
      const request = { ...fixtureToRequest(fixture, service), hookInstance: deterministicUuid('console-test-call', call) };
      const response = await fetch(`${baseUrl}/cds-services/${service.id}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(request),
      });
      if (response.status !== 200) throw new Error(`seeding call ${call} answered ${response.status}: ${await response.text()}`);
      const body = (await response.json()) as CdsServiceResponse;
      // Override the critical cards on some calls (more often in later weeks), accept on others.
      const overrideNow = seed.feedback === 'override' || (seed.feedback === 'accept' && week === 3);
      // Accepting needs a suggestion to accept; cards without one get no feedback (as in an EHR).
      const feedback = body.cards
        .filter((c: Card) => c.uuid !== undefined && seed.feedback !== 'none')
        .flatMap((c: Card): Feedback[] => {
          const at = clock.now().toISOString();
          if (overrideNow && c.overrideReasons && c.overrideReasons.length > 0) {
            return [{ card: c.uuid as string, outcome: 'overridden', overrideReason: { reason: c.overrideReasons[week % c.overrideReasons.length] }, outcomeTimestamp: at }];
          }
          const suggestion = c.suggestions?.find((s) => s.uuid !== undefined);
          if (overrideNow || suggestion === undefined) return [];
          return [{ card: c.uuid as string, outcome: 'accepted', acceptedSuggestions: [{ id: suggestion.uuid as string }], outcomeTimestamp: at }];
        });
      if (feedback.length > 0) {
        const fb = await fetch(`${baseUrl}/cds-services/${service.id}/feedback`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({ feedback }),
        });
        if (fb.status !== 200) throw new Error(`feedback for call ${call} answered ${fb.status}: ${await fb.text()}`);
      }
    }
  }
  for (const d of await store.listDecisions({ limit: 1000 })) decisions.push(d.seq);
  clock.current = new Date(START.getTime() + 30 * DAY_MS);

  return {
    baseUrl,
    store,
    decisions,
    logText: () => logs.chunks.join(''),
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      catalog.stop();
      await store.close().catch(() => undefined);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Raw HTML and a script link an author might paste into card text: the console must show it as text. */
export const HOSTILE_DETAIL = '\n\n<img src="http://evil.example/pixel.png" alt="x"> <script>window.pwned = true</script> [open](javascript:window.pwned=true)';
/** The working version of the bundled rule set: the one a fresh store activates and serves. */
export const ACTIVE_VERSION = readRuleSet(join(RULES_DIR, KETAMINE, 'rule-set.json')).version;
/** The next patch version after the working version: a draft nobody has published. */
export const DRAFT_VERSION = ACTIVE_VERSION.replace(/(\d+)$/, (patch) => String(Number(patch) + 1));
export const DRAFT_SUMMARY_PREFIX = 'Draft wording: ';

/**
 * A draft of the bundled rule set an author would publish: version DRAFT_VERSION whose aneurysm card has a
 * new summary and, at the end of its detail, raw HTML and a javascript: link.
 */
export function draftRuleSet(): RuleSet {
  const folder = findRuleSetFolders(join(RULES_DIR, KETAMINE))[0];
  const draft = readRuleSet(folder.main);
  draft.version = DRAFT_VERSION;
  draft.status = 'draft';
  delete draft.$schema;
  const rule = draft.rules.find((r) => r.id === 'contraindication-aneurysm');
  if (rule === undefined) throw new Error('the bundled rule set has no contraindication-aneurysm rule');
  rule.card.summary = `${DRAFT_SUMMARY_PREFIX}aneurysm on record ({{aneurysm.first.code}}); do not give ketamine or esketamine`;
  rule.card.detail = `${rule.card.detail}${HOSTILE_DETAIL}`;
  return draft;
}

/** Publishes the draft through the admin API as the author. */
export async function publishDraft(baseUrl: string): Promise<void> {
  const response = await fetch(`${baseUrl}/admin/api/rule-sets`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${CONSOLE_USERS.author.token}` },
    body: JSON.stringify(draftRuleSet()),
  });
  if (response.status !== 201) throw new Error(`publishing the draft answered ${response.status}: ${await response.text()}`);
}
