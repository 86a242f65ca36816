/**
 * Heavy admin work off the event loop: a diff with fixture impact compiles two rule-set versions and
 * runs every fixture with each (about a second of CPU for the bundled rule set); override statistics on
 * SQLite run up to 61 aggregate queries (better-sqlite3 is synchronous). Run on the main thread, three
 * impact diffs at once stalled clinical calls for seconds; here tasks run one at a time on one worker
 * thread (server/admin/admin-worker.ts), so on a 2-core machine the service keeps a core for clinical
 * calls and admin tasks queue behind each other instead of multiplying the load.
 *
 * The worker runs the TypeScript source when the process runs under a TypeScript loader (tsx: tests,
 * `npm run start:dev`), and the bundle dist/admin-worker.js (scripts/build-server.mjs) otherwise
 * (`npm start`). It is started on first use, does not keep the process alive, and is started again if
 * it dies (the tasks it held fail with a clear message).
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { RuleSet } from '../../engine/rule-set-types.js';
import type { FixtureImpact } from '../../engine/diff/fixture-impact.js';
import type { FixtureImpactRunner } from '../../use-cases/diff-registry-versions.js';
import type { OverrideStatsRow } from '../../store/store.js';
import { overrideStatsRange } from '../../store/override-stats.js';
import type { StatsRange } from '../../store/sqlite-override-stats.js';
import type { AdminTask, AdminTaskReply } from './admin-worker.js';

const SOURCE_WORKER = new URL('./admin-worker.ts', import.meta.url);
/** Where scripts/build-server.mjs writes the worker's bundle (relative to this source file). */
export const BUNDLED_WORKER = new URL('../../dist/admin-worker.js', import.meta.url);

function runningUnderTypeScriptLoader(): boolean {
  return process.execArgv.some((arg) => arg.includes('tsx'));
}

/**
 * A worker running the admin worker: the bundle, or under tsx the source (a worker thread does not
 * inherit the parent's module hooks, so it registers tsx's itself before importing the source).
 */
function startAdminWorker(): Worker {
  if (runningUnderTypeScriptLoader()) {
    // tsx's ESM API (its "import" export), found next to the CommonJS one require.resolve gives.
    const tsxApi = pathToFileURL(createRequire(import.meta.url).resolve('tsx/esm/api').replace(/\.cjs$/, '.mjs')).href;
    const code = `import(${JSON.stringify(tsxApi)}).then(({ register }) => { register(); return import(${JSON.stringify(SOURCE_WORKER.href)}); });`;
    return new Worker(code, { eval: true });
  }
  if (existsSync(fileURLToPath(BUNDLED_WORKER))) return new Worker(BUNDLED_WORKER);
  throw new Error(`the admin worker bundle ${fileURLToPath(BUNDLED_WORKER)} is missing: run npm run build`);
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

interface Pending {
  resolve: (reply: { result: unknown; threadId: number }) => void;
  reject: (error: Error) => void;
}

export class AdminWorkPool {
  private worker: Worker | undefined;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  /** Threads that did work (for tests: never the main thread's id, 0). */
  readonly threadIds = new Set<number>();

  /** The fixture impact of a change, computed on the worker thread. */
  readonly fixtureImpact: FixtureImpactRunner = async (from: RuleSet, to: RuleSet, fixtureDirs: string[]) => {
    const reply = await this.run({ kind: 'fixture-impact', from, to, fixtureDirs });
    return reply as FixtureImpact;
  };

  /**
   * Override statistics over each range, read on the worker thread from the SQLite file `reader.file`
   * on a read-only connection of its own (one snapshot for all ranges). Ranges are checked here first,
   * so a bad range fails with the store's invalid-input error, as in process.
   */
  async sqliteOverrideStats(reader: { file: string; busyTimeoutMs: number }, ranges: StatsRange[]): Promise<OverrideStatsRow[][]> {
    for (const range of ranges) overrideStatsRange(range);
    const reply = await this.run({ kind: 'sqlite-override-stats', file: reader.file, busyTimeoutMs: reader.busyTimeoutMs, ranges });
    return reply as OverrideStatsRow[][];
  }

  private run(task: DistributiveOmit<AdminTask, 'id'>): Promise<unknown> {
    const worker = this.ensureWorker();
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, {
        resolve: ({ result, threadId }) => {
          this.threadIds.add(threadId);
          resolve(result);
        },
        reject,
      });
      worker.ref();
      worker.postMessage({ ...task, id } as AdminTask);
    });
  }

  private ensureWorker(): Worker {
    if (this.worker !== undefined) return this.worker;
    const worker = startAdminWorker();
    worker.unref();
    worker.on('message', (reply: AdminTaskReply) => {
      const pending = this.pending.get(reply.id);
      if (pending === undefined) return;
      this.pending.delete(reply.id);
      if (this.pending.size === 0) worker.unref();
      if ('error' in reply) pending.reject(new Error(reply.error));
      else pending.resolve({ result: reply.result, threadId: reply.threadId });
    });
    const fail = (error: Error): void => {
      if (this.worker === worker) this.worker = undefined;
      for (const [id, pending] of this.pending) {
        this.pending.delete(id);
        pending.reject(new Error(`the admin worker thread stopped (${error.message}); try again`));
      }
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`exit code ${code}`)));
    this.worker = worker;
    return worker;
  }

  /** Stops the worker (pending tasks fail). */
  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    if (worker !== undefined) await worker.terminate();
  }
}
