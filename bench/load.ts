/**
 * Parent side of the load generator: runs one load phase in a fresh child process (bench/load-generator.ts)
 * and returns its figures. While the load runs, the server's memory is sampled (bench/memory-sampler.ts).
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { openLoopExtraSeconds, type LoadConfig, type LoadResult } from './load-generator.js';
import { startChild, waitForMessage } from './processes.js';

const here = path.dirname(fileURLToPath(import.meta.url));
export const REPO_ROOT = path.resolve(here, '..');

/** Node arguments that run a TypeScript entry point with tsx's loader (no tsx wrapper process). */
export function tsNodeArgs(entry: string, extra: string[] = []): string[] {
  return ['--import', 'tsx', ...extra, entry];
}

export async function runLoad(config: LoadConfig): Promise<LoadResult> {
  const child = startChild({
    name: `load generator (${config.label}, ${config.connections} connections${config.openLoop ? `, open loop at ${config.openLoop.ratePerSecond} req/s` : ''})`,
    command: process.execPath,
    args: tsNodeArgs(path.join(here, 'load-generator.ts')),
    cwd: REPO_ROOT,
    ipc: true,
  });
  try {
    await waitForMessage(child, 'ready', 30_000);
    child.process.send({ type: 'run', config });
    const presignAllowance = config.jwt ? 60_000 + config.jwt.poolSize : 0;
    const timeout = (config.warmupSeconds + config.durationSeconds + openLoopExtraSeconds(config)) * 1000 + 60_000 + presignAllowance;
    const message = await waitForMessage<{ type: 'result'; result: LoadResult }>(child, 'result', timeout);
    return message.result;
  } finally {
    await child.stop();
  }
}
