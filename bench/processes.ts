/**
 * Every process the benchmark starts goes through here, so that all of them are stopped when the run ends,
 * fails, or is interrupted (Ctrl-C, SIGTERM). Each child gets its own process group (detached), so stopping
 * it also stops anything it started; we signal only the groups we created, by their id.
 */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';

export interface StartOptions {
  /** Short name used in messages ("ceiling server", "cds server"). */
  name: string;
  command: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Open an IPC channel (the child can process.send()). */
  ipc?: boolean;
  /** Pass the child's stdout/stderr through to ours (otherwise only kept for error messages). */
  inheritOutput?: boolean;
  /**
   * Write the child's stdout+stderr straight to this file (no pipe through our event loop: used for the
   * servers under test, whose request logs would otherwise cost the benchmark process CPU).
   */
  logFile?: string;
}

export interface Child {
  name: string;
  process: ChildProcess;
  pid: number;
  /** Resolves when the child has exited (never rejects). */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** The last few KB of the child's stdout+stderr, for error messages. */
  outputTail(): string;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves when it has exited. */
  stop(graceMs?: number): Promise<void>;
}

const running = new Set<Child>();
const TAIL_BYTES = 8192;

export function startChild(opts: StartOptions): Child {
  const logFd = opts.logFile ? openSync(opts.logFile, 'a') : undefined;
  const out = logFd ?? 'pipe';
  const stdio: SpawnOptions['stdio'] = opts.ipc ? ['ignore', out, out, 'ipc'] : ['ignore', out, out];
  let proc: ChildProcess;
  try {
    proc = spawn(opts.command, opts.args, {
      cwd: opts.cwd,
      env: opts.env ?? process.env,
      stdio,
      detached: true,
    });
  } finally {
    if (logFd !== undefined) closeSync(logFd);
  }
  if (proc.pid === undefined) throw new Error(`could not start the ${opts.name} (${opts.command})`);
  let tail = '';
  const logTail = (): string => {
    try {
      return readFileSync(opts.logFile as string, 'utf8').slice(-TAIL_BYTES);
    } catch {
      return '';
    }
  };
  const keep = (chunk: Buffer): void => {
    tail = (tail + chunk.toString('utf8')).slice(-TAIL_BYTES);
  };
  proc.stdout?.on('data', (chunk: Buffer) => {
    keep(chunk);
    if (opts.inheritOutput) process.stdout.write(chunk);
  });
  proc.stderr?.on('data', (chunk: Buffer) => {
    keep(chunk);
    if (opts.inheritOutput) process.stderr.write(chunk);
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    proc.once('exit', (code, signal) => resolve({ code, signal }));
    proc.once('error', () => resolve({ code: null, signal: null }));
  });
  const pid = proc.pid;
  const child: Child = {
    name: opts.name,
    process: proc,
    pid,
    exited,
    outputTail: () => (opts.logFile ? logTail() : tail),
    stop: async (graceMs = 5000) => {
      if (proc.exitCode === null && proc.signalCode === null) {
        signalGroup(pid, 'SIGTERM');
        const timer = setTimeout(() => signalGroup(pid, 'SIGKILL'), graceMs);
        await exited;
        clearTimeout(timer);
      }
      // Anything the child left behind in its group.
      signalGroup(pid, 'SIGKILL');
      running.delete(child);
    },
  };
  running.add(child);
  void exited.then(() => {
    if (!running.has(child)) return;
    // Exited on its own: forget it once its group is empty.
    running.delete(child);
  });
  return child;
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // The group is gone already.
  }
}

/** Stops every child still running (in parallel). */
export async function stopAll(): Promise<void> {
  await Promise.all([...running].map((c) => c.stop(3000)));
}

let installed = false;
const exitCleanups: Array<() => void> = [];

/** Runs `fn` (synchronously) when this process exits, however it exits: e.g. removing temporary files. */
export function onExitCleanup(fn: () => void): void {
  exitCleanups.push(fn);
}

/**
 * Stops all children when this process is interrupted or fails; as a last resort on exit, kills any
 * group still registered (synchronously: 'exit' handlers cannot wait).
 */
export function installCleanup(): void {
  if (installed) return;
  installed = true;
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    // A terminal's Ctrl-C reaches both us and the tsx wrapper, which relays it: act on the first only.
    if (stopping) return;
    stopping = true;
    process.stderr.write(`\n${signal}: stopping the ${running.size} process(es) the benchmark started...\n`);
    void stopAll().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('SIGHUP', onSignal);
  process.on('exit', () => {
    for (const child of running) signalGroup(child.pid, 'SIGKILL');
    for (const fn of exitCleanups) {
      try {
        fn();
      } catch {
        // Best effort while exiting.
      }
    }
  });
}

/** Waits for the first IPC message of `type` from a child; rejects if it exits first or after `timeoutMs`. */
export function waitForMessage<T extends { type: string }>(child: Child, type: string, timeoutMs: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`the ${child.name} did not report "${type}" within ${timeoutMs} ms. Output:\n${child.outputTail()}`));
    }, timeoutMs);
    const onMessage = (message: unknown): void => {
      const m = message as { type?: string; error?: string };
      if (m?.type === type) {
        cleanup();
        resolve(message as T);
      } else if (m?.type === 'error') {
        cleanup();
        reject(new Error(`the ${child.name} failed: ${m.error ?? 'unknown error'}\n${child.outputTail()}`));
      }
    };
    const onExit = (code: number | null, signal: string | null): void => {
      cleanup();
      reject(new Error(`the ${child.name} exited (code ${code}, signal ${signal}) before "${type}". Output:\n${child.outputTail()}`));
    };
    const cleanup = (): void => {
      clearTimeout(timer);
      child.process.off('message', onMessage);
      child.process.off('exit', onExit);
    };
    child.process.on('message', onMessage);
    child.process.once('exit', onExit);
  });
}
