/**
 * The web console in a real browser (Debian's Chromium via playwright-core) against the real service:
 * pages load without console errors and without any request to another host, the card preview shows
 * what the engine decides (one version and two side by side, raw HTML in card text shown as text),
 * a lifecycle action by the wrong role is refused with the API's message, the main controls are
 * reachable by keyboard with a visible focus ring, and screenshots of the main pages are saved in
 * artifacts/screenshots/.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { compileRuleSet } from '../../engine/compile-rule-set.js';
import { CARD_EXTENSION_KEY } from '../../engine/evaluation-types.js';
import { loadFixtures } from '../../use-cases/load-fixtures.js';
import { runFixture, serviceForFixture, type FixtureOutcome } from '../../engine/fixtures/run-fixtures.js';
import { fixtureToRequest } from '../../engine/fixtures/compact-fhir.js';
import { loadRuleSetFile } from '../../use-cases/load-rule-set-file.js';
import { RULES_DIR } from '../../server/bundled-rule-sets.js';
import { CARD_EXTENSION_KEY as CLIENT_CARD_EXTENSION_KEY } from '../../console/client/card-view.js';
import { CONSOLE_CSP } from '../../server/console/console-assets.js';
import { browserUnavailable, launchBrowser, openPage, screenshot, SCREENSHOT_DIR, signIn, type WatchedPage } from './support/browser.js';
import { contrastFailures } from './support/contrast.js';
import {
  CONSOLE_USERS,
  DRAFT_SUMMARY_PREFIX,
  ACTIVE_VERSION,
  DRAFT_VERSION,
  KETAMINE,
  PRE_SESSION_FIXTURE,
  publishDraft,
  startConsoleHarness,
  type ConsoleHarness,
} from './support/console-harness.js';
import { COMPACT_FHIR_CONVERTER } from '../../use-cases/fixture-converter.js';

const ANEURYSM = 'Active abdominal aortic aneurysm';

/** What the engine itself gives for a sample patient (the console must show exactly this). */
async function engineOutcome(fixtureName: string): Promise<FixtureOutcome> {
  const loaded = loadRuleSetFile(join(RULES_DIR, KETAMINE, 'rule-set.json'));
  assert.ok(loaded.ruleSet, 'the bundled rule set loads');
  const fixture = loadFixtures(join(RULES_DIR, KETAMINE, 'fixtures')).fixtures.find((f) => f.name === fixtureName);
  assert.ok(fixture, `sample patient "${fixtureName}" exists`);
  const outcome = await runFixture(compileRuleSet(loaded.ruleSet), fixture, COMPACT_FHIR_CONVERTER);
  assert.ok(outcome.passed, `the sample patient meets its own expectations: ${outcome.failures.join('; ')}`);
  return outcome;
}

async function engineCards(fixtureName: string): Promise<Array<{ rule: string; indicator: string; summary: string }>> {
  return (await engineOutcome(fixtureName)).actualCards;
}

interface MergedCardExpectation {
  uuid: string;
  summary: string;
  concern: { id: string; title: string };
  contributors: Array<{ id: string; indicator: string; facts: string[] }>;
}

/** The merged "Before the session" card the engine gives for the pre-session sample patient. */
async function engineMergedCard(): Promise<MergedCardExpectation> {
  const { result } = await engineOutcome(PRE_SESSION_FIXTURE);
  assert.ok(result);
  const card = result.cards.find((c) => (c.extension?.[CARD_EXTENSION_KEY] as { concern?: unknown } | undefined)?.concern !== undefined);
  assert.ok(card, 'the engine gives a merged card');
  const ex = card.extension![CARD_EXTENSION_KEY] as { concern: { id: string; title: string }; contributors: Array<{ id: string; indicator: string; facts: string[] }> };
  assert.equal(ex.concern.title, 'Before the session');
  assert.ok(ex.contributors.length >= 3);
  return { uuid: card.uuid!, summary: card.summary, concern: ex.concern, contributors: ex.contributors };
}

function assertClean(w: WatchedPage, what: string): void {
  assert.deepEqual(w.errors, [], `${what}: console errors`);
  assert.deepEqual(w.foreignRequests, [], `${what}: requests to other hosts`);
}

async function showPreview(page: Page, fixture: string, versions: { a?: string; b?: string } = {}): Promise<void> {
  await page.locator('select[name="fixture"]').selectOption(fixture);
  if (versions.a) await page.getByLabel('Version (A)').selectOption(versions.a);
  if (versions.b) {
    await page.getByLabel('Compare with a second version').check();
    await page.getByLabel('Second version (B)').selectOption(versions.b);
  }
  await page.getByRole('button', { name: 'Show cards' }).click();
  await page.locator('.preview-column').first().waitFor();
}

describe('web console (browser)', function () {
  this.timeout(180_000);
  let h: ConsoleHarness;
  let browser: Browser;
  const open: WatchedPage[] = [];

  async function pageFor(role: keyof typeof CONSOLE_USERS, path = '/console/preview'): Promise<WatchedPage> {
    const w = await openPage(browser, h.baseUrl);
    open.push(w);
    await signIn(w.page, h.baseUrl, CONSOLE_USERS[role].token, path);
    return w;
  }

  before(async function () {
    const missing = browserUnavailable();
    if (missing !== undefined && process.env.CI !== 'true') {
      process.stderr.write(`\n  NOTE: ${missing}: web console browser tests skipped\n`);
      this.skip();
    }
    h = await startConsoleHarness();
    await publishDraft(h.baseUrl);
    browser = await launchBrowser();
  });
  afterEach(async () => {
    while (open.length > 0) await open.pop()?.context.close();
  });
  after(async () => {
    await browser?.close();
    await h?.close();
  });

  it('uses the engine\'s card extension key', () => {
    assert.equal(CLIENT_CARD_EXTENSION_KEY, CARD_EXTENSION_KEY);
  });

  it('serves the console with a strict Content-Security-Policy and no external references', async () => {
    const res = await fetch(`${h.baseUrl}/console/preview`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-security-policy'), CONSOLE_CSP);
    assert.match(CONSOLE_CSP, /default-src 'self'/);
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
    const html = await res.text();
    assert.doesNotMatch(html, /(src|href)="(https?:)?\/\//, 'the shell references nothing on other hosts');
    const js = await fetch(`${h.baseUrl}/console/assets/console.js`);
    assert.equal(js.status, 200);
    assert.match(js.headers.get('content-type') ?? '', /javascript/);
    assert.equal((await fetch(`${h.baseUrl}/console/assets/nope.js`)).status, 404);
    const redirect = await fetch(`${h.baseUrl}/console`, { redirect: 'manual' });
    assert.equal(redirect.status, 302);
    assert.equal(redirect.headers.get('location'), '/console/preview');
  });

  it('signs in with a token kept in sessionStorage only, and refuses a wrong one with the API\'s message', async () => {
    const w = await openPage(browser, h.baseUrl);
    open.push(w);
    await w.page.goto(`${h.baseUrl}/console/rule-sets`);
    await w.page.getByLabel('Admin token').fill('not-a-real-token');
    await w.page.getByRole('button', { name: 'Sign in' }).click();
    await w.page.getByRole('alert').getByText('the admin token is not recognised').waitFor();
    await w.page.getByLabel('Admin token').fill(CONSOLE_USERS.reviewer.token);
    await w.page.getByRole('button', { name: 'Sign in' }).click();
    await w.page.getByText('Signed in as').waitFor();
    assert.equal(await w.page.locator('#session strong').textContent(), CONSOLE_USERS.reviewer.name);
    const stored = await w.page.evaluate(() => sessionStorage.getItem('cds-console.admin-token'));
    assert.equal(stored, CONSOLE_USERS.reviewer.token);
    for (const url of w.requests) assert.ok(!url.includes(CONSOLE_USERS.reviewer.token), `token in a URL: ${url}`);
    await w.page.getByRole('button', { name: 'Sign out' }).click();
    await w.page.getByLabel('Admin token').waitFor();
    assert.equal(await w.page.evaluate(() => sessionStorage.getItem('cds-console.admin-token')), null);
    assert.ok(!h.logText().includes(CONSOLE_USERS.reviewer.token), 'the service log never contains a token');
  });

  it('loads every page without console errors or foreign requests (screenshots saved)', async () => {
    const pages: Array<{ role: keyof typeof CONSOLE_USERS; path: string; ready: string; shot: string }> = [
      { role: 'author', path: '/console/preview', ready: 'form.preview-form', shot: 'preview-empty' },
      { role: 'reviewer', path: `/console/rule-sets?ruleSet=${KETAMINE}&version=1.1.0`, ready: '#version-heading', shot: 'rule-sets' },
      { role: 'author', path: '/console/diff', ready: 'form.diff-form', shot: 'diff-empty' },
      { role: 'auditor', path: '/console/decisions', ready: 'table.decisions', shot: 'decisions' },
      { role: 'auditor', path: `/console/decisions/${h.decisions[0]}`, ready: '#fired-heading', shot: 'decision' },
      { role: 'auditor', path: '/console/stats', ready: 'svg.chart', shot: 'stats' },
    ];
    for (const p of pages) {
      const w = await pageFor(p.role, p.path);
      await w.page.goto(`${h.baseUrl}${p.path}`);
      await w.page.locator(p.ready).first().waitFor();
      assert.equal(await w.page.locator('main h1').count(), 1, `${p.path}: one h1`);
      assert.equal(await w.page.locator('header nav[aria-label] a[aria-current="page"]').count(), 1, `${p.path}: current page marked`);
      // Every form control has an accessible name (a label, aria-label or aria-labelledby).
      const unlabelled = await w.page.evaluate(() =>
        [...document.querySelectorAll('main input, main select, main textarea, main button')]
          .filter((el) => {
            const c = el as HTMLInputElement;
            if (c.type === 'hidden') return false;
            const labelled = (c.labels?.length ?? 0) > 0 || c.getAttribute('aria-label') || c.getAttribute('aria-labelledby');
            return !labelled && !(el.tagName === 'BUTTON' && (el.textContent ?? '').trim() !== '');
          })
          .map((el) => el.outerHTML.slice(0, 120)),
      );
      assert.deepEqual(unlabelled, [], `${p.path}: controls without a label`);
      assert.deepEqual(await contrastFailures(w.page), [], `${p.path}: text below WCAG AA contrast`);
      await screenshot(w.page, p.shot);
      assertClean(w, p.path);
      await w.context.close();
      open.pop();
    }
  });

  it('previews the aneurysm sample patient: the critical card as the engine gives it, with its explanation', async () => {
    const expected = await engineCards(ANEURYSM);
    const critical = expected.find((c) => c.indicator === 'critical');
    assert.ok(critical, 'the engine gives a critical card for the aneurysm sample patient');
    assert.equal(critical.rule, 'contraindication-aneurysm');

    const w = await pageFor('author');
    await showPreview(w.page, ANEURYSM, { a: ACTIVE_VERSION });
    const cards = w.page.locator('.preview-column .cds-card');
    assert.equal(await cards.count(), expected.length, 'as many cards as the engine gives');
    const card = w.page.locator('.cds-card--critical');
    assert.equal((await card.locator('.card-summary').textContent())?.trim(), critical.summary);
    assert.equal((await card.locator('.indicator').textContent())?.trim(), 'Critical', 'indicator shown as text, not colour alone');
    assert.equal(await card.locator('.indicator svg').count(), 1, 'and an icon');
    assert.match((await card.locator('.card-source').textContent()) ?? '', /^Source: SPRAVATO/);
    assert.ok((await card.locator('select').locator('option').count()) > 1, 'override reasons offered');

    const disclosure = card.locator('details.explanation');
    assert.equal(await disclosure.getAttribute('open'), null, 'explanation closed at first');
    await disclosure.locator(':scope > summary').click();
    const explanation = disclosure.locator('.explanation-body');
    await explanation.waitFor();
    const text = (await explanation.textContent()) ?? '';
    assert.match(text, /contraindication-aneurysm/);
    assert.ok(text.includes(`ketamine-esketamine ${ACTIVE_VERSION}`), text.slice(0, 200));
    assert.ok((await explanation.locator('.certainty').count()) > 0, 'citations carry certainty tags');
    await explanation.locator('ul.facts details summary').first().click();
    assert.match((await explanation.locator('ul.refs').first().textContent()) ?? '', /[A-Za-z]+\/[A-Za-z0-9.-]+/, 'facts list FHIR references');
    // The result is announced through the polite live region.
    await w.page.waitForFunction(({ version, n }) => document.getElementById('announcer')?.textContent === `${version}: ${n} cards`, { version: ACTIVE_VERSION, n: expected.length });
    assert.deepEqual(await contrastFailures(w.page), [], 'cards: text below WCAG AA contrast');
    await screenshot(w.page, 'preview-aneurysm');
    assertClean(w, 'preview');
  });

  it('previews a merged card: every contributing rule with its indicator and facts, and the rules merged into it', async () => {
    const merged = await engineMergedCard();
    const expected = await engineCards(PRE_SESSION_FIXTURE);
    const w = await pageFor('author');
    await showPreview(w.page, PRE_SESSION_FIXTURE, { a: ACTIVE_VERSION });
    assert.equal(await w.page.locator('.preview-column .cds-card').count(), expected.length);
    const card = w.page.locator('.cds-card').filter({ has: w.page.locator('.card-summary', { hasText: merged.summary }) });
    assert.equal(await card.count(), 1, 'the merged card is shown once');
    const disclosure = card.locator('details.explanation');
    const toggle = disclosure.locator(':scope > summary');
    assert.match((await toggle.textContent()) ?? '', new RegExp(`^Why this card: explanation.*, ${merged.contributors.length} contributing rules$`));
    await toggle.click();
    const body = disclosure.locator('.explanation-body');
    await body.waitFor();
    assert.match((await body.locator('dl.pairs').textContent()) ?? '', new RegExp(`Concern${merged.concern.title} ${merged.concern.id}`));
    const items = body.locator('ol.contributors > li');
    assert.deepEqual(await items.evaluateAll((els) => els.map((e) => e.getAttribute('data-rule'))), merged.contributors.map((c) => c.id), 'every contributor, in rank order');
    for (const [i, c] of merged.contributors.entries()) {
      const item = items.nth(i);
      assert.equal((await item.locator('.contributor-head .indicator').textContent())?.trim().toLowerCase(), c.indicator, `${c.id}: indicator`);
      assert.deepEqual((await item.locator('ul.facts > li > details > summary > code').allTextContents()), c.facts, `${c.id}: its facts`);
    }
    // A contributor's fact opens to its values and FHIR references.
    const firstFact = items.first().locator('ul.facts > li > details').first();
    await firstFact.locator(':scope > summary').click();
    assert.ok((await firstFact.locator('dl.fact-values dt').count()) > 0, 'fact values shown');
    assert.equal(await body.locator(':scope > ul.facts').count(), 0, 'facts are listed per contributor, not twice');

    const fired = w.page.locator('.preview-column details.fired');
    await fired.locator(':scope > summary').click();
    for (const c of merged.contributors) {
      assert.equal((await fired.locator(`tr[data-rule="${c.id}"] td`).nth(2).textContent())?.trim(), `yes — merged into the "${merged.concern.title}" card`, c.id);
    }
    assert.deepEqual(await contrastFailures(w.page), [], 'merged card: text below WCAG AA contrast');
    await screenshot(w.page, 'preview-merged');
    assertClean(w, 'merged card preview');
  });

  it('previews a pasted CDS Hooks request, and says when the pasted text is not JSON', async () => {
    const loaded = loadRuleSetFile(join(RULES_DIR, KETAMINE, 'rule-set.json'));
    assert.ok(loaded.ruleSet);
    const compiled = compileRuleSet(loaded.ruleSet);
    const fixture = loadFixtures(join(RULES_DIR, KETAMINE, 'fixtures')).fixtures.find((f) => f.name === ANEURYSM);
    assert.ok(fixture);
    const service = serviceForFixture(compiled, fixture);
    assert.ok(typeof service !== 'string');
    const request = fixtureToRequest(fixture, service);

    const w = await pageFor('author');
    await w.page.getByLabel('Paste a CDS Hooks request').check();
    const area = w.page.getByLabel('CDS Hooks request (JSON)');
    await area.fill('{"hook": ');
    await w.page.getByRole('button', { name: 'Show cards' }).click();
    await w.page.getByRole('alert').getByText('The pasted text is not valid JSON').waitFor();
    await area.fill(JSON.stringify(request, null, 2));
    await w.page.getByLabel('Hook', { exact: true }).selectOption(fixture.hook);
    await w.page.getByLabel('Evaluate at (optional)').fill(fixture.now);
    await w.page.getByRole('button', { name: 'Show cards' }).click();
    await w.page.locator('.preview-column').waitFor();
    assert.match((await w.page.locator('.result-intro').textContent()) ?? '', /the pasted request/);
    const expected = await engineCards(ANEURYSM);
    assert.deepEqual(
      (await w.page.locator('.cds-card .card-summary').allTextContents()).map((t) => t.trim()).sort(),
      expected.map((c) => c.summary).sort(),
    );
  });

  it('previews two versions side by side, a draft included, with raw HTML in card text shown as text', async () => {
    const w = await pageFor('author');
    await showPreview(w.page, ANEURYSM, { a: ACTIVE_VERSION, b: DRAFT_VERSION });
    const columns = w.page.locator('.preview-column');
    assert.equal(await columns.count(), 2);
    assert.equal(await columns.nth(0).getAttribute('data-version'), ACTIVE_VERSION);
    assert.equal(await columns.nth(1).getAttribute('data-version'), DRAFT_VERSION);
    assert.match((await columns.nth(1).locator('h2').textContent()) ?? '', /draft/);
    const draftSummary = (await columns.nth(1).locator('.cds-card--critical .card-summary').textContent()) ?? '';
    assert.ok(draftSummary.startsWith(DRAFT_SUMMARY_PREFIX), draftSummary);
    assert.ok(!((await columns.nth(0).locator('.cds-card--critical .card-summary').textContent()) ?? '').startsWith(DRAFT_SUMMARY_PREFIX));
    assert.match((await w.page.locator('.comparison').textContent()) ?? '', /Changed \(summary, detail\): contraindication-aneurysm/);

    const detail = columns.nth(1).locator('.cds-card--critical .card-detail');
    assert.equal(await detail.locator('img, script').count(), 0, 'no markup from the card text');
    assert.match((await detail.textContent()) ?? '', /<img src="http:\/\/evil\.example\/pixel\.png"/);
    assert.equal(await detail.locator('a[href^="javascript"]').count(), 0, 'no javascript: link');
    assert.equal(await w.page.evaluate(() => (window as unknown as { pwned?: boolean }).pwned), undefined);
    await w.page.setViewportSize({ width: 1366, height: 768 });
    await screenshot(w.page, 'preview-side-by-side');
    assertClean(w, 'side-by-side preview');
  });

  it('shows the diff between two versions for a clinician: the rule, its card text, and the sample patients that change', async () => {
    const w = await pageFor('author', '/console/diff');
    await w.page.goto(`${h.baseUrl}/console/diff`);
    await w.page.getByLabel('From version (older)').selectOption(ACTIVE_VERSION);
    await w.page.getByLabel('To version (newer)').selectOption(DRAFT_VERSION);
    await w.page.getByRole('button', { name: 'Compare' }).click();
    await w.page.locator('.diff-summary').waitFor({ timeout: 120_000 });
    const rules = w.page.locator('.diff-section').filter({ has: w.page.getByRole('heading', { name: 'Rules', exact: true }) });
    const ruleText = (await rules.textContent()) ?? '';
    assert.match(ruleText, /contraindication-aneurysm/);
    assert.match(ruleText, /card text/);
    assert.match(ruleText, new RegExp(DRAFT_SUMMARY_PREFIX));
    const added = await w.page.locator('.word-diff ins').allTextContents();
    assert.ok(added.some((t) => t.includes(DRAFT_SUMMARY_PREFIX.trim())), `card text shown word by word: ${added.join(' | ')}`);
    const impact = (await w.page.locator('.diff-section').filter({ has: w.page.locator('#impact-heading') }).textContent()) ?? '';
    assert.match(impact, new RegExp(`${ANEURYSM}`), 'the aneurysm sample patient is listed as changing');
    assert.match(w.page.url(), new RegExp(`from=${ACTIVE_VERSION.replace(/\./g, '\\.')}&to=${DRAFT_VERSION.replace(/\./g, '\\.')}`));
    await screenshot(w.page, 'diff');
    assertClean(w, 'diff');
  });

  it('shows the concerns 1.1.0 declares in the diff from 1.0.0, and the rules whose concern now merges', async () => {
    const w = await pageFor('author', '/console/diff');
    await w.page.goto(`${h.baseUrl}/console/diff`);
    await w.page.getByLabel('From version (older)').selectOption('1.0.0');
    await w.page.getByLabel('To version (newer)').selectOption('1.1.0');
    await w.page.getByLabel('Show which sample patients change').uncheck();
    await w.page.getByRole('button', { name: 'Compare' }).click();
    await w.page.locator('.diff-summary').waitFor({ timeout: 60_000 });
    assert.match((await w.page.locator('.diff-summary').textContent()) ?? '', /concerns: 3 added/);
    const concerns = w.page.locator('.diff-section').filter({ has: w.page.getByRole('heading', { name: 'Concerns (how fired rules become cards)' }) });
    const items = await concerns.locator('.diff-item .headline').allTextContents();
    assert.deepEqual(items.map((t) => t.split(' ')[1]), ['induction-checkpoint', 'interactions', 'pre-session']);
    assert.ok(items.some((t) => t.includes('pre-session Before the session (merge: summary "Before the session: {{items}}")')), items.join(' | '));
    const rules = (await w.page.locator('.diff-section').filter({ has: w.page.getByRole('heading', { name: 'Rules', exact: true }) }).textContent()) ?? '';
    assert.match(rules, /how its concern combines cards/);
    assert.match(rules, /concern mode: "rank" -> "merge"/);
    assert.match(rules, /card\.label: \(none\) -> "BP check"/);
    // The whole 1.0.0 -> 1.1.0 diff is long: keep the concerns section only.
    await concerns.screenshot({ path: join(SCREENSHOT_DIR, 'diff-concerns.png') });
    assertClean(w, 'diff with concerns');
  });

  it('refuses a lifecycle action by the wrong role and shows the API\'s message; the right role succeeds', async () => {
    const w = await pageFor('author', `/console/rule-sets?ruleSet=${KETAMINE}&version=${DRAFT_VERSION}`);
    await w.page.goto(`${h.baseUrl}/console/rule-sets?ruleSet=${KETAMINE}&version=${DRAFT_VERSION}`);
    await w.page.locator('#version-heading').waitFor();
    await w.page.getByLabel('Reason (kept in the version history)').fill('ready for clinical review');
    await w.page.getByRole('button', { name: 'Submit for review' }).click();
    await w.page.getByText('Submit for review: done.').waitFor();
    assert.match((await w.page.locator('#version-heading').textContent()) ?? '', /in-review/);

    // alice (author) may not approve: the button sits under "Actions for other roles" and the API refuses it.
    await w.page.getByText('Actions for other roles (reviewer)').click();
    await w.page.getByLabel('Reason (kept in the version history)').fill('looks fine to me');
    await w.page.getByRole('button', { name: 'Approve (reviewer)' }).click();
    const alert = w.page.locator('.lifecycle-actions [role="alert"]');
    await alert.waitFor();
    const message = (await alert.textContent()) ?? '';
    assert.match(message, /requires the reviewer role; alice has author/);
    await screenshot(w.page, 'rule-sets-refused');
    const version = await (await fetch(`${h.baseUrl}/admin/api/rule-sets/${KETAMINE}/versions/${DRAFT_VERSION}`, {
      headers: { Authorization: `Bearer ${CONSOLE_USERS.author.token}` },
    })).json() as { state: string; history: Array<{ to: string; actor: string }> };
    assert.equal(version.state, 'in-review', 'the refused action changed nothing');
    assert.deepEqual(version.history.map((e) => [e.to, e.actor]), [['draft', 'alice'], ['in-review', 'alice']]);
  });

  it('the version page reads the whole version: every rule under its id, conditions in words, no raw JSON', async () => {
    const w = await pageFor('reviewer', `/console/rule-sets?ruleSet=${KETAMINE}&version=1.1.0`);
    await w.page.goto(`${h.baseUrl}/console/rule-sets?ruleSet=${KETAMINE}&version=1.1.0`);
    await w.page.locator('#content-heading').waitFor();
    const content = w.page.locator('.version-content');
    const ids = await content.locator('details[open] dt code').allTextContents();
    const expected = (JSON.parse(readFileSync(join(RULES_DIR, KETAMINE, 'versions', '1.1.0.json'), 'utf8')) as { rules: { id: string }[] }).rules.map((r) => r.id);
    assert.deepEqual(ids, expected, 'every rule, under its id, in order');
    const text = (await content.locator('details[open]').textContent()) ?? '';
    assert.match(text, /When it fires:/);
    assert.match(text, /bp's systolic is at least 180 mmHg \(parameter bp-systolic-stop\)/);
    assert.doesNotMatch(text, /"(fact|operator|param)"\s*:/);
    assertClean(w, 'version content');
  });

  it('reaches the main controls by keyboard, with a visible focus ring, and shows cards on Enter', async () => {
    const w = await pageFor('author');
    await w.page.goto(`${h.baseUrl}/console/preview`);
    await w.page.locator('form.preview-form select[name="fixture"] option').first().waitFor({ state: 'attached' });
    await w.page.locator('body').focus();
    const reached: string[] = [];
    for (let i = 0; i < 30; i += 1) {
      await w.page.keyboard.press('Tab');
      const info = await w.page.evaluate(() => {
        const el = document.activeElement as HTMLElement | null;
        if (!el) return { name: '', outline: '' };
        const label = (el as HTMLInputElement).labels?.[0]?.textContent ?? el.getAttribute('aria-label') ?? el.textContent ?? '';
        const style = getComputedStyle(el);
        return { name: `${el.tagName.toLowerCase()}:${label.trim()}`, outline: `${style.outlineStyle} ${style.outlineWidth}` };
      });
      reached.push(info.name);
      assert.ok(!info.outline.startsWith('none') && !info.outline.endsWith(' 0px'), `${info.name} has a visible focus ring (${info.outline})`);
      if (info.name === 'button:Show cards') break;
    }
    for (const control of [
      'a:Skip to main content',
      'a:Card preview',
      'a:Override statistics',
      'button:Sign out',
      'select:Rule set',
      'select:Version (A)',
      'input:Compare with a second version',
      'input:Sample patient',
      'select:Sample patient',
      'select:Hook',
      'input:Evaluate at (optional)',
      'button:Show cards',
    ]) {
      assert.ok(reached.includes(control), `Tab reaches ${control}; reached: ${reached.join(' | ')}`);
    }
    await w.page.keyboard.press('Enter');
    await w.page.locator('.cds-card').first().waitFor();
    const summary = w.page.locator('.cds-card details.explanation summary').first();
    await summary.focus();
    await w.page.keyboard.press('Enter');
    assert.notEqual(await w.page.locator('.cds-card details.explanation').first().getAttribute('open'), null, 'Enter opens the explanation');
    assertClean(w, 'keyboard');
  });

  it('filters the decision log, opens a decision and verifies the chain', async () => {
    const w = await pageFor('auditor', '/console/decisions');
    await w.page.goto(`${h.baseUrl}/console/decisions`);
    await w.page.locator('table.decisions').waitFor();
    await w.page.getByLabel('Indicator').selectOption('critical');
    await w.page.getByRole('button', { name: 'Apply filters' }).click();
    await w.page.waitForURL(/indicator=critical/);
    await w.page.locator('table.decisions').waitFor();
    const rows = w.page.locator('table.decisions tbody tr');
    assert.ok((await rows.count()) > 0);
    for (let i = 0; i < (await rows.count()); i += 1) {
      assert.ok((await rows.nth(i).locator('.indicator--critical').count()) > 0, 'every listed decision has a critical card');
    }
    assert.ok(!w.page.url().includes('token'), 'filters only in the URL');
    const [download] = await Promise.all([w.page.waitForEvent('download'), w.page.getByRole('button', { name: 'Export CSV' }).click()]);
    assert.equal(download.suggestedFilename(), 'decisions.csv');
    const csvPath = await download.path();
    assert.ok(csvPath);
    const [header, ...lines] = readFileSync(csvPath, 'utf8').trim().split('\n');
    assert.match(header, /^seq,/);
    const exportedSeqs = new Set(lines.map((l) => l.split(',')[0]));
    const listedSeqs = new Set(await rows.locator('th a').allTextContents());
    assert.deepEqual([...exportedSeqs].sort(), [...listedSeqs].sort(), 'the export holds exactly the filtered decisions (one row per card)');
    await w.page.getByRole('button', { name: 'Verify the audit record' }).click();
    await w.page.getByText(new RegExp(`audit record intact: ${h.decisions.length} decision\\(s\\)`)).waitFor();
    await rows.first().locator('a').click();
    await w.page.locator('#fired-heading').waitFor();
    assert.match((await w.page.locator('main h1').textContent()) ?? '', /^Decision \d+$/);
    assertClean(w, 'decision log');
  });

  it('shows a decision\'s merged card with its contributing rules, the rules merged into it, and credits each in the statistics', async () => {
    const merged = await engineMergedCard();
    const decisions = await h.store.listDecisions({ limit: 1000 });
    const decision = decisions.find((d) => d.cards.some((c) => c.summary === merged.summary));
    assert.ok(decision, 'a seeded decision of the pre-session sample patient');
    const recorded = decision.cards.find((c) => c.summary === merged.summary)!;
    assert.deepEqual(recorded.ruleIds, merged.contributors.map((c) => c.id), 'recorded with every contributor, in rank order');

    const w = await pageFor('auditor', `/console/decisions/${decision.seq}`);
    await w.page.goto(`${h.baseUrl}/console/decisions/${decision.seq}`);
    await w.page.locator('#fired-heading').waitFor();
    const row = w.page.locator(`tr[data-card="${recorded.uuid}"]`);
    assert.match((await row.locator('.card-rules p').textContent()) ?? '', new RegExp(`Merged card of concern "${merged.concern.id}": ${merged.contributors.length} contributing rules`));
    const listed = row.locator('ul.contributors li');
    assert.deepEqual(await listed.evaluateAll((els) => els.map((e) => e.getAttribute('data-rule'))), merged.contributors.map((c) => c.id));
    for (const [i, c] of merged.contributors.entries()) {
      assert.equal((await listed.nth(i).locator('.indicator').textContent())?.trim().toLowerCase(), c.indicator, `${c.id}: indicator`);
      const fired = w.page.locator(`.fired-list > li[data-rule="${c.id}"]`);
      assert.equal((await fired.locator('.merged-into').textContent())?.trim(), `(merged into the "${merged.concern.id}" card)`, c.id);
      assert.ok((await fired.locator('ul.facts > li').count()) >= c.facts.length, `${c.id}: its facts`);
    }
    await screenshot(w.page, 'decision-merged');
    assertClean(w, 'decision with a merged card');

    // The feedback on the merged card counts for every contributor.
    const stats = await (await fetch(`${h.baseUrl}/admin/api/stats/overrides`, { headers: { Authorization: `Bearer ${CONSOLE_USERS.auditor.token}` } })).json() as {
      rows: Array<{ ruleId: string; shown: number; accepted: number }>;
    };
    const shownMerged = decisions.filter((d) => d.cards.some((c) => c.summary === merged.summary)).length;
    const accepted = await h.store.feedbackForCards(decisions.flatMap((d) => d.cards.filter((c) => c.summary === merged.summary).map((c) => c.uuid)));
    assert.ok(accepted.some((f) => f.outcome === 'accepted'), 'the seeded feedback accepted the merged card');
    for (const c of merged.contributors) {
      const statsRow = stats.rows.find((r) => r.ruleId === c.id);
      assert.ok(statsRow, `a statistics row for contributor ${c.id}`);
      assert.ok(statsRow.shown >= shownMerged && statsRow.accepted > 0, `${c.id}: ${JSON.stringify(statsRow)}`);
    }
  });

  it('draws override rates per rule and version as an SVG chart with the reasons given', async () => {
    const w = await pageFor('auditor', '/console/stats');
    await w.page.goto(`${h.baseUrl}/console/stats?from=2026-03-01&through=2026-03-31&bucket=week`);
    await w.page.locator('svg.chart').waitFor();
    const stats = await (await fetch(`${h.baseUrl}/admin/api/stats/overrides?from=2026-03-01&to=2026-04-01`, {
      headers: { Authorization: `Bearer ${CONSOLE_USERS.auditor.token}` },
    })).json() as { rows: Array<{ ruleId: string; ruleSetVersion: string; overridden: number }> };
    assert.ok(stats.rows.some((r) => r.overridden > 0), 'the seeded feedback includes overrides');
    assert.equal(await w.page.locator('ul.legend li').count(), stats.rows.length, 'one series per rule and version');
    assert.equal(await w.page.locator('svg.chart g.series').count(), stats.rows.length);
    const table = (await w.page.locator('table.data').last().textContent()) ?? '';
    assert.match(table, /Benefit outweighs risk/, 'override reasons listed');
    assertClean(w, 'stats');
  });
});
