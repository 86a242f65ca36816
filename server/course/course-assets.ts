/**
 * The course view's files, all served by the service itself (no CDN, no external fonts):
 *   course/static/index.html   the page shell (the app, its "how it is launched" page and the demonstration launch)
 *   course/static/course.css   styles (screen, narrow side panel, print)
 *   course.js                  course/client/main.ts with the official SMART client library (fhirclient),
 *                              bundled by esbuild into memory on first request
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const CLIENT_ENTRY = fileURLToPath(new URL('../../course/client/main.ts', import.meta.url));
const STATIC_DIR = new URL('../../course/static/', import.meta.url);

export interface CourseAsset {
  contentType: string;
  body: string;
}

const STATIC_ASSETS: Readonly<Record<string, string>> = Object.freeze({
  'course.css': 'text/css; charset=utf-8',
});

let bundle: Promise<string> | undefined;

/** The client bundle (built once per process; a failed build is retried on the next request). */
export function courseBundle(): Promise<string> {
  if (bundle === undefined) {
    bundle = build({
      entryPoints: [CLIENT_ENTRY],
      bundle: true,
      format: 'esm',
      platform: 'browser',
      target: 'es2022',
      write: false,
      minify: true,
      sourcemap: false,
      legalComments: 'inline',
      logLevel: 'silent',
      // fhirclient's "pure" build: modern browsers have fetch and AbortController (no polyfills).
      define: { FHIRCLIENT_PURE: 'true', 'process.env.NODE_ENV': '"production"' },
    }).then(
      (result) => result.outputFiles[0].text,
      (err: Error) => {
        bundle = undefined;
        throw new Error(`the course view's script could not be built: ${err.message}`);
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

export function coursePageShell(): CourseAsset {
  return { contentType: 'text/html; charset=utf-8', body: staticText('index.html') };
}

/** A named asset, or undefined for an unknown name. */
export async function courseAsset(name: string): Promise<CourseAsset | undefined> {
  if (name === 'course.js') return { contentType: 'text/javascript; charset=utf-8', body: await courseBundle() };
  const type = STATIC_ASSETS[name];
  return type === undefined ? undefined : { contentType: type, body: staticText(name) };
}
