/**
 * The console's files, all served by the service itself (no CDN, no external fonts):
 *   console/static/index.html   the page shell, the same for every console page
 *   console/static/console.css  styles
 *   console/static/icon.svg     the tab icon
 *   console.js                  console/client/main.ts and what it imports (marked, the engine's diff
 *                               wording), bundled by esbuild into memory on first request
 * Every console response carries CONSOLE_SECURITY_HEADERS (a strict Content-Security-Policy).
 */
import { fileURLToPath } from 'node:url';
import type { Plugin } from 'esbuild';
import { browserAppFiles, type BrowserAsset } from '../http/browser-app-files.js';

/** Only this origin: no inline script or style, no frames, no plugins, no form posts elsewhere. */
export const CONSOLE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

export const CONSOLE_SECURITY_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'Content-Security-Policy': CONSOLE_CSP,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cache-Control': 'no-cache',
});

/**
 * lib/canonical-json.ts (used by the diff wording the console shares with the CLI) imports
 * node:crypto for hashing, which the console never calls; the browser gets a stub that says so.
 */
const nodeCryptoStub: Plugin = {
  name: 'console-node-crypto-stub',
  setup(b) {
    b.onResolve({ filter: /^node:crypto$/ }, () => ({ path: 'node:crypto', namespace: 'console-stub' }));
    b.onLoad({ filter: /.*/, namespace: 'console-stub' }, () => ({
      contents: 'export function createHash() { throw new Error("hashing is not available in the console"); }',
      loader: 'js',
    }));
  },
};

export type ConsoleAsset = BrowserAsset;

const CONSOLE_FILES = browserAppFiles({
  scriptLabel: 'the console script',
  scriptName: 'console.js',
  entryPoint: fileURLToPath(new URL('../../console/client/main.ts', import.meta.url)),
  buildOptions: { plugins: [nodeCryptoStub] },
  staticDir: new URL('../../console/static/', import.meta.url),
  // Static files by the name they are served under (/console/assets/<name>).
  staticAssets: Object.freeze({
    'console.css': 'text/css; charset=utf-8',
    'icon.svg': 'image/svg+xml',
  }),
});

/** The client bundle (built once per process; a failed build is retried on the next request). */
export const clientBundle = CONSOLE_FILES.script;

export const pageShell = CONSOLE_FILES.pageShell;

/**
 * A named asset, or undefined for an unknown name. Names are looked up as own properties of the table
 * only: "constructor", "__proto__" or "toString" (inherited from Object.prototype) are unknown names.
 */
export const consoleAsset = CONSOLE_FILES.asset;
