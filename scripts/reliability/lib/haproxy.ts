/**
 * A real HAProxy (the Debian package `haproxy`, installed by .ci/run) in front of the service replicas,
 * as docs/deployment.md describes it, on loopback ports only: round robin, health checks on GET /readyz
 * (a replica that answers 503, e.g. while draining, is taken out of rotation), one connection to a replica
 * per request (`option http-server-close`), a request whose connection to a replica cannot be made is sent
 * to another one (`retry-on conn-failure`, `option redispatch`), and
 * every answer names the replica that gave it (`X-Served-By`, also on answers HAProxy makes itself).
 *
 * HAProxy runs in the foreground as a child process (its pid is HAProxy itself), logging to stderr:
 * health-check state changes ("Server replicas/r1 is DOWN ...") are events the caller can wait for.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

export const SERVED_BY_HEADER = 'x-served-by';

/** HAPROXY_PATH, else the Debian package's binary, else `haproxy` on the PATH; undefined when none runs. */
export function findHaproxy(): string | undefined {
  const candidates = [process.env.HAPROXY_PATH, '/usr/sbin/haproxy', 'haproxy'].filter((c): c is string => !!c);
  for (const candidate of candidates) {
    if (candidate.includes('/') && !existsSync(candidate)) continue;
    const probe = spawnSync(candidate, ['-v'], { encoding: 'utf8' });
    if (probe.status === 0) return candidate;
  }
  return undefined;
}

export interface Backend {
  name: string;
  port: number;
}

export interface HaproxyOptions {
  /** Folder for the generated configuration file. */
  dir: string;
  /** The balancer's port on 127.0.0.1. */
  port: number;
  backends: Backend[];
  /** Health check interval (ms) and how many failed / passed checks change a replica's state. */
  checkIntervalMs: number;
  fall: number;
  rise: number;
}

/** The configuration: the same shape as docs/deployment.md's production example, without TLS (loopback only). */
export function haproxyConfig(options: HaproxyOptions): string {
  return [
    'global',
    '  log stderr format raw local0 info',
    '  maxconn 4096',
    '',
    'defaults',
    '  mode http',
    '  log global',
    '  option log-health-checks',
    '  timeout connect 2s',
    '  timeout client 60s',
    '  timeout server 60s',
    // Without it a check may take only `inter`: a replica whose event loop is busy under load (its /readyz
    // also waits for a pooled database connection) would be taken out of rotation for being slow.
    '  timeout check 2s',
    // A new connection to a replica per request (client connections stay keep-alive): a request is never
    // written into a pooled connection to a replica that has died meanwhile, where it could not be retried
    // (a request larger than HAProxy's buffer cannot be sent twice); a connection that cannot be made is.
    '  option http-server-close',
    // A request whose connection to a replica cannot be made (e.g. it was just killed) goes to another one.
    '  retries 3',
    '  retry-on conn-failure',
    '  option redispatch 1',
    '',
    'frontend cds',
    `  bind 127.0.0.1:${options.port}`,
    // One log line per request naming the replica that got it, by the caller's X-Request-Id.
    '  http-request capture req.hdr(x-request-id) len 64',
    '  log-format "request id=%[capture.req.hdr(0)] server=%s status=%ST termination=%tsc"',
    '  default_backend replicas',
    '',
    'backend replicas',
    '  balance roundrobin',
    '  option httpchk GET /readyz',
    '  http-check expect status 200',
    `  default-server inter ${options.checkIntervalMs}ms fastinter ${options.checkIntervalMs}ms downinter ${options.checkIntervalMs}ms fall ${options.fall} rise ${options.rise}`,
    '  http-after-response set-header X-Served-By %s',
    ...options.backends.map((b) => `  server ${b.name} 127.0.0.1:${b.port} check`),
    '',
  ].join('\n');
}

export interface Haproxy {
  child: ChildProcess;
  baseUrl: string;
  /** Every line HAProxy wrote (log lines and messages). */
  lines: string[];
  /** Resolves with the first line (seen or future) that matches; rejects after timeoutMs or if HAProxy exits. */
  waitForLine(match: (line: string) => boolean, timeoutMs?: number): Promise<string>;
  /** Stops HAProxy (SIGTERM; SIGKILL after 5 s). */
  stop(): Promise<void>;
}

export interface RequestLogLine {
  requestId: string;
  /** The replica the request was sent to (`<NOSRV>` when none). */
  server: string;
  /** HTTP status given to the client (-1 when none was). */
  status: number;
  /** HAProxy's termination state (e.g. `----` for a normal end, `SD--` for a replica that died mid-answer). */
  termination: string;
}

const REQUEST_LINE = /request id=(\S*) server=(\S+) status=(-?\d+) termination=(\S+)/;

/** The request log lines (one per request through the balancer). */
export function requestLog(lines: readonly string[]): RequestLogLine[] {
  return lines.flatMap((line) => {
    const match = REQUEST_LINE.exec(line);
    return match ? [{ requestId: match[1], server: match[2], status: Number(match[3]), termination: match[4] }] : [];
  });
}

/** A line saying that the health checks took `server` out of rotation, or put it back. */
export function stateLine(server: string, state: 'UP' | 'DOWN'): (line: string) => boolean {
  return (line) => line.includes(`Server replicas/${server} is ${state}`);
}

export async function startHaproxy(binary: string, options: HaproxyOptions): Promise<Haproxy> {
  const configFile = join(options.dir, 'haproxy.cfg');
  writeFileSync(configFile, haproxyConfig(options));
  const check = spawnSync(binary, ['-c', '-f', configFile], { encoding: 'utf8' });
  if (check.status !== 0) throw new Error(`haproxy refused its configuration:\n${check.stdout}${check.stderr}`);
  // -db: foreground, not a daemon: the child is HAProxy itself, logging to stderr.
  const child = spawn(binary, ['-db', '-f', configFile], { stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  const waiters = new Set<{ match: (line: string) => boolean; resolve: (line: string) => void }>();
  let exited = false;
  const exit = new Promise<void>((resolve) =>
    child.once('exit', (code, signal) => {
      exited = true;
      lines.push(`(haproxy exited: code ${code}, signal ${signal})`);
      resolve();
    }),
  );
  const onLine = (line: string): void => {
    lines.push(line);
    for (const waiter of [...waiters]) {
      if (waiter.match(line)) {
        waiters.delete(waiter);
        waiter.resolve(line);
      }
    }
  };
  createInterface({ input: child.stdout! }).on('line', onLine);
  createInterface({ input: child.stderr! }).on('line', onLine);

  const waitForLine = (match: (line: string) => boolean, timeoutMs = 30_000): Promise<string> => {
    const seen = lines.find(match);
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise<string>((resolve, reject) => {
      const waiter = { match, resolve: (line: string) => (clearTimeout(timer), resolve(line)) };
      const timer = setTimeout(() => {
        waiters.delete(waiter);
        reject(new Error(`no matching haproxy line within ${timeoutMs} ms; last lines:\n${lines.slice(-20).join('\n')}`));
      }, timeoutMs);
      waiters.add(waiter);
      void exit.then(() => {
        if (!waiters.delete(waiter)) return;
        clearTimeout(timer);
        reject(new Error(`haproxy exited before the awaited line; last lines:\n${lines.slice(-20).join('\n')}`));
      });
    });
  };

  // Listening: the balancer accepts a connection (HAProxy binds before it logs anything useful).
  await waitUntilListening(options.port, exit);
  return {
    child,
    baseUrl: `http://127.0.0.1:${options.port}`,
    lines,
    waitForLine,
    async stop() {
      if (exited) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => {
        if (!exited) child.kill('SIGKILL');
      }, 5000);
      await exit;
      clearTimeout(timer);
    },
  };
}

/** Resolves once a TCP connection to 127.0.0.1:port succeeds; rejects if the process exits first. */
async function waitUntilListening(port: number, exit: Promise<void>): Promise<void> {
  const { connect } = await import('node:net');
  let gone = false;
  void exit.then(() => (gone = true));
  for (let attempt = 0; attempt < 200; attempt++) {
    if (gone) throw new Error('haproxy exited at start');
    const ok = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => (socket.destroy(), resolve(true)));
      socket.once('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`haproxy did not listen on 127.0.0.1:${port}`);
}
