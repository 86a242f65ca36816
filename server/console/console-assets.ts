/**
 * The console's files, all served by the service itself (no CDN, no external fonts):
 *   console/static/index.html   the page shell, the same for every console page
 *   console/static/console.css  styles
 *   console/static/icon.svg     the tab icon
 *   console.js                  console/client/main.ts and what it imports (marked, the engine's diff
 *                               wording), bundled by esbuild into memory on first request
 * Every console response carries CONSOLE_SECURITY_HEADERS (a strict Content-Security-Policy).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build, type Plugin } from 'esbuild';

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

const CLIENT_ENTRY = fileURLToPath(new URL('../../console/client/main.ts', import.meta.url));
const STATIC_DIR = new URL('../../console/static/', import.meta.url);

export interface ConsoleAsset {
  contentType: string;
  body: string;
}

/** Static files by the name they are served under (/console/assets/<name>). */
const STATIC_ASSETS: Readonly<Record<string, string>> = Object.freeze({
  'console.css': 'text/css; charset=utf-8',
  'icon.svg': 'image/svg+xml',
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

let bundle: Promise<string> | undefined;

/** The client bundle (built once per process; a failed build is retried on the next request). */
export function clientBundle(): Promise<string> {
  if (bundle === undefined) {
    bundle = build({
      entryPoints: [CLIENT_ENTRY],
      bundle: true,
      format: 'esm',
      platform: 'browser',
      target: 'es2022',
      write: false,
      minify: false,
      sourcemap: false,
      legalComments: 'inline',
      logLevel: 'silent',
      plugins: [nodeCryptoStub],
    }).then(
      (result) => result.outputFiles[0].text,
      (err: Error) => {
        bundle = undefined;
        throw new Error(`the console script could not be built: ${err.message}`);
      },
    );
  }
  return bundle;
}

const fileCache = new Map<string, string>();

function staticText(name: string): string {
  let text = fileCache.get(name);
  if (text === undefined) {
    text = readFileSync(new URL(name, STATIC_DIR), 'utf8');
    fileCache.set(name, text);
  }
  return text;
}

export function pageShell(): ConsoleAsset {
  return { contentType: 'text/html; charset=utf-8', body: staticText('index.html') };
}

/**
 * A named asset, or undefined for an unknown name. Names are looked up as own properties of the table
 * only: "constructor", "__proto__" or "toString" (inherited from Object.prototype) are unknown names.
 */
export async function consoleAsset(name: string): Promise<ConsoleAsset | undefined> {
  if (name === 'console.js') return { contentType: 'text/javascript; charset=utf-8', body: await clientBundle() };
  if (!Object.hasOwn(STATIC_ASSETS, name)) return undefined;
  return { contentType: STATIC_ASSETS[name], body: staticText(name) };
}
