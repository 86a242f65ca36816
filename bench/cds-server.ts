/**
 * Starts the real CDS Hooks server as a child process the way `npm start` runs it, only configured
 * through the environment: the production bundle, `node dist/main.js` (built once per benchmark run by
 * buildServerBundle(), as `npm start` builds it; no npm or tsx wrapper process, so the child's pid IS
 * the server and its /proc/<pid>/status is the server's memory). Ready = first HTTP 200
 * from GET /readyz; the time from spawn to that answer is the start-up time.
 */
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { startChild, type Child } from './processes.js';
import { REPO_ROOT } from './load.js';

/** The production bundle `npm run build` writes (scripts/build-server.mjs). */
export const SERVER_ENTRY = path.join(REPO_ROOT, 'dist/main.js');

/**
 * The Node flags `npm start` runs the bundle with, read from package.json's "start" script so that the
 * benchmark and `npm start` cannot drift apart. BENCH_SERVER_NODE_FLAGS replaces them for an A/B
 * comparison ("" = none).
 */
export const SERVER_NODE_FLAGS: readonly string[] = (process.env.BENCH_SERVER_NODE_FLAGS ?? startScriptNodeFlags().join(' ')).split(' ').filter(Boolean);

/**
 * BENCH_SERVER_ENV="NAME=value NAME=value": environment settings added to every CDS server the benchmark
 * starts, for an A/B comparison of a setting (e.g. STORE_APPEND_MODE=single).
 */
export function benchServerEnv(text: string | undefined = process.env.BENCH_SERVER_ENV): Record<string, string> {
  const env: Record<string, string> = {};
  for (const pair of (text ?? '').split(' ').filter(Boolean)) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new Error(`BENCH_SERVER_ENV: "${pair}" is not NAME=value`);
    env[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return env;
}

/** The flags between `node` and `dist/main.js` in package.json's "start" script. */
export function startScriptNodeFlags(): string[] {
  const packageJson = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { scripts?: { start?: string } };
  const start = packageJson.scripts?.start ?? '';
  const match = /\bnode((?: --\S+)*) dist\/main\.js\b/.exec(start);
  if (!match) throw new Error(`package.json "start" does not run "node [flags] dist/main.js": ${JSON.stringify(start)}`);
  return match[1].split(' ').filter(Boolean);
}

/** Builds dist/main.js from the current sources, as `npm start` does before starting. */
export function buildServerBundle(): void {
  execFileSync(process.execPath, [path.join(REPO_ROOT, 'scripts/build-server.mjs')], { cwd: REPO_ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
}

export interface CdsServer {
  child: Child;
  port: number;
  baseUrl: string;
  /** Spawn to first 200 from /readyz (ms). */
  readyMs: number;
  logFile: string;
  stop(): Promise<void>;
}

export interface CdsServerOptions {
  name: string;
  /** A fresh, empty directory for the embedded store (DATA_DIR). */
  dataDir: string;
  /** Where the server's stdout/stderr go. */
  logFile: string;
  /** Extra environment (CDS_CLIENTS, LOG_LEVEL, ...). */
  env?: Record<string, string>;
  /**
   * Write CPU profiles of the whole server run to this (empty) directory (node --cpu-prof). Node writes one
   * file per thread; mainThreadProfile() picks the server's. Locations read `dist/main.js:<line>`.
   */
  profileDir?: string;
  readyTimeoutMs?: number;
}

/** A free TCP port on 127.0.0.1 (asked of the kernel, then released). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

async function readyzOk(url: string): Promise<boolean> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(1000) });
    await response.arrayBuffer();
    return response.status === 200;
  } catch {
    return false;
  }
}

export async function startCdsServer(opts: CdsServerOptions): Promise<CdsServer> {
  mkdirSync(opts.dataDir, { recursive: true });
  const port = await freePort();
  const nodeFlags: string[] = [];
  if (opts.profileDir) {
    mkdirSync(opts.profileDir, { recursive: true });
    nodeFlags.push('--cpu-prof', `--cpu-prof-dir=${opts.profileDir}`);
  }
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    TMPDIR: process.env.TMPDIR,
    NODE_ENV: 'production',
    HOST: '127.0.0.1',
    PORT: String(port),
    DATA_DIR: opts.dataDir,
    ...benchServerEnv(),
    ...opts.env,
  };
  const started = process.hrtime.bigint();
  const child = startChild({
    name: opts.name,
    command: process.execPath,
    args: [...SERVER_NODE_FLAGS, ...nodeFlags, SERVER_ENTRY],
    cwd: REPO_ROOT,
    env,
    logFile: opts.logFile,
  });
  const baseUrl = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + (opts.readyTimeoutMs ?? 30_000);
  let exited = false;
  void child.exited.then(() => {
    exited = true;
  });
  for (;;) {
    if (exited) {
      throw new Error(`the ${opts.name} exited before it was ready. Its output:\n${child.outputTail()}`);
    }
    if (await readyzOk(`${baseUrl}/readyz`)) break;
    if (Date.now() > deadline) {
      await child.stop();
      throw new Error(`the ${opts.name} was not ready (GET /readyz = 200) within ${opts.readyTimeoutMs ?? 30_000} ms. Its output:\n${child.outputTail()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  const readyMs = Number(process.hrtime.bigint() - started) / 1e6;
  return { child, port, baseUrl, readyMs, logFile: opts.logFile, stop: () => child.stop(10_000) };
}

/**
 * The main thread's profile in a --cpu-prof directory: Node names files
 * CPU.<date>.<time>.<pid>.<thread id>.<seq>.cpuprofile and the main thread's id is 0.
 */
export function mainThreadProfile(dir: string): string | undefined {
  let files: string[];
  try {
    files = readdirSync(dir);
  } catch {
    return undefined;
  }
  const main = files.find((f) => /^CPU\.\d+\.\d+\.\d+\.0\.\d+\.cpuprofile$/.test(f));
  return main ? path.join(dir, main) : undefined;
}
