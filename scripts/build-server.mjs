/**
 * `npm run build`: bundles the service (server/main.ts and every project module it imports) into
 * dist/main.js (and the admin API's worker thread, server/admin/admin-worker.ts, into dist/admin-worker.js)
 * and the `cds-rules` CLI (cli/cds-rules.ts) into dist/cds-rules.js with esbuild (a
 * production dependency), so that `npm start` runs plain `node dist/main.js` and bin/cds-rules.js runs
 * plain `dist/cds-rules.js`: no TypeScript loader at run time (faster start-up, about 30 MB less memory;
 * tsx is a development tool only). npm packages stay external (resolved from node_modules at run time;
 * better-sqlite3 is native). It also writes the prebuilt JSON Schema validators to dist/validators/
 * (scripts/build-validators.ts, use-cases/prebuilt-validator-files.ts).
 *
 * `--cli` builds only the CLI (bin/cds-rules.js does this when its bundle is missing or older than one
 * of its sources, listed next to it in dist/cds-rules.inputs.json); `--quiet` prints nothing.
 * Every output is written to a temporary file and renamed, so a process never loads half a bundle.
 *
 * Files the service reads at run time (rules/, store/migrations/, cds-hooks/schemas/, server/schemas/, the
 * console's static files and client sources) are found relative to the project root, not
 * copied: each project module's `import.meta.url` is rewritten to the URL of its own source file,
 * relative to dist/main.js, so `new URL('./x.json', import.meta.url)` in a module means what it means
 * when the module runs from source. The project can be moved as a whole after building.
 */
import { spawnSync } from 'node:child_process';
import { build } from 'esbuild';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
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
const CLI_ONLY = process.argv.includes('--cli');
const QUIET = process.argv.includes('--quiet');
const DIST = resolve(ROOT, 'dist');
const SERVICE_FILE = resolve(DIST, 'main.js');
export const CLI_FILE = resolve(DIST, 'cds-rules.js');

const ADMIN_WORKER_FILE = resolve(DIST, 'admin-worker.js');
const ADMIN_WORKER_ENTRY = "import './server/admin/admin-worker.ts';\n";
const SERVICE_ENTRY = "import { startFromCommandLine } from './server/main.ts';\nstartFromCommandLine();\n";
const CLI_ENTRY = "export { main } from './cli/cds-rules.ts';\n";

/** Bundles `contents` (an entry module's text, resolved from the project root) to `outFile`. */
async function bundle(contents, outFile) {
  const result = await build({
    stdin: { contents, resolveDir: ROOT, sourcefile: 'dist-entry.ts', loader: 'ts' },
    outfile: outFile,
    write: false,
    metafile: true,
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
  mkdirSync(dirname(outFile), { recursive: true });
  for (const file of result.outputFiles) writeAtomically(file.path, file.contents);
  return Object.keys(result.metafile.inputs).filter((input) => !input.includes('node_modules/') && input !== 'dist-entry.ts');
}

function writeAtomically(path, contents) {
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, contents);
  renameSync(temporary, path);
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
const built = [];
if (ENTRY !== undefined) {
  const outFile = resolve(DIST, `${ENTRY.split('/').pop().replace(/\.ts$/, '')}.js`);
  await bundle(`import ${JSON.stringify(`./${ENTRY}`)};\n`, outFile);
  built.push(outFile);
} else {
  if (!CLI_ONLY) {
    await bundle(SERVICE_ENTRY, SERVICE_FILE);
    built.push(SERVICE_FILE);
    // The admin API's worker thread (server/admin/admin-work-pool.ts runs this bundle outside tsx).
    await bundle(ADMIN_WORKER_ENTRY, ADMIN_WORKER_FILE);
    built.push(ADMIN_WORKER_FILE);
    // The service's validators, compiled now instead of at every start (use-cases/prebuilt-validator-files.ts).
    const builder = resolve(DIST, 'build-validators.js');
    await bundle(`import ${JSON.stringify('./scripts/build-validators.ts')};\n`, builder);
    const run = spawnSync(process.execPath, [builder], { stdio: ['ignore', 'ignore', 'inherit'] });
    if (run.status !== 0) throw new Error(`building the validators failed (exit ${run.status})`);
  }
  // The CLI, with the list of its sources (bin/cds-rules.js rebuilds when one is newer than the bundle).
  const inputs = await bundle(CLI_ENTRY, CLI_FILE);
  writeAtomically(resolve(DIST, 'cds-rules.inputs.json'), JSON.stringify(inputs));
  built.push(CLI_FILE);
}
if (!QUIET) console.log(`built ${built.map((f) => relative(ROOT, f)).join(', ')} in ${Date.now() - started} ms`);
