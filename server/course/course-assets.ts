/**
 * The course view's files, all served by the service itself (no CDN, no external fonts):
 *   course/static/index.html   the page shell (the app, its "how it is launched" page and the demonstration launch)
 *   course/static/course.css   styles (screen, narrow side panel, print)
 *   course.js                  course/client/main.ts with the official SMART client library (fhirclient),
 *                              bundled by esbuild into memory on first request
 */
import { fileURLToPath } from 'node:url';
import { browserAppFiles, type BrowserAsset } from '../http/browser-app-files.js';

export type CourseAsset = BrowserAsset;

const COURSE_FILES = browserAppFiles({
  scriptLabel: "the course view's script",
  scriptName: 'course.js',
  entryPoint: fileURLToPath(new URL('../../course/client/main.ts', import.meta.url)),
  buildOptions: {
    minify: true,
    // fhirclient's "pure" build: modern browsers have fetch and AbortController (no polyfills).
    define: { FHIRCLIENT_PURE: 'true', 'process.env.NODE_ENV': '"production"' },
  },
  staticDir: new URL('../../course/static/', import.meta.url),
  staticAssets: Object.freeze({ 'course.css': 'text/css; charset=utf-8' }),
});

/** The client bundle (built once per process; a failed build is retried on the next request). */
export const courseBundle = COURSE_FILES.script;

export const coursePageShell = COURSE_FILES.pageShell;

/** A named asset, or undefined for an unknown name (own properties of the table only: "constructor" is unknown). */
export const courseAsset = COURSE_FILES.asset;
