/**
 * The real server as an operator starts it: `node --import tsx server/main.ts` as a child process (the
 * child's pid is the server itself, so SIGKILL/SIGTERM reach it directly), configured only through
 * the environment, with its JSON log lines read from stdout. Ready = the "CDS Hooks service listening"
 * log line (an event, not a timer). Each child is stopped by its own pid only.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const SERVER_ENTRY = path.join(REPO_ROOT, 'server/main.ts');
export const READY_LOG_MESSAGE = 'CDS Hooks service listening';

export interface LogLine {
  msg?: string;
  level?: number;
  [key: string]: unknown;
}

export interface ServerProcess {
  child: ChildProcess;
  pid: number;
  port: number;
  baseUrl: string;
  /** Recent parsed log lines (the last 5 000, or StartServerOptions.keepLines). */
  lines: LogLine[];
  /** How many log lines carried each message (`msg`), over the whole run. */
  messageCounts: Map<string, number>;
  /** Output that was not a JSON log line (start-up errors, stack traces). */
  otherOutput: string[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Resolves with the first log line (already seen or future) that matches; rejects after timeoutMs or when the child exits. */
  waitForLog(match: (line: LogLine) => boolean, timeoutMs?: number): Promise<LogLine>;
  signal(signal: NodeJS.Signals): void;
  /** SIGTERM, then SIGKILL after graceMs; resolves when exited. */
  stop(graceMs?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** A free TCP port on 127.0.0.1 (asked of the kernel, then released). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** `count` distinct free TCP ports on 127.0.0.1 (all held open at once while asked, then released). */
export async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<net.Server>((resolve, reject) => {
          const server = net.createServer();
          server.once('error', reject);
          server.listen(0, '127.0.0.1', () => resolve(server));
        }),
    ),
  );
  const ports = servers.map((server) => (server.address() as net.AddressInfo).port);
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  return ports;
}

export interface StartServerOptions {
  dataDir: string;
  /** More environment (DATABASE_URL, STORE_FAILURE_MODE, CDS_CLIENTS, ...). */
  env?: Record<string, string>;
  port?: number;
  readyTimeoutMs?: number;
  /** How many recent log lines to keep in `lines` (default 5 000). */
  keepLines?: number;
}

export async function startServerProcess(options: StartServerOptions): Promise<ServerProcess> {
  const port = options.port ?? (await freePort());
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    TMPDIR: process.env.TMPDIR,
    HOST: '127.0.0.1',
    PORT: String(port),
    DATA_DIR: options.dataDir,
    LOG_LEVEL: 'info',
    PATIENT_KEY_SECRET: 'reliability-runs-patient-key-secret-0123456789',
    // The test run's log capture (test/support/log-capture-hooks.ts) covers the child's log lines too.
    ...(process.env.LOG_CAPTURE_FILE ? { LOG_CAPTURE_FILE: process.env.LOG_CAPTURE_FILE } : {}),
    ...options.env,
  };
  const child = spawn(process.execPath, ['--import', 'tsx', SERVER_ENTRY], { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: LogLine[] = [];
  const messageCounts = new Map<string, number>();
  const otherOutput: string[] = [];
  const waiters = new Set<{ match: (line: LogLine) => boolean; resolve: (line: LogLine) => void }>();
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  let hasExited = false;
  void exited.then(() => {
    hasExited = true;
  });
  const onLine = (text: string): void => {
    let line: LogLine;
    try {
      line = JSON.parse(text) as LogLine;
    } catch {
      otherOutput.push(text);
      if (otherOutput.length > 200) otherOutput.shift();
      return;
    }
    lines.push(line);
    if (lines.length > (options.keepLines ?? 5000)) lines.shift();
    if (typeof line.msg === 'string') messageCounts.set(line.msg, (messageCounts.get(line.msg) ?? 0) + 1);
    for (const waiter of [...waiters]) {
      if (waiter.match(line)) {
        waiters.delete(waiter);
        waiter.resolve(line);
      }
    }
  };
  createInterface({ input: child.stdout! }).on('line', onLine);
  createInterface({ input: child.stderr! }).on('line', (text) => {
    otherOutput.push(text);
    if (otherOutput.length > 200) otherOutput.shift();
  });

  const waitForLog = (match: (line: LogLine) => boolean, timeoutMs = 60_000): Promise<LogLine> => {
    const seen = lines.find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise<LogLine>((resolve, reject) => {
      const waiter = { match, resolve: (line: LogLine) => (clearTimeout(timer), resolve(line)) };
      const timer = setTimeout(() => {
        waiters.delete(waiter);
        reject(new Error(`no matching server log line within ${timeoutMs} ms; output:\n${otherOutput.slice(-20).join('\n')}`));
      }, timeoutMs);
      waiters.add(waiter);
      void exited.then(({ code, signal }) => {
        if (!waiters.has(waiter)) return;
        waiters.delete(waiter);
        clearTimeout(timer);
        reject(new Error(`the server exited (code ${code}, signal ${signal}) before the awaited log line; output:\n${otherOutput.slice(-20).join('\n')}`));
      });
    });
  };

  const server: ServerProcess = {
    child,
    pid: child.pid!,
    port,
    baseUrl: `http://127.0.0.1:${port}`,
    lines,
    messageCounts,
    otherOutput,
    exited,
    waitForLog,
    signal(signal) {
      if (!hasExited) process.kill(child.pid!, signal);
    },
    async stop(graceMs = 15_000) {
      if (hasExited) return exited;
      process.kill(child.pid!, 'SIGTERM');
      const timer = setTimeout(() => {
        if (!hasExited) process.kill(child.pid!, 'SIGKILL');
      }, graceMs);
      const result = await exited;
      clearTimeout(timer);
      return result;
    },
  };
  try {
    await waitForLog((line) => line.msg === READY_LOG_MESSAGE, options.readyTimeoutMs ?? 60_000);
  } catch (error) {
    if (!hasExited) process.kill(child.pid!, 'SIGKILL');
    throw error;
  }
  return server;
}
