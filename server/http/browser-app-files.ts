/**
 * The files of a browser app the service serves itself (the console, the course view): a page shell
 * (`index.html`), a few static files, and one script bundled by esbuild into memory on first request.
 * No CDN, no external fonts. Asset names are looked up as own properties of the app's table only, so
 * "constructor", "__proto__" or "toString" (inherited from Object.prototype) are unknown names (404).
 */
import { readFileSync } from 'node:fs';
import { build, type BuildOptions } from 'esbuild';

export interface BrowserAsset {
  contentType: string;
  body: string;
}

export interface BrowserAppSpec {
  /** What the script is, for the error when it cannot be built ("the console script"). */
  scriptLabel: string;
  /** The name the script is served under ("console.js"). */
  scriptName: string;
  /** The script's entry module (a file path). */
  entryPoint: string;
  /** Options added to the shared build options (plugins, define, minify). */
  buildOptions?: BuildOptions;
  /** The folder of index.html and the static files. */
  staticDir: URL;
  /** Static files by the name they are served under, with their content type. */
  staticAssets: Readonly<Record<string, string>>;
}

export interface BrowserAppFiles {
  /** The bundled script (built once per process; a failed build is retried on the next request). */
  script(): Promise<string>;
  pageShell(): BrowserAsset;
  /** A named asset, or undefined for an unknown name. */
  asset(name: string): Promise<BrowserAsset | undefined>;
}

export function browserAppFiles(spec: BrowserAppSpec): BrowserAppFiles {
  let bundle: Promise<string> | undefined;
  const fileCache = new Map<string, string>();

  function script(): Promise<string> {
    if (bundle === undefined) {
      bundle = build({
        entryPoints: [spec.entryPoint],
        bundle: true,
        format: 'esm',
        platform: 'browser',
        target: 'es2022',
        write: false,
        minify: false,
        sourcemap: false,
        legalComments: 'inline',
        logLevel: 'silent',
        ...spec.buildOptions,
      }).then(
        (result) => {
          const file = result.outputFiles?.[0];
          if (file === undefined) throw new Error(`${spec.scriptLabel} could not be built: esbuild wrote no output`);
          return file.text;
        },
        (err: Error) => {
          bundle = undefined;
          throw new Error(`${spec.scriptLabel} could not be built: ${err.message}`);
        },
      );
    }
    return bundle;
  }

  function staticText(name: string): string {
    let text = fileCache.get(name);
    if (text === undefined) {
      text = readFileSync(new URL(name, spec.staticDir), 'utf8');
      fileCache.set(name, text);
    }
    return text;
  }

  return {
    script,
    pageShell: () => ({ contentType: 'text/html; charset=utf-8', body: staticText('index.html') }),
    async asset(name) {
      if (name === spec.scriptName) return { contentType: 'text/javascript; charset=utf-8', body: await script() };
      if (!Object.hasOwn(spec.staticAssets, name)) return undefined;
      return { contentType: spec.staticAssets[name], body: staticText(name) };
    },
  };
}
