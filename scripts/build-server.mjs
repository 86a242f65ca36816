/**
 * `npm run build`: bundles the service (server/main.ts and every project module it imports) into
 * dist/main.js with esbuild (installed with tsx), so that `npm start` runs plain `node dist/main.js`:
 * no TypeScript loader at run time (faster start-up, about 30 MB less memory). npm packages stay
 * external (resolved from node_modules at run time; better-sqlite3 is native). It also writes the prebuilt
 * JSON Schema validators to dist/validators/ (scripts/build-validators.ts, engine/prebuilt-validators.ts).
 *
 * Files the service reads at run time (rules/, store/migrations/, cds-hooks/schemas/, server/schemas/, engine's rule-set
 * schema, the console's static files and client sources) are found relative to the project root, not
 * copied: each project module's `import.meta.url` is rewritten to the URL of its own source file,
 * relative to dist/main.js, so `new URL('./x.json', import.meta.url)` in a module means what it means
 * when the module runs from source. The project can be moved as a whole after building.
 */
import { spawnSync } from 'node:child_process';
import { build } from 'esbuild';
import { readFile } from 'node:fs/promises';
import { dirname, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * `--entry <file.ts>` bundles another script the same way (e.g. `--entry bench/profile-evaluate.ts`, to
 * profile the engine as the service runs it, without the TypeScript loader); its output is
 * dist/<name>.js. Without it: the service, dist/main.js.
 */
const entryArg = process.argv.indexOf('--entry');
const ENTRY = entryArg === -1 ? undefined : process.argv[entryArg + 1];
const OUT_FILE = resolve(ROOT, 'dist', ENTRY === undefined ? 'main.js' : `${ENTRY.split('/').pop().replace(/\.ts$/, '')}.js`);

/** Bundles `entry` (a project .ts file, or the service when undefined) to `outFile`. */
async function bundle(entry, outFile) {
  await build({
    stdin: {
      contents:
        entry === undefined
          ? "import { startFromCommandLine } from './server/main.ts';\nstartFromCommandLine();\n"
          : `import ${JSON.stringify(`./${entry}`)};\n`,
      resolveDir: ROOT,
      sourcefile: 'dist-entry.ts',
      loader: 'ts',
    },
    outfile: outFile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    sourcemap: 'linked',
    legalComments: 'none',
    logLevel: 'warning',
    plugins: [sourceImportMetaUrl(outFile)],
  });
}

/** `import.meta.url` in a project source file -> the source file's URL, relative to the bundle. */
const sourceImportMetaUrl = (outFile) => ({
  name: 'source-import-meta-url',
  setup(b) {
    b.onLoad({ filter: /\.[cm]?ts$/ }, async (args) => {
      if (args.path.includes(`${sep}node_modules${sep}`)) return undefined;
      const text = await readFile(args.path, 'utf8');
      if (!text.includes('import.meta.url')) return { contents: text, loader: 'ts' };
      const fromBundle = relative(dirname(outFile), args.path).split(sep).join('/');
      return { contents: text.replaceAll('import.meta.url', `new URL(${JSON.stringify(fromBundle)}, import.meta.url).href`), loader: 'ts' };
    });
  },
});

const started = Date.now();
await bundle(ENTRY, OUT_FILE);
if (ENTRY === undefined) {
  // The service's validators, compiled now instead of at every start (engine/prebuilt-validators.ts).
  const builder = resolve(ROOT, 'dist', 'build-validators.js');
  await bundle('scripts/build-validators.ts', builder);
  const run = spawnSync(process.execPath, [builder], { stdio: ['ignore', 'ignore', 'inherit'] });
  if (run.status !== 0) throw new Error(`building the validators failed (exit ${run.status})`);
}
console.log(`built ${relative(ROOT, OUT_FILE)} in ${Date.now() - started} ms`);
