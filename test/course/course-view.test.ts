/**
 * The course view (a SMART on FHIR app, docs/course-view.md) in real Chromium: the EHR launch against
 * the real test FHIR server and a real OAuth 2.0 authorization server that returns the patient (and the
 * card's appContext) in the token response; the drawn course checked against the sample patients
 * (sessions counted, response reached or not, next-dose window); every request the page makes is on
 * the service, the FHIR server or the authorization server; screenshots at laptop and side-panel widths
 * and in print; a card's smart link launches it; the demonstration launch; a launch naming a FHIR
 * server clients may not use is refused.
 */
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { loadRuleSetFile } from '../../use-cases/load-rule-set-file.js';
import type { Browser, Page } from 'playwright-core';
import { compileRuleSet } from '../../engine/compile-rule-set.js';
import { fixtureToRequest } from '../../engine/fixtures/compact-fhir.js';
import type { RuleSet } from '../../engine/rule-set-types.js';
import type { CdsServiceResponse, Link } from '../../cds-hooks/wire-types.js';
import { browserUnavailable, launchBrowser, screenshot } from '../console/support/browser.js';
import { contrastFailures } from '../console/support/contrast.js';
import { KETAMINE, startCourseHarness, type CourseHarness, type Ehr } from './support/course-harness.js';

const RESPONSE = 'End of esketamine induction, PHQ-9 20 -> 8';
const NO_RESPONSE = 'End of esketamine induction, PHQ-9 20 -> 14';
const IV = 'IV ketamine TRD, 19 days after the last infusion';
const RULE_SET_FILE = fileURLToPath(new URL('../../rules/ketamine-esketamine/rule-set.json', import.meta.url));

/** The working rule set (1.3.0: the course cards carry the smart link). */
function workingRuleSet(): RuleSet {
  const loaded = loadRuleSetFile(RULE_SET_FILE);
  assert.ok(loaded.ruleSet, 'rules/ketamine-esketamine/rule-set.json loads');
  return loaded.ruleSet;
}

interface Watched {
  page: Page;
  requests: string[];
  errors: string[];
}

async function watch(browser: Browser, width = 1366, height = 900): Promise<Watched> {
  const context = await browser.newContext({ viewport: { width, height } });
  const page = await context.newPage();
  const watched: Watched = { page, requests: [], errors: [] };
  page.on('request', (r) => watched.requests.push(r.url()));
  page.on('console', (m) => {
    if (m.type() === 'error') watched.errors.push(m.text());
  });
  page.on('pageerror', (e) => watched.errors.push(`uncaught: ${e.message}`));
  return watched;
}

function offHosts(requests: string[], allowed: string[]): string[] {
  return requests.filter((url) => !url.startsWith('data:') && !allowed.some((origin) => url.startsWith(`${origin}/`)));
}

async function ehrLaunch(w: Watched, harness: CourseHarness, ehr: Ehr, launchUrl = `${harness.baseUrl}/course/`, appContext = `ruleSet=${KETAMINE}`): Promise<void> {
  const launch = ehr.auth.createLaunch({ patient: ehr.patientId, appContext });
  const url = new URL(launchUrl);
  url.searchParams.set('iss', ehr.fhir.baseUrl);
  url.searchParams.set('launch', launch);
  await w.page.goto(url.toString());
  await w.page.locator('article.course').waitFor({ timeout: 20_000 });
}

async function statusText(page: Page, key: string): Promise<string> {
  return (await page.locator(`[data-status="${key}"] dd`).first().textContent()) ?? '';
}

/** Distinct UTC days of the fixture's administrations: the sessions the engine counts. */
function sessionDays(ehr: Ehr): number {
  const admins = (ehr.fixture.data?.administrations ?? []) as Array<{ date: string }>;
  return new Set(admins.map((a) => String(a.date).slice(0, 10))).size;
}

describe('course view (SMART on FHIR app, real Chromium)', function () {
  this.timeout(120_000);
  const skip = browserUnavailable();
  let harness: CourseHarness;
  let browser: Browser;

  before(async function () {
    if (skip) {
      if (process.env.CI === 'true') throw new Error(`browser tests cannot run in CI: ${skip}`);
      console.log(`      (skipped: ${skip})`);
      this.skip();
    }
    // The bundled rule sets, imported as server/main.ts does: a fresh store serves the working version.
    harness = await startCourseHarness([RESPONSE, NO_RESPONSE, IV]);
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await harness?.close();
  });

  it('EHR launch: the authorization server gives the patient and appContext, the FHIR server sees only its token, and the course is drawn from the fixture', async () => {
    const ehr = harness.ehrs.get(RESPONSE)!;
    const w = await watch(browser);
    await ehrLaunch(w, harness, ehr);
    assert.deepEqual(ehr.auth.issued.at(-1), { clientId: 'course-view-test-client', patient: ehr.patientId, appContext: `ruleSet=${KETAMINE}` });
    const fhirReads = ehr.fhir.requests.filter((r) => r.method === 'GET' && r.url.startsWith('/fhir/') && !r.url.includes('.well-known'));
    assert.ok(fhirReads.length >= 6, 'the Patient and five searches');
    assert.ok(fhirReads.every((r) => r.tokenMatched), 'every FHIR read carries the launch token');
    assert.ok(fhirReads.every((r) => r.url.includes(ehr.patientId)), 'every read is about the patient in context');

    // Sessions counted as the engine counts doses, from the fixture's administrations.
    assert.equal(await w.page.locator('[data-chart="sessions"] tbody tr').count(), sessionDays(ehr));
    assert.equal(sessionDays(ehr), 8);
    assert.match(await statusText(w.page, 'phase'), /8 sessions in this course/);
    // Response reached (PHQ-9 20 -> 8, -60 %), as the fixture's checkpoint card says.
    assert.match(await statusText(w.page, 'response-timing'), /20 on 2026-02-02 → 8 on 2026-02-27 \(-60 %\): response reached \(response = change ≤ -50 %\)/);
    assert.match(await statusText(w.page, 'checkpoint'), /checkpoint at 8 sessions or day 28 \(by 2026-03-03\): reached/);
    // Next-dose window from the label schedule: last dose 2026-02-27; from course day 28 the weekly phase
    // (interval 7 days, minimum 5, grace 3): due 2026-03-06 to 2026-03-09, overdue from 2026-03-10.
    const window = await statusText(w.page, 'window');
    assert.match(window, /due 2026-03-06 to 2026-03-09; overdue from 2026-03-10$/);
    assert.match(window, /^too soon 2026-02-27 to 2026-02-28/);
    // Blood pressure with the rule set's thresholds (the cards' 140/90 and 180/100).
    const bp = (await w.page.locator('[data-chart="blood-pressure"] figcaption').textContent()) ?? '';
    assert.match(bp, /latest 128\/82 mmHg on 2026-02-27/);
    for (const t of ['systolic ≥ 180 (critical)', 'diastolic ≥ 100 (critical)', 'systolic > 140 (warning)', 'diastolic > 90 (warning)']) assert.ok(bp.includes(t), t);
    // The response line stands at 50 % of the baseline.
    assert.ok(((await w.page.locator('[data-chart="score-timing"] svg').getAttribute('aria-label')) ?? '').includes('response reached'));
    assert.ok(((await w.page.locator('[data-chart="score-timing"] svg').textContent()) ?? '').includes('response (-50 %) 10'));
    // Remission from the rule set's phq9-remission-below (PHQ-9 < 5): 8 is not remission.
    assert.match(await statusText(w.page, 'response-timing'), /; remission not reached \(score < 5\)\.$/);
    assert.ok(((await w.page.locator('[data-chart="score-timing"] svg').textContent()) ?? '').includes('remission < 5'));

    assert.deepEqual(offHosts(w.requests, [harness.baseUrl, ehr.fhir.origin, ehr.auth.origin]), []);
    assert.deepEqual(w.errors, []);
    assert.deepEqual(await contrastFailures(w.page), [], 'course view: text below WCAG AA contrast');
    await screenshot(w.page, 'course-response-laptop');
    await w.page.context().close();
  });

  it('no response at the end of induction; an IV ketamine course has no next-dose window', async () => {
    const w = await watch(browser);
    const none = harness.ehrs.get(NO_RESPONSE)!;
    await ehrLaunch(w, harness, none);
    assert.match(await statusText(w.page, 'response-timing'), /response not reached/);
    assert.deepEqual(offHosts(w.requests, [harness.baseUrl, none.fhir.origin, none.auth.origin]), []);

    const iv = harness.ehrs.get(IV)!;
    w.requests.length = 0;
    await ehrLaunch(w, harness, iv);
    assert.equal(await w.page.locator('[data-chart="sessions"] tbody tr').count(), sessionDays(iv));
    assert.equal(sessionDays(iv), 7);
    assert.match(await statusText(w.page, 'window'), /^No next-dose window: IV ketamine studied schedules \(off-label\): no label schedule/);
    assert.equal(await w.page.locator('[data-chart="sessions"] .window').count(), 0);
    assert.deepEqual(offHosts(w.requests, [harness.baseUrl, iv.fhir.origin, iv.auth.origin]), []);
    assert.deepEqual(w.errors, []);
    await screenshot(w.page, 'course-iv-laptop');
    await w.page.context().close();
  });

  it('reads in an EHR side panel, prints, and is keyboard operable', async () => {
    const ehr = harness.ehrs.get(RESPONSE)!;
    const w = await watch(browser, 400, 800);
    await ehrLaunch(w, harness, ehr);
    const overflow = await w.page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.ok(overflow <= 0, `no horizontal scrolling in a 400 px panel (overflow ${overflow} px)`);
    assert.deepEqual(await contrastFailures(w.page), [], 'side panel: text below WCAG AA contrast');
    await screenshot(w.page, 'course-side-panel');
    // Keyboard: Tab reaches the data disclosures, Enter opens one.
    let opened = false;
    for (let i = 0; i < 20 && !opened; i++) {
      await w.page.keyboard.press('Tab');
      const focused = await w.page.evaluate(() => document.activeElement?.textContent ?? '');
      if (focused.startsWith('Sessions: the data')) {
        await w.page.keyboard.press('Enter');
        opened = await w.page.locator('[data-chart="sessions"] details').evaluate((d) => (d as HTMLDetailsElement).open);
      }
    }
    assert.ok(opened, 'the sessions table opens from the keyboard');
    await w.page.emulateMedia({ media: 'print' });
    await screenshot(w.page, 'course-print');
    assert.equal(await w.page.locator('#status').isVisible(), false, 'the status line is not printed');
    await w.page.context().close();
  });

  it("a card's smart link launches it: the service's patient-view card links to the course on its own origin", async () => {
    const ehr = harness.ehrs.get(RESPONSE)!;
    const service = compileRuleSet(workingRuleSet()).service('ketamine-patient-view')!;
    const request = fixtureToRequest(ehr.fixture, service);
    const response = await fetch(`${harness.baseUrl}/cds-services/ketamine-patient-view`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(request) });
    assert.equal(response.status, 200);
    const body = (await response.json()) as CdsServiceResponse;
    const links = body.cards.flatMap((c) => c.links ?? []).filter((l: Link) => l.type === 'smart');
    assert.equal(links.length, 1, JSON.stringify(body.cards.map((c) => c.summary)));
    const link = links[0];
    assert.equal(link.url, `${harness.baseUrl}/course/`);
    assert.equal(link.appContext, `ruleSet=${KETAMINE}&schedule=esketamine-label&courseStart=2026-02-03`);

    const w = await watch(browser);
    await ehrLaunch(w, harness, ehr, link.url, link.appContext);
    assert.equal(ehr.auth.issued.at(-1)?.appContext, link.appContext);
    assert.match(await statusText(w.page, 'response-timing'), /response reached/);
    assert.deepEqual(offHosts(w.requests, [harness.baseUrl, ehr.fhir.origin, ehr.auth.origin]), []);
    await w.page.context().close();
  });

  it("from the console's card preview: the card's link launches the course for the previewed patient (the demonstration launch)", async () => {
    const { startFhirServer } = await import('../support/fhir-server.js');
    const { fixtureToResources } = await import('../../engine/fixtures/compact-fhir.js');
    const sample = harness.ehrs.get(RESPONSE)!;
    const open = await startFhirServer({ cors: true });
    try {
      await open.load(fixtureToResources(sample.fixture));
      const w = await watch(browser);
      await w.page.goto(`${harness.baseUrl}/console/preview`);
      await w.page.getByLabel('Admin token').fill('any-token-open-local');
      await w.page.getByRole('button', { name: 'Sign in' }).click();
      await w.page.getByText('Signed in as').waitFor();
      await w.page.locator('select[name="fixture"]').selectOption(RESPONSE);
      await w.page.getByRole('button', { name: 'Show cards' }).click();
      const launch = w.page.getByRole('link', { name: 'launch it for this patient (demonstration)' });
      await launch.waitFor();
      const href = (await launch.getAttribute('href')) ?? '';
      assert.match(href, /^\/course\/demo\?patient=pt-trd-m45&appContext=ruleSet%3Dketamine-esketamine/);
      const [demo] = await Promise.all([w.page.context().waitForEvent('page'), launch.click()]);
      demo.on('request', (r) => w.requests.push(r.url()));
      await demo.getByRole('heading', { name: 'Demonstration launch' }).waitFor();
      assert.equal(await demo.getByLabel('Patient id').inputValue(), sample.patientId);
      await demo.getByLabel('FHIR server').fill(open.baseUrl);
      await demo.getByRole('button', { name: 'Launch the course view' }).click();
      await demo.locator('article.course').waitFor({ timeout: 20_000 });
      assert.equal(await demo.locator('[data-chart="sessions"] tbody tr').count(), 8);
      assert.match((await demo.locator('[data-status="response-timing"] dd').textContent()) ?? '', /response reached/);
      await screenshot(demo, 'course-from-console-preview');
      assert.deepEqual(offHosts(w.requests, [harness.baseUrl, open.origin]), []);
      await w.page.context().close();
    } finally {
      await open.close();
    }
  });

  it('opened without launch parameters it says how it is launched; the demonstration launch plays the EHR against an open FHIR server', async () => {
    const w = await watch(browser);
    await w.page.goto(`${harness.baseUrl}/course/`);
    await w.page.getByRole('heading', { name: 'How it is launched' }).waitFor();
    await w.page.getByRole('link', { name: 'Demonstration launch' }).click();
    await w.page.getByRole('heading', { name: 'Demonstration launch' }).waitFor();
    // The test FHIR servers need the launch token: the demonstration needs an open one.
    const { startFhirServer } = await import('../support/fhir-server.js');
    const { fixtureToResources } = await import('../../engine/fixtures/compact-fhir.js');
    const open = await startFhirServer({ cors: true });
    try {
      await open.load(fixtureToResources(harness.ehrs.get(IV)!.fixture));
      await w.page.getByLabel('FHIR server').fill(open.baseUrl);
      await w.page.getByLabel('Patient id').fill(harness.ehrs.get(IV)!.patientId);
      await w.page.getByRole('button', { name: 'Launch the course view' }).click();
      await w.page.locator('article.course').waitFor({ timeout: 20_000 });
      assert.equal(await w.page.locator('[data-chart="sessions"] tbody tr').count(), 7);
      assert.deepEqual(offHosts(w.requests, [harness.baseUrl, open.origin]), []);
    } finally {
      await open.close();
    }
    await w.page.context().close();
  });

  it('refuses a launch naming a FHIR server the service\'s clients may not use, and a bad picture request', async () => {
    const refused = await fetch(`${harness.baseUrl}/course/?iss=${encodeURIComponent('https://evil.example/fhir')}&launch=x`);
    assert.equal(refused.status, 400);
    assert.match(await refused.text(), /is not one this service's clients may use/);
    const csp = refused.headers.get('content-security-policy') ?? '';
    assert.match(csp, /connect-src 'self' http:\/\/127\.0\.0\.1:\*/);
    const bad = await fetch(`${harness.baseUrl}/course/api/picture`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ patientId: 'p1', resources: [{ resourceType: 'Observation', status: 7 }] }) });
    assert.equal(bad.status, 400);
    const problem = (await bad.json()) as { problems: Array<{ pointer: string }> };
    assert.ok(problem.problems.some((p) => p.pointer.startsWith('/resources/0')), JSON.stringify(problem));
    assert.doesNotMatch(harness.logText(), /pt-trd-m45/, 'no patient id in the logs');
  });
});
