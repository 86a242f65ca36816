/**
 * Samples a process's resident memory from /proc/<pid>/status (Linux): VmRSS every `intervalMs`, and
 * VmHWM (the kernel's own peak-RSS high-water mark) at every sample. Elsewhere (no /proc) it reports
 * nothing rather than a made-up figure.
 */
import { readFileSync } from 'node:fs';

export interface MemoryReading {
  /** Largest VmRSS seen while sampling (MB). */
  maxRssMb: number;
  /** VmHWM at the last sample: peak RSS since the process started (MB). */
  hwmMb: number;
  samples: number;
}

function readStatusKb(pid: number): { rssKb: number; hwmKb: number } | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return undefined;
  }
  const field = (name: string): number => {
    const match = new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(text);
    return match ? Number(match[1]) : Number.NaN;
  };
  return { rssKb: field('VmRSS'), hwmKb: field('VmHWM') };
}

export function memorySupported(pid: number = process.pid): boolean {
  return readStatusKb(pid) !== undefined;
}

export interface MemorySampler {
  stop(): MemoryReading | undefined;
}

export function sampleMemory(pid: number, intervalMs = 100): MemorySampler {
  let maxRssKb = 0;
  let hwmKb = 0;
  let samples = 0;
  const take = (): void => {
    const reading = readStatusKb(pid);
    if (!reading) return;
    samples += 1;
    if (reading.rssKb > maxRssKb) maxRssKb = reading.rssKb;
    if (reading.hwmKb > hwmKb) hwmKb = reading.hwmKb;
  };
  take();
  const timer = setInterval(take, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      take();
      if (samples === 0) return undefined;
      return { maxRssMb: maxRssKb / 1024, hwmMb: hwmKb / 1024, samples };
    },
  };
}
