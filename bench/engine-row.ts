/**
 * Row 5 of the table: the engine engineer's engine-only benchmark (bench/engine-bench.ts runEngineBench:
 * the bundled rule set over its fixtures, generated rule sets of 1,000 and 10,000 rules), run in its own
 * child process so that its heap and JIT state are its own, exactly as `npx tsx bench/engine-bench.ts`.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { EngineBenchRow } from './engine-bench.js';
import { REPO_ROOT, tsNodeArgs } from './load.js';
import { startChild, waitForMessage } from './processes.js';

export type { EngineBenchRow };

const here = fileURLToPath(import.meta.url);

export async function runEngineBench(opts: { quick: boolean }): Promise<EngineBenchRow[]> {
  const child = startChild({
    name: 'engine benchmark',
    command: process.execPath,
    args: tsNodeArgs(here),
    cwd: REPO_ROOT,
    ipc: true,
  });
  try {
    await waitForMessage(child, 'ready', 30_000);
    child.process.send({ type: 'run', quick: opts.quick });
    const message = await waitForMessage<{ type: 'result'; rows: EngineBenchRow[] }>(child, 'result', 15 * 60_000);
    return message.rows;
  } finally {
    await child.stop();
  }
}

// ---- Child-process entry ---------------------------------------------------------------------------

if (process.send && process.argv[1] && path.resolve(process.argv[1]) === here) {
  process.once('message', (message: { type?: string; quick?: boolean }) => {
    if (message?.type !== 'run') return;
    import('./engine-bench.js')
      .then((bench) => bench.runEngineBench({ quick: message.quick === true }))
      .then((rows) => process.send?.({ type: 'result', rows }, () => process.exit(0)))
      .catch((error: Error) => process.send?.({ type: 'error', error: error.stack ?? error.message }, () => process.exit(1)));
  });
  process.once('disconnect', () => process.exit(0));
  process.send({ type: 'ready' });
}
