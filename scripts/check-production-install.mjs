/**
 * `npm run check:production-install` (run by .ci/run): the production install serves. Copies the project
 * (the files git knows, without node_modules/, dist/ or data/) to a temporary folder, installs it the way
 * an operator does (`npm ci --omit=dev`: no tsx, no TypeScript, no test tools), runs `npm start` there (it
 * bundles with esbuild, then runs the bundle) and checks that the service answers /readyz and discovery
 * with the bundled services, that the console's script is bundled, and that the `cds-rules` command runs
 * from its bundle. Exits non-zero, saying what failed, otherwise. Plain Node.js: it needs nothing from
 * devDependencies itself.
 */
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
/** How long the service may take to answer /readyz after `npm start` (the build is part of it). */
const READY_DEADLINE_MS = 60_000;
/**
 * Development tools of ours: none may be installed by `npm ci --omit=dev`. (typescript is not listed: a
 * production dependency, fhirclient, pulls it in through expo.)
 */
const DEV_ONLY = ['tsx', 'mocha', 'dependency-cruiser', '@types/fhir', 'playwright-core', 'supertest'];

function step(text) {
  console.log(`== ${text}`);
}

function fail(text) {
  console.error(`production install check FAILED: ${text}`);
  process.exitCode = 1;
  throw new Error(text);
}

function run(command, args, cwd) {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (result.status !== 0) fail(`${command} ${args.join(' ')} exited ${result.status}:\n${result.stdout}\n${result.stderr}`);
  return result.stdout;
}

/** Tracked and untracked-but-not-ignored files: what a fresh clone of this tree has. */
function projectFiles() {
  return run('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], ROOT)
    .split('\0')
    .filter((file) => file !== '' && existsSync(join(ROOT, file)));
}

function freePort() {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolvePort(port));
    });
  });
}

async function getJson(url) {
  const response = await fetch(url, { signal: AbortSignal.timeout(5_000) });
  return { status: response.status, body: await response.json().catch(() => undefined) };
}

/** Polls /readyz until it answers 200, the process ends, or the deadline passes. */
async function waitUntilReady(base, child) {
  const deadline = Date.now() + READY_DEADLINE_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) fail(`npm start exited with ${child.exitCode} before the service was ready`);
    const answer = await getJson(`${base}/readyz`).catch(() => undefined);
    if (answer?.status === 200) return;
    await new Promise((wake) => setTimeout(wake, 200));
  }
  fail(`/readyz did not answer 200 within ${READY_DEADLINE_MS} ms`);
}

const copy = mkdtempSync(join(tmpdir(), 'production-install-'));
let child;
let output = '';
try {
  step(`copying the project to ${copy}`);
  for (const file of projectFiles()) {
    mkdirSync(dirname(join(copy, file)), { recursive: true });
    copyFileSync(join(ROOT, file), join(copy, file));
  }

  step('npm ci --omit=dev');
  run('npm', ['ci', '--omit=dev', '--no-audit', '--no-fund'], copy);
  const installedDevOnly = DEV_ONLY.filter((name) => existsSync(join(copy, 'node_modules', name, 'package.json')));
  if (installedDevOnly.length > 0) fail(`development packages were installed: ${installedDevOnly.join(', ')}`);

  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  step(`npm start (PORT=${port})`);
  child = spawn('npm', ['start'], {
    cwd: copy,
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', DATA_DIR: join(copy, 'data'), LOG_LEVEL: 'warn', NODE_OPTIONS: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  await waitUntilReady(base, child);

  const discovery = await getJson(`${base}/cds-services`);
  const services = discovery.body?.services ?? [];
  if (discovery.status !== 200 || services.length === 0) fail(`discovery answered ${discovery.status} with ${services.length} services`);
  console.log(`   /readyz 200; discovery 200 with ${services.length} services: ${services.map((s) => s.id).join(', ')}`);
  // The console's script is bundled by esbuild on first request: esbuild must be a production dependency.
  const script = await fetch(`${base}/console/assets/console.js`, { signal: AbortSignal.timeout(30_000) });
  const scriptText = await script.text();
  if (script.status !== 200 || scriptText.length < 10_000) fail(`/console/assets/console.js answered ${script.status} (${scriptText.length} bytes)`);
  console.log(`   /console/assets/console.js 200 (${scriptText.length} bytes)`);

  step('cds-rules validate rules (the CLI from its bundle)');
  const validated = spawnSync(process.execPath, [join(copy, 'bin', 'cds-rules.js'), 'validate', 'rules'], { cwd: copy, encoding: 'utf8' });
  // "ok <file>" lines go to stderr (stdout is kept for problems and machine-readable output).
  if (validated.status !== 0 || !validated.stderr.includes('ok rules/')) {
    fail(`cds-rules validate rules exited ${validated.status}:\n${validated.stdout}\n${validated.stderr}`);
  }
  console.log(validated.stderr.trim().replace(/^/gm, '   '));
  console.log('production install check passed');
} catch (error) {
  if (process.exitCode !== 1) console.error(`production install check FAILED: ${error.message}`);
  if (output !== '') console.error(`npm start output:\n${output}`);
  process.exitCode = 1;
} finally {
  if (child !== undefined && child.exitCode === null) {
    // npm runs the service in a child of its own: end the whole process group started above.
    process.kill(-child.pid, 'SIGTERM');
    await new Promise((done) => child.once('exit', done));
  }
  rmSync(copy, { recursive: true, force: true });
}
