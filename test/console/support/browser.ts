/**
 * Debian's Chromium driven by playwright-core (no downloaded browsers), and the checks every console
 * page gets: no console errors, no uncaught exceptions, and no request to any host but the service.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

/** Debian's Chromium (.ci/run installs it); CHROMIUM_PATH points elsewhere, e.g. on a laptop. */
export const CHROMIUM = process.env.CHROMIUM_PATH?.trim() || '/usr/bin/chromium';

/**
 * Why the browser tests cannot run here, or undefined when they can. Without a browser they are
 * skipped with a visible note, except in CI (CI=true), where a missing browser is a failure.
 */
export function browserUnavailable(): string | undefined {
  return existsSync(CHROMIUM) ? undefined : `no Chromium at ${CHROMIUM} (install Debian's chromium, or set CHROMIUM_PATH)`;
}
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
/** The laptop screen the console must work on. */
export const VIEWPORT = { width: 1366, height: 768 };
export const SCREENSHOT_DIR = new URL('../../../artifacts/screenshots/', import.meta.url).pathname;

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}

export interface WatchedPage {
  page: Page;
  context: BrowserContext;
  /** Console messages of type error, and uncaught page errors. */
  errors: string[];
  /** Every URL requested that is not on the service's origin. */
  foreignRequests: string[];
  /** Every URL requested. */
  requests: string[];
}

export async function openPage(browser: Browser, baseUrl: string): Promise<WatchedPage> {
  const context = await browser.newContext({ viewport: VIEWPORT });
  const page = await context.newPage();
  const watched: WatchedPage = { page, context, errors: [], foreignRequests: [], requests: [] };
  const origin = new URL(baseUrl).origin;
  page.on('console', (message) => {
    if (message.type() === 'error') watched.errors.push(message.text());
  });
  page.on('pageerror', (error) => watched.errors.push(`uncaught: ${error.message}`));
  page.on('request', (request) => {
    const url = request.url();
    watched.requests.push(url);
    if (!url.startsWith(`${origin}/`) && !url.startsWith('blob:') && !url.startsWith('data:')) watched.foreignRequests.push(url);
  });
  return watched;
}

/** Signs in through the console's own form (the token goes into sessionStorage). */
export async function signIn(page: Page, baseUrl: string, token: string, path = '/console/preview'): Promise<void> {
  await page.goto(`${baseUrl}${path}`);
  await page.getByLabel('Admin token').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByText('Signed in as').waitFor();
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const file = join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}
